/**
 * The deploy command as users run it (`npm run deploy -- ...`, through the real npm) on a machine
 * without AWS credentials: it must stop with one line, before terraform and without touching state.
 * An apply needs --apply and a yes (a terminal's answer, or --yes); an option npm took for itself
 * (typed before `--`) stops the run before anything is synthesized.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadEnvironments } from "../../config";
import {
  HELP,
  NPM_FOOTPRINTS,
  USAGE,
  applyTarget,
  confirmApply,
  parseArguments,
  refuseOptionsTakenByNpm,
  type Terminal,
} from "../../scripts/deploy/cli";
import { build } from "esbuild";
import { withoutAwsCredentials } from "./deploy-helpers";

const root = path.resolve(__dirname, "..", "..");
const configs = loadEnvironments();

/**
 * A person's shell: no AWS credential source, no CI, and none of the npm_config_* variables the
 * npm that started jest may have exported (the npm under test sets its own).
 */
function shellEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = withoutAwsCredentials();
  for (const name of Object.keys(env)) if (name.toLowerCase().startsWith("npm_config_")) delete env[name];
  delete env.CI;
  return { ...env, CHECKPOINT_DISABLE: "1", ...extra };
}

/** `npm run --silent deploy <npmArgs...>`: what the user typed after `npm run deploy`, through the real npm. */
function npmRunDeploy(npmArgs: string[], extra: NodeJS.ProcessEnv = {}) {
  return spawnSync("npm", ["run", "--silent", "deploy", ...npmArgs], {
    cwd: root,
    env: shellEnvironment(extra),
    encoding: "utf8",
  });
}

