/**
 * npm run deploy -- <env> [stack...] (--plan [--record-plans <dir>] | --apply [--yes] [--reviewed-plans <dir>]) [--image-tag <tag>]
 *
 * Synthesizes one environment into deploy-out/<env>/, checks that the deploy can succeed
 * (preflight), then runs terraform on the selected stacks (default: all) in dependency order,
 * stacks that do not depend on each other together. `--plan` plans only and changes nothing that
 * runs (for the platform stack it fills the environment's chart caches and mirror with the pinned
 * charts, which its plan pulls); `--apply` applies, after a yes in a terminal or with `--yes`.
 * Per-stack logs go to deploy-out/<env>/logs/. Exit 0 when every stack succeeded, 1 on a failed
 * check or stack or an apply not confirmed, 2 on a wrong command line, 3 when stacks stopped for a
 * second delivery, which plans and applies them: an apply against reviewed plans stopped stacks
 * planned before a stack of the same apply changed outputs they read, or that their plan could not
 * make (the note for CI's job summary is deploy-out/<env>/deliver-again.md); or a plan could not
 * make stacks before an earlier stack of the run is applied (a new chart's mirror repository, which
 * the cluster stack creates).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  CONCERNS,
  ConfigError,
  GITHUB_CONCERN,
  GITHUB_SETTINGS_ENVIRONMENT,
  ORGANIZATION_CONCERN,
  ORGANIZATION_GUARDRAILS_ENVIRONMENT,
  STACK_CONCERNS,
  imageTagSchema,
  loadEnvironments,
  type EnvironmentConfig,
} from "../../config";
import { swallowedByNpm, wantsHelp, type NpmFootprint } from "../command-line";
import {
  DELIVER_AGAIN_EXIT_CODE,
  deliverAgain,
  deliverAgainLine,
  deliverAgainNote,
  deliverAgainNoteFile,
  notPlannedLine,
} from "./deliver-again";
import { ecrHelmCharts } from "./chart-mirror";
import { deploy, type DeployOutcome, type DeployRequest } from "./deploy";
import { DeployError } from "./deploy-error";
import { canConnect, processTerminal, synthesize, type Terminal } from "./local-machine";

export type { Terminal };
import { markImageDeployed, recordImageTag } from "./image-record";
import { bootstrapStateInBucket } from "./preflight";
import { summaryTable } from "./summary";
import { TerraformCli, installedTerraformVersion, terraformEnvironment } from "./terraform";

export const USAGE =
  "usage: npm run deploy -- <env> [stack...] (--plan [--record-plans <dir>] | --apply [--yes] [--reviewed-plans <dir>]) [--image-tag <tag>]";
export const HELP = [
  USAGE,
  "",
  "Synthesizes <env>, checks that the deploy can succeed (preflight), then runs terraform on the",
  `stacks (default: all: ${CONCERNS.join(", ")}) in dependency order.`,
  `${GITHUB_CONCERN}: the infra repository's GitHub settings, with ${GITHUB_SETTINGS_ENVIRONMENT} only and only when named (GITHUB_TOKEN of a repository admin).`,
  `${ORGANIZATION_CONCERN}: the organization's resource control policy, with ${ORGANIZATION_GUARDRAILS_ENVIRONMENT} only and only when named (docs/organization-guardrails.md).`,
  "--plan changes nothing that runs; for the platform stack it fills the environment's chart caches and mirror",
  "with the pinned charts.",
  "  --plan                  plan only: shows what would change",
  "  --record-plans <dir>    with --plan: write each stack's plan fingerprint, change list and changed outputs (no values) to <dir>,",
  "                          or why it cannot be planned before an earlier stack of the run is applied",
  "  --apply                 apply; in a terminal, asks yes/no first (environment, account, stacks)",
  "  --yes                   with --apply: no question; required where there is no terminal (CI)",
  "  --reviewed-plans <dir>  with --apply: apply a stack only if its plan has the fingerprint recorded in <dir>;",
  "                          one planned before this apply changed outputs it reads, or not planned, stops for a second delivery",
  "  --image-tag <tag>       roll out this image (app stack); default: the tag running now",
  "  -h, --help              this help",
  'Keep the "--" after "npm run deploy": without it npm takes the options as its own and deploy refuses to run.',
  "Exit 0: every stack succeeded; 1: a check or stack failed, or the apply was not confirmed; 2: wrong command line,",
  "or --apply without a terminal to confirm in and without --yes;",
  "3: stacks stopped for a second delivery (deliver them again): an apply applied what was reviewed, but not the stacks planned",
  "before it changed outputs they read, nor those the plan could not make; a plan made every plan but those that wait for an earlier stack's apply.",
].join("\n");
const ROOT = path.resolve(__dirname, "..");

/**
 * What deploy's options leave behind when npm reads them (typed before `--`), measured with npm
 * 10.9 and 11.19 (`npm run <script> dev <option>` with a script printing its environment):
 * - an option npm does not know is kept under its own name, `true` or the `=` value:
 *   `--image-tag=1.4.2` sets npm_config_image_tag=1.4.2; `--image-tag 1.4.2` sets it to true and
 *   passes 1.4.2 on as an argument. Same for --record-plans and --reviewed-plans.
 * - an option whose letters are all npm one-letter shorthands is split into them ("If multiple
 *   single-character shorthands are strung together [...] it is expanded to its various component
 *   pieces", https://docs.npmjs.com/cli/v11/using-npm/config#shorthands-and-other-cli-niceties):
 *   `--plan` is -p -l -a -n (parseable, long, all, no-yes) and `--apply` is -a -p -p -l -y (all,
 *   parseable, long, yes), so npm_config_plan and npm_config_apply are never set by npm 10 or 11;
 *   they stay listed for an npm that stops splitting.
 * `--yes` is npm's own `yes` config (npx's): npm_config_yes is also set by `yes=true` in an .npmrc
 * or an outer `npx --yes`, so it proves nothing, and deploy never reads it (only its argv).
 * `--help` and `-h` never reach deploy: npm prints its own help for `npm run`.
 */
