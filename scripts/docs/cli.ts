/**
 * npm run docs [-- --check]
 * Writes the generated blocks of README.md and docs/ (gate rules, waivers, checkov checks that are
 * off, stacks, Helm releases, cost per environment, who can do what) from the code, config and a
 * synth of every environment made for the purpose (cdktf.out is left alone). `--check` writes
 * nothing and exits 1 naming each stale block.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { printedHelp } from "../command-line";
import { loadSynthOutput } from "../review/synth-output";
import { staleBlocks, writeDocs, type DocsInput } from "./generated-docs";

const USAGE = [
  "usage: npm run docs [-- --check]",
  "Writes the generated blocks of README.md and docs/*.md (gate rules and fixes, waivers, checkov checks that are",
  "off, stacks and what they hold, Helm releases, cost per environment, who can do what) from the code, config and a",
  "synth of every environment into a temporary folder. --check writes nothing and exits 1 naming each stale block.",
].join("\n");

const root = path.resolve(__dirname, "..");

/** Synthesizes every environment with the app bundle npm run build made, into a temporary folder. */
function synthEveryEnvironment(outdir: string): void {
  const run = spawnSync(process.execPath, [path.join(root, "dist", "main.js")], {
    cwd: root,
    env: { ...process.env, CDKTF_OUTDIR: outdir, ENVIRONMENTS: "" },
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`docs: the synth failed, so no doc was written:\n${run.stderr.trim()}`);
}

async function main(argv: readonly string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return 0;
  const unknown = argv.filter((a) => a !== "--check");
  if (unknown.length > 0) {
    console.error(`docs: unknown argument ${unknown[0]}; ${USAGE.split("\n")[0]}`);
    return 2;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "docs-"));
  try {
    const outdir = path.join(work, "cdktf.out");
    synthEveryEnvironment(outdir);
    const input: DocsInput = { root, output: loadSynthOutput(outdir) };
    if (argv.includes("--check")) {
      const stale = await staleBlocks(input);
      for (const { block } of stale)
        console.error(`docs: ${block.file}: block ${block.name} is out of date; run npm run docs`);
      if (stale.length === 0) console.log("docs: every generated block is up to date");
      return stale.length > 0 ? 1 : 0;
    }
    const changed = await writeDocs(input);
    console.log(changed.length > 0 ? `docs: wrote ${changed.join(", ")}` : "docs: every generated block is up to date");
    return 0;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error((error as Error).message);
    process.exitCode = 1;
  },
);
