/**
 * The deploy command's run: synthesize one environment, print which stacks run together, pass
 * preflight, then plan (and apply) each stack in dependency order, a wave at a time. The first
 * failure lets the stacks already running finish, starts nothing more, and says how to resume.
 * A chart without a pin in git stops the run before any stack, next to the provider locks. A stack
 * with Helm releases (the platform) first gets every chart it pulls checked against those digests
 * in ECR, the environment's chart mirror filled (chart-mirror.ts), and its terraform runs a
 * registry login for helm.
 *
 * Against reviewed plans (CI), a stack that reads outputs an earlier stack of the same run has
 * just changed was reviewed with a plan made against their old values, so its new plan differs.
 * That is no tampering, but it is not what was reviewed either: it is stopped (with everything
 * after it) for a second delivery, which plans it against the new outputs for review.
 * A plan stops a stack the same way when it cannot be planned before an earlier stack of the run
 * is applied (a new chart's mirror repository, which the cluster stack creates: plan-stops.ts);
 * the apply against those plans applies the stacks before it and stops it for the second delivery.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { IMAGE_TAG_VARIABLE, imageTagParameterName, type EnvironmentConfig } from "../../config";
import {
  bootstrapPhase,
  localBootstrapState,
  removeLocalState,
  useLocalBackend,
  useSynthesizedBackend,
  type BootstrapPhase,
} from "./bootstrap-state";
import { CHART_DIGESTS_PATH } from "../../modules/addons/chart-digest-pins";
import { helmReleaseCharts, unpinnedCharts, unpinnedChartsProblem, type HelmCharts } from "./chart-mirror";
import { ChartsNotReadyError } from "./charts-not-ready";
import { DeployError } from "./deploy-error";
import type { HelmRegistryLogin } from "./helm-registry-login";
import { runPreflight, type PreflightProbes } from "./preflight";
import {
  describeWaves,
  loadStacks,
  outputLabel,
  outputReads,
  outsideDependencies,
  planWaves,
  readersOf,
  selectStacks,
  type OutputReads,
  type StackNode,
} from "./stack-graph";
import { planChanges, type OutputChange, type PlanChanges } from "./plan-fingerprint";
import {
  applyStopLine,
  creatorOfRepository,
  planStopLine,
  recordStop,
  recordedStop,
  stopFile,
  type PlanStop,
} from "./plan-stops";
import { planOnlyVariables } from "./plan-variables";
import { LOCK_DIRECTORY, installLockFile, lockProblem } from "./provider-locks";
import type { Terraform } from "./terraform";

/** What to deploy. */
export interface DeployRequest {
  readonly config: EnvironmentConfig;
  /** Stacks named on the command line (`app`, `dev-app`); empty: all. */
  readonly stackNames: readonly string[];
  /** `plan` shows what would change; `apply` changes it. */
  readonly mode: "plan" | "apply";
  /** Image tag to roll out: planned as the app stack's image_tag variable, recorded in the environment's image-tag parameter once applied. @default - the running one */
  readonly imageTag?: string;
  /** `--plan`: write each stack's plan fingerprint, change list and changed outputs here (no values). @default - none */
  readonly recordPlansTo?: string;
  /** Apply a stack only when its plan has the fingerprint recorded here by the reviewed plan. @default - none */
  readonly reviewedPlansFrom?: string;
}

/** The outside world, injectable for tests. */
export interface DeployDependencies {
  /** Synthesizes the environment; returns the output folder. */
  synthesize(environment: string): Promise<string>;
  readonly probes: PreflightProbes;
  readonly terraform: Terraform;
  readonly helmCharts: HelmCharts;
  /** Whether bootstrap's state object is in the state bucket (checked after moving it there). */
  bootstrapStateInBucket(config: EnvironmentConfig): Promise<boolean>;
  /** Tags the image about to be rolled out `deployed-<tag>`, so ECR keeps it; returns that tag. */
  markImageDeployed(config: EnvironmentConfig, imageTag: string): Promise<string>;
  /** Writes the tag a rollout deployed into that parameter (the app stack reads it), once the app stack applied it. */
  recordImageTag(config: EnvironmentConfig, imageTag: string): Promise<void>;
  /** Repository root: phase-1 bootstrap state lives under it. */
  readonly root: string;
  /** Folder of the per-stack logs. */
  readonly logDirectory: string;
  print(line: string): void;
  now(): number;
}

