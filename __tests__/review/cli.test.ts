/**
 * `npm run review` as users run it: every failure is one line and exit 1, leaves no temp folder
 * and no review that could pass for the failed run's.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { synthOutputCopy } from "../deploy/deploy-helpers";

const root = path.resolve(__dirname, "..", "..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "review-cli-test-"));
const synthDir = path.join(work, "cdktf.out");

const review = (...args: string[]) =>
  spawnSync("npm", ["run", "--silent", "review", "--", ...args], { cwd: root, encoding: "utf8" });
const lines = (text: string) => text.split("\n").filter(Boolean);
const reviewTempFolders = () => fs.readdirSync(os.tmpdir()).filter((f) => /^review-[^c]/.test(f));

beforeAll(() => {
  // The real synth of dev, made in-process (no second build of dist/main.js racing other test files).
  fs.cpSync(synthOutputCopy("dev"), synthDir, { recursive: true });
});

describe("npm run review", () => {
  it("without a synth output: one line, exit 1, and the stale review removed", () => {
    const out = path.join(work, "stale");
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, "review.md"), "# an old review");
    const run = review("--dir", path.join(work, "missing"), "--out", out);
    expect(run.status).toBe(1);
    expect(lines(run.stderr)).toEqual([
      `review: no synth output in ${path.join(work, "missing")}: run npm run synth first`,
    ]);
    expect(fs.existsSync(out)).toBe(false);
  }, 60_000);

  it("with a ref git does not know: one line, exit 1, no temp folder left", () => {
    const before = reviewTempFolders();
    const run = review("--dir", synthDir, "--out", path.join(work, "bad-ref"), "--against", "no-such-ref");
    expect(run.status).toBe(1);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/^review: cannot check out no-such-ref to compare with: /),
    ]);
    expect(reviewTempFolders()).toEqual(before);
  }, 60_000);

  it("refuses an unknown argument in one line", () => {
    const run = review("--bogus", "x");
    expect(run.status).toBe(1);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/^review: unknown argument --bogus; usage: npm run review/),
    ]);
  }, 60_000);

  it("compared with another output, adds each environment's monthly cost change", () => {
    const out = path.join(work, "ok");
    const run = review("--dir", synthDir, "--out", out, "--against", synthDir);
    expect(run.status).toBe(0);
    const markdown = fs.readFileSync(path.join(out, "review.md"), "utf8");
    expect(markdown).toMatch(/\| \*\*change\*\* \| \+\$0\.00 \(from \$\d+\.\d\d\) \|/);
    expect(markdown).toContain("| region | us-east-1 |");
    expect(fs.existsSync(`${out}.tmp`)).toBe(false);
  }, 60_000);
});