export const NPM_FOOTPRINTS: readonly NpmFootprint[] = [
  { options: "--plan or --apply", variables: ["npm_config_all", "npm_config_long", "npm_config_parseable"] },
  { options: "--plan", variables: ["npm_config_plan"] },
  { options: "--apply", variables: ["npm_config_apply"] },
  { options: "--image-tag", variables: ["npm_config_image_tag"] },
  { options: "--record-plans", variables: ["npm_config_record_plans"] },
  { options: "--reviewed-plans", variables: ["npm_config_reviewed_plans"] },
];

/** Refuses a run whose options npm took for itself: deploy would run without them. */
export function refuseOptionsTakenByNpm(env: NodeJS.ProcessEnv): void {
  const taken = swallowedByNpm(env, NPM_FOOTPRINTS);
  if (taken.length === 0) return;
  const options = taken.map((f) => f.options).join(", ");
  const variables = taken.flatMap((f) => f.variables).join(", ");
  throw new DeployError(
    `npm took ${options} as its own option (it set ${variables}), so deploy never saw it; put -- before the arguments: ${USAGE}`,
    2,
  );
}

/** A parsed command line: what to deploy, and whether an apply was confirmed on it (`--yes`). */
export interface DeployCommand {
  readonly request: DeployRequest;
  readonly yes: boolean;
}

/** Reads the command line into a request; refuses anything it does not know. */
export function parseArguments(argv: readonly string[], configs: readonly EnvironmentConfig[]): DeployCommand {
  const positional: string[] = [];
  const modes = new Set<DeployRequest["mode"]>();
  let yes = false;
  let imageTag: string | undefined;
  let recordPlansTo: string | undefined;
  let reviewedPlansFrom: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // An option's value is the next argument, never another option: `--reviewed-plans --yes`
    // must not read `--yes` as a folder (and lose the confirmation).
    const valueOf = (option: string): string => {
      const value = argv[++i];
      if (value === undefined || value.startsWith("-")) throw new DeployError(`${option} needs a value; ${USAGE}`, 2);
      return value;
    };
    if (arg === "--plan") modes.add("plan");
    else if (arg === "--apply") modes.add("apply");
    else if (arg === "--yes") yes = true;
    else if (arg === "--record-plans") recordPlansTo = path.resolve(valueOf(arg));
    else if (arg === "--reviewed-plans") reviewedPlansFrom = path.resolve(valueOf(arg));
    else if (arg === "--image-tag") imageTag = valueOf(arg);
    else if (arg.startsWith("--image-tag=")) imageTag = arg.slice("--image-tag=".length);
    else if (arg.startsWith("-")) throw new DeployError(`unknown option ${arg}; ${USAGE}`, 2);
    else positional.push(arg);
  }
  const [environment, ...stackNames] = positional;
  if (!environment) throw new DeployError(`no environment given; ${USAGE}`, 2);
  const config = configs.find((c) => c.name === environment);
  if (!config) {
    throw new DeployError(
      `environment "${environment}" does not exist; allowed: ${configs.map((c) => c.name).join(", ")}`,
      2,
    );
  }
  const concerns = stackNames.map((n) => (n.startsWith(`${environment}-`) ? n.slice(environment.length + 1) : n));
  const unknown = concerns.find((c) => !(STACK_CONCERNS as readonly string[]).includes(c));
  if (unknown !== undefined) {
    throw new DeployError(
      `environment "${environment}", stack "${unknown}" does not exist; allowed: ${STACK_CONCERNS.join(", ")}`,
      2,
    );
  }
  if (imageTag !== undefined) {
    const parsed = imageTagSchema.safeParse(imageTag);
    if (!parsed.success) {
      throw new DeployError(
        `environment "${environment}", --image-tag "${imageTag}": ${parsed.error.issues[0].message}`,
        2,
      );
    }
  }
  if (modes.size === 2) throw new DeployError(`--plan and --apply together: choose one; ${USAGE}`, 2);
  const [mode] = [...modes];
  if (mode === undefined) {
    throw new DeployError(`no --plan or --apply given: nothing runs without one; ${USAGE}`, 2);
  }
  if (recordPlansTo && mode !== "plan") throw new DeployError(`--record-plans needs --plan; ${USAGE}`, 2);
  if (reviewedPlansFrom && mode !== "apply") throw new DeployError(`--reviewed-plans needs --apply; ${USAGE}`, 2);
  if (yes && mode !== "apply") throw new DeployError(`--yes confirms an apply; it cannot go with --plan`, 2);
  return { request: { config, stackNames, mode, imageTag, recordPlansTo, reviewedPlansFrom }, yes };
}

