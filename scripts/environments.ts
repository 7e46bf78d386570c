/**
 * npm run --silent environments >> "$GITHUB_OUTPUT"
 * Prints the environments of config/ for GitHub Actions, so workflows never keep a second copy
 * of the accounts or GitHub environments: `matrix` (name, account, region of each, in promotion
 * order), and `accounts`, `regions` and `github-environments` by name (./environment-outputs.ts).
 */
import { loadEnvironments } from "../config";
import { printedHelp } from "./command-line";
import { environmentOutputs } from "./environment-outputs";

const USAGE = [
  "usage: npm run --silent environments",
  "Prints matrix=, accounts=, regions= and github-environments= (JSON) of the environments in config/,",
  'one per line, for "$GITHUB_OUTPUT".',
].join("\n");

function printEnvironments(): void {
  environmentOutputs(loadEnvironments()).forEach((line) => console.log(line));
}

if (!printedHelp(process.argv.slice(2), USAGE)) printEnvironments();