/** How one stack's run ended. */
export interface StackResult {
  readonly stack: string;
  readonly action: string;
  readonly durationMs?: number;
  /**
   * `stopped`: planned before a stack it reads changed its outputs in this run, or not plannable
   * before an earlier stack of the run is applied; a second delivery plans and applies it.
   */
  readonly result: "ok" | "failed" | "stopped" | "not started";
  /** Why it failed or stopped (one line). */
  readonly reason?: string;
  readonly logFile?: string;
}

/** The whole run. */
export interface DeployOutcome {
  readonly waves: StackNode[][];
  readonly results: StackResult[];
  /** The command that carries on from the failure, when there was one. */
  readonly resumeCommand?: string;
}

/**
 * Stops a stack for a second delivery, never a failure: its reviewed plan was made against outputs
 * this run has since changed (plan again, not tampering), or it cannot be planned before an
 * earlier stack of the run is applied.
 */
class SecondDelivery extends Error {
  constructor(
    /** What the summary table shows it was doing. */
    readonly action: string,
    /** The one line that says why, starting with the stack. */
    message: string,
  ) {
    super(message);
  }
}

class StackFailure extends Error {
  constructor(
    readonly step: string,
    readonly tail: readonly string[],
  ) {
    super(step);
  }
}

export async function deploy(request: DeployRequest, deps: DeployDependencies): Promise<DeployOutcome> {
  const { config, mode } = request;
  const outdir = await deps.synthesize(config.name);
  const stacks = loadStacks(outdir, config.name);
  const selected = selectStacks(stacks, config.name, request.stackNames);
  const waves = planWaves(selected);
  deps.print(`deploy ${config.name}: ${mode} of ${selected.length} stack(s) in ${waves.length} wave(s)`);
  describeWaves(waves).forEach((line) => deps.print(line));

  deps.print(`preflight ${config.name}:`);
  const facts = await runPreflight(
    {
      config,
      concerns: selected.map((s) => s.concern),
      deployedDependencies: outsideDependencies(selected),
      imageTag: request.imageTag,
      mode,
    },
    deps.probes,
    deps.print,
  );
  checkProviderLocks(selected, deps);
  checkChartPins(selected, deps);
  const localState = localBootstrapState(deps.root, config.name);
  const phase = selected.some((s) => s.concern === "bootstrap")
    ? bootstrapPhase(facts, localState, config.name)
    : "remote";

  // Without --image-tag the app keeps running what the last rollout recorded (config's tag before any).
  const imageTag = facts.imageTag;
  // Which stack reads which outputs: only plans that are recorded or compared with recorded ones need it.
  const reads: OutputReads = request.recordPlansTo || request.reviewedPlansFrom ? outputReads(stacks) : new Map();
  const runner = new StackRunner(request, deps, { phase, localState, imageTag }, reads);
  const results = new Map<string, StackResult>();
  for (const [index, wave] of waves.entries()) {
    if ([...results.values()].some((r) => r.result === "failed" || r.result === "stopped")) {
      wave.forEach((s) => results.set(s.id, { stack: s.id, action: "-", result: "not started" }));
      continue;
    }
    const refused = index > 0 && facts.deferred ? await recheck(request, deps, wave, imageTag) : undefined;
    const earlier = waves.slice(0, index).flat();
    const outcomes = refused ?? (await Promise.all(wave.map((stack) => runner.run(stack, earlier))));
    outcomes.forEach((r) => results.set(r.stack, r));
  }
  const ordered = waves.flat().map((s) => results.get(s.id) as StackResult);
  return { waves, results: ordered, resumeCommand: resumeCommand(request, waves, ordered) };
}

/** Every selected stack has a lock file for the providers it pins, or the run stops here. */
function checkProviderLocks(stacks: StackNode[], deps: DeployDependencies): void {
  for (const stack of stacks) {
    const problem = lockProblem(deps.root, stack.concern, stack.directory);
    if (problem) {
      throw new DeployError(
        `${stack.id}: ${problem}: run npm run providers-lock where the Terraform registry is reachable, then commit ${LOCK_DIRECTORY}/`,
      );
    }
  }
  deps.print(`  ok    provider lock files match the pinned providers (${LOCK_DIRECTORY}/)`);
}

