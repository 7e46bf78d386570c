/**
 * npm run chart-digests [-- --write]
 *
 * Compares the digests pinned in modules/addons/chart-digests.json with the charts as published
 * today, for every chart version the synthesized stacks of every environment install (run `npm
 * run synth` first, as for providers-lock); `--write` writes the file instead. Needs the chart
 * registries (docker.io, ghcr.io, quay.io) and chart repositories over HTTPS: run it before the
 * first deploy and after raising a chart version, then commit the file. The deploy refuses a chart
 * without a pin or with another digest (scripts/deploy/chart-mirror.ts).
 * Exit 0: every chart pinned (or the file written); 1: a pin missing or different, or a chart
 * that could not be read; 2: a wrong command line.
 */
import * as path from "node:path";
import { ConfigError, loadEnvironments } from "../../config";
import { CHART_DIGESTS_PATH } from "../../modules/addons/chart-digest-pins";
import { printedHelp } from "../command-line";
import { USAGE, parseArguments } from "./arguments";
import { ChartDigestsError, chartDigests } from "./pins";

async function main(argv: readonly string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return 0;
  const parsed = parseArguments(argv, process.env);
  if (typeof parsed === "string") {
    console.error(parsed);
    return 2;
  }
  const root = path.resolve(__dirname, "..");
  try {
    return await chartDigests({
      outdir: path.join(root, "cdktf.out"),
      configs: loadEnvironments(),
      file: path.join(root, CHART_DIGESTS_PATH),
      write: parsed.write,
      fetch,
      print: (line) => console.log(line),
      warn: (line) => console.error(line),
    });
  } catch (error) {
    if (!(error instanceof ChartDigestsError || error instanceof ConfigError)) throw error;
    console.error(`chart-digests: ${error.message.split("\n")[0]}`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`chart-digests: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    process.exitCode = 1;
  },
);
