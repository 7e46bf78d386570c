/**
 * npm run review [-- --against <dir | git ref>] [--out <dir>] [--dir <synth output>]
 * Reads cdktf.out (no cloud, no terraform) and writes <out>/review.md, <out>/review.json (with
 * --against: the changes and each IAM role's changes) and one
 * diagram per environment (<env>.mmd, and <env>.svg when Graphviz's `dot` is installed). The
 * output folder is replaced whole, or removed when the run fails, so it never reads as current
 * when it is not. Every failure is one line and a non-zero exit.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, loadEnvironments } from "../../config";
import { printedHelp } from "../command-line";
import { dot } from "./diagram";
import { planDiff } from "./plan-diff";
import { buildReview, toMarkdown, topChanges } from "./report";
import { ReviewError, environments, loadSynthOutput, synthGitRef, type SynthOutput } from "./synth-output";
import { versionChanges, versionChangesMarkdown } from "./version-changes";

const OPTIONS = ["--against", "--out", "--dir"];
/** Changes listed in the terminal summary; the rest are in review.md. */
const TOP_CHANGES = 10;
const USAGE = "usage: npm run review [-- --against <dir | git ref>] [--out <dir>] [--dir <synth output>]";
const HELP = [
  USAGE,
  "Reads the synth output (--dir, default cdktf.out; no cloud, no terraform) and writes <out>/review.md,",
  "review.json and a diagram per environment (--out, default review-out). --against: what changed since",
  "that synth output folder or git ref (synthesized in a temporary worktree), and each IAM role's changes",
  "in words (actions allowed and denied, boundary, trust).",
].join("\n");

function parseArguments(argv: readonly string[]): Record<string, string> {
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!OPTIONS.includes(argv[i])) throw new ReviewError(`unknown argument ${argv[i]}; ${USAGE}`);
    if (argv[i + 1] === undefined) throw new ReviewError(`${argv[i]} needs a value; ${USAGE}`);
    options[argv[i]] = argv[i + 1];
  }
  return options;
}

function loadBaseline(against: string): SynthOutput {
  if (fs.existsSync(path.join(against, "manifest.json"))) return loadSynthOutput(against);
  const root = execFileSync("git", ["rev-parse", "--show-toplevel"], { encoding: "utf8" }).trim();
  return synthGitRef(against, root);
}

/** Writes the review into a fresh folder, then swaps it in for the old one. */
function writeOutputs(outdir: string, write: (dir: string) => void): void {
  const fresh = `${outdir}.tmp`;
  fs.rmSync(fresh, { recursive: true, force: true });
  fs.mkdirSync(fresh, { recursive: true });
  write(fresh);
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.renameSync(fresh, outdir);
}

function main(argv: readonly string[]): string {
  const options = parseArguments(argv);
  const outdir = options["--out"] ?? "review-out";
  try {
    const current = loadSynthOutput(options["--dir"] ?? "cdktf.out");
    const baseline = options["--against"] ? loadBaseline(options["--against"]) : undefined;
    const changes = baseline ? planDiff(baseline, current) : undefined;
    const names = loadEnvironments().map((c) => c.name);
    const review = buildReview(current, changes, names, baseline);
    // Kubernetes, add-on, node and data store versions, in the order an upgrade takes them.
    const versions = baseline ? versionChanges(baseline, current) : undefined;
    const hasDot = spawnSync("dot", ["-V"]).status === 0;
    writeOutputs(outdir, (dir) => {
      const versionSection = versions ? `\n${versionChangesMarkdown(versions).join("\n")}\n` : "";
      fs.writeFileSync(path.join(dir, "review.md"), toMarkdown(review) + versionSection);
      fs.writeFileSync(
        path.join(dir, "review.json"),
        `${JSON.stringify({ ...review, versionChanges: versions }, null, 2)}\n`,
      );
      for (const [env, stacks] of environments(current, names)) {
        const graph = review.environments.find((e) => e.name === env)?.diagram ?? "";
        fs.writeFileSync(path.join(dir, `${env}.mmd`), `${graph}\n`);
        const svg = hasDot ? spawnSync("dot", ["-Tsvg"], { input: dot(env, stacks), encoding: "utf8" }) : undefined;
        if (svg?.status === 0) fs.writeFileSync(path.join(dir, `${env}.svg`), svg.stdout);
      }
    });
    const roles = review.iamChanges?.length;
    const summary = changes ? `, ${changes.length} changes, ${roles} IAM role${roles === 1 ? "" : "s"} changed` : "";
    const top = changes ? topChanges(changes, TOP_CHANGES) : [];
    const more =
      changes && changes.length > top.length ? [`  ... ${changes.length - top.length} more in review.md`] : [];
    return [
      `review: ${review.environments.length} environments${summary}; wrote ${outdir}/review.md and review.json${hasDot ? " and SVG diagrams" : " (install graphviz for SVG diagrams)"}`,
      ...(top.length > 0 ? ["riskiest changes first:", ...top, ...more] : []),
    ].join("\n");
  } catch (error) {
    // A failed run leaves no review behind that could pass for this one.
    fs.rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
}

function run(argv: readonly string[]): void {
  if (printedHelp(argv, HELP)) return;
  try {
    console.log(main(argv));
  } catch (error) {
    const known = error instanceof ReviewError || error instanceof ConfigError;
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    if (error instanceof ConfigError) console.error(error.message);
    else console.error(known ? `review: ${message}` : `review: unexpected error: ${message}`);
    process.exitCode = 1;
  }
}

run(process.argv.slice(2));
