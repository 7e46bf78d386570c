/**
 * The delivery of an environment as GitHub would run it (./run-model.ts over .github/workflows):
 * back-to-back merges, rollouts beside merges, re-runs, and the GitHub environments and roles of
 * every job against config's `ci.githubEnvironment` and the synthesized bootstrap stacks' trusts.
 */
import * as path from "node:path";
import { ciRoleArn, loadEnvironments, planEnvironment, type EnvironmentConfig } from "../../config";
import { environmentOutputs } from "../../scripts/environment-outputs";
import { synthEnvironment } from "../helpers";
import { rolesOfStack } from "../model/synthesized-roles";
import type { Context } from "./expressions";
import { readWorkflows } from "./github-actions-model";
import { environmentJobMayAssume, githubJobOf, type GithubJob } from "./github-oidc-token";
import { assumedRole, expandRun, outputLines, type HeldGroup, type RunJob } from "./run-model";

const workflows = readWorkflows(path.resolve(__dirname, "..", "..", ".github", "workflows"));
const configs = loadEnvironments();
const names = configs.map((c) => c.name);

/** What the `environments` and `rollout-check` jobs print for these configs. */
const outputsFor = (environments: readonly EnvironmentConfig[]) => ({
  environments: outputLines(environmentOutputs(environments)),
  "rollout-check": { stacks: "app" },
});
const github = (event: string, runId: number): Context["github"] => ({
  event_name: event,
  ref: "refs/heads/main",
  run_id: runId,
  run_attempt: 1,
  event: {},
});
const merge = (runId: number, environments = configs) =>
  expandRun(workflows, "infra.yml", github("push", runId), { outputs: outputsFor(environments) });
const rollout = (runId: number, env: string, environments = configs) =>
  expandRun(workflows, "infra.yml", github("workflow_dispatch", runId), {
    inputs: { environment: env, stacks: "app", image_tag: "sha-0123abc" },
    outputs: outputsFor(environments),
  });

/** The run's jobs that plan (in `<env>-plan`) or apply (in `<env>`) the environment: exactly one each. */
function deliveryOf(run: RunJob[], config: EnvironmentConfig): { plan: RunJob; apply: RunJob } {
  const plans = run.filter((j) => j.environment === planEnvironment(config));
  const applies = run.filter((j) => j.environment === config.ci.githubEnvironment);
  expect([plans.length, applies.length]).toEqual([1, 1]);
  return { plan: plans[0], apply: applies[0] };
}
const sameHold = (a: HeldGroup, b: HeldGroup) =>
  a.group.toLowerCase() === b.group.toLowerCase() && a.heldBy === b.heldBy;

describe("back-to-back merges: the next merge plans after the earlier apply", () => {
  it.each(names)(
    "%s: one group is held from a merge's plan to the end of its apply, and the next merge's plan waits for it",
    (env) => {
      const config = configs.find((c) => c.name === env) as EnvironmentConfig;
      const first = deliveryOf(merge(1), config);
      const next = deliveryOf(merge(2), config);
      // Held by one job around both (so nothing of another run in the group runs in between)...
      const around = first.plan.groups.filter((g) => first.apply.groups.some((h) => sameHold(g, h)));
      // ...that the next merge's plan must also hold ("names are case insensitive").
      const serializing = around.filter((g) =>
        next.plan.groups.some((h) => h.group.toLowerCase() === g.group.toLowerCase()),
      );
      expect(serializing.map((g) => [g.group, g.cancelInProgress])).toEqual([[`deliver-${env}`, false]]);
    },
  );

  it("delivers in promotion order: an environment's plan starts only after the previous environment's delivery", () => {
    const run = merge(1);
    const topJob = (j: RunJob) => j.path[0].split(":")[1];
    const infraJobs = workflows.get("infra.yml")?.jobs ?? {};
    const waitsFor = (name: string): string[] =>
      [infraJobs[name]?.needs ?? []].flat().flatMap((need) => [need, ...waitsFor(need)]);
    for (let i = 1; i < configs.length; i++) {
      const plan = deliveryOf(run, configs[i]).plan;
      const previousApply = deliveryOf(run, configs[i - 1]).apply;
      expect(waitsFor(topJob(plan))).toContain(topJob(previousApply));
    }
  });
});

describe("rollouts: never pending behind, or replaced by, another run", () => {
  it.each(names)("%s: a rollout shares no concurrency group with a merge's delivery or another rollout", (env) => {
    const config = configs.find((c) => c.name === env) as EnvironmentConfig;
    const groupsOf = (run: RunJob[]) => {
      const { plan, apply } = deliveryOf(run, config);
      return new Set([...plan.groups, ...apply.groups].map((g) => g.group.toLowerCase()));
    };
    const mine = groupsOf(rollout(7, env));
    for (const other of [groupsOf(merge(8)), groupsOf(rollout(9, env))]) {
      expect([...mine].filter((g) => other.has(g))).toEqual([]);
    }
    expect(deliveryOf(rollout(7, env), config).apply.groups.map((g) => g.heldBy)).toContain("infra.yml:rollout");
  });

  it("no group any delivery runs under cancels a run in progress", () => {
    const runs = [merge(1), ...names.map((env) => rollout(2, env))];
    const groups = runs.flat().flatMap((j) => j.groups);
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.filter((g) => g.cancelInProgress)).toEqual([]);
  });
});

