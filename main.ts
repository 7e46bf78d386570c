/**
 * The CDKTF app: validates every environment, creates the stacks of those selected, synthesizes
 * them beside the output folder, and publishes them only if the policy gate passes.
 * Select environments with ENVIRONMENTS=dev,staging (default: all).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import { ConfigError, GITHUB_SETTINGS_ENVIRONMENT, PRODUCTION_ENVIRONMENTS, loadEnvironments } from "./config";
import { waiversFor } from "./config/waivers";
import { PolicyError, evaluatePolicy, readSynthesizedStacks } from "./modules/policy";
import { createEnvironmentStacks } from "./stacks/environment-stacks";
import { GithubStack } from "./stacks/github-stack";

/** Stack ids start with their environment's name: `prod-data` is production if prod is listed as such. */
function isProductionStack(stack: string): boolean {
  return PRODUCTION_ENVIRONMENTS.some((name) => stack.startsWith(`${name}-`));
}

function main(): void {
  // Validate before `new App()`: bad input writes nothing.
  const environments = loadEnvironments(process.env.ENVIRONMENTS);
  const everyEnvironment = loadEnvironments();
  const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
  const staging = `${outdir}.staging`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(staging), { recursive: true });

  const app = new App({ outdir: staging });
  for (const config of environments) {
    const stacks = createEnvironmentStacks(app, config);
    // The repository's GitHub settings: one stack, synthesized with the environment that keeps its state.
    if (config.name === GITHUB_SETTINGS_ENVIRONMENT) {
      new GithubStack(app, { environments: everyEnvironment }).addDependency(stacks.bootstrap);
    }
  }
  app.synth();

  const report = evaluatePolicy(readSynthesizedStacks(staging, isProductionStack), waiversFor(environments));
  if (report.violations.length > 0 || report.waiverProblems.length > 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new PolicyError(report);
  }
  keepOtherEnvironments(
    outdir,
    staging,
    environments.map((c) => c.name),
  );
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.renameSync(staging, outdir);
}

interface Manifest {
  stacks: Record<string, { workingDirectory: string }>;
}

/**
 * A synth of some environments (ENVIRONMENTS=prod) must not drop the others' output: their
 * stacks, as last synthesized, are carried into the new output and its manifest.
 */
function keepOtherEnvironments(outdir: string, staging: string, synthesized: string[]): void {
  const manifestOf = (dir: string) => path.join(dir, "manifest.json");
  if (!fs.existsSync(manifestOf(outdir))) return;
  const previous = JSON.parse(fs.readFileSync(manifestOf(outdir), "utf8")) as Manifest;
  const current = JSON.parse(fs.readFileSync(manifestOf(staging), "utf8")) as Manifest;
  const isSynthesized = (stack: string) => synthesized.some((env) => stack.startsWith(`${env}-`));
  for (const [stack, entry] of Object.entries(previous.stacks)) {
    if (isSynthesized(stack) || current.stacks[stack]) continue;
    fs.cpSync(path.join(outdir, entry.workingDirectory), path.join(staging, entry.workingDirectory), {
      recursive: true,
    });
    current.stacks[stack] = entry;
  }
  fs.writeFileSync(manifestOf(staging), JSON.stringify(current, null, 2));
}

const SYNTH_USAGE = [
  "usage: [ENVIRONMENTS=dev,staging] [CDKTF_OUTDIR=cdktf.out] npm run synth",
  "Validates every environment, synthesizes those selected (default: all) and publishes them into the output",
  "folder only if the policy gate passes.",
].join("\n");

try {
  if (process.argv.includes("--help") || process.argv.includes("-h")) console.log(SYNTH_USAGE);
  else main();
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof PolicyError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
