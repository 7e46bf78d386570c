/**
 * npm run destroy -- <env> [--plan | --yes]
 *
 * Plans the destroy of every stack of one environment but bootstrap, shows what it deletes and
 * what stays, and, after a yes in a terminal (or with `--yes` where there is none), deletes them
 * in reverse dependency order. Refused unless the environment's `lifecycle.allowDestroy` is true.
 * Exit 0 when everything planned (--plan) or was destroyed, 1 on a refusal, a failed check or
 * stack, or an answer other than yes, 2 on a wrong command line, which includes a destroy with
 * neither --yes nor a terminal to ask in.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, loadEnvironments, type EnvironmentConfig } from "../../config";
import { swallowedByNpm, wantsHelp, type NpmFootprint } from "../command-line";
import { DeployError } from "./deploy-error";
import { canConnect, processTerminal, synthesize, type Terminal } from "./local-machine";

export type { Terminal };
import { ecrHelmCharts } from "./chart-mirror";
import { awsClusterLeftovers } from "./cluster-leftovers";
import { KEPT_CONCERN, destroy, refuseUnlessAllowed, type DestroyRequest } from "./destroy";
import { summaryTable } from "./summary";
import { TerraformCli, installedTerraformVersion, terraformEnvironment } from "./terraform";

export const USAGE = "usage: npm run destroy -- <env> [--plan | --yes]";
export const HELP = [
  USAGE,
  "",
  `Deletes every stack of <env> but ${KEPT_CONCERN} (it holds the state and the CI roles), in reverse`,
  "dependency order: app, then data and platform, then cluster, then network. First it plans each",
  "destroy and shows what it deletes, what it keeps (Terraform forgets it, AWS keeps it) and what",
  "AWS deletes only after a waiting period; then it asks. Before platform and cluster it waits until",
  "the Gateway's load balancer and ExternalDNS's records are gone. Refused unless config's",
  "lifecycle.allowDestroy is true for <env> (false in production).",
  "  --plan       plan only: shows what the destroy would do, changes nothing",
  "  --yes        no question; required where there is no terminal (CI)",
  "  -h, --help   this help",
  'Keep the "--" after "npm run destroy": without it npm takes the options as its own and destroy refuses to run.',
  "Exit 0: planned, or destroyed; 1: refused, a check or stack failed, or not confirmed (an answer other than yes);",
  "2: wrong command line, or no terminal to confirm in without --yes.",
].join("\n");
const ROOT = path.resolve(__dirname, "..");

/**
 * What destroy's options leave behind when npm reads them (typed before `--`): `--plan` is split
 * into npm's one-letter shorthands -p -l -a -n (scripts/deploy/cli.ts, NPM_FOOTPRINTS, measured).
 * `--yes` is npm's own `yes`: its variable proves nothing, and destroy reads only its argv.
 */
export const NPM_FOOTPRINTS: readonly NpmFootprint[] = [
  { options: "--plan", variables: ["npm_config_all", "npm_config_long", "npm_config_parseable"] },
  { options: "--plan", variables: ["npm_config_plan"] },
];

/** A parsed command line. */
export interface DestroyCommand {
  readonly request: DestroyRequest;
  /** `--yes`: destroy without asking. */
  readonly yes: boolean;
}

/** Refuses a run whose options npm took for itself: destroy would run without them. */
export function refuseOptionsTakenByNpm(env: NodeJS.ProcessEnv): void {
  const taken = swallowedByNpm(env, NPM_FOOTPRINTS);
  if (taken.length === 0) return;
  throw new DeployError(
    `npm took ${taken[0].options} as its own option (it set ${taken.flatMap((f) => f.variables).join(", ")}), so destroy never saw it; put -- before the arguments: ${USAGE}`,
    2,
  );
}

