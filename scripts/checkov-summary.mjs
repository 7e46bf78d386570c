// Reads checkov's JSON report (stdin) over cdktf.out/stacks and prints, per environment, the
// passed, failed and skipped checks, then each failed check. Exit 1 when any check failed, 2 when
// the input is not a checkov JSON report (one line saying so, not a SyntaxError's stack trace).
import fs from "node:fs";

/** The report read from stdin, or null (after one line on stderr) when it is not checkov's JSON. */
function readReport() {
  const text = fs.readFileSync(0, "utf8");
  try {
    const data = JSON.parse(text);
    if (data !== null && typeof data === "object") return data;
  } catch {
    // reported below
  }
  const start = text.trim().split("\n")[0].slice(0, 80);
  console.error(`checkov-summary: the input is not checkov's JSON report (it starts: ${JSON.stringify(start)})`);
  return null;
}

const data = readReport();
if (data === null) process.exit(2);
const reports = Array.isArray(data) ? data : [data];
// A stack folder is `<env>-<concern>`; environment names hold no hyphen (config/schema.ts), a concern
// may (`prod-org-guardrails`), so the environment is what comes before the first one.
const environmentOf = (check) => check.file_path.split("/").filter(Boolean)[0].split("-")[0];
const counts = {};
const failures = [];
for (const report of reports) {
  for (const [kind, checks] of Object.entries({
    passed: report.results?.passed_checks ?? [],
    failed: report.results?.failed_checks ?? [],
    skipped: report.results?.skipped_checks ?? [],
  })) {
    for (const check of checks) {
      const env = environmentOf(check);
      counts[env] ??= { passed: 0, failed: 0, skipped: 0 };
      counts[env][kind] += 1;
      if (kind === "failed") failures.push(check);
    }
  }
}
const skippedEverywhere = (fs.readFileSync(".checkov.yaml", "utf8").match(/^\s+- (CKV\S+)/gm) ?? []).length;
for (const [env, c] of Object.entries(counts).sort()) {
  console.log(
    `checkov ${env}: passed ${c.passed}, failed ${c.failed}, skipped ${c.skipped} (+ ${skippedEverywhere} checks off in .checkov.yaml)`,
  );
}
for (const f of failures) console.log(`  FAILED ${f.check_id} ${f.resource} ${f.file_path}: ${f.check_name}`);
process.exitCode = failures.length > 0 ? 1 : 0;
