/** README's account of the checkov checks `.checkov.yaml` turns off, against the file itself. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

const root = path.resolve(__dirname, "..", "..");
const skipped = (parse(fs.readFileSync(path.join(root, ".checkov.yaml"), "utf8")) as { "skip-check": string[] })[
  "skip-check"
];
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("**checkov, the second net.**"), readme.indexOf("## Who can do what"));

describe("README on checkov", () => {
  it("names, with a reason, every check .checkov.yaml turns off", () => {
    const unexplained = skipped.filter((check) => !new RegExp(`${check}\\b[^(]*\\(`).test(section));
    expect(unexplained).toEqual([]);
  });

  it("names no check that .checkov.yaml does not turn off", () => {
    const named = [...section.matchAll(/\bCKV2?_[A-Z0-9]+_\d+\b/g)].map((m) => m[0]);
    expect(named.filter((check) => !skipped.includes(check))).toEqual([]);
  });

  it("counts them in the last run's table", () => {
    const rows = [...section.matchAll(/^\| (dev|staging|prod) +\|.*\| (\d+) +\|$/gm)];
    expect(rows.map((r) => Number(r[2]))).toEqual([skipped.length, skipped.length, skipped.length]);
  });
});