/** Where a person can answer a question, if anywhere. */
/** `apply to dev (account 111111111111, eu-west-1): dev-network, dev-cluster`: what an apply will change. */
export function applyTarget(request: DeployRequest): string {
  const { config } = request;
  const named = request.stackNames.map((n) => (n.startsWith(`${config.name}-`) ? n.slice(config.name.length + 1) : n));
  const concerns = named.length > 0 ? STACK_CONCERNS.filter((c) => named.includes(c)) : [...CONCERNS];
  const stacks = concerns.map((c) => `${config.name}-${c}`).join(", ");
  return `apply to ${config.name} (account ${config.account.id}, ${config.account.region}): ${stacks}`;
}

/**
 * An apply goes ahead only when `--yes` is on the command line or a person answers yes in a
 * terminal; without a terminal and without `--yes` it is refused before anything runs.
 */
export async function confirmApply(command: DeployCommand, terminal: Terminal): Promise<void> {
  if (command.request.mode !== "apply" || command.yes) return;
  const target = applyTarget(command.request);
  if (!terminal.interactive) {
    throw new DeployError(`${target}: no terminal to confirm it in; add --yes to apply (nothing was changed)`, 2);
  }
  const answer = await terminal.ask(`${target}\nApply? [y/N] `);
  if (!/^y(es)?$/i.test(answer.trim())) {
    throw new DeployError(`apply to ${command.request.config.name} not confirmed; nothing was changed`, 1);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  if (wantsHelp(argv)) {
    console.log(HELP);
    return 0;
  }
  // The pinned SDK runs on Node 20; its notice that later releases need Node 22 is for upgrades, not this run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  refuseOptionsTakenByNpm(process.env);
  const command = parseArguments(argv, loadEnvironments());
  await confirmApply(command, processTerminal(process.env));
  const { request } = command;
  const out = path.join(ROOT, "deploy-out", request.config.name);
  const logDirectory = path.join(out, "logs");
  fs.rmSync(logDirectory, { recursive: true, force: true });
  fs.rmSync(deliverAgainNoteFile(ROOT, request.config.name), { force: true });
  const outcome = await deploy(request, {
    synthesize,
    probes: { terraformVersion: installedTerraformVersion, canConnect },
    terraform: new TerraformCli(terraformEnvironment(path.join(ROOT, ".terraform-plugin-cache"))),
    helmCharts: ecrHelmCharts(),
    bootstrapStateInBucket,
    markImageDeployed,
    recordImageTag,
    root: ROOT,
    logDirectory,
    print: (line) => console.log(line),
    now: () => Date.now(),
  });
  return reportOutcome(request, outcome, {
    root: ROOT,
    print: (line) => console.log(line),
    printError: (line) => console.error(line),
  });
}

/** Where the end of a run is reported. */
export interface OutcomeReport {
  /** Repository root: the note for CI's job summary goes under deploy-out/<env>/. */
  readonly root: string;
  print(line: string): void;
  printError(line: string): void;
}

/**
 * Ends a run: the summary table, then what to do. Returns the exit status: 0 all applied, 1 a
 * stack failed (with the resume command), 3 stacks stopped for a second delivery (one line each;
 * after an apply, the note CI's apply job adds to its summary).
 */
export function reportOutcome(request: DeployRequest, outcome: DeployOutcome, report: OutcomeReport): number {
  report.print("");
  summaryTable(outcome.results).forEach((line) => report.print(line));
  const failed = outcome.results.find((r) => r.result === "failed");
  if (failed) {
    report.printError(
      `deploy ${request.config.name}: ${failed.stack} ${failed.reason} (log: ${failed.logFile}); fix it, then resume with: ${outcome.resumeCommand}`,
    );
    return 1;
  }
  const again = deliverAgain(request, outcome);
  if (!again) return 0;
  again.reasons.forEach((line) => report.printError(line));
  if (request.mode === "plan") {
    report.printError(notPlannedLine(request, again));
    return DELIVER_AGAIN_EXIT_CODE;
  }
  report.printError(deliverAgainLine(request, again));
  const note = deliverAgainNoteFile(report.root, request.config.name);
  fs.mkdirSync(path.dirname(note), { recursive: true });
  fs.writeFileSync(note, deliverAgainNote(request, again));
  return DELIVER_AGAIN_EXIT_CODE;
}

function explain(error: unknown): { message: string; code: number } {
  if (error instanceof DeployError) return { message: `deploy: ${error.message}`, code: error.exitCode };
  if (error instanceof ConfigError) return { message: error.message, code: 1 };
  const first = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return { message: `deploy: unexpected error: ${first} (DEBUG=1 shows the stack trace)`, code: 1 };
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
