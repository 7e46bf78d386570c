/**
 * The destroy command's run: synthesize one environment, pass preflight, plan the destroy of every
 * stack but bootstrap (`terraform plan -destroy`, nothing locked or changed), show what it deletes,
 * keeps and leaves to a waiting period, refuse what AWS would refuse halfway, and only after the
 * confirmation delete the stacks in reverse dependency order, a wave at a time: app, then data and
 * platform, then cluster, then network. Before the platform (the controllers) and the cluster
 * (the cloud provider) go, it waits until the Gateway's load balancer and ExternalDNS's records
 * are gone: the load balancer sits in the VPC's public subnets, which cannot be deleted under it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, clusterName, type EnvironmentConfig } from "../../config";
import {
  waitUntilGone,
  type ClusterLeftovers,
  type LoadBalancerLeftover,
  type VolumeLeftover,
  type Waiting,
} from "./cluster-leftovers";
import { helmReleaseCharts } from "./chart-mirror";
import type { StackResult } from "./deploy";
import { DeployError } from "./deploy-error";
import {
  keptInState,
  keptResources,
  readDestroyPlan,
  removeDestroyOverride,
  writeDestroyOverride,
  type DelayedDeletion,
  type DestroyPlan,
  type KeptResource,
} from "./destroy-plan";
import type { HelmRegistryLogin } from "./helm-registry-login";
import { planOnlyVariables } from "./plan-variables";
import { runPreflight, type PreflightProbes } from "./preflight";
import { LOCK_DIRECTORY, installLockFile, lockProblem } from "./provider-locks";
import { describeWaves, loadStacks, planWaves, selectStacks, type StackNode } from "./stack-graph";
import type { Terraform } from "./terraform";

/** How long the cluster's controllers get to delete the load balancer once its Service is gone. */
export const LOAD_BALANCER_TIMEOUT_MS = 10 * 60 * 1000;
/** How long ExternalDNS gets to delete its records once their routes are gone (it syncs every minute). */
export const DNS_RECORDS_TIMEOUT_MS = 5 * 60 * 1000;
/** How often the leftovers are looked at while waiting. */
export const LEFTOVER_POLL_MS = 15 * 1000;

/** The stack a destroy never touches: it holds the state of the others and the CI roles. */
export const KEPT_CONCERN = "bootstrap";

/** What to destroy. */
export interface DestroyRequest {
  readonly config: EnvironmentConfig;
  /** `plan` shows what a destroy would delete and keep; `destroy` deletes, after the confirmation. */
  readonly mode: "plan" | "destroy";
}

