/**
 * `npm run destroy` as users run it, on a machine without AWS credentials: a wrong command line,
 * an environment config does not let it destroy, or a destroy nobody can confirm stops with one
 * line before anything is synthesized; a plan stops at the first preflight check.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { build } from "esbuild";
import { loadEnvironments } from "../../config";
import {
  HELP,
  NPM_FOOTPRINTS,
  USAGE,
  confirmation,
  parseArguments,
  refuseOptionsTakenByNpm,
  refuseWithoutConfirmation,
  type Terminal,
} from "../../scripts/deploy/destroy-cli";
import { declaredNames } from "../helpers";
import { withoutAwsCredentials } from "./deploy-helpers";

const root = path.resolve(__dirname, "..", "..");
const configs = loadEnvironments();

function shellEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = withoutAwsCredentials();
  for (const name of Object.keys(env)) if (name.toLowerCase().startsWith("npm_config_")) delete env[name];
  delete env.CI;
  return { ...env, CHECKPOINT_DISABLE: "1", ...extra };
}

/** The bundle `npm run destroy` runs, built once here (beside it: the command finds the repository from its folder). */
const bundle = path.join(root, "dist", "destroy-cli-test.js");
beforeAll(async () => {
  await build({
    entryPoints: [path.join(root, "scripts", "deploy", "destroy-cli.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    target: "node20",
    logLevel: "warning",
  });
});

function destroyCommand(args: string[], extra: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [bundle, ...args], { cwd: root, env: shellEnvironment(extra), encoding: "utf8" });
}
const stderrLines = (stderr: string) => stderr.split("\n").filter(Boolean);

describe("npm run destroy", () => {
  it.each([
    [
      ["prod"],
      1,
      /^environment "prod", setting lifecycle\.allowDestroy: false, so npm run destroy refuses to delete it \(nothing was changed\); a production environment keeps deletion protection on/,
    ],
    [
      ["staging"],
      1,
      /^environment "staging", setting lifecycle\.allowDestroy: false, .*to destroy it, set it true in config\/staging\.ts/,
    ],
    [
      ["dev"],
      2,
      /^destroy: dev: no terminal to confirm the destroy in; add --yes to destroy, or --plan to see what it would do \(nothing was changed\)$/,
    ],
    // Not a name config accepts, so no environment added later makes it exist.
    [
      ["no-such-env"],
      2,
      new RegExp(`^destroy: environment "no-such-env" does not exist; allowed: ${declaredNames().join(", ")}$`),
    ],
    [["dev", "app"], 2, /^destroy: environment "dev": destroy takes no stack names \(got app\)/],
  ])(
    "refuses %j with one line and exit %i, before anything is synthesized",
    (args, code, message) => {
      const run = destroyCommand(args);
      expect(run.status).toBe(code);
      expect(stderrLines(run.stderr)).toEqual([expect.stringMatching(message)]);
      expect(run.stdout).toBe("");
    },
    60_000,
  );

  it("plans only with --plan, and stops at the first preflight check without credentials: one line, exit 1", () => {
    const run = destroyCommand(["dev", "--plan"]);
    expect(stderrLines(run.stderr)).toEqual([
      'destroy: preflight: environment "dev": no usable AWS credentials (CredentialsProviderError): sign in to account 111111111111 (aws sso login, or set AWS_PROFILE) and run again',
    ]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("  wave 1: dev-app");
    expect(run.stdout).toContain("  wave 2: dev-data, dev-platform  (together)");
    expect(run.stdout).toContain("  dev-bootstrap stays: it holds the other stacks' state and the CI roles");
  }, 60_000);

  it("prints the usage for --help, exit 0", () => {
    const run = destroyCommand(["--help"]);
    expect([run.status, run.stdout, run.stderr]).toEqual([0, `${HELP}\n`, ""]);
  }, 60_000);
});

describe("destroy's command line", () => {
  it.each([
    [[], `no environment given; ${USAGE}`],
    [["dev", "--force"], `unknown option --force; ${USAGE}`],
    [["dev", "--plan", "--yes"], "--yes confirms a destroy; it cannot go with --plan"],
    [["dev", "dev-app"], expect.stringMatching(/^environment "dev": destroy takes no stack names/)],
  ])("refuses %j as a wrong command line (exit 2)", (args, message) => {
    expect(() => parseArguments(args, configs)).toThrow(expect.objectContaining({ message, exitCode: 2 }));
  });

  it("plans with --plan; otherwise destroys, confirmed by --yes only when given", () => {
    expect(parseArguments(["dev", "--plan"], configs)).toMatchObject({ request: { mode: "plan" }, yes: false });
    expect(parseArguments(["dev"], configs)).toMatchObject({ request: { mode: "destroy" }, yes: false });
    expect(parseArguments(["dev", "--yes"], configs)).toMatchObject({ request: { mode: "destroy" }, yes: true });
  });

  const terminal = (interactive: boolean, answer = ""): Terminal & { asked: string[] } => {
    const asked: string[] = [];
    return { interactive, asked, ask: async (q) => (asked.push(q), answer) };
  };

  it("refuses a destroy nobody can confirm (no terminal, no --yes), but not a plan or --yes", () => {
    const destroyDev = parseArguments(["dev"], configs);
    expect(() => refuseWithoutConfirmation(destroyDev, terminal(false))).toThrow(
      expect.objectContaining({ exitCode: 2 }),
    );
    expect(() => refuseWithoutConfirmation(destroyDev, terminal(true))).not.toThrow();
    expect(() => refuseWithoutConfirmation(parseArguments(["dev", "--plan"], configs), terminal(false))).not.toThrow();
    expect(() => refuseWithoutConfirmation(parseArguments(["dev", "--yes"], configs), terminal(false))).not.toThrow();
  });

  it.each([
    ["yes", true],
    ["YES", true],
    ["y", false],
    ["", false],
    ["no", false],
  ])("in a terminal, the answer %j goes ahead: %s (a destroy needs the whole word)", async (answer, goes) => {
    const asking = terminal(true, answer);
    expect(await confirmation(parseArguments(["dev"], configs), asking)("destroy dev: delete 3 resource(s)")).toBe(
      goes,
    );
    expect(asking.asked).toEqual(["destroy dev: delete 3 resource(s)\nType yes to destroy: "]);
  });

  it("--help gives each way of not going ahead the exit code it has", async () => {
    const exitLine = HELP.slice(HELP.indexOf("\nExit ")).replace(/\s+/g, " ");
    const meaning = (code: number) => new RegExp(`\\b${code}: ([^;]+)`).exec(exitLine)?.[1] ?? "(none)";
    const exitCodeOf = async (run: () => unknown) => {
      try {
        await run();
      } catch (error) {
        return (error as { exitCode: number }).exitCode;
      }
      throw new Error("it went ahead");
    };
    const noTerminal = await exitCodeOf(() =>
      refuseWithoutConfirmation(parseArguments(["dev"], configs), terminal(false)),
    );
    expect(meaning(noTerminal)).toMatch(/no terminal/);
    const wrongLine = await exitCodeOf(() => parseArguments(["dev", "--force"], configs));
    expect(meaning(wrongLine)).toMatch(/wrong command line/);
    // A "no" typed in the terminal: destroy.test.ts has destroy() refuse with a DeployError of exit 1.
    expect(meaning(1)).toMatch(/not confirmed/);
  });

  it("with --yes, never asks", async () => {
    const asking = terminal(true, "no");
    expect(await confirmation(parseArguments(["dev", "--yes"], configs), asking)("q")).toBe(true);
    expect(asking.asked).toEqual([]);
  });

  it("refuses a run whose --plan npm took for itself (typed before --), naming what npm set", () => {
    const [split] = NPM_FOOTPRINTS;
    const env = Object.fromEntries(split.variables.map((v) => [v, "true"]));
    expect(() => refuseOptionsTakenByNpm(env)).toThrow(
      `npm took --plan as its own option (it set ${split.variables.join(", ")}), so destroy never saw it; put -- before the arguments: ${USAGE}`,
    );
    expect(() => refuseOptionsTakenByNpm({ npm_config_yes: "true" })).not.toThrow();
  });
});

afterAll(() => fs.rmSync(bundle, { force: true }));
