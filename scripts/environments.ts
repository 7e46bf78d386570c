/**
 * npm run --silent environments >> "$GITHUB_OUTPUT"
 * Prints the environments of config/ for GitHub Actions, so workflows never keep a second copy
 * of the accounts: `matrix` (name, account, region of each, in promotion order) and `accounts`
 * and `regions` by name.
 */
import { loadEnvironments } from "../config";
import { printedHelp } from "./command-line";

const USAGE = [
  "usage: npm run --silent environments",
  "Prints matrix=, accounts= and regions= (JSON) of the environments in config/, one per line, for",
  '"$GITHUB_OUTPUT".',
].join("\n");

function printEnvironments(): void {
  const environments = loadEnvironments();
  const matrix = {
    include: environments.map((c) => ({ environment: c.name, account: c.account.id, region: c.account.region })),
  };
  const byName = (value: (c: (typeof environments)[number]) => string) =>
    Object.fromEntries(environments.map((c) => [c.name, value(c)]));
  console.log(`matrix=${JSON.stringify(matrix)}`);
  console.log(`accounts=${JSON.stringify(byName((c) => c.account.id))}`);
  console.log(`regions=${JSON.stringify(byName((c) => c.account.region))}`);
}

if (!printedHelp(process.argv.slice(2), USAGE)) printEnvironments();
