// Reads StrykerJS's JSON report (reports/mutation/mutation.json, written by `npm run mutation`)
// and prints the mutation score per folder, static mutants included, and every test file that
// killed no mutant. Exits 1 when a folder scores under the threshold, or when such a test file
// does not say why in a `mutation:` comment.
import * as fs from "node:fs";
import * as path from "node:path";

const THRESHOLD = 90;
const REPORT = process.argv[2] ?? "reports/mutation/mutation.json";
const FOLDERS = ["config/", "modules/policy/"];
const DETECTED = new Set(["Killed", "Timeout"]);
const UNDETECTED = new Set(["Survived", "NoCoverage"]);

function fail(message) {
  console.error(`mutation-summary: ${message}`);
  process.exit(1);
}

if (!fs.existsSync(REPORT)) fail(`no report at ${REPORT}: run npm run mutation first`);
const report = JSON.parse(fs.readFileSync(REPORT, "utf8"));
const relative = (file) => path.relative(process.cwd(), path.resolve(file));

let failed = false;
for (const folder of FOLDERS) {
  const mutants = Object.entries(report.files)
    .filter(([file]) => relative(file).startsWith(folder))
    .flatMap(([, f]) => f.mutants);
  const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
  const undetected = mutants.filter((m) => UNDETECTED.has(m.status)).length;
  const score = (100 * detected) / Math.max(1, detected + undetected);
  const statics = mutants.filter((m) => m.static).length;
  console.log(
    `${folder.padEnd(16)} ${score.toFixed(1)} % (${detected} detected, ${undetected} undetected, ${statics} static included)`,
  );
  if (score < THRESHOLD) failed = true;
}

const killers = new Set(Object.values(report.files).flatMap((f) => f.mutants.flatMap((m) => m.killedBy ?? [])));
for (const [file, { tests }] of Object.entries(report.testFiles ?? {})) {
  if (tests.some((t) => killers.has(t.id))) continue;
  const reason = /mutation:/.test(fs.readFileSync(file, "utf8"));
  console.log(`${relative(file)} kills no mutant${reason ? " (says why)" : ""}`);
  if (!reason) failed = true;
}
if (failed) fail(`a folder scores under ${THRESHOLD} %, or a test file kills nothing without saying why`);