/** The outside world, injectable for tests. */
export interface DestroyDependencies {
  /** Synthesizes the environment; returns the output folder. */
  synthesize(environment: string): Promise<string>;
  readonly probes: PreflightProbes;
  readonly terraform: Terraform;
  readonly leftovers: ClusterLeftovers;
  /** Logs helm in to the environment's registry for stacks with Helm releases (scripts/deploy/helm-registry-login.ts). */
  helmLogin(config: EnvironmentConfig): Promise<HelmRegistryLogin>;
  /** Asks for the go-ahead once the plans are shown; true destroys. */
  confirm(question: string): Promise<boolean>;
  /** Repository root: the committed lock files live under it. */
  readonly root: string;
  /** Folder of the per-stack logs. */
  readonly logDirectory: string;
  /** Where the list of kept resources and how to adopt them is written. */
  readonly keptFile: string;
  print(line: string): void;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The whole run. */
export interface DestroyOutcome {
  /** The waves in the order they were destroyed. */
  readonly waves: StackNode[][];
  readonly results: StackResult[];
  /** What the destroy keeps in the account, by stack, with its id and how a recreate adopts it. */
  readonly kept: KeptLine[];
  /** EBS volumes the cluster left (the gp3 StorageClass retains them). */
  readonly volumes: VolumeLeftover[];
  /** The command that carries on from a failure, when there was one. */
  readonly resumeCommand?: string;
}

/** One kept resource, as the summary and the kept file show it. */
export interface KeptLine {
  readonly stack: StackNode;
  readonly resource: KeptResource;
  readonly id: string;
}

/** A stack as its plan found it. */
interface PlannedStack {
  readonly stack: StackNode;
  /** Nothing in its state: destroyed already, or never applied. */
  readonly empty: boolean;
  readonly kept: KeptResource[];
  readonly plan?: DestroyPlan;
  /** Addresses the confirmed plan deletes or forgets. */
  readonly addresses: readonly string[];
}

class StackFailure extends Error {
  constructor(
    readonly step: string,
    readonly tail: readonly string[],
  ) {
    super(step);
  }
}

/** Refuses a destroy the environment's config does not allow (a plan of one is always allowed). */
export function refuseUnlessAllowed(request: DestroyRequest): void {
  const { config } = request;
  if (request.mode === "plan" || config.lifecycle.allowDestroy) return;
  const how =
    config.stage === "production"
      ? `a production environment keeps deletion protection on, so decommissioning it starts with a reviewed change that takes it out of PRODUCTION_ENVIRONMENTS (config/index.ts)`
      : `to destroy it, set it true in config/${config.name}.ts in a reviewed change (with cluster.deletionProtection and database.deletionProtection false), apply, then run again`;
  throw new ConfigError([
    `environment "${config.name}", setting lifecycle.allowDestroy: false, so npm run destroy refuses to delete it (nothing was changed); ${how}`,
  ]);
}

export async function destroy(request: DestroyRequest, deps: DestroyDependencies): Promise<DestroyOutcome> {
  refuseUnlessAllowed(request);
  const { config } = request;
  const outdir = await deps.synthesize(config.name);
  const stacks = selectStacks(loadStacks(outdir, config.name), config.name, []).filter(
    (s) => s.concern !== KEPT_CONCERN,
  );
  const waves = planWaves(stacks).reverse();
  deps.print(`destroy ${config.name}: ${request.mode} of ${stacks.length} stack(s) in ${waves.length} wave(s)`);
  describeWaves(waves).forEach((line) => deps.print(line));
  deps.print(`  ${config.name}-${KEPT_CONCERN} stays: it holds the other stacks' state and the CI roles`);

  const printOnce = onlyOnce(deps.print);
  printOnce(`preflight ${config.name}:`);
  const target = { config, deployedDependencies: [], mode: request.mode === "destroy" ? "apply" : "plan" } as const;
  await runPreflight({ ...target, concerns: [] }, deps.probes, printOnce);
  checkProviderLocks(stacks, deps);
  let login: HelmRegistryLogin | undefined;
  try {
    const planned = await planAll(stacks, waves, deps, async () => {
      // Planning platform and app refreshes their Kubernetes objects: the cluster API must answer.
      printOnce(`preflight ${config.name}:`);
      await runPreflight({ ...target, concerns: ["platform"] }, deps.probes, printOnce);
    });
    const ordered = waves.flat().map((s) => planned.get(s.id) as PlannedStack);
    const kept = showPlans(config, ordered, deps);
    if (request.mode === "plan") {
      return { waves, results: ordered.map(planResult), kept, volumes: [] };
    }
    await confirmDestroy(config, ordered, deps);
    // Only now: a plan, or a destroy not confirmed, leaves no registry credential on the machine.
    login = await helmLogin(config, stacks, deps);
    const withLogin = login ? { ...deps, terraform: withHelmLogin(deps.terraform, login, stacks) } : deps;
    return await destroyWaves(config, waves, planned, kept, withLogin);
  } finally {
    login?.cleanup();
    stacks.forEach((s) => removeDestroyOverride(s.directory));
  }
}

/**
 * A registry login when a stack has Helm releases, for the confirmed destroy's terraform runs.
 * Deleting a release pulls no chart (Helm provider 3.1.1 ModifyPlan returns early on a destroy,
 * and the plans before the confirmation run without it), but the provider is configured the same
 * way as at deploy, so the runs that delete get the same login; nothing is mirrored or checked.
 */
async function helmLogin(
  config: EnvironmentConfig,
  stacks: StackNode[],
  deps: DestroyDependencies,
): Promise<HelmRegistryLogin | undefined> {
  if (!stacks.some((s) => helmReleaseCharts(s.directory).length > 0)) return undefined;
  return deps.helmLogin(config);
}

/** Terraform whose runs on stacks with Helm releases carry helm's registry login (HELM_CONFIG_HOME). */
function withHelmLogin(terraform: Terraform, login: HelmRegistryLogin, stacks: StackNode[]): Terraform {
  const withReleases = new Set(stacks.filter((s) => helmReleaseCharts(s.directory).length > 0).map((s) => s.directory));
  return {
    run: (directory, args, logFile, env) =>
      terraform.run(directory, args, logFile, withReleases.has(directory) ? { ...env, ...login.env } : env),
    read: (directory, args) => terraform.read(directory, args),
  };
}

/**
 * Lists every stack's state, then plans each destroy, a wave at a time; `checkCluster` runs first
 * when platform or app still hold something (a resumed destroy may have deleted them already).
 */
async function planAll(
  stacks: StackNode[],
  waves: StackNode[][],
  deps: DestroyDependencies,
  checkCluster: () => Promise<void>,
): Promise<Map<string, PlannedStack>> {
  const states = new Map<string, string[]>();
  for (const stack of stacks) states.set(stack.id, await stateOf(stack, deps));
  if (stacks.some((s) => ["platform", "app"].includes(s.concern) && states.get(s.id)?.length)) await checkCluster();
  const planned = new Map<string, PlannedStack>();
  for (const wave of waves) {
    const plans = await Promise.all(wave.map((s) => planStack(s, states.get(s.id) ?? [], deps)));
    plans.forEach((p) => planned.set(p.stack.id, p));
  }
  return planned;
}

/** Every stack has a lock file for the providers it pins, or the run stops here. */
function checkProviderLocks(stacks: StackNode[], deps: DestroyDependencies): void {
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

async function tf(
  deps: DestroyDependencies,
  stack: StackNode,
  step: string,
  args: string[],
  okCodes = [0],
): Promise<number> {
  const run = await deps.terraform.run(stack.directory, args, logFileOf(stack, deps));
  if (!okCodes.includes(run.code)) throw new StackFailure(step, run.tail);
  return run.code;
}

const logFileOf = (stack: StackNode, deps: DestroyDependencies) => path.join(deps.logDirectory, `${stack.id}.log`);

/** Initialises the stack and lists its state (addresses only: `state list` prints no value). */
async function stateOf(stack: StackNode, deps: DestroyDependencies): Promise<string[]> {
  installLockFile(deps.root, stack.concern, stack.directory);
  writeDestroyOverride(stack.directory, keptResources(stack.directory));
  try {
    await tf(deps, stack, "terraform init", ["init", "-input=false", "-no-color", "-lockfile=readonly"]);
  } catch (error) {
    throw asDeployError(stack, error);
  }
  const listed = await deps.terraform.read(stack.directory, ["state", "list"]);
  if (listed.code !== 0)
    throw new DeployError(`${stack.id}: terraform state list failed (log: ${logFileOf(stack, deps)})`);
  return listed.stdout.split("\n").filter((line) => line.trim() !== "");
}

/** The stack's destroy plan: what it deletes, keeps and leaves to a waiting period. Changes nothing. */
async function planStack(stack: StackNode, state: string[], deps: DestroyDependencies): Promise<PlannedStack> {
  const kept = keptResources(stack.directory);
  if (state.length === 0) return { stack, empty: true, kept, addresses: [] };
  try {
    // Read-only: no lock, and where the stack reaches into another account, the reading role.
    const plan = await destroyPlan(stack, deps, ["-lock=false", ...planOnlyVariables(stack.directory)], kept);
    return { stack, empty: false, kept, plan: plan.plan, addresses: plan.addresses };
  } catch (error) {
    throw asDeployError(stack, error);
  }
}

/** `terraform plan -destroy` into a plan file that is read, then deleted (it holds values in clear). */
async function destroyPlan(
  stack: StackNode,
  deps: DestroyDependencies,
  extraArgs: string[],
  kept: readonly KeptResource[],
): Promise<{ plan: DestroyPlan; addresses: string[]; changes: boolean; planFile: string }> {
  const planFile = path.join(stack.directory, "destroy.tfplan");
  const args = [
    "plan",
    "-destroy",
    "-input=false",
    "-no-color",
    "-detailed-exitcode",
    ...extraArgs,
    `-out=${planFile}`,
  ];
  const code = await tf(deps, stack, "terraform plan -destroy", args, [0, 2]);
  const shown = await deps.terraform.read(stack.directory, ["show", "-json", planFile]);
  if (shown.code !== 0) throw new StackFailure("terraform show", ["could not read the saved destroy plan"]);
  const addresses = deletedAddresses(shown.stdout);
  return { plan: readDestroyPlan(shown.stdout, kept), addresses, changes: code === 2, planFile };
}

function deletedAddresses(showJson: string): string[] {
  const plan = JSON.parse(showJson) as { resource_changes?: { address: string; change: { actions: string[] } }[] };
  return (plan.resource_changes ?? []).filter((r) => r.change.actions.includes("delete")).map((r) => r.address);
}

function asDeployError(stack: StackNode, error: unknown): DeployError {
  if (error instanceof DeployError) return error;
  if (error instanceof StackFailure)
    return new DeployError(`${stack.id}: ${error.step} failed: ${lastMeaningfulLine(error.tail)}`);
  return new DeployError(`${stack.id}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
}

/** Prints what the plans delete, keep and leave to a waiting period; refuses what AWS would refuse. */
function showPlans(config: EnvironmentConfig, planned: PlannedStack[], deps: DestroyDependencies): KeptLine[] {
  const print = deps.print;
  print(`destroy ${config.name}: what the destroy deletes, and what stays`);
  for (const p of planned) {
    const plan = p.plan;
    if (!plan) print(`  ${p.stack.id}: nothing in its state (destroyed already, or never applied)`);
    else print(`  ${p.stack.id}: deletes ${plan.deletes}, keeps ${plan.kept.length}`);
  }
  const kept = planned.flatMap((p) => (p.plan?.kept ?? []).map((k) => ({ stack: p.stack, ...k })));
  if (kept.length > 0) {
    print("  kept: Terraform forgets them, AWS keeps them (see how a recreate adopts each, below)");
    kept.forEach((k) => print(`    ${k.stack.id} ${k.resource.address} (${k.id}): ${k.resource.why}`));
  }
  const delayed = planned.flatMap((p) => (p.plan?.delayed ?? []).map((d) => ({ stack: p.stack, ...d })));
  if (delayed.length > 0) {
    print("  deleted after a waiting period (until then they can be brought back, and their names stay taken):");
    delayed.forEach((d: DelayedDeletion & { stack: StackNode }) =>
      print(`    ${d.stack.id} ${d.what}: ${d.days} days (undo: ${d.undo})`),
    );
  }
  const snapshots = planned.flatMap((p) => (p.plan?.finalSnapshots ?? []).map((s) => `${p.stack.id} ${s}`));
  if (snapshots.length > 0) {
    print("  final snapshots AWS takes as it deletes (kept until a person deletes them):");
    snapshots.forEach((s) => print(`    ${s}`));
  }
  const blockers = planned.flatMap((p) => (p.plan?.blockers ?? []).map((b) => ({ stack: p.stack, ...b })));
  blockers.forEach((b) => print(`  BLOCK ${b.stack.id} ${b.address}: ${b.reason}`));
  if (blockers.length > 0) {
    const [first] = blockers;
    throw new DeployError(
      `${blockers.length} resource(s) would stop the destroy halfway, first ${first.stack.id} ${first.address}: ${first.reason} (npm run deploy -- ${config.name} ${first.stack.concern} --apply); nothing was deleted`,
    );
  }
  return kept;
}

function planResult(p: PlannedStack): StackResult {
  const action = p.plan ? `plan: deletes ${p.plan.deletes}, keeps ${p.plan.kept.length}` : "plan: nothing in state";
  return { stack: p.stack.id, action, result: "ok" };
}

/** The go-ahead, with what it deletes in one line. */
async function confirmDestroy(config: EnvironmentConfig, planned: PlannedStack[], deps: DestroyDependencies) {
  const deletes = planned.reduce((sum, p) => sum + (p.plan?.deletes ?? 0), 0);
  const stacks = planned.filter((p) => p.plan).map((p) => p.stack.id);
  const question = `destroy ${config.name} (account ${config.account.id}, ${config.account.region}): delete ${deletes} resource(s) of ${stacks.join(", ") || "no stack"}`;
  if (!(await deps.confirm(question))) {
    throw new DeployError(`destroy of ${config.name} not confirmed; nothing was changed`);
  }
}

async function destroyWaves(
  config: EnvironmentConfig,
  waves: StackNode[][],
  planned: Map<string, PlannedStack>,
  kept: KeptLine[],
  deps: DestroyDependencies,
): Promise<DestroyOutcome> {
  const results = new Map<string, StackResult>();
  writeKeptFile(config, kept, deps);
  for (const wave of waves) {
    if ([...results.values()].some((r) => r.result === "failed")) {
      wave.forEach((s) => results.set(s.id, { stack: s.id, action: "-", result: "not started" }));
      continue;
    }
    const refused = await leftoversBefore(config, wave, deps);
    const outcomes =
      refused ?? (await Promise.all(wave.map((s) => destroyStack(planned.get(s.id) as PlannedStack, deps))));
    outcomes.forEach((r) => results.set(r.stack, r));
  }
  const ordered = waves.flat().map((s) => results.get(s.id) as StackResult);
  const failed = ordered.some((r) => r.result !== "ok");
  const volumes = failed ? [] : await deps.leftovers.idleVolumes(config);
  reportAfterwards(config, kept, volumes, deps);
  return {
    waves,
    results: ordered,
    kept,
    volumes,
    resumeCommand: failed ? `npm run destroy -- ${config.name}` : undefined,
  };
}

/**
 * Before the platform's controllers and the cluster go: the Gateway's load balancer (deleted by
 * the cloud provider once the app stack's destroy removed the Gateway and Envoy Gateway its
 * Service) and ExternalDNS's records must be gone. A wait that times out fails the wave.
 */
async function leftoversBefore(
  config: EnvironmentConfig,
  wave: StackNode[],
  deps: DestroyDependencies,
): Promise<StackResult[] | undefined> {
  const concerns = wave.map((s) => s.concern);
  if (!concerns.includes("platform") && !concerns.includes("cluster")) return undefined;
  const waiting = (timeoutMs: number): Waiting => ({
    timeoutMs,
    intervalMs: LEFTOVER_POLL_MS,
    now: deps.now,
    sleep: deps.sleep,
  });
  try {
    deps.print(`before ${wave.map((s) => s.id).join(", ")}: waiting until the cluster's load balancers are gone`);
    await waitUntilGone(
      () => deps.leftovers.loadBalancers(config),
      (left, minutes) => loadBalancerRefusal(config, left, minutes),
      waiting(LOAD_BALANCER_TIMEOUT_MS),
      (left) => deps.print(`  still there: ${left.map((lb) => lb.name).join(", ")}`),
    );
    if (concerns.includes("platform")) {
      deps.print(`before ${wave.map((s) => s.id).join(", ")}: waiting until ExternalDNS has deleted its records`);
      await waitUntilGone(
        () => deps.leftovers.dnsRecords(config),
        (left, minutes) =>
          `${config.name}: ExternalDNS's records ${left.join(", ")} are still in ${config.dns.zoneName} after ${minutes} min, though their routes are gone: delete them (the TXT records say external-dns/owner=${clusterName(config)}), then run npm run destroy -- ${config.name} again`,
        waiting(DNS_RECORDS_TIMEOUT_MS),
      );
    }
    deps.print("  ok    nothing of the cluster's controllers is left in the VPC or the zone");
    return undefined;
  } catch (error) {
    if (!(error instanceof DeployError)) throw error;
    deps.print(`  FAIL  ${error.message}`);
    return wave.map((s) => ({ stack: s.id, action: "waiting for leftovers", result: "failed", reason: error.message }));
  }
}

function loadBalancerRefusal(config: EnvironmentConfig, left: LoadBalancerLeftover[], minutes: number): string {
  const [first] = left;
  const owner = first.service
    ? `it serves ${first.service}: delete that Service (kubectl -n ${first.service.split("/")[0]} delete service ${first.service.split("/")[1]})`
    : `delete it (aws elbv2 delete-load-balancer --load-balancer-arn ${first.arn})`;
  return `${config.name}: load balancer ${first.name} of the cluster is still there after ${minutes} min, and the VPC cannot be deleted under it (${left.length} in all): ${owner}, then run npm run destroy -- ${config.name} again`;
}

/** Forgets the kept resources, then plans the destroy again and applies it. */
async function destroyStack(p: PlannedStack, deps: DestroyDependencies): Promise<StackResult> {
  const { stack } = p;
  const logFile = logFileOf(stack, deps);
  const started = deps.now();
  if (p.empty) return { stack: stack.id, action: "nothing in state", durationMs: 0, result: "ok", logFile };
  deps.print(`  start ${stack.id}: destroy (log: ${logFile})`);
  const planFile = path.join(stack.directory, "destroy.tfplan");
  try {
    const notes: string[] = [];
    const listed = await deps.terraform.read(stack.directory, ["state", "list"]);
    const forget = keptInState(p.kept, listed.stdout.split("\n").filter(Boolean));
    if (forget.length > 0) {
      await tf(deps, stack, "terraform state rm", ["state", "rm", ...forget]);
      notes.push(`kept ${forget.length}`);
    }
    const again = await destroyPlan(stack, deps, [], p.kept);
    const unexpected = again.addresses.filter((a) => !p.addresses.includes(a));
    if (unexpected.length > 0) {
      throw new StackFailure("comparing with the confirmed plan", [
        `the destroy would now also delete ${unexpected[0]} (${unexpected.length} in all), which the confirmed plan did not show: run npm run destroy again`,
      ]);
    }
    if (again.changes) await tf(deps, stack, "terraform apply", ["apply", "-input=false", "-no-color", planFile]);
    const action = [`destroyed ${again.plan.deletes}`, ...notes].join("; ");
    deps.print(`  done  ${stack.id}: ${action}`);
    return { stack: stack.id, action, durationMs: deps.now() - started, result: "ok", logFile };
  } catch (error) {
    const failure = error instanceof StackFailure ? error : new StackFailure("destroy", [String(error)]);
    const reason = `${failure.step} failed: ${lastMeaningfulLine(failure.tail)}`;
    deps.print(`  FAIL  ${stack.id}: ${reason}`);
    return {
      stack: stack.id,
      action: failure.step,
      durationMs: deps.now() - started,
      result: "failed",
      reason,
      logFile,
    };
  } finally {
    // A saved plan holds every value of the state in clear: never leave one behind.
    fs.rmSync(planFile, { force: true });
  }
}

/**
 * Types whose name a recreate would take again: it must adopt them (`terraform import`) before
 * the stack's first apply, or AWS refuses the new one. Others get a new name (buckets take a new
 * random suffix, keys have none) and stay beside the new ones unless imported.
 */
const ADOPTION: Record<string, string> = {
  aws_ecr_repository: "a recreate must adopt it before the stack's first apply (its name is fixed)",
  aws_backup_vault:
    "a recreate must adopt it before the stack's first apply (its name is fixed); import the key that encrypts it first",
  aws_kms_key: "a recreate makes a new key; adopt this one to read what it encrypted (kept vaults, final snapshots)",
  aws_s3_bucket: "a recreate makes new buckets (a new name suffix); this one stays with its objects",
};

function adoptCommand(config: EnvironmentConfig, k: KeptLine): string {
  const dir = path.join("deploy-out", config.name, "cdktf.out", "stacks", k.stack.id);
  return `terraform -chdir=${dir} import '${k.resource.address}' ${k.id}`;
}

/** The kept resources and how to adopt each, in a file that outlives the terminal. */
function writeKeptFile(config: EnvironmentConfig, kept: KeptLine[], deps: DestroyDependencies): void {
  fs.mkdirSync(path.dirname(deps.keptFile), { recursive: true });
  const lines = kept.map(
    (k) =>
      `${k.stack.id} ${k.resource.address} ${k.id}: ${ADOPTION[k.resource.type] ?? "a recreate makes a new one beside it"}; adopt: ${adoptCommand(config, k)}`,
  );
  fs.writeFileSync(deps.keptFile, lines.map((l) => `${l}\n`).join(""));
}

function reportAfterwards(
  config: EnvironmentConfig,
  kept: KeptLine[],
  volumes: VolumeLeftover[],
  deps: DestroyDependencies,
): void {
  if (kept.length > 0) {
    deps.print(`kept in ${config.name}'s account (also in ${deps.keptFile}):`);
    kept.forEach((k) =>
      deps.print(
        `  ${k.stack.id} ${k.resource.address} (${k.id}): ${ADOPTION[k.resource.type] ?? "a recreate makes a new one beside it"}: ${adoptCommand(config, k)}`,
      ),
    );
  }
  if (volumes.length > 0) {
    deps.print(
      `EBS volumes the EBS CSI driver made in ${config.account.region} that nothing uses (the gp3 StorageClass retains them): delete each once you no longer need its data (aws ec2 delete-volume --volume-id <id>)`,
    );
    volumes.forEach((v) => deps.print(`  ${v.volumeId} ${v.sizeGib} GiB${v.claim ? ` (${v.claim})` : ""}`));
  }
}

function lastMeaningfulLine(tail: readonly string[]): string {
  const errors = tail.filter((l) => /error/i.test(l));
  return (errors[0] ?? tail[tail.length - 1] ?? "no output").replace(/^[│╷╵\s]+/, "").trim();
}

/** Prints each line once (preflight runs twice when the cluster is checked: its common lines once). */
function onlyOnce(print: (line: string) => void): (line: string) => void {
  const seen = new Set<string>();
  return (line) => {
    if (seen.has(line)) return;
    seen.add(line);
    print(line);
  };
}
