/**
 * npm run --silent environments >> "$GITHUB_OUTPUT"
 * Prints the environments of config/ for GitHub Actions, so workflows never keep a second copy
 * of the accounts or GitHub environments: `matrix` (name, account, region of each, in promotion
 * order), and `accounts`, `regions` and `github-environments` by name (./environment-outputs.ts).
 * npm run environments -- --write-workflows
 * Rewrites the per-environment jobs of the infra workflow from config/ (./environment-workflows.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, loadEnvironments } from "../config";
import { printedHelp } from "./command-line";
import { environmentOutputs } from "./environment-outputs";
import { ENVIRONMENT_WORKFLOW, WorkflowMarkersError, withEnvironments } from "./environment-workflows";

const USAGE = [
  "usage: npm run --silent environments",
  "       npm run environments -- --write-workflows",
  "Prints matrix=, accounts=, regions= and github-environments= (JSON) of the environments in config/,",
  'one per line, for "$GITHUB_OUTPUT". With --write-workflows, rewrites the per-environment jobs of',
  `${ENVIRONMENT_WORKFLOW} (a delivery per environment, the rollout's choices) from config/.`,
].join("\n");

function printEnvironments(): void {
  environmentOutputs(loadEnvironments()).forEach((line) => console.log(line));
}

/** Rewrites the workflow's per-environment jobs for the environments of config/; says what it did. */
function writeWorkflows(): void {
  const configs = loadEnvironments();
  const file = path.resolve(__dirname, "..", ENVIRONMENT_WORKFLOW);
  const text = fs.readFileSync(file, "utf8");
  const updated = withEnvironments(text, configs);
  const names = configs.map((c) => c.name).join(", ");
  if (updated === text) {
    console.log(`${ENVIRONMENT_WORKFLOW}: already delivers ${names}; unchanged`);
    return;
  }
  fs.writeFileSync(file, updated);
  console.log(`${ENVIRONMENT_WORKFLOW}: written for ${names} (a delivery job each, in this order); commit it`);
}

function main(argv: readonly string[]): number {
  if (printedHelp(argv, USAGE)) return 0;
  const unknown = argv.filter((a) => a !== "--write-workflows");
  if (unknown.length > 0) {
    console.error(`environments: unknown argument ${unknown[0]}\n${USAGE}`);
    return 2;
  }
  try {
    if (argv.includes("--write-workflows")) writeWorkflows();
    else printEnvironments();
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof WorkflowMarkersError)) throw error;
    console.error((error as Error).message);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
