/** docs/who-can.md's table is the evaluator's request table, not a hand-written copy. */
import * as fs from "node:fs";
import * as path from "node:path";
import { blockOf } from "../../scripts/docs/blocks";
import { whoCanTable } from "../../scripts/who-can-table";
import { REQUESTS } from "./who-can-do-what";

const file = path.resolve(__dirname, "..", "..", "docs", "who-can.md");
const table = blockOf(fs.readFileSync(file, "utf8"), "who-can", file);
const squeeze = (text: string) => text.replace(/ +/g, " ");

describe("docs/who-can.md's who-can-do-what table", () => {
  it("is what npm run docs generates from the request table", () => {
    expect(squeeze(table)).toBe(squeeze(whoCanTable()));
  });

  it("says which rows hold only once people apply the organization guardrails (prod-org-guardrails)", () => {
    const rows = table
      .split("\n")
      .filter((l) => l.startsWith("|"))
      .slice(2);
    const marked = rows.map((r) => r.includes("(with prod-org-guardrails applied)"));
    expect(marked).toEqual(REQUESTS.map((r) => Boolean(r.needsOrganizationGuardrails)));
    expect(marked.filter(Boolean).length).toBeGreaterThan(0);
  });

  it("has one row per request", () => {
    const rows = table.split("\n").filter((l) => l.startsWith("|"));
    expect(rows).toHaveLength(REQUESTS.length + 2);
  });
});
