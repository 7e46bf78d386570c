/**
 * `npm run policy` installs what it runs (checkov) and nothing else: no Go build of actionlint, no
 * zizmor, which belong to `npm run lint:workflows`. The first run says what it installs, from where,
 * and about how long it takes; a later run installs nothing. Run in a copy of the scripts, with
 * `python3` and `go` replaced by stand-ins that record their calls (no network, no real install).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
const CHECKOV_VERSION = /CHECKOV_VERSION=(\S+)/.exec(
  fs.readFileSync(path.join(root, "scripts", "install-tools.sh"), "utf8"),
)?.[1];

/** A stand-in executable: records its arguments in calls.log, then runs `body`. */
function stub(bin: string, name: string, body: string): void {
  const file = path.join(bin, name);
  fs.writeFileSync(file, `#!/usr/bin/env bash\necho "${name} $*" >> "$CALLS"\n${body}\n`);
  fs.chmodSync(file, 0o755);
}

/** `python3 -m venv .venv` makes a pip whose `install <tool>==<version>` makes that tool. */
const PYTHON = String.raw`
if [ "$1 $2" = "-m venv" ]; then
  mkdir -p "$3/bin"
  cat > "$3/bin/pip" <<'PIP'
#!/usr/bin/env bash
echo "pip $*" >> "$CALLS"
for spec in "$@"; do
  case "$spec" in *==*)
    tool=$${"{"}spec%%==*}; version=$${"{"}spec#*==}
    printf '#!/usr/bin/env bash\nif [ "$1" = --version ]; then echo %s; else cat "$REPORT"; fi\n' "$version" > ".venv/bin/$tool"
    chmod +x ".venv/bin/$tool";;
  esac
done
PIP
  chmod +x "$3/bin/pip"
fi`.replace(/\$\$\{"\{"\}/g, "${");

function sandbox(): {
  dir: string;
  run: () => ReturnType<typeof spawnSync> & { stdout: string };
  calls: () => string[];
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-tools-"));
  const bin = path.join(dir, "stub-bin");
  fs.mkdirSync(path.join(dir, "scripts"), { recursive: true });
  fs.mkdirSync(bin);
  for (const file of [
    "scripts/policy.sh",
    "scripts/install-tools.sh",
    "scripts/checkov-summary.mjs",
    ".checkov.yaml",
  ]) {
    fs.copyFileSync(path.join(root, file), path.join(dir, file));
  }
  fs.mkdirSync(path.join(dir, "cdktf.out", "stacks", "dev-network"), { recursive: true });
  fs.writeFileSync(path.join(dir, "cdktf.out", "stacks", "dev-network", "cdk.tf.json"), "{}");
  const report = path.join(dir, "report.json");
  fs.writeFileSync(
    report,
    JSON.stringify({
      results: {
        passed_checks: [{ file_path: "/dev-network/cdk.tf.json" }, { file_path: "/prod-org-guardrails/cdk.tf.json" }],
        failed_checks: [],
        skipped_checks: [],
      },
    }),
  );
  const calls = path.join(dir, "calls.log");
  fs.writeFileSync(calls, "");
  stub(bin, "python3", PYTHON);
  stub(bin, "go", "exit 1");
  const env = {
    PATH: `${bin}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
    HOME: dir,
    CALLS: calls,
    REPORT: report,
  };
  return {
    dir,
    run: () => spawnSync("bash", ["scripts/policy.sh"], { cwd: dir, env, encoding: "utf8" }),
    calls: () => fs.readFileSync(calls, "utf8").trim().split("\n").filter(Boolean),
  };
}

describe("npm run policy's tools", () => {
  const box = sandbox();
  afterAll(() => fs.rmSync(box.dir, { recursive: true, force: true }));

  it("installs checkov only, says what, from where and about how long, then runs it", () => {
    const run = box.run();
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(box.calls().filter((c) => c.startsWith("go "))).toEqual([]);
    expect(box.calls().filter((c) => c.startsWith("pip install"))).toEqual([
      `pip install --quiet --disable-pip-version-check checkov==${CHECKOV_VERSION}`,
    ]);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(
      new RegExp(
        `^installing checkov ${CHECKOV_VERSION} from PyPI into \\.venv \\(first run only; about \\d+ minutes?\\)$`,
      ),
    );
    expect(lines[1]).toMatch(new RegExp(`^installed checkov ${CHECKOV_VERSION} in \\d+ s$`));
    expect(run.stdout).toContain("checkov dev: passed 1, failed 0, skipped 0");
  });

  it("counts a stack whose concern holds a hyphen under its environment (prod-org-guardrails is prod's)", () => {
    const run = box.run();
    expect(run.stdout).toContain("checkov prod: passed 1, failed 0, skipped 0");
    expect(run.stdout).not.toContain("checkov prod-org:");
  });

  it("installs nothing on a later run", () => {
    const before = box.calls().length;
    const run = box.run();
    expect(run.status).toBe(0);
    expect(run.stdout).not.toMatch(/install/);
    expect(
      box
        .calls()
        .slice(before)
        .filter((c) => !c.startsWith("python3")),
    ).toEqual([]);
  });
});

describe("npm run policy when checkov itself fails", () => {
  const box = sandbox();
  afterAll(() => fs.rmSync(box.dir, { recursive: true, force: true }));
  const checkov = path.join(box.dir, ".venv", "bin", "checkov");
  /** Replaces the installed checkov by one that prints `stdout`, writes a traceback and exits `status`. */
  const checkovThat = (stdout: string, status: number) => {
    fs.writeFileSync(
      checkov,
      `#!/usr/bin/env bash\nif [ "$1" = --version ]; then echo ${CHECKOV_VERSION}; exit 0; fi\nprintf '%s' '${stdout}'\necho 'Traceback (most recent call last): ModuleNotFoundError' >&2\nexit ${status}\n`,
    );
  };

  beforeAll(() => expect(box.run().status).toBe(0));

  it.each([
    ["no report", "", 1],
    ["a crash exit code after some output", '{"results": {}}', 2],
  ])("%s: one line naming the log that holds its errors, exit 1", (_what, stdout, status) => {
    checkovThat(stdout, status);
    const run = box.run();
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: 1,
      stderr: `npm run policy: checkov exited ${status} without a report; its errors are in .venv/checkov.log\n`,
    });
    expect(fs.readFileSync(path.join(box.dir, ".venv", "checkov.log"), "utf8")).toContain("ModuleNotFoundError");
  });

  it("output that is not JSON: one line from the summary and the log's name, no stack trace", () => {
    checkovThat("Traceback", 1);
    const run = box.run();
    expect(run.status).toBe(2);
    expect(String(run.stderr).trim().split("\n")).toEqual([
      `checkov-summary: the input is not checkov's JSON report (it starts: "Traceback")`,
      "npm run policy: checkov's errors are in .venv/checkov.log",
    ]);
  });

  it("refuses an unknown argument in one line, exit 2", () => {
    const run = spawnSync("bash", ["scripts/policy.sh", "--fast"], { cwd: box.dir, encoding: "utf8" });
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({
      status: 2,
      stdout: "",
      stderr: 'npm run policy: unknown argument "--fast"; it takes none (usage: npm run policy)\n',
    });
  });
});
