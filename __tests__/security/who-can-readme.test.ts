/** README's "Who can do what" is the evaluator's request table, not a hand-written copy. */
import * as fs from "node:fs";
import * as path from "node:path";
import { withWhoCanTable, WHO_CAN_BEGIN } from "../../scripts/who-can-table";
import { REQUESTS } from "./who-can-do-what";

const readme = fs.readFileSync(path.resolve(__dirname, "..", "..", "README.md"), "utf8");

describe("README's who-can-do-what table", () => {
  it("is what npm run who-can generates from the request table", () => {
    expect(readme).toContain(WHO_CAN_BEGIN);
    expect(withWhoCanTable(readme)).toBe(readme);
  });

  it("has one row per request", () => {
    const section = readme.slice(readme.indexOf(WHO_CAN_BEGIN));
    const rows = section.split("\n").filter((l) => l.startsWith("| `<env>-"));
    expect(rows).toHaveLength(REQUESTS.length);
  });
});
