/**
 * The scheduled drift check as GitHub would run it (./run-model.ts over .github/workflows): main's
 * code planned against every environment of config with the plan role, in `<env>-drift` (no
 * reviewer: the check runs unattended), whose trust (the synthesized bootstrap stacks,
 * ../model/iam-trust.ts, with the claims STS evaluates) admits the called plan.yml job there only
 * when drift.yml called it, from main, and the deploy role never; a stack whose plan has changes
 * fails the job (.github/scripts/drift-check.sh, run here), and a delivery's plan never does.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  CI_APPLIED_CONCERNS,
  DRIFT_WORKFLOW_NAME,
  ciRoleArn,
  driftEnvironment,
  loadEnvironments,
  planEnvironment,
  type EnvironmentConfig,
} from "../../config";
import { environmentOutputs } from "../../scripts/environment-outputs";
import { synthEnvironment } from "../helpers";
import { rolesOfStack } from "../model/synthesized-roles";
import { condition, type Context } from "./expressions";
import { readWorkflows } from "./github-actions-model";
import { environmentJobMayAssume, githubJobOf, type GithubJob } from "./github-oidc-token";
import { assumedRole, expandRun, outputLines, type RunJob } from "./run-model";

const root = path.resolve(__dirname, "..", "..");
const workflows = readWorkflows(path.join(root, ".github", "workflows"));
const configs = loadEnvironments();
const outputs = { environments: outputLines(environmentOutputs(configs)) };
const github = (event: string, ref = "refs/heads/main"): Context["github"] => ({
  event_name: event,
  ref,
  run_id: 42,
  run_attempt: 1,
  event: {},
});
const scheduled = () => expandRun(workflows, "drift.yml", github("schedule"), { outputs });
const merge = () =>
  expandRun(workflows, "infra.yml", github("push"), { outputs: { ...outputs, "rollout-check": { stacks: "app" } } });

interface Step {
  readonly name?: string;
  readonly run?: string;
  readonly if?: string;
}
const driftStep = (job: RunJob) =>
  ((job.job.steps as Step[] | undefined) ?? []).find((s) => s.run?.includes("drift-check.sh"));
/** The one job of the run in this GitHub environment. */
const jobIn = (run: RunJob[], environment: string) => {
  const jobs = run.filter((j) => j.environment === environment);
  expect(jobs).toHaveLength(1);
  return jobs[0];
};