/** Reads the command line; refuses anything it does not know. */
export function parseArguments(argv: readonly string[], configs: readonly EnvironmentConfig[]): DestroyCommand {
  const positional: string[] = [];
  let plan = false;
  let yes = false;
  for (const arg of argv) {
    if (arg === "--plan") plan = true;
    else if (arg === "--yes") yes = true;
    else if (arg.startsWith("-")) throw new DeployError(`unknown option ${arg}; ${USAGE}`, 2);
    else positional.push(arg);
  }
  const [environment, ...rest] = positional;
  if (!environment) throw new DeployError(`no environment given; ${USAGE}`, 2);
  const config = configs.find((c) => c.name === environment);
  if (!config) {
    throw new DeployError(
      `environment "${environment}" does not exist; allowed: ${configs.map((c) => c.name).join(", ")}`,
      2,
    );
  }
  if (rest.length > 0) {
    throw new DeployError(
      `environment "${environment}": destroy takes no stack names (got ${rest.join(" ")}): it deletes every stack but ${KEPT_CONCERN}, in order; ${USAGE}`,
      2,
    );
  }
  if (plan && yes) throw new DeployError(`--yes confirms a destroy; it cannot go with --plan`, 2);
  return { request: { config, mode: plan ? "plan" : "destroy" }, yes };
}

/** Where a person can answer a question, if anywhere. */
/**
 * A destroy needs `--yes`, or a terminal to ask in: without either it is refused before anything
 * runs (there would be nobody to say yes after the plans).
 */
export function refuseWithoutConfirmation(command: DestroyCommand, terminal: Terminal): void {
  if (command.request.mode !== "destroy" || command.yes || terminal.interactive) return;
  throw new DeployError(
    `${command.request.config.name}: no terminal to confirm the destroy in; add --yes to destroy, or --plan to see what it would do (nothing was changed)`,
    2,
  );
}

/** The go-ahead: `--yes`, or the word yes typed in the terminal (y is not enough for a destroy). */
export function confirmation(command: DestroyCommand, terminal: Terminal): (question: string) => Promise<boolean> {
  return async (question) => {
    if (command.yes) return true;
    const answer = await terminal.ask(`${question}\nType yes to destroy: `);
    return /^yes$/i.test(answer.trim());
  };
}

async function main(argv: readonly string[]): Promise<number> {
  if (wantsHelp(argv)) {
    console.log(HELP);
    return 0;
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  refuseOptionsTakenByNpm(process.env);
  const command = parseArguments(argv, loadEnvironments());
  refuseUnlessAllowed(command.request);
  const terminal = processTerminal(process.env);
  refuseWithoutConfirmation(command, terminal);
  const { request } = command;
  const out = path.join(ROOT, "deploy-out", request.config.name);
  const logDirectory = path.join(out, "logs");
  fs.rmSync(logDirectory, { recursive: true, force: true });
  const outcome = await destroy(request, {
    synthesize,
    probes: { terraformVersion: installedTerraformVersion, canConnect },
    terraform: new TerraformCli(terraformEnvironment(path.join(ROOT, ".terraform-plugin-cache"))),
    leftovers: awsClusterLeftovers(),
    helmLogin: ecrHelmCharts().login,
    confirm: confirmation(command, terminal),
    root: ROOT,
    logDirectory,
    keptFile: path.join(out, "kept.txt"),
    print: (line) => console.log(line),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  console.log("");
  summaryTable(outcome.results).forEach((line) => console.log(line));
  const failed = outcome.results.find((r) => r.result === "failed");
  if (!failed) return 0;
  console.error(
    `destroy ${request.config.name}: ${failed.stack} ${failed.reason} (log: ${failed.logFile ?? logDirectory}); fix it, then resume with: ${outcome.resumeCommand}`,
  );
  return 1;
}

function explain(error: unknown): { message: string; code: number } {
  if (error instanceof DeployError) return { message: `destroy: ${error.message}`, code: error.exitCode };
  if (error instanceof ConfigError) return { message: error.problems.join("\n"), code: 1 };
  const first = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return { message: `destroy: unexpected error: ${first} (DEBUG=1 shows the stack trace)`, code: 1 };
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      const { message, code } = explain(error);
      console.error(message);
      if (process.env.DEBUG === "1") console.error(error);
      process.exitCode = code;
    },
  );
}