/**
 * Every chart the selected stacks' Helm releases install has a digest pinned in git, or the run
 * stops here, before any terraform: finding a missing pin needs no AWS, and found only when the
 * platform stack starts it would stop the run after the stacks before it were applied. Each stack
 * still checks its charts against their pins, and ECR against them, when it starts (chart-mirror.ts).
 */
function checkChartPins(stacks: StackNode[], deps: DeployDependencies): void {
  let pinned = 0;
  for (const stack of stacks) {
    const releases = helmReleaseCharts(stack.directory);
    const unpinned = unpinnedCharts(releases, deps.helmCharts.pin);
    if (unpinned.length > 0) throw new DeployError(`${stack.id}: ${unpinnedChartsProblem(unpinned)}`);
    pinned += new Set(releases.map((r) => `${r.chart}@${r.version}`)).size;
  }
  if (pinned === 0) return;
  deps.print(
    `  ok    every chart the selected stacks install has a pinned digest (${pinned} in ${CHART_DIGESTS_PATH})`,
  );
}

/**
 * Preflight again for one wave, now that earlier waves created what the first pass could not
 * check (the cluster of a first deploy). A refusal fails the wave instead of throwing, so the
 * summary still shows what was applied and how to resume.
 */
async function recheck(
  request: DeployRequest,
  deps: DeployDependencies,
  wave: StackNode[],
  imageTag: string,
): Promise<StackResult[] | undefined> {
  deps.print(`preflight ${request.config.name} again before ${wave.map((s) => s.id).join(", ")}:`);
  try {
    const target = { config: request.config, deployedDependencies: [], imageTag, mode: request.mode };
    await runPreflight({ ...target, concerns: wave.map((s) => s.concern) }, deps.probes, deps.print);
    return undefined;
  } catch (error) {
    if (!(error instanceof DeployError)) throw error;
    deps.print(`  FAIL  ${error.message}`);
    return wave.map((s) => ({ stack: s.id, action: "preflight", result: "failed", reason: error.message }));
  }
}

interface BootstrapPlan {
  readonly phase: BootstrapPhase;
  readonly localState: string;
  readonly imageTag: string;
}

/** Runs terraform on one stack: init, plan, and in apply mode the saved plan. */
class StackRunner {
  /** The outputs each stack applied in this run changed (known where plans are compared with reviewed ones). */
  private readonly changedOutputs = new Map<string, readonly OutputChange[]>();

  constructor(
    private readonly request: DeployRequest,
    private readonly deps: DeployDependencies,
    private readonly plan: BootstrapPlan,
    private readonly reads: OutputReads,
  ) {}

  /** `earlier`: the stacks of the waves before, all done (else this one would not start). */
  async run(stack: StackNode, earlier: readonly StackNode[]): Promise<StackResult> {
    const logFile = path.join(this.deps.logDirectory, `${stack.id}.log`);
    const started = this.deps.now();
    this.deps.print(`  start ${stack.id}: ${this.request.mode} (log: ${logFile})`);
    const planFile = path.join(stack.directory, "deploy.tfplan");
    let login: HelmRegistryLogin | undefined;
    try {
      this.stopIfThePlanDid(stack);
      login = await this.chartAccess(stack, earlier);
      const action = await this.steps(stack, logFile, planFile, login?.env ?? {});
      const result: StackResult = { stack: stack.id, action, durationMs: this.deps.now() - started, result: "ok" };
      this.deps.print(`  done  ${stack.id}: ${action}`);
      return { ...result, logFile };
    } catch (error) {
      if (error instanceof SecondDelivery) {
        this.deps.print(`  STOP  ${error.message}`);
        const durationMs = this.deps.now() - started;
        return {
          stack: stack.id,
          action: error.action,
          durationMs,
          result: "stopped",
          reason: error.message,
          logFile,
        };
      }
      const failure = error instanceof StackFailure ? error : new StackFailure("deploy", [String(error)]);
      const reason = `${failure.step} failed: ${lastMeaningfulLine(failure.tail)}`;
      this.deps.print(`  FAIL  ${stack.id}: ${reason}`);
      return {
        stack: stack.id,
        action: failure.step,
        durationMs: this.deps.now() - started,
        result: "failed",
        reason,
        logFile,
      };
    } finally {
      login?.cleanup();
      // A saved plan holds every value it will write, secrets included: never leave one behind.
      fs.rmSync(planFile, { force: true });
      if (stack.concern === "bootstrap") useSynthesizedBackend(stack.directory);
    }
  }

