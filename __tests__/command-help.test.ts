/**
 * Every command of the project answers `--help` with its usage and exit 0, through npm as users
 * run it (`npm run <command> -- --help`), before doing any work: no synth, no tool build, no
 * AWS call. Every script of package.json is either such a command or a named third-party tool
 * with its own help, so a new command cannot arrive without one; `./help` lists every one of them.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { wantsHelp } from "../scripts/command-line";

const root = path.resolve(__dirname, "..");
const scripts = Object.keys(
  (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts,
);

/** Our commands and how their usage starts. */
const COMMANDS: Record<string, string> = {
  setup: "usage: npm run setup\n",
  test: "usage: npm test [-- <jest options and test files>]\n",
  lint: "usage: npm run lint\n",
  "lint:workflows": "usage: npm run lint:workflows\n",
  build: "usage: npm run build\n",
  synth: "usage: [ENVIRONMENTS=dev,staging] [CDKTF_OUTDIR=cdktf.out] npm run synth\n",
  destroy: "usage: npm run destroy -- <env>",
  bench: "usage: npm run bench",
  policy: "usage: npm run policy\n",
  review: "usage: npm run review",
  "review:tables": "usage: npm run review:tables -- --from",
  deploy: "usage: npm run deploy -- <env>",
  "eks-versions": "usage: npm run eks-versions -- <env>\n",
  "providers-lock": "usage: npm run providers-lock\n",
  "chart-digests": "usage: npm run chart-digests [-- --write]\n",
  environments: "usage: npm run --silent environments\n",
  "aws-data": "usage: npm run aws-data\n",
  "k8s-check": "usage: npm run k8s-check",
  "db-check": "usage: npm run db-check",
  "chart-check": "usage: npm run chart-check",
  "check:helm": "usage: npm run check:helm",
  docs: "usage: npm run docs [-- --check]\n",
};

/** Scripts that run one other tool, whose `--help` is theirs (and answered before it does anything). */
const TOOLS: Record<string, string> = {
  cdktf: "the cdktf CLI, with its telemetry off (CHECKPOINT_DISABLE)",
  format: "prettier --write",
  mutation: "stryker",
  "check:modules":
    "the shared folder's tools/check-modules.mjs (found by scripts/shared-tool.mjs), outside this repository",
};

/** npm's own configuration from the npm that started jest must not reach the npm under test. */
function shellEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1" };
  for (const name of Object.keys(env)) if (name.toLowerCase().startsWith("npm_config_")) delete env[name];
  return env;
}

const npmRun = (script: string, ...args: string[]) =>
  spawnSync("npm", ["run", "--silent", script, "--", ...args], {
    cwd: root,
    env: shellEnvironment(),
    encoding: "utf8",
  });

describe("--help", () => {
  it("every package.json script is one of our commands or a named tool", () => {
    const unknown = scripts.filter((s) => !(s in COMMANDS) && !(s in TOOLS));
    expect(unknown).toEqual([]);
    expect(Object.keys(COMMANDS).filter((c) => !scripts.includes(c))).toEqual([]);
  });

  it.each(Object.entries(COMMANDS))(
    "npm run %s -- --help prints its usage, exit 0",
    (script, usage) => {
      const run = npmRun(script, "--help");
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
      expect(run.stdout.startsWith(usage)).toBe(true);
    },
    60_000,
  );

  // These check their arguments inline (a shell script, .mjs files, the cdktf app); the
  // TypeScript commands share wantsHelp, tested below.
  it.each(["setup", "test", "lint", "lint:workflows", "build", "synth", "bench", "policy"])(
    "npm run %s -- -h prints its usage, exit 0",
    (script) => {
      const run = npmRun(script, "-h");
      expect(run.status).toBe(0);
      expect(run.stdout.startsWith(COMMANDS[script])).toBe(true);
    },
    60_000,
  );

  it("wantsHelp takes -h and --help anywhere, and nothing else", () => {
    expect(wantsHelp(["dev", "--help"])).toBe(true);
    expect(wantsHelp(["-h"])).toBe(true);
    expect(wantsHelp(["dev", "--plan", "--helpful", "-help", "h"])).toBe(false);
  });
});

describe("./help", () => {
  const help = spawnSync(path.join(root, "help"), [], { encoding: "utf8" });

  it("lists every npm script as the command a person types", () => {
    expect(help.status).toBe(0);
    const typed = (script: string) => (script === "test" ? "npm test" : `npm run ${script}`);
    const listed = (script: string) =>
      new RegExp(`(^|\\s)${typed(script).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(\\s|$)`, "m");
    expect(scripts.filter((s) => !listed(s).test(help.stdout))).toEqual([]);
  });

  it("lists no npm script that package.json does not have", () => {
    const named = [...help.stdout.matchAll(/npm run (?:--silent )?([a-z][a-z0-9:-]*)/g)].map((m) => m[1]);
    expect([...new Set(named)].filter((s) => !scripts.includes(s))).toEqual([]);
  });
});

describe("docs", () => {
  it("refuses an unknown argument with one line and exit 2, writing nothing", () => {
    const readme = path.join(root, "README.md");
    const before = fs.readFileSync(readme, "utf8");
    const run = npmRun("docs", "--bogus");
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toEqual(["docs: unknown argument --bogus; usage: npm run docs [-- --check]"]);
    expect(fs.readFileSync(readme, "utf8")).toBe(before);
  }, 60_000);
});