describe("re-running a run (Re-run all jobs) uploads its artifacts again", () => {
  /**
   * upload-artifact (v4 and later, the pinned v7.0.0 included) refuses an artifact name that
   * already exists in the run unless `overwrite` is true ("If false, the action will fail if an
   * artifact for the given name already exists": its action.yml at the pinned commit).
   */
  it("every upload-artifact step overwrites an earlier attempt's artifact", () => {
    const uploads = [...workflows].flatMap(([file, wf]) =>
      Object.entries(wf.jobs).flatMap(([name, job]) =>
        ((job.steps as { uses?: string; with?: Record<string, unknown> }[] | undefined) ?? [])
          .filter((s) => s.uses?.startsWith("actions/upload-artifact@"))
          .map((s) => [`${file}:${name} ${String(s.with?.name)}`, String(s.with?.overwrite)]),
      ),
    );
    expect(uploads.length).toBeGreaterThanOrEqual(3);
    expect(uploads.filter(([, overwrite]) => overwrite !== "true")).toEqual([]);
  });
});

describe("GitHub environments and roles: config's ci.githubEnvironment, as the bootstrap roles trust it", () => {
  /** Every job that assumes a role in an environment's account: its GitHub environment and role. */
  const credentialed = (run: RunJob[]) =>
    run
      .filter((j) => j.environment !== undefined && assumedRole(j) !== undefined)
      .map((j) => ({ environment: j.environment, role: assumedRole(j) }));
  const expected = (config: EnvironmentConfig) => [
    { environment: planEnvironment(config), role: ciRoleArn(config, "plan") },
    { environment: config.ci.githubEnvironment, role: ciRoleArn(config, "deploy") },
  ];

  it("a merge plans each environment in <ci.githubEnvironment>-plan with the plan role, applies in <ci.githubEnvironment> with the deploy role", () => {
    expect(credentialed(merge(1))).toEqual(configs.flatMap(expected));
  });

  it.each(names)("a rollout of %s does the same, for that environment only", (env) => {
    const config = configs.find((c) => c.name === env) as EnvironmentConfig;
    expect(credentialed(rollout(1, env))).toEqual(expected(config));
  });

  it("follows config when ci.githubEnvironment is not the environment's name", () => {
    const renamed = configs.map((c) => ({ ...c, ci: { ...c.ci, githubEnvironment: `infra-${c.name}` } }));
    expect(credentialed(merge(1, renamed))).toEqual(renamed.flatMap(expected));
    expect(credentialed(rollout(1, "prod", renamed))).toEqual(
      expected(renamed.find((c) => c.name === "prod") as EnvironmentConfig),
    );
  });

  it.each(names)(
    "%s: the plan role trusts only the plan job (plan.yml in <ci.githubEnvironment>-plan), the deploy role only the apply job (apply.yml in <ci.githubEnvironment>), both on main",
    (env) => {
      const config = configs.find((c) => c.name === env) as EnvironmentConfig;
      const bootstrap = synthEnvironment(env).json("bootstrap");
      const roles = rolesOfStack(`${env}-bootstrap`, bootstrap);
      const trustOf = (arn: string) => roles.find((r) => r.arn === arn)?.trust ?? [];
      const { plan, apply } = deliveryOf(merge(1), config);
      const jobs = [githubJobOf(plan), githubJobOf(apply)];
      expect(jobs.map((j) => j.workflowPath)).toEqual([".github/workflows/plan.yml", ".github/workflows/apply.yml"]);
      const admits = (arn: string) =>
        jobs.filter((job) => environmentJobMayAssume(config, bootstrap, trustOf(arn), job)).map((j) => j.environment);
      for (const { environment, role } of expected(config)) expect(admits(role)).toEqual([environment]);
    },
  );

  describe.each(names)("%s: a token of the right GitHub environment is not enough", (env) => {
    const config = configs.find((c) => c.name === env) as EnvironmentConfig;
    const bootstrap = () => synthEnvironment(env).json("bootstrap");
    const trustOf = (arn: string) =>
      rolesOfStack(`${env}-bootstrap`, bootstrap()).find((r) => r.arn === arn)?.trust ?? [];
    const mayAssume = (role: "plan" | "deploy", job: GithubJob) =>
      environmentJobMayAssume(config, bootstrap(), trustOf(ciRoleArn(config, role)), job);
    const jobOf = (role: "plan" | "deploy") => {
      const { plan, apply } = deliveryOf(merge(1), config);
      return githubJobOf(role === "plan" ? plan : apply);
    };

    it.each(["plan", "deploy"] as const)(
      "the %s role admits its own job as a merge runs it (positive control)",
      (role) => {
        expect(mayAssume(role, jobOf(role))).toBe(true);
      },
    );

    it.each(["plan", "deploy"] as const)("the %s role refuses its environment's job from another branch", (role) => {
      expect(mayAssume(role, { ...jobOf(role), ref: "refs/heads/feature" })).toBe(false);
    });

    it.each(["plan", "deploy"] as const)(
      "the %s role refuses a job of another workflow file in its environment (a workflow added on main)",
      (role) => {
        expect(mayAssume(role, { ...jobOf(role), workflowPath: ".github/workflows/other.yml" })).toBe(false);
        // The caller is not the job's workflow: a job written into deliver.yml or infra.yml gets no role.
        expect(mayAssume(role, { ...jobOf(role), workflowPath: ".github/workflows/deliver.yml" })).toBe(false);
        expect(mayAssume(role, { ...jobOf(role), workflowPath: ".github/workflows/infra.yml" })).toBe(false);
      },
    );
  });
});
