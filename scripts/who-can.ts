/**
 * npm run who-can
 * Writes README's "Who can do what" table from the request table the IAM evaluator checks
 * (__tests__/security/who-can-do-what.ts); a test fails while README differs from it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { printedHelp } from "./command-line";
import { withWhoCanTable } from "./who-can-table";

const USAGE = [
  "usage: npm run who-can",
  'Writes the table of README.md\'s "Who can do what" (between its markers) from the request table',
  "that __tests__/security/who-can-do-what.test.ts evaluates.",
].join("\n");

function writeReadme(): void {
  const file = path.resolve(__dirname, "..", "README.md");
  const before = fs.readFileSync(file, "utf8");
  const after = withWhoCanTable(before);
  if (after !== before) fs.writeFileSync(file, after);
  console.log(after === before ? "README.md: who-can table already up to date" : "README.md: who-can table written");
}

const argv = process.argv.slice(2);
if (printedHelp(argv, USAGE)) {
  // printed
} else if (argv.length > 0) {
  console.error(`who-can: unknown argument ${argv[0]}; ${USAGE.split("\n")[0]}`);
  process.exitCode = 2;
} else {
  try {
    writeReadme();
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
