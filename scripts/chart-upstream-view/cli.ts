/**
 * Writes the upstream view of a synth output (./view.ts) for the shared check-helm-values:
 * node dist/chart-upstream-view.js <synth output> <view folder>. One line saying how many
 * releases were put back to their upstream; exit 2 with one line on bad input.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, loadEnvironments } from "../../config";
import { environmentOfStackId } from "../../config/naming";
import { mapToUpstreams, type StackWithReleases } from "./view";

const USAGE = "usage: node dist/chart-upstream-view.js <synth output> <view folder>";

function main([outDir, viewDir, ...rest]: string[]): number {
  if (!outDir || !viewDir || rest.length > 0) {
    console.error(USAGE);
    return 2;
  }
  const stacksDir = path.join(outDir, "stacks");
  if (!fs.existsSync(stacksDir)) {
    console.error(`chart-upstream-view: no stacks in ${outDir}: run npm run synth first`);
    return 2;
  }
  const configs = loadEnvironments();
  fs.rmSync(viewDir, { recursive: true, force: true });
  let mapped = 0;
  let releases = 0;
  for (const stackName of fs.readdirSync(stacksDir).sort()) {
    const file = path.join(stacksDir, stackName, "cdk.tf.json");
    if (!fs.existsSync(file)) continue;
    const stack = JSON.parse(fs.readFileSync(file, "utf8")) as StackWithReleases;
    const config = configs.find((c) => c.name === environmentOfStackId(stackName));
    if (config) {
      const counts = mapToUpstreams(stack, config);
      mapped += counts.mapped;
      releases += counts.releases;
    }
    fs.mkdirSync(path.join(viewDir, "stacks", stackName), { recursive: true });
    fs.writeFileSync(path.join(viewDir, "stacks", stackName, "cdk.tf.json"), JSON.stringify(stack));
  }
  console.log(
    `chart-upstream-view: ${mapped} of ${releases} Helm releases pull through their environment's ECR; checked as their upstream`,
  );
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`chart-upstream-view: ${error instanceof ConfigError ? error.message : String(error)}`);
  process.exitCode = 2;
}
