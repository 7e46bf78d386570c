/**
 * npm run providers-lock
 *
 * Writes terraform-locks/<concern>.terraform.lock.hcl from the synth output (run `npm run synth`
 * first) with hashes for Linux and macOS, amd64 and arm64. Needs the Terraform registry: run it
 * once before the first deploy and again after changing a provider or module pin, then commit
 * terraform-locks/. The deploy command refuses a stack whose lock does not match its pins.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadEnvironments } from "../config";
import { printedHelp } from "./command-line";
import { LOCK_DIRECTORY, writeProviderLocks } from "./deploy/provider-locks";
import { loadStacks } from "./deploy/stack-graph";
import { TerraformCli, terraformEnvironment } from "./deploy/terraform";

const ROOT = path.resolve(__dirname, "..");
const USAGE = [
  "usage: npm run providers-lock",
  `Writes ${LOCK_DIRECTORY}/<concern>.terraform.lock.hcl from cdktf.out (run npm run synth first) for Linux and`,
  `macOS, amd64 and arm64. Needs registry.terraform.io; commit ${LOCK_DIRECTORY}/ afterwards.`,
].join("\n");

async function main(): Promise<void> {
  const outdir = path.join(ROOT, "cdktf.out");
  if (!fs.existsSync(path.join(outdir, "manifest.json"))) {
    throw new Error(`no synth output in ${outdir}: run npm run synth first`);
  }
  const stacks = loadEnvironments().flatMap((c) => loadStacks(outdir, c.name));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "providers-lock-"));
  const log = path.join(ROOT, "deploy-out", "providers-lock.log");
  fs.rmSync(log, { force: true });
  const terraform = new TerraformCli(terraformEnvironment(path.join(ROOT, ".terraform-plugin-cache")));
  try {
    console.log(`locking the providers of ${stacks.length} stacks (terraform output: ${path.relative(ROOT, log)})`);
    const written = await writeProviderLocks(stacks, ROOT, scratch, (dir, args) => terraform.run(dir, args, log));
    written.forEach((file) => console.log(`wrote ${file}`));
    console.log(`commit ${LOCK_DIRECTORY}/`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (!printedHelp(process.argv.slice(2), USAGE))
  main().catch((error: unknown) => {
    const first = error instanceof Error ? error.message.split("\n")[0] : String(error);
    console.error(`providers-lock: ${first} (terraform output: deploy-out/providers-lock.log)`);
    process.exitCode = 1;
  });
