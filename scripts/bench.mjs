// npm run bench: times the synth of every environment against a minimal one-resource cdktf app,
// both bundled the same way and run in this same session. Prints medians, the ratio and peak memory.
// Usage: node scripts/bench.mjs [runs=7]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { buildOptions } from "./build.mjs";

const RUNS = Number(process.argv[2] ?? 7);
const TARGET_RATIO = 2.5;
const TARGET_PEAK_MIB = 250;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
const preload = path.resolve("scripts/bench/report-rss.cjs");

async function bundle(entry, outfile) {
  await build({ ...buildOptions, entryPoints: [entry], outfile, sourcemap: false });
  return outfile;
}

function runOnce(script, label, i) {
  const rssFile = path.join(work, `${label}-${i}.rss`);
  const env = { ...process.env, CDKTF_OUTDIR: path.join(work, `${label}-${i}.out`), BENCH_RSS_FILE: rssFile };
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ["--require", preload, script], { env, encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (run.status !== 0) throw new Error(`${label} synth failed:\n${run.stderr}`);
  return { seconds, peakMiB: Number(fs.readFileSync(rssFile, "utf8")) / 1024 };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function measure(script, label) {
  runOnce(script, label, "warmup");
  const runs = Array.from({ length: RUNS }, (_, i) => runOnce(script, label, i));
  return { seconds: median(runs.map((r) => r.seconds)), peakMiB: Math.max(...runs.map((r) => r.peakMiB)) };
}

try {
  const app = await bundle("main.ts", path.join(work, "app.js"));
  const minimal = await bundle("scripts/bench/minimal-app.ts", path.join(work, "minimal.js"));
  // Interleave nothing: each measured back to back, same machine state, same session.
  const baseline = measure(minimal, "minimal");
  const ours = measure(app, "app");
  const stacks = fs.readdirSync(path.join(work, "app-0.out", "stacks")).length;
  const ratio = ours.seconds / baseline.seconds;
  console.log(`runs per app: ${RUNS} (medians; peak = highest of the runs)`);
  console.log(
    `minimal app (1 stack, 1 resource): ${baseline.seconds.toFixed(3)} s, peak ${baseline.peakMiB.toFixed(0)} MiB`,
  );
  console.log(
    `all environments (${stacks} stacks):    ${ours.seconds.toFixed(3)} s, peak ${ours.peakMiB.toFixed(0)} MiB`,
  );
  console.log(`ratio: ${ratio.toFixed(2)} (target <= ${TARGET_RATIO}); peak target <= ${TARGET_PEAK_MIB} MiB`);
  if (ratio > TARGET_RATIO || ours.peakMiB > TARGET_PEAK_MIB) {
    console.error("bench: over target");
    process.exitCode = 1;
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
