// Reads checkov's JSON report (stdin) over cdktf.out/stacks and prints, per environment, the
// passed, failed and skipped checks, then each failed check. Exit 1 when any check failed.
import fs from "node:fs";

const data = JSON.parse(fs.readFileSync(0, "utf8"));
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