describe("the scheduled drift check (drift.yml)", () => {
  it("runs on a schedule (and by hand), from main", () => {
    const on = (workflows.get("drift.yml") as { on: Record<string, unknown> }).on;
    expect(Object.keys(on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    expect(expandRun(workflows, "drift.yml", github("workflow_dispatch", "refs/heads/feature"), { outputs })).toEqual(
      [],
    );
  });

  it("plans every environment of config in <ci.githubEnvironment>-drift with the plan role, every stack CI applies", () => {
    const run = scheduled();
    const credentialed = run
      .filter((j) => j.environment !== undefined)
      .map((j) => ({
        environment: j.environment,
        role: assumedRole(j),
        stacks: (j.context.inputs as Record<string, unknown>).stacks,
      }));
    expect(credentialed).toEqual(
      configs.map((c) => ({
        environment: driftEnvironment(c),
        role: ciRoleArn(c, "plan"),
        stacks: CI_APPLIED_CONCERNS.join(" "),
      })),
    );
  });

  it("follows config: an environment the environments job lists is checked without editing the workflow", () => {
    const [first] = configs;
    const qa: EnvironmentConfig = {
      ...first,
      name: "qa",
      account: { ...first.account, id: "444444444444" },
      ci: { ...first.ci, githubEnvironment: "qa" },
    };
    const listed = [...configs, qa];
    const run = expandRun(workflows, "drift.yml", github("schedule"), {
      outputs: { environments: outputLines(environmentOutputs(listed)) },
    });
    expect(run.filter((j) => j.environment !== undefined).map((j) => [j.environment, assumedRole(j)])).toEqual(
      listed.map((c) => [driftEnvironment(c), ciRoleArn(c, "plan")]),
    );
  });

  it("is the only workflow named DRIFT_WORKFLOW_NAME, the `workflow` claim the plan role admits <env>-drift for", () => {
    const named = [...workflows].filter(([, w]) => (w as { name?: unknown }).name === DRIFT_WORKFLOW_NAME);
    expect(named.map(([file]) => file)).toEqual(["drift.yml"]);
  });

  describe.each(configs.map((c) => c.name))(
    "%s: who may plan in <env>-drift (the trusts, with the claims STS evaluates)",
    (env) => {
      const config = configs.find((c) => c.name === env) as EnvironmentConfig;
      const bootstrap = () => synthEnvironment(env).json("bootstrap");
      const mayAssume = (role: "plan" | "deploy", job: GithubJob) => {
        const trust = rolesOfStack(`${env}-bootstrap`, bootstrap()).find(
          (r) => r.arn === ciRoleArn(config, role),
        )?.trust;
        return environmentJobMayAssume(config, bootstrap(), trust ?? [], job);
      };
      const scheduledJob = () => githubJobOf(jobIn(scheduled(), driftEnvironment(config)));

      it("the scheduled job is plan.yml's, at main, in <env>-drift, of the run of drift.yml", () => {
        expect(scheduledJob()).toEqual({
          environment: driftEnvironment(config),
          workflowPath: ".github/workflows/plan.yml",
          ref: "refs/heads/main",
          workflow: DRIFT_WORKFLOW_NAME,
          runWorkflowPath: ".github/workflows/drift.yml",
        });
      });

      it("the plan role admits it (positive control), started by the schedule or by hand", () => {
        expect(mayAssume("plan", scheduledJob())).toBe(true);
        const dispatched = expandRun(workflows, "drift.yml", github("workflow_dispatch"), { outputs });
        expect(mayAssume("plan", githubJobOf(jobIn(dispatched, driftEnvironment(config))))).toBe(true);
      });

      it("the deploy role does not: the drift environment gets read access only", () => {
        expect(mayAssume("deploy", scheduledJob())).toBe(false);
      });

      it("the plan role refuses <env>-drift to a run of another workflow: a dispatch of infra.yml, a pull request's run", () => {
        const infra = { workflow: "infra", runWorkflowPath: ".github/workflows/infra.yml" };
        expect(mayAssume("plan", { ...scheduledJob(), ...infra })).toBe(false);
        expect(mayAssume("plan", { ...scheduledJob(), ...infra, ref: "refs/pull/7/merge" })).toBe(false);
        // Not even a workflow added on main that calls plan.yml with drift: true under another name.
        expect(
          mayAssume("plan", {
            ...scheduledJob(),
            workflow: "nightly",
            runWorkflowPath: ".github/workflows/nightly.yml",
          }),
        ).toBe(false);
      });

      it("the plan role refuses drift.yml's run from another branch, or a job of another file in <env>-drift", () => {
        expect(mayAssume("plan", { ...scheduledJob(), ref: "refs/heads/feature" })).toBe(false);
        // The trust is what refuses a drift job of its own: a job written into drift.yml gets no role.
        expect(mayAssume("plan", { ...scheduledJob(), workflowPath: ".github/workflows/drift.yml" })).toBe(false);
      });

      it("a delivery's plan job still plans in the reviewed <env>-plan, and the plan role still admits it", () => {
        const delivery = githubJobOf(jobIn(merge(), planEnvironment(config)));
        expect([delivery.environment, delivery.workflow, mayAssume("plan", delivery)]).toEqual([
          planEnvironment(config),
          "infra",
          true,
        ]);
      });
    },
  );

  it("fails a scheduled plan on drift, never a delivery's plan", () => {
    for (const config of configs) {
      const drift = jobIn(scheduled(), driftEnvironment(config));
      const delivery = jobIn(merge(), planEnvironment(config));
      const step = driftStep(drift) as Step;
      expect(step).toBeDefined();
      expect(condition(step.if, drift.context)).toBe(true);
      expect(condition(step.if, delivery.context)).toBe(false);
    }
  });

  it("shares no concurrency group with a delivery (a pending check must never replace a pending delivery)", () => {
    const groups = scheduled().flatMap((j) => j.groups.map((g) => g.group.toLowerCase()));
    const deliveryGroups = new Set(merge().flatMap((j) => j.groups.map((g) => g.group.toLowerCase())));
    expect(groups.filter((g) => deliveryGroups.has(g))).toEqual([]);
  });
});

describe("the run model's matrix of a calling job", () => {
  const called = { on: { workflow_call: { inputs: { name: { type: "string" } } } }, jobs: { run: { steps: [] } } };
  const caller = (matrix: unknown) =>
    new Map<string, unknown>([
      [
        "caller.yml",
        {
          on: { push: {} },
          jobs: {
            each: {
              strategy: { matrix },
              uses: "./.github/workflows/called.yml",
              with: { name: "${{ matrix.name }}" },
            },
          },
        },
      ],
      ["called.yml", called],
    ]) as Parameters<typeof expandRun>[0];

  it("calls the workflow once per include entry, with that entry as matrix", () => {
    const run = expandRun(caller({ include: [{ name: "a" }, { name: "b" }] }), "caller.yml", github("push"));
    expect(run.map((j) => [j.path, j.context.inputs])).toEqual([
      [["caller.yml:each[a]", "called.yml:run"], { name: "a" }],
      [["caller.yml:each[b]", "called.yml:run"], { name: "b" }],
    ]);
  });

  it("refuses a matrix it does not model (anything but an include list)", () => {
    expect(() => expandRun(caller({ name: ["a", "b"] }), "caller.yml", github("push"))).toThrow(
      /a matrix other than an include list is not modelled/,
    );
  });
});

describe("drift-check.sh: the verdict over the recorded plans", () => {
  const script = path.join(root, ".github", "scripts", "drift-check.sh");
  function recorded(changes: Record<string, string>) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-"));
    for (const [stack, list] of Object.entries(changes)) {
      fs.writeFileSync(path.join(dir, `${stack}.sha256`), "ab12\n");
      fs.writeFileSync(path.join(dir, `${stack}.changes.txt`), list);
    }
    return spawnSync("bash", [script, dir], { encoding: "utf8" });
  }

  it("passes when no stack's plan has changes", () => {
    const run = recorded({ "dev-network": "", "dev-app": "" });
    expect([run.status, run.stdout.trim(), run.stderr]).toEqual([
      0,
      "## No drift: every stack's plan has no changes",
      "",
    ]);
  });

  it("fails on a stack whose plan has changes, listing them in the summary and naming the stacks in one log line", () => {
    const run = recorded({
      "dev-network": "",
      "dev-data": "update aws_db_instance.x\ndelete aws_security_group_rule.y\n",
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("## Drift: main's code and the account differ in dev-data");
    expect(run.stdout).toContain("### dev-data\n```\nupdate aws_db_instance.x\ndelete aws_security_group_rule.y\n```");
    expect(run.stdout).not.toContain("### dev-network");
    expect(run.stderr.trim().split("\n")).toEqual(['drift in dev-data: reconcile as docs/runbook.md ("Drift") says']);
  });

  it("fails when nothing was recorded: no verdict is not a clean one", () => {
    const run = recorded({});
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toMatch(/^drift unknown: no plan was recorded in /);
  });
});
