/**
 * npm run review [-- --against <dir | git ref>] [--out <dir>]
 * Reads cdktf.out (no cloud, no terraform) and writes <out>/review.md, <out>/review.json and one
 * diagram per environment (<env>.mmd, and <env>.svg when Graphviz's `dot` is installed).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadEnvironments } from "../../config";
import { dot } from "./diagram";
import { planDiff } from "./plan-diff";
import { buildReview, toMarkdown } from "./report";
import { environments, loadSynthOutput, synthGitRef, type SynthOutput } from "./synth-output";

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function loadBaseline(against: string): SynthOutput {
  if (fs.existsSync(path.join(against, "manifest.json"))) return loadSynthOutput(against);
  const root = execFileSync("git", ["rev-parse", "--show-toplevel"], { encoding: "utf8" }).trim();
  return synthGitRef(against, root);
}

function main(): void {
  const outdir = argument("--out") ?? "review-out";
  const current = loadSynthOutput(argument("--dir") ?? "cdktf.out");
  const against = argument("--against");
  const changes = against ? planDiff(loadBaseline(against), current) : undefined;
  const review = buildReview(
    current,
    changes,
    loadEnvironments().map((c) => c.name),
  );

  fs.mkdirSync(outdir, { recursive: true });
  fs.writeFileSync(path.join(outdir, "review.md"), toMarkdown(review));
  fs.writeFileSync(path.join(outdir, "review.json"), `${JSON.stringify(review, null, 2)}\n`);
  const hasDot = spawnSync("dot", ["-V"]).status === 0;
  for (const [env, stacks] of environments(
    current,
    review.environments.map((e) => e.name),
  )) {
    const graph = review.environments.find((e) => e.name === env)?.diagram ?? "";
    fs.writeFileSync(path.join(outdir, `${env}.mmd`), `${graph}\n`);
    if (hasDot) {
      const svg = spawnSync("dot", ["-Tsvg"], { input: dot(env, stacks), encoding: "utf8" });
      if (svg.status === 0) fs.writeFileSync(path.join(outdir, `${env}.svg`), svg.stdout);
    }
  }
  const summary = changes ? `, ${changes.length} changes` : "";
  console.log(
    `review: ${review.environments.length} environments${summary}; wrote ${outdir}/review.md and review.json${hasDot ? " and SVG diagrams" : " (install graphviz for SVG diagrams)"}`,
  );
}

main();
