/** docs/policy.md's account of the checkov checks `.checkov.yaml` turns off, against the file itself. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { checkovSkips } from "../../scripts/docs/policy-tables";

const root = path.resolve(__dirname, "..", "..");
const skipped = (parse(fs.readFileSync(path.join(root, ".checkov.yaml"), "utf8")) as { "skip-check": string[] })[
  "skip-check"
];
const doc = fs.readFileSync(path.join(root, "docs", "policy.md"), "utf8");
const section = doc.slice(doc.indexOf("## checkov, the second net"));

describe("docs/policy.md on checkov", () => {
  it("reads every check .checkov.yaml turns off, as yaml does, each with the comment above it", () => {
    expect(checkovSkips(root).map((s) => s.check)).toEqual(skipped);
  });

  it("names, with a reason, every check .checkov.yaml turns off", () => {
    const unexplained = skipped.filter((check) => !new RegExp(`\\| ${check} +\\| [^|]{20,}`).test(section));
    expect(unexplained).toEqual([]);
  });

  it("names no check that .checkov.yaml does not turn off", () => {
    const named = [...section.matchAll(/^\| (CKV\S+)/gm)].map((m) => m[1]);
    expect(named.filter((check) => !skipped.includes(check))).toEqual([]);
  });

  it("counts them", () => {
    expect(section).toContain(`${skipped.length} checks are off everywhere`);
  });
});
