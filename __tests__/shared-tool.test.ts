/**
 * `npm run check:modules` and `check:helm` run the team's shared checks through
 * scripts/shared-tool.mjs, which finds the shared folder as .ci/run does: next to the repository,
 * else next to the repository it was cloned from. A clone with neither gets one line naming what
 * is missing and a non-zero exit, not node's stack trace. Each case runs the command line in a
 * throwaway repository layout: check:modules' package.json line, and the shared-tool step
 * check:helm ends with (scripts/npm-steps.mjs; it checks an upstream view of cdktf.out).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
const scriptsOf = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).scripts as Record<
  string,
  string
>;

/** A repository folder holding this repository's scripts/, optionally a git clone of `origin`. */
function repositoryAt(folder: string, origin?: string): string {
  fs.mkdirSync(folder, { recursive: true });
  fs.cpSync(path.join(root, "scripts", "shared-tool.mjs"), path.join(folder, "scripts", "shared-tool.mjs"));
  const git = (...args: string[]) => spawnSync("git", args, { cwd: folder, encoding: "utf8" });
  git("init", "-q");
  if (origin) git("remote", "add", "origin", origin);
  return folder;
}

/** A shared folder whose tools print their name and arguments. */
function sharedAt(folder: string): void {
  fs.mkdirSync(path.join(folder, "tools"), { recursive: true });
  for (const tool of ["check-modules.mjs", "check-helm-values.mjs"]) {
    fs.writeFileSync(
      path.join(folder, "tools", tool),
      `console.log(${JSON.stringify(tool)}, process.argv.slice(2).join(" "));`,
    );
  }
}

const run = (command: string, cwd: string) =>
  spawnSync("sh", ["-c", command], { cwd, encoding: "utf8", env: { ...process.env, GIT_DIR: undefined } });

describe.each([
  ["npm run check:modules", scriptsOf["check:modules"], "check-modules.mjs", "cdktf.out"],
  [
    "check:helm's last step",
    "node scripts/shared-tool.mjs check-helm-values.mjs dist/helm-upstream-view",
    "check-helm-values.mjs",
    "dist/helm-upstream-view",
  ],
])("%s", (_label, script, tool, folder) => {
  it("is the command package.json or npm-steps runs", () => {
    const steps = fs.readFileSync(path.join(root, "scripts", "npm-steps.mjs"), "utf8");
    const stepOf = (command: string) => JSON.stringify(command.split(" ")).replace(/,/g, ", ");
    expect(Object.values(scriptsOf).includes(script) || steps.includes(stepOf(script))).toBe(true);
  });

  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "shared-tool-"));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("runs the shared tool next to the repository over its folder", () => {
    sharedAt(path.join(tmp, "shared"));
    const result = run(script, repositoryAt(path.join(tmp, "main")));
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 0,
      stdout: `${tool} ${folder}\n`,
      stderr: "",
    });
  });

  it("finds it next to the origin of a clone made elsewhere", () => {
    sharedAt(path.join(tmp, "team", "shared"));
    const origin = repositoryAt(path.join(tmp, "team", "main"));
    const result = run(script, repositoryAt(path.join(tmp, "elsewhere", "clone"), origin));
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 0, stdout: `${tool} ${folder}\n` });
  });

  it("without a shared folder: one line naming the tool and where it looked, exit non-zero", () => {
    const result = run(script, repositoryAt(path.join(tmp, "alone", "clone")));
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim().split("\n")).toEqual([
      expect.stringContaining(
        `${tool}: not found in the team's shared folder, looked for at ${path.join(tmp, "alone", "shared", "tools")}`,
      ),
    ]);
  });
});
