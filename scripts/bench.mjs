// npm run bench: times the synth of every environment against a minimal one-resource cdktf app in
// the same session, and prints medians, ratios and peak memory. Two baselines:
//  - "plain": the minimal app as cdktf users run it, compiled, loading cdktf from node_modules
//    (the reference the targets were set against: about 0.3 s on the 2-core machine);
//  - "bundled": the same app bundled like ours, to show what bundling alone buys.
// The gate: ratio to the plain baseline <= 2.5 and our peak memory <= 250 MiB.
// Usage: node scripts/bench.mjs [runs=7]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { buildOptions } from "./build.mjs";

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log("usage: npm run bench [-- <runs, default 7>]");
  console.log("Times the synth of every environment against a minimal cdktf app; fails over ratio 2.5 or 250 MiB.");
  process.exit(0);
}
const RUNS = Number(process.argv[2] ?? 7);
const TARGET_RATIO = 2.5;
const TARGET_PEAK_MIB = 250;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
const preload = path.resolve("scripts/bench/report-rss.cjs");

async function bundle(entry, outfile, extra = {}) {
  await build({ ...buildOptions, entryPoints: [entry], outfile, sourcemap: false, ...extra });
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

/** Runs each app in turn, RUNS rounds after a warm-up, so load on the machine hits all alike. */
function measureInterleaved(apps) {
  const samples = Object.fromEntries(Object.keys(apps).map((label) => [label, []]));
  for (const [label, script] of Object.entries(apps)) runOnce(script, label, "warmup");
  for (let i = 0; i < RUNS; i++) {
    for (const [label, script] of Object.entries(apps)) samples[label].push(runOnce(script, label, i));
  }
  return Object.fromEntries(
    Object.entries(samples).map(([label, runs]) => [
      label,
      { seconds: median(runs.map((r) => r.seconds)), peakMiB: Math.max(...runs.map((r) => r.peakMiB)) },
    ]),
  );
}

try {
  const app = await bundle("main.ts", path.join(work, "app.js"));
  const bundledMinimal = await bundle("scripts/bench/minimal-app.ts", path.join(work, "minimal.js"));
  // Compiled but not bundled: it must sit inside the project to find node_modules.
  const plainMinimal = await bundle("scripts/bench/minimal-app.ts", path.resolve("dist/bench/minimal-app.js"), {
    packages: "external",
    plugins: [],
  });
  const r = measureInterleaved({ plain: plainMinimal, bundled: bundledMinimal, app });
  const stacks = fs.readdirSync(path.join(work, "app-0.out", "stacks")).length;
  const ratio = r.app.seconds / r.plain.seconds;
  const row = (label, m) => `${label.padEnd(42)} ${m.seconds.toFixed(3)} s   peak ${m.peakMiB.toFixed(0)} MiB`;
  console.log(`runs per app: ${RUNS}, interleaved (medians; peak = highest of the runs)`);
  console.log(row("minimal app, plain (1 stack, 1 resource)", r.plain));
  console.log(row("minimal app, bundled like ours", r.bundled));
  console.log(row(`all environments (${stacks} stacks, bundled)`, r.app));
  console.log(`ratio to the plain minimal app:   ${ratio.toFixed(2)} (target <= ${TARGET_RATIO})`);
  console.log(`ratio to the bundled minimal app: ${(r.app.seconds / r.bundled.seconds).toFixed(2)} (information)`);
  console.log(`peak memory: ${r.app.peakMiB.toFixed(0)} MiB (target <= ${TARGET_PEAK_MIB} MiB)`);
  if (ratio > TARGET_RATIO || r.app.peakMiB > TARGET_PEAK_MIB) {
    console.error("bench: over target");
    process.exitCode = 1;
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