  /**
   * Against reviewed plans: a stack their plan stopped (plan-stops.ts) is neither planned nor
   * applied, since its reviewers saw no plan of it; it stops for the second delivery.
   */
  private stopIfThePlanDid(stack: StackNode): void {
    const directory = this.request.reviewedPlansFrom;
    if (!directory) return;
    let stop: PlanStop | undefined;
    try {
      stop = recordedStop(directory, stack.id);
    } catch (error) {
      throw stepFailure("comparing with the reviewed plan", error);
    }
    if (stop) throw new SecondDelivery(`waiting for ${stop.waitsFor}`, applyStopLine(stop));
  }

  /**
   * For a stack with Helm releases: every chart its releases pull checked against its pin in git
   * (the mirror filled), then helm logged in to the registry; undefined for any other stack.
   */
  private async chartAccess(stack: StackNode, earlier: readonly StackNode[]): Promise<HelmRegistryLogin | undefined> {
    const releases = helmReleaseCharts(stack.directory);
    if (releases.length === 0) return undefined;
    const { config } = this.request;
    try {
      return await this.deps.helmCharts.prepare(config, releases, this.deps.print);
    } catch (error) {
      throw this.notPlannableYet(stack, earlier, error) ?? stepFailure("checking charts", error);
    }
  }

  /**
   * A plan whose chart check finds a mirror repository missing that an earlier stack of this run
   * creates (planned there, not applied: a new chart) stops the stack for a second delivery, and
   * records that beside the plans for the apply. Anything else is a failure, and so is this in an
   * apply, which applied that earlier stack first.
   */
  private notPlannableYet(stack: StackNode, earlier: readonly StackNode[], error: unknown): SecondDelivery | undefined {
    if (this.request.mode !== "plan" || !(error instanceof ChartsNotReadyError)) return undefined;
    const creator = creatorOfRepository(earlier, error.repository);
    if (!creator) return undefined;
    const stop = { stack: stack.id, waitsFor: creator.id, missing: `its chart mirror repository ${error.repository}` };
    if (this.request.recordPlansTo) recordStop(this.request.recordPlansTo, stop);
    return new SecondDelivery(`waiting for ${creator.id}`, planStopLine(stop));
  }