/** The bundle `npm run deploy` runs, built once here (beside it: the command finds the repository from its folder). */
const bundle = path.join(root, "dist", "deploy-cli-test.js");
beforeAll(async () => {
  await build({
    entryPoints: [path.join(root, "scripts", "deploy", "cli.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    target: "node20",
    logLevel: "warning",
  });
});

/** What `npm run deploy -- <args...>` runs, without npm and the bundling in front of it. */
function deployCommand(args: string[], extra: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [bundle, ...args], { cwd: root, env: shellEnvironment(extra), encoding: "utf8" });
}

/** The same in a pseudo-terminal (util-linux `script`), answering the question with `answer`. */
function inTerminal(args: string[], answer: string) {
  return spawnSync("script", ["-qec", [process.execPath, bundle, ...args].join(" "), "/dev/null"], {
    cwd: root,
    env: shellEnvironment(),
    input: `${answer}\n`,
    encoding: "utf8",
  });
}

const stderrLines = (stderr: string) => stderr.split("\n").filter(Boolean);
const ALL_DEV_STACKS = "dev-bootstrap, dev-network, dev-cluster, dev-data, dev-platform, dev-app";

describe("npm run deploy", () => {
  it("stops at the first preflight without credentials: one line, exit 1, no state written", () => {
    const stateDir = path.join(root, "terraform-state");
    const before = fs.existsSync(stateDir) ? fs.readdirSync(stateDir) : [];
    const run = npmRunDeploy(["--", "dev", "--plan"]);
    expect(run.status).toBe(1);
    expect(stderrLines(run.stderr)).toEqual([
      'deploy: preflight: environment "dev": no usable AWS credentials (CredentialsProviderError): sign in to account 111111111111 (aws sso login, or set AWS_PROFILE) and run again',
    ]);
    expect(run.stdout).toContain("  wave 4: dev-data, dev-platform  (together)");
    expect(fs.existsSync(stateDir) ? fs.readdirSync(stateDir) : []).toEqual(before);
    expect(fs.existsSync(path.join(root, "deploy-out", "dev", "logs"))).toBe(false);
  }, 60_000);

  it.each([
    [["dev"], `deploy: no --plan or --apply given: nothing runs without one; ${USAGE}`],
    [
      ["dev", "--apply"],
      `deploy: apply to dev (account 111111111111, us-east-1): ${ALL_DEV_STACKS}: no terminal to confirm it in; add --yes to apply (nothing was changed)`,
    ],
  ])(
    "refuses %j with one line and exit 2, before anything runs",
    (args, message) => {
      const run = deployCommand(args);
      expect(run.status).toBe(2);
      expect(stderrLines(run.stderr)).toEqual([message]);
      expect(run.stdout).toBe("");
    },
    60_000,
  );

  // What the user typed after `npm run deploy`, and the options npm takes from it (measured with
  // the npm running these tests; see NPM_FOOTPRINTS).
  it.each([
    [["dev", "--plan"], "--plan or --apply", "npm_config_all, npm_config_long, npm_config_parseable"],
    [["dev", "--apply", "--yes"], "--plan or --apply", "npm_config_all, npm_config_long, npm_config_parseable"],
    [["dev", "app", "--image-tag=1.4.2", "--", "--plan"], "--image-tag", "npm_config_image_tag"],
    [["dev", "app", "--image-tag", "1.4.2", "--", "--plan"], "--image-tag", "npm_config_image_tag"],
    [["--record-plans=plans", "--", "dev", "--plan"], "--record-plans", "npm_config_record_plans"],
    [["--reviewed-plans=plans", "--", "dev", "--apply", "--yes"], "--reviewed-plans", "npm_config_reviewed_plans"],
  ])(
    "refuses `npm run deploy %j`: npm took %s for itself",
    (npmArgs, options, variables) => {
      const run = npmRunDeploy(npmArgs);
      expect(run.status).toBe(2);
      expect(stderrLines(run.stderr)).toEqual([
        `deploy: npm took ${options} as its own option (it set ${variables}), so deploy never saw it; put -- before the arguments: ${USAGE}`,
      ]);
      expect(run.stdout).toBe("");
    },
    60_000,
  );

  it("in a terminal, asks before an apply, naming environment, account and stacks; no is no", () => {
    const run = inTerminal(["dev", "network", "cluster", "--apply"], "n");
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("apply to dev (account 111111111111, us-east-1): dev-network, dev-cluster");
    expect(run.stdout).toContain("Apply? [y/N]");
    expect(run.stdout).toContain("deploy: apply to dev not confirmed; nothing was changed");
    expect(run.stdout).not.toContain("wave");
  }, 60_000);

  it("in a terminal, a yes starts the apply (here stopped by preflight: no credentials)", () => {
    const run = inTerminal(["dev", "network", "--apply"], "y");
    expect(run.stdout).toContain("deploy dev: apply of 1 stack(s) in 1 wave(s)");
    expect(run.stdout).toContain("no usable AWS credentials");
    expect(run.status).toBe(1);
  }, 60_000);

  it("applies without a terminal with --yes (here stopped by preflight: no credentials)", () => {
    const run = deployCommand(["dev", "network", "--apply", "--yes"], { CI: "true" });
    expect(run.stdout).toContain("deploy dev: apply of 1 stack(s) in 1 wave(s)");
    expect(stderrLines(run.stderr)).toEqual([expect.stringContaining("no usable AWS credentials")]);
    expect(run.status).toBe(1);
  }, 60_000);

  it("prints the usage for npm run deploy -- --help, exit 0", () => {
    const run = npmRunDeploy(["--", "--help"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${HELP}\n`);
    expect(run.stderr).toBe("");
  }, 60_000);

  it.each([[["-h"]], [["dev", "--apply", "--help"]]])(
    "prints the usage for %j, exit 0, runs nothing",
    (args) => {
      const run = deployCommand(args);
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(`${HELP}\n`);
      expect(run.stderr).toBe("");
    },
    60_000,
  );
});

describe("deploy's command line", () => {
  it.each([
    // Not a name the schema accepts ("-"), so no environment added later can make it known.
    [
      ["no-such-env", "--plan"],
      `environment "no-such-env" does not exist; allowed: ${loadEnvironments()
        .map((c) => c.name)
        .join(", ")}`,
    ],
    [
      ["dev", "database", "--plan"],
      'environment "dev", stack "database" does not exist; allowed: bootstrap, network, cluster, data, platform, app, github, org-guardrails',
    ],
    [
      ["prod", "app", "--apply", "--image-tag", "latest"],
      'environment "prod", --image-tag "latest": must be an immutable tag (a version or git sha), not "latest"',
    ],
    [["dev", "--force"], `unknown option --force; ${USAGE}`],
    [[], `no environment given; ${USAGE}`],
    [["dev", "network"], `no --plan or --apply given: nothing runs without one; ${USAGE}`],
    [["dev", "--plan", "--apply"], `--plan and --apply together: choose one; ${USAGE}`],
    [["dev", "--apply", "--record-plans", "plans"], `--record-plans needs --plan; ${USAGE}`],
    [["dev", "--plan", "--reviewed-plans", "plans"], `--reviewed-plans needs --apply; ${USAGE}`],
    [["dev", "--plan", "--yes"], "--yes confirms an apply; it cannot go with --plan"],
    [["dev", "--apply", "--reviewed-plans", "--yes"], `--reviewed-plans needs a value; ${USAGE}`],
    [["dev", "--plan", "--record-plans"], `--record-plans needs a value; ${USAGE}`],
    [["prod", "app", "--apply", "--image-tag"], `--image-tag needs a value; ${USAGE}`],
  ])("refuses %j as a wrong command line (exit 2)", (args, message) => {
    expect(() => parseArguments(args, configs)).toThrow(expect.objectContaining({ message, exitCode: 2 }));
  });

  it("plans with --plan, applies with --apply, and an apply is confirmed by --yes only when given", () => {
    expect(parseArguments(["dev", "--plan"], configs)).toMatchObject({ request: { mode: "plan" }, yes: false });
    expect(parseArguments(["dev", "--apply"], configs)).toMatchObject({ request: { mode: "apply" }, yes: false });
    expect(parseArguments(["dev", "--apply", "--yes"], configs)).toMatchObject({ yes: true });
  });

  it("names the stacks an apply will run, in deploy order", () => {
    const { request } = parseArguments(["dev", "app", "dev-network", "--apply"], configs);
    expect(applyTarget(request)).toBe("apply to dev (account 111111111111, us-east-1): dev-network, dev-app");
  });

  const terminal = (interactive: boolean, answer = "") => {
    const questions: string[] = [];
    const t: Terminal = { interactive, ask: async (q) => (questions.push(q), answer) };
    return { t, questions };
  };

  it.each(["y", "yes", "Y", " YES "])("applies when the person answers %j", async (answer) => {
    const { t, questions } = terminal(true, answer);
    await expect(confirmApply(parseArguments(["dev", "--apply"], configs), t)).resolves.toBeUndefined();
    expect(questions).toEqual([`apply to dev (account 111111111111, us-east-1): ${ALL_DEV_STACKS}\nApply? [y/N] `]);
  });

  it.each(["", "n", "no", "yep"])("fails with exit 1 when the person answers %j", async (answer) => {
    await expect(
      confirmApply(parseArguments(["dev", "--apply"], configs), terminal(true, answer).t),
    ).rejects.toMatchObject({ exitCode: 1, message: "apply to dev not confirmed; nothing was changed" });
  });

  it("asks nothing with --yes, nor for a plan", async () => {
    const { t, questions } = terminal(false);
    await confirmApply(parseArguments(["dev", "--apply", "--yes"], configs), t);
    await confirmApply(parseArguments(["dev", "--plan"], configs), t);
    expect(questions).toEqual([]);
  });

  it("fails without a terminal and without --yes", async () => {
    await expect(confirmApply(parseArguments(["dev", "--apply"], configs), terminal(false).t)).rejects.toMatchObject({
      exitCode: 2,
    });
  });

  it("--help says what a plan writes: the platform's charts into the environment's caches and mirror", () => {
    // deploy.test.ts ("Helm charts"): a plan, like an apply, runs the chart check that fills them.
    const help = HELP.replace(/\s+/g, " ");
    expect(help).not.toMatch(/Nothing changes without --apply|plan only: [^;]*changes nothing/);
    expect(help).toContain(
      "--plan changes nothing that runs; for the platform stack it fills the environment's chart caches and mirror with the pinned charts.",
    );
  });

  it("--help gives that refusal's exit status its meaning", async () => {
    const exitLine = HELP.slice(HELP.indexOf("\nExit ")).replace(/\s+/g, " ");
    const code = await confirmApply(parseArguments(["dev", "--apply"], configs), terminal(false).t).then(
      () => -1,
      (error: { exitCode: number }) => error.exitCode,
    );
    expect(new RegExp(`\\b${code}: ([^;]+)`).exec(exitLine)?.[1]).toMatch(/without a terminal/);
  });

  it("takes an npm config that is empty (npm's false) or that npm sets on its own as no evidence", () => {
    const npmDefaults = {
      npm_config_yes: "true",
      npm_config_long: "true",
      npm_config_image_tag: "",
      npm_config_plan: "",
    };
    expect(() => refuseOptionsTakenByNpm(npmDefaults)).not.toThrow();
  });

  it("refuses on the footprint of every option it knows", () => {
    for (const footprint of NPM_FOOTPRINTS) {
      const env = Object.fromEntries(footprint.variables.map((name) => [name, "true"]));
      expect(() => refuseOptionsTakenByNpm(env)).toThrow(`npm took ${footprint.options} as its own option`);
    }
  });
});