  private async steps(
    stack: StackNode,
    logFile: string,
    planFile: string,
    env: Readonly<Record<string, string>>,
  ): Promise<string> {
    const tf = async (step: string, args: string[], okCodes = [0]) => {
      const run = await this.deps.terraform.run(stack.directory, args, logFile, env);
      if (!okCodes.includes(run.code)) throw new StackFailure(step, run.tail);
      return run.code;
    };
    const isBootstrap = stack.concern === "bootstrap";
    const { phase, localState } = this.plan;
    const apply = this.request.mode === "apply";
    const notes: string[] = [];
    installLockFile(this.deps.root, stack.concern, stack.directory);

    if (isBootstrap && phase === "migrate-then-run" && apply) {
      await this.moveBootstrapState(stack, tf, localState);
      notes.push("state moved into the bucket");
    }
    // Until its state is in the bucket, bootstrap reads and writes the local phase-1 file.
    const local = isBootstrap && (phase === "create-then-migrate" || (phase === "migrate-then-run" && !apply));
    if (local) useLocalBackend(stack.directory, localState);

    await tf("terraform init", ["init", "-input=false", "-no-color", "-lockfile=readonly"]);
    // A rollout's tag goes into the plan (so the reviewed plan shows the new image) and is recorded
    // only after that plan was applied: a refused or failed apply leaves the record unchanged.
    const rollout = stack.concern === "app" && this.request.imageTag !== undefined;
    const tagArgs = rollout ? [`-var=${IMAGE_TAG_VARIABLE}=${this.plan.imageTag}`] : [];
    const planArgs = ["plan", "-input=false", "-no-color", "-detailed-exitcode"];
    // A plan that is not applied writes no state, so it needs no lock (and the plan role CI uses,
    // whose one write is the chart caches and mirror, cannot write the lock file); a plan about to
    // be applied holds the lock.
    const lockArgs = apply ? [] : ["-lock=false"];
    const keepPlan = apply || this.request.recordPlansTo !== undefined;
    const outArgs = keepPlan ? [`-out=${planFile}`] : [];
    // A plan that is not applied assumes read-only roles where a stack reaches another account.
    const varArgs = [...(apply ? [] : planOnlyVariables(stack.directory)), ...tagArgs];
    const changes = (await tf("terraform plan", [...planArgs, ...lockArgs, ...varArgs, ...outArgs], [0, 2])) === 2;
    if (!apply) {
      if (this.request.recordPlansTo) await this.recordPlan(stack, planFile, this.request.recordPlansTo);
      return changes ? "plan: changes" : "plan: no changes";
    }
    const reviewed = this.request.reviewedPlansFrom
      ? await this.matchReviewedPlan(stack, planFile, this.request.reviewedPlansFrom)
      : undefined;
    if (stack.concern === "app") notes.push(`image kept as ${await this.markImageDeployed()}`);
    if (changes) {
      await tf("terraform apply", ["apply", "-input=false", "-no-color", planFile]);
      if (reviewed && reviewed.outputs.length > 0) this.changedOutputs.set(stack.id, reviewed.outputs);
    }
    if (rollout) {
      await this.recordImageTag();
      notes.push(`image tag ${this.plan.imageTag} recorded`);
    }
    if (isBootstrap && phase === "create-then-migrate") {
      await this.moveBootstrapState(stack, tf, localState);
      notes.push("state moved into the bucket");
    }
    return [changes ? "applied" : "apply: no changes", ...notes].join("; ");
  }

  private async moveBootstrapState(
    stack: StackNode,
    tf: (step: string, args: string[]) => Promise<number>,
    localState: string,
  ): Promise<void> {
    useSynthesizedBackend(stack.directory);
    await tf("moving bootstrap state into the bucket", [
      "init",
      "-input=false",
      "-no-color",
      "-lockfile=readonly",
      "-migrate-state",
      "-force-copy",
    ]);
    if (!(await this.deps.bootstrapStateInBucket(this.request.config))) {
      throw new StackFailure("moving bootstrap state into the bucket", [
        `the state is not in the bucket after migration; ${localState} is kept`,
      ]);
    }
    removeLocalState(localState);
  }

  /**
   * After the app's apply: the cluster already runs the new image, so a tag left unrecorded would
   * make the next apply of the app stack roll it back. The failure says how to record it by hand.
   */
  private async recordImageTag(): Promise<void> {
    const { config } = this.request;
    const tag = this.plan.imageTag;
    try {
      await this.deps.recordImageTag(config, tag);
    } catch (error) {
      const cause = (error instanceof Error ? error.message : String(error)).split("\n")[0];
      const record = `aws ssm put-parameter --region ${config.account.region} --name ${imageTagParameterName(config)} --type String --value ${tag} --overwrite`;
      throw new StackFailure("recording the image tag", [
        `${cause}; the app now runs ${tag} but ${imageTagParameterName(config)} still names the previous tag, so the next apply of the app stack would roll it back: record it now with \`${record}\` (docs/runbook.md, Recovery)`,
      ]);
    }
  }

  private async markImageDeployed(): Promise<string> {
    try {
      return await this.deps.markImageDeployed(this.request.config, this.plan.imageTag);
    } catch (error) {
      throw new StackFailure("keeping the image in ECR", [error instanceof Error ? error.message : String(error)]);
    }
  }

  private async changesOf(stack: StackNode, planFile: string): Promise<PlanChanges> {
    const shown = await this.deps.terraform.read(stack.directory, ["show", "-json", planFile]);
    if (shown.code !== 0) throw new StackFailure("terraform show", ["could not read the saved plan"]);
    return planChanges(shown.stdout);
  }

  /**
   * The fingerprint, the change list, and the outputs the plan changes with the stacks that read
   * each (`<actions> <output>: read by <stacks>`): a reader's plan of this same round was made
   * against the old value, so its reviewers know a second delivery will plan it again.
   */
  private async recordPlan(stack: StackNode, planFile: string, directory: string): Promise<void> {
    const { fingerprint, summary, outputs } = await this.changesOf(stack, planFile);
    const outputLines = outputs.map((o) => {
      const readers = readersOf(this.reads, stack.id, o.name);
      return `${o.actions.join("/")} ${outputLabel(o.name)}: read by ${readers.length > 0 ? readers.join(", ") : "no stack"}`;
    });
    fs.mkdirSync(directory, { recursive: true });
    // A stop recorded into the same folder by an earlier run is no longer true.
    fs.rmSync(stopFile(directory, stack.id), { force: true });
    fs.writeFileSync(path.join(directory, `${stack.id}.sha256`), `${fingerprint}\n`);
    fs.writeFileSync(path.join(directory, `${stack.id}.changes.txt`), summary.map((l) => `${l}\n`).join(""));
    fs.writeFileSync(path.join(directory, `${stack.id}.outputs.txt`), outputLines.map((l) => `${l}\n`).join(""));
  }

  /**
   * Applies nothing but the reviewed plan. A plan that differs is refused, unless a stack this one
   * reads has changed, in this run, outputs it reads: then the review was of a plan made against
   * their old values, and this stack stops for a second delivery (never applied unreviewed).
   */
  private async matchReviewedPlan(stack: StackNode, planFile: string, directory: string): Promise<PlanChanges> {
    const step = "comparing with the reviewed plan";
    const recorded = path.join(directory, `${stack.id}.sha256`);
    if (!fs.existsSync(recorded)) throw new StackFailure(step, [`no reviewed plan for ${stack.id} in ${directory}`]);
    const changes = await this.changesOf(stack, planFile);
    if (fs.readFileSync(recorded, "utf8").trim() === changes.fingerprint) return changes;
    const upstream = this.changedOutputsReadBy(stack);
    if (upstream.length > 0) {
      const changed = upstream.map(
        ({ stack: s, outputs }) => `${s} changed its outputs (${outputs.map(outputLabel).join(", ")})`,
      );
      throw new SecondDelivery(
        step,
        `${stack.id}: planned before ${changed.join(" and ")}: run the delivery again to plan it against them`,
      );
    }
    throw new StackFailure(step, [
      `the plan differs from the reviewed one (${changes.summary.length} change(s) now): something changed since the review; plan and review again`,
    ]);
  }

  /** The stacks applied in this run that changed outputs this one reads, with those outputs. */
  private changedOutputsReadBy(stack: StackNode): { stack: string; outputs: string[] }[] {
    return [...(this.reads.get(stack.id) ?? new Map<string, readonly string[]>()).entries()]
      .map(([upstream, read]) => ({
        stack: upstream,
        outputs: (this.changedOutputs.get(upstream) ?? []).map((o) => o.name).filter((name) => read.includes(name)),
      }))
      .filter((u) => u.outputs.length > 0)
      .sort((a, b) => a.stack.localeCompare(b.stack));
  }
}

/** An error as the failure of one step of the stack's run, on its first line. */
function stepFailure(step: string, error: unknown): StackFailure {
  return new StackFailure(step, [error instanceof Error ? error.message.split("\n")[0] : String(error)]);
}

function lastMeaningfulLine(tail: readonly string[]): string {
  const errors = tail.filter((l) => /error/i.test(l));
  return (errors[0] ?? tail[tail.length - 1] ?? "no output").replace(/^[│╷╵\s]+/, "").trim();
}

function resumeCommand(request: DeployRequest, waves: StackNode[][], results: StackResult[]): string | undefined {
  const pending = results.filter((r) => r.result !== "ok").map((r) => r.stack);
  if (pending.length === 0) return undefined;
  const concerns = waves
    .flat()
    .filter((s) => pending.includes(s.id))
    .map((s) => s.concern);
  const flags = [
    request.mode === "plan" ? "--plan" : "--apply",
    ...(request.imageTag ? [`--image-tag ${request.imageTag}`] : []),
  ];
  return ["npm run deploy --", request.config.name, ...concerns, ...flags].join(" ");
}
