/** The GitHub Actions workflows against the infrastructure they run on, and the pipeline they make. */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import {
  APPLY_SESSION_SECONDS,
  CI_APPLIED_CONCERNS,
  ENVIRONMENTS,
  PULL_REQUEST_CONCERNS,
  loadEnvironments,
  RUNNER_WORKFLOW_NAMES,
  runnerProjectName,
} from "../config";
import { deliverAgainNoteFile } from "../scripts/deploy/deliver-again";
import { WRITE_WORKFLOWS_COMMAND, workflowEnvironmentProblems } from "../scripts/environment-workflows";
import { condition, interpolate, type Context } from "./workflows/expressions";

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
  readonly with?: Record<string, string | number>;
}
interface Concurrency {
  readonly group: string;
  readonly "cancel-in-progress"?: boolean | string;
}
interface Job {
  readonly "runs-on"?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly environment?: string;
  readonly permissions?: Record<string, string>;
  readonly needs?: string | string[];
  readonly concurrency?: Concurrency;
  readonly with?: Record<string, string>;
  readonly steps?: Step[];
}
interface Workflow {
  readonly on: Record<string, { inputs?: Record<string, { default?: string; options?: string[] }> }>;
  readonly concurrency?: Concurrency;
  readonly jobs: Record<string, Job>;
}

const workflowsDir = path.resolve(__dirname, "..", ".github", "workflows");
const scriptsDir = path.resolve(__dirname, "..", ".github", "scripts");
const workflowFiles = fs.readdirSync(workflowsDir).filter((f) => f.endsWith(".yml"));
const workflow = (file: string) => parse(fs.readFileSync(path.join(workflowsDir, file), "utf8")) as Workflow;
const jobs: [string, Job][] = workflowFiles.flatMap((file) =>
  Object.entries(workflow(file).jobs).map(([name, job]) => [`${file}:${name}`, job] as [string, Job]),
);
const infra = workflow("infra.yml");
const deployJobs = jobs.filter(([, job]) => job.steps?.some((s) => s.run?.includes("npm run deploy")));
const RUNNER_LABEL =
  /^codebuild-(.+)-\$\{\{ (matrix|inputs)\.environment \}\}-runner-\$\{\{ github\.run_id \}\}-\$\{\{ github\.run_attempt \}\}$/;
const ENVIRONMENT_NAMES = ENVIRONMENTS.map((e) => (e as { name: string }).name);

const jobNamed = (name: string) => jobs.find(([n]) => n === name)?.[1] as Job;
const deployStep = (job: Job) => job.steps?.find((s) => s.run?.includes("npm run deploy")) as Step;
const deployCommand = (job: Job) => deployStep(job)?.run ?? "";
const needsOf = (job: Job) => (job.needs === undefined ? [] : [job.needs].flat());
const texts = workflowFiles.map((file) => fs.readFileSync(path.join(workflowsDir, file), "utf8"));

/** The github context of a run: a push to main, a pull request, or a manual run on a ref. */
const run = (event: "push" | "pull_request" | "workflow_dispatch", extra: Partial<Context> = {}): Context => ({
  github: {
    event_name: event,
    ref: event === "pull_request" ? "refs/pull/7/merge" : "refs/heads/main",
    run_id: 1000 + Math.floor(Math.random() * 1000),
    event: event === "pull_request" ? { pull_request: { number: 7 } } : {},
  },
  ...extra,
});

/**
 * Runs a workflow step's script as GitHub does (`bash --noprofile --norc -eo pipefail`), with
 * `npm` replaced by a stub that prints the arguments it was given, one per line, and exits with
 * NPM_EXIT (default 0).
 */
function runStep(step: Step, env: Record<string, string>): { status: number | null; argv: string[]; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-step-"));
  const npm = '#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$NPM_ARGS"\nexit "${NPM_EXIT:-0}"\n';
  fs.writeFileSync(path.join(dir, "npm"), npm, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, "step.sh"), step.run ?? "");
  const argsFile = path.join(dir, "npm-args");
  const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", path.join(dir, "step.sh")], {
    cwd: path.resolve(__dirname, ".."),
    env: { PATH: `${dir}:${process.env.PATH}`, NPM_ARGS: argsFile, GITHUB_OUTPUT: path.join(dir, "out"), ...env },
    encoding: "utf8",
  });
  const argv = fs.existsSync(argsFile) ? fs.readFileSync(argsFile, "utf8").split("\n").slice(0, -1) : [];
  return { status: result.status, argv, stderr: result.stderr };
}

describe("workflows", () => {
  it("plan, apply and roll out with the deploy command, in the reusable plan and apply workflows", () => {
    expect(deployJobs.map(([name]) => name).sort()).toEqual(["apply.yml:apply", "infra.yml:pr-plan", "plan.yml:plan"]);
  });

  it.each(["apply.yml:apply", "plan.yml:plan"])(
    "%s, which reaches the cluster, runs on the environment's in-VPC CodeBuild runner",
    (name) => {
      const match = RUNNER_LABEL.exec(jobNamed(name)["runs-on"] ?? "");
      expect(match).not.toBeNull();
      for (const config of loadEnvironments()) {
        expect(`${match?.[1]}-${config.name}-runner`).toBe(runnerProjectName(config));
      }
    },
  );

  it("plans pull requests outside the VPC, with the pull-request role, only the stacks whose state holds no secret", () => {
    const job = jobNamed("infra.yml:pr-plan");
    expect(job["runs-on"]).toBe("ubuntu-24.04");
    expect(deployCommand(job)).toBe(`npm run deploy -- "$TARGET" ${PULL_REQUEST_CONCERNS.join(" ")} --plan`);
    const role = job.steps?.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials"))?.with?.[
      "role-to-assume"
    ];
    expect(role).toMatch(/-pr-plan$/);
  });

  it("plans in the protected <env>-plan environment (a drift check in <env>-drift) recording fingerprints, and applies in <env> only those", () => {
    const plan = jobNamed("plan.yml:plan");
    const planningIn = (inputs: Context) => interpolate(plan.environment, { inputs });
    expect(planningIn({ "github-environment": "prod" })).toBe("prod-plan");
    expect(planningIn({ "github-environment": "prod", drift: false })).toBe("prod-plan");
    expect(planningIn({ "github-environment": "prod", drift: true })).toBe("prod-drift");
    expect(deployCommand(plan)).toMatch(/ --plan --record-plans reviewed-plans$/m);
    const apply = jobNamed("apply.yml:apply");
    expect(apply.environment).toBe("${{ inputs.github-environment }}");
    expect(deployCommand(apply)).toMatch(/ --apply --yes --reviewed-plans reviewed-plans$/m);
    const download = apply.steps?.find((s) => s.uses?.startsWith("actions/download-artifact@"));
    expect(download?.with?.name).toBe("reviewed-plans-${{ inputs.environment }}");
  });

  it("every deploy that can change an account says --apply --yes; every other says --plan", () => {
    for (const [name, job] of deployJobs) {
      const command = deployCommand(job);
      expect([name, /--apply --yes/.test(command) !== /--plan/.test(command)]).toEqual([name, true]);
    }
  });

  it(`has the per-environment jobs config makes (${WRITE_WORKFLOWS_COMMAND} writes them)`, () => {
    const text = fs.readFileSync(path.join(workflowsDir, "infra.yml"), "utf8");
    expect(workflowEnvironmentProblems(text, loadEnvironments())).toEqual([]);
    // The check sees an environment config has and the workflow does not.
    expect(workflowEnvironmentProblems(text, [...loadEnvironments(), { name: "other" }])).toEqual([
      expect.stringContaining("no job deliver-other"),
    ]);
  });

  it("plans and applies every stack CI applies after a merge, in each environment", () => {
    for (const env of ENVIRONMENT_NAMES) {
      const job = infra.jobs[`deliver-${env}`];
      expect(job.uses).toBe("./.github/workflows/deliver.yml");
      expect(job.with?.environment).toBe(env);
      expect(job.with?.stacks).toBe(CI_APPLIED_CONCERNS.join(" "));
    }
  });

  it("delivers with one called workflow that plans, then applies what it planned, with the same inputs", () => {
    const deliver = workflow("deliver.yml");
    expect(deliver.jobs.plan.uses).toBe("./.github/workflows/plan.yml");
    expect(deliver.jobs.apply.uses).toBe("./.github/workflows/apply.yml");
    expect(needsOf(deliver.jobs.apply)).toEqual(["plan"]);
    const passed = Object.keys(deliver.on.workflow_call.inputs ?? {});
    for (const job of [deliver.jobs.plan, deliver.jobs.apply]) {
      expect(job.with).toEqual(Object.fromEntries(passed.map((input) => [input, `\${{ inputs.${input} }}`])));
    }
  });

  it("shows the recorded plans (fingerprint and change list) to the apply's reviewers in the job summary", () => {
    const summary = jobNamed("plan.yml:plan").steps?.find((s) => s.run?.includes("summarize-plans.sh"));
    expect(summary?.run).toBe('.github/scripts/summarize-plans.sh reviewed-plans >> "$GITHUB_STEP_SUMMARY"');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reviewed-plans-"));
    fs.writeFileSync(path.join(dir, "dev-app.sha256"), "ab12\n");
    fs.writeFileSync(path.join(dir, "dev-app.changes.txt"), "update kubernetes_deployment_v1.workload (image)\n");
    const shown = execFileSync(path.join(scriptsDir, "summarize-plans.sh"), [dir], { encoding: "utf8" });
    expect(shown).toContain("### dev-app\nfingerprint `ab12`");
    expect(shown).toContain("update kubernetes_deployment_v1.workload (image)");
  });

  it("shows the reviewers which outputs a plan changes and which stacks read them (planned against the old values)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reviewed-plans-"));
    fs.writeFileSync(path.join(dir, "dev-data.sha256"), "cd34\n");
    fs.writeFileSync(path.join(dir, "dev-data.changes.txt"), "create aws_secretsmanager_secret_version.login\n");
    fs.writeFileSync(path.join(dir, "dev-data.outputs.txt"), "update login_version_id: read by dev-app\n");
    fs.writeFileSync(path.join(dir, "dev-app.sha256"), "ab12\n");
    fs.writeFileSync(path.join(dir, "dev-app.changes.txt"), "");
    fs.writeFileSync(path.join(dir, "dev-app.outputs.txt"), "");
    const shown = execFileSync(path.join(scriptsDir, "summarize-plans.sh"), [dir], { encoding: "utf8" });
    const data = shown.slice(shown.indexOf("### dev-data"));
    expect(data).toMatch(/^Outputs it changes\. .*the apply stops it and a second delivery plans it/m);
    expect(data).toContain("```\nupdate login_version_id: read by dev-app\n```");
    const app = shown.slice(shown.indexOf("### dev-app"), shown.indexOf("### dev-data"));
    expect(app).not.toContain("Outputs it changes");
  });

  it("shows the reviewers the stacks the plan could not make before an earlier stack is applied, one line each", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reviewed-plans-"));
    fs.writeFileSync(path.join(dir, "dev-cluster.sha256"), "ef56\n");
    fs.writeFileSync(path.join(dir, "dev-cluster.changes.txt"), "create aws_ecr_repository.chart-mirror_x\n");
    const line =
      "dev-platform: its chart mirror repository dev-charts/x does not exist yet; dev-cluster, planned in this delivery, creates it: a second delivery plans it";
    const stop = {
      stack: "dev-platform",
      waitsFor: "dev-cluster",
      missing: "its chart mirror repository dev-charts/x",
      reason: line,
    };
    fs.writeFileSync(path.join(dir, "dev-platform.stopped.json"), JSON.stringify(stop, null, 2));
    const shown = execFileSync(path.join(scriptsDir, "summarize-plans.sh"), [dir], { encoding: "utf8" });
    expect(shown).toContain("### dev-cluster\nfingerprint `ef56`");
    expect(shown.slice(shown.indexOf("### dev-cluster"))).toMatch(
      new RegExp(`^## Not planned yet: .*stops these .* for a second delivery\n\`\`\`\n${line}\n\`\`\`\n$`, "m"),
    );
  });

  it.each([
    [3, false, 0],
    [3, true, 3],
    [1, false, 1],
    [0, true, 0],
  ])(
    "plan job: deploy exits %i (3: a stack stopped for a second delivery), drift %s: the plan step exits %i",
    (exit, drift, expected) => {
      const step = deployStep(jobNamed("plan.yml:plan"));
      const DRIFT = String(interpolate(step.env?.DRIFT, { inputs: { drift } }));
      const ran = runStep(step, { TARGET: "dev", STACKS: "cluster platform", TAG: "", DRIFT, NPM_EXIT: String(exit) });
      expect(ran.status).toBe(expected);
      expect(ran.argv).toContain("--record-plans");
    },
  );

  it("the apply job's summary says which stacks wait for a second delivery, from the note deploy leaves", () => {
    const apply = jobNamed("apply.yml:apply");
    const steps = apply.steps ?? [];
    const note = steps.find((s) => s.run?.includes("deliver-again.md")) as Step & { if?: string };
    expect(steps.indexOf(note)).toBeGreaterThan(steps.indexOf(deployStep(apply)));
    expect(note.if).toBe("always()");
    const repo = path.resolve(__dirname, "..");
    expect(note.run).toContain(`"${path.relative(repo, deliverAgainNoteFile(repo, "$TARGET"))}"`);
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "apply-job-"));
    const summary = path.join(cwd, "summary.md");
    const runNote = () =>
      spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", note.run ?? ""], {
        cwd,
        env: { PATH: process.env.PATH, TARGET: "dev", GITHUB_STEP_SUMMARY: summary },
        encoding: "utf8",
      });
    expect(runNote().status).toBe(0);
    expect(fs.existsSync(summary)).toBe(false);
    fs.mkdirSync(path.join(cwd, "deploy-out", "dev"), { recursive: true });
    fs.writeFileSync(path.join(cwd, "deploy-out", "dev", "deliver-again.md"), "## dev: deliver again: app\n");
    expect(runNote().status).toBe(0);
    expect(fs.readFileSync(summary, "utf8")).toBe("## dev: deliver again: app\n");
  });

  it("uploads no plan file or state, only the recorded fingerprints, change lists and reports", () => {
    const uploads = jobs
      .flatMap(([, job]) => job.steps ?? [])
      .filter((s) => s.uses?.startsWith("actions/upload-artifact@"))
      .map((s) => String(s.with?.path));
    expect(uploads.sort()).toEqual([
      "cdktf.out\nreview-out\n",
      "coverage.xml", // the app's test coverage, from the job without an OIDC token to the Codecov job
      "reports/mutation/",
      "reviewed-plans",
    ]);
  });

  it("writes no account id: every account comes from config through the environments job", () => {
    for (const config of loadEnvironments()) {
      texts.forEach((text) => expect(text).not.toContain(config.account.id));
    }
    texts.forEach((text) => expect(text).not.toMatch(/\b\d{12}\b/));
  });

  it("installs dependencies (npm ci) before any cloud credential exists, in every job", () => {
    const withBoth = jobs.filter(
      ([, job]) =>
        job.steps?.some((s) => s.run === "npm ci") &&
        job.steps?.some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@")),
    );
    expect(withBoth.map(([name]) => name).sort()).toEqual(["apply.yml:apply", "infra.yml:pr-plan", "plan.yml:plan"]);
    for (const [name, job] of withBoth) {
      const steps = job.steps ?? [];
      const install = steps.findIndex((s) => s.run === "npm ci");
      const credentials = steps.findIndex((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
      expect([name, install < credentials]).toEqual([name, true]);
    }
  });

  it("keeps deploy-role credentials as long as the role allows, for the longest apply", () => {
    const deploySessions = jobs
      .flatMap(([, job]) => job.steps ?? [])
      .filter(
        (s) =>
          s.uses?.startsWith("aws-actions/configure-aws-credentials") &&
          String(s.with?.["role-to-assume"]).endsWith("-deploy"),
      );
    expect(deploySessions.length).toBeGreaterThanOrEqual(1);
    deploySessions.forEach((s) => expect(s.with?.["role-duration-seconds"]).toBe(APPLY_SESSION_SECONDS));
  });

  it("pins every action to a full commit SHA, with its release in a comment", () => {
    const lines = texts.flatMap((text) => text.split("\n")).filter((line) => /^\s*(- )?uses: /.test(line));
    const remote = lines.filter((line) => !/uses: \.\//.test(line));
    expect(remote.length).toBeGreaterThan(10);
    // owner/repo, or owner/repo/path for an action in a folder of its repository (actions/cache/save).
    for (const line of remote)
      expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+(\/[\w.-]+)*@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it("never leaves the checkout token on disk for later steps", () => {
    const checkouts = jobs.flatMap(([, job]) => job.steps ?? []).filter((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkouts.length).toBeGreaterThan(0);
    checkouts.forEach((s) => expect(s.with?.["persist-credentials"]).toBe(false));
  });

  describe("coupling: environments after a merge", () => {
    it("delivers the environments of config in their promotion order, each after the one before", () => {
      const deliveries = Object.entries(infra.jobs).filter(([name]) => /^deliver-/.test(name));
      expect(deliveries.map(([, job]) => job.with?.environment)).toEqual(ENVIRONMENT_NAMES);
      deliveries.slice(1).forEach(([, job], i) => expect(needsOf(job)).toContain(`deliver-${ENVIRONMENT_NAMES[i]}`));
      expect(infra.on.workflow_dispatch.inputs?.environment.options).toEqual(ENVIRONMENT_NAMES);
    });

    it.each(ENVIRONMENT_NAMES)(
      "%s's delivery waits only for the checks and for the delivery before it (its apply for its own plan only)",
      (env) => {
        const i = ENVIRONMENT_NAMES.indexOf(env);
        const before = i === 0 ? "check" : `deliver-${ENVIRONMENT_NAMES[i - 1]}`;
        expect(needsOf(infra.jobs[`deliver-${env}`]).sort()).toEqual([before, "environments"].sort());
        expect(needsOf(workflow("deliver.yml").jobs.apply)).toEqual(["plan"]);
      },
    );
  });

  describe("queueing: nothing waits for, or cancels, another run but a superseded pull request", () => {
    const workflowGroup = (context: Context) => String(interpolate(infra.concurrency?.group, context));
    const cancels = (context: Context) => interpolate(infra.concurrency?.["cancel-in-progress"], context) === true;
    /** The group a run's delivery of the environment holds (a merge's deliver-<env>, or the rollout's). */
    const deliveryGroup = (context: Context, environment: string) => {
      const job =
        infra.jobs[
          (context.github as { event_name: string }).event_name === "push" ? `deliver-${environment}` : "rollout"
        ];
      return String(interpolate(job.concurrency?.group, { ...context, inputs: { environment } }));
    };

    it("a newer push to the same pull request cancels the superseded run", () => {
      expect(workflowGroup(run("pull_request"))).toBe(workflowGroup(run("pull_request")));
      expect(cancels(run("pull_request"))).toBe(true);
    });

    it("runs on main and manual rollouts share no workflow-wide group and cancel nothing", () => {
      for (const event of ["push", "workflow_dispatch"] as const) {
        expect(workflowGroup(run(event))).not.toBe(workflowGroup(run(event)));
        expect(workflowGroup(run(event))).not.toBe(workflowGroup(run("pull_request")));
        expect(cancels(run(event))).toBe(false);
      }
      expect(workflowGroup(run("push"))).not.toBe(workflowGroup(run("workflow_dispatch")));
    });

    it("deliveries after merges queue per environment, never cancelling the one in progress", () => {
      const groups = ENVIRONMENT_NAMES.map((env) => deliveryGroup(run("push"), env));
      expect(new Set(groups).size).toBe(ENVIRONMENT_NAMES.length);
      expect(deliveryGroup(run("push"), "prod")).toBe(deliveryGroup(run("push"), "prod"));
      ENVIRONMENT_NAMES.forEach((env) =>
        expect(infra.jobs[`deliver-${env}`].concurrency?.["cancel-in-progress"]).toBe(false),
      );
    });

    it("a manual rollout's delivery is never pending behind, or replaced by, another run's", () => {
      const rollout = deliveryGroup(run("workflow_dispatch"), "prod");
      expect(rollout).not.toBe(deliveryGroup(run("push"), "prod"));
      expect(rollout).not.toBe(deliveryGroup(run("workflow_dispatch"), "prod"));
      expect(infra.jobs.rollout.concurrency?.["cancel-in-progress"]).toBe(false);
    });

    it("no job of any workflow cancels a run in progress", () => {
      const groups = jobs.filter(([, job]) => job.concurrency !== undefined);
      expect(groups.length).toBeGreaterThan(0);
      groups.forEach(([, job]) => expect(job.concurrency?.["cancel-in-progress"]).toBe(false));
    });
  });

  describe("the manual rollout (workflow_dispatch)", () => {
    const check: Job = infra.jobs["rollout-check"] ?? {};
    const stackCheck = (check.steps?.find((s) => s.run?.includes("stack-list.sh")) ?? {}) as Step;

    it("is a delivery (plan in <env>-plan, then apply in <env> after that plan) of the checked stacks and image tag", () => {
      const rollout = infra.jobs.rollout;
      expect(rollout.uses).toBe("./.github/workflows/deliver.yml");
      expect(needsOf(rollout)).toContain("rollout-check");
      expect(rollout.with).toMatchObject({
        environment: "${{ inputs.environment }}",
        stacks: "${{ needs.rollout-check.outputs.stacks }}",
        "image-tag": "${{ inputs.image_tag }}",
      });
      expect(infra.on.workflow_dispatch.inputs?.stacks.default).toBe("app");
    });

    it("runs from main only: other refs skip the plan and apply and fail the check with a clear line", () => {
      const onBranch = run("workflow_dispatch", {});
      (onBranch.github as Record<string, unknown>).ref = "refs/heads/feature";
      for (const name of ["rollout"]) {
        expect(condition(infra.jobs[name].if, run("workflow_dispatch"))).toBe(true);
        expect(condition(infra.jobs[name].if, onBranch)).toBe(false);
        expect(condition(infra.jobs[name].if, run("push"))).toBe(false);
      }
      for (const name of ["plan.yml:plan", "apply.yml:apply"]) {
        expect(condition(jobNamed(name).if, onBranch)).toBe(false);
        expect(condition(jobNamed(name).if, run("push"))).toBe(true);
      }
      const refCheck = check.steps?.[0] as Step;
      expect(runStep(refCheck, { REF: "refs/heads/main" }).status).toBe(0);
      const refused = runStep(refCheck, { REF: "refs/heads/feature" });
      expect(refused.status).toBe(1);
      expect(refused.stderr.trim()).toBe(
        "rollout runs from main only (reviewed code); this run is from refs/heads/feature: run the workflow on main",
      );
    });

    it("allows exactly the stacks CI applies (bootstrap is people's)", () => {
      const script = fs.readFileSync(path.join(scriptsDir, "stack-list.sh"), "utf8");
      expect(/^ALLOWED=\((.*)\)$/m.exec(script)?.[1].split(" ")).toEqual([...CI_APPLIED_CONCERNS]);
    });

    it.each([
      ["bootstrap", /bootstrap is applied by people only/],
      ["app bootstrap", /bootstrap is applied by people only/],
      ["github", /github is applied by people only/],
      ["apps", /stack "apps" does not exist/],
      ["app; rm -rf ~", /give stack names separated by single spaces/],
      ["$(id)", /give stack names separated by single spaces/],
      ["*", /give stack names separated by single spaces/],
      ["app --image-tag x", /give stack names separated by single spaces/],
      ["", /give stack names separated by single spaces/],
    ])("refuses the stack list %j before anything runs", (stacks, message) => {
      const checked = runStep(stackCheck, { STACKS: stacks });
      expect(checked.status).toBe(1);
      expect(checked.stderr).toMatch(message);
      expect(checked.stderr.trim().split("\n")).toHaveLength(1);
    });

    it.each([
      ["plan.yml:plan", ["--plan", "--record-plans", "reviewed-plans"]],
      ["apply.yml:apply", ["--apply", "--yes", "--reviewed-plans", "reviewed-plans"]],
    ])("%s passes each checked stack and the tag as one argument each", (name, flags) => {
      const step = deployStep(jobNamed(name));
      const ran = runStep(step, { TARGET: "dev", STACKS: "data platform", TAG: "1.4.2" });
      expect(ran.status).toBe(0);
      expect(ran.argv).toEqual(["run", "deploy", "--", "dev", "data", "platform", "--image-tag", "1.4.2", ...flags]);
      expect(runStep(step, { TARGET: "dev", STACKS: "app", TAG: "" }).argv).toEqual([
        "run",
        "deploy",
        "--",
        "dev",
        "app",
        ...flags,
      ]);
      const refused = runStep(step, { TARGET: "dev", STACKS: "app bootstrap", TAG: "" });
      expect(refused.status).toBe(1);
      expect(refused.argv).toEqual([]);
    });
  });

  describe("the app image pipeline (the seed's, complete)", () => {
    const steps = jobs.filter(([name]) => name.startsWith("app-image.yml:")).flatMap(([, job]) => job.steps ?? []);

    it("uploads the tests' coverage to Codecov", () => {
      expect(steps.find((s) => s.uses?.startsWith("codecov/codecov-action@"))?.with).toMatchObject({
        files: "./coverage.xml",
        fail_ci_if_error: true,
      });
    });

    it("fails only on fixable vulnerabilities at the caller's cut-off (medium by default), in the source and the built image", () => {
      const scans = steps.filter((s) => s.uses?.startsWith("anchore/scan-action@"));
      expect(scans.map((s) => Object.keys(s.with ?? {}).find((k) => k === "path" || k === "image"))).toEqual([
        "path",
        "image",
      ]);
      scans.forEach((s) =>
        expect(s.with).toMatchObject({
          "fail-build": true,
          "only-fixed": true,
          "severity-cutoff": "${{ inputs.scan-severity-cutoff }}",
        }),
      );
      const input = (workflow("app-image.yml").on.workflow_call.inputs ?? {})["scan-severity-cutoff"];
      expect(input).toMatchObject({ type: "string", default: "medium" });
    });

    it("builds once, then copies that digest into the other environments' ECR and checks it", () => {
      expect(steps.filter((s) => s.uses?.startsWith("docker/build-push-action@"))).toHaveLength(1);
      const copy =
        jobNamed("app-image.yml:copy")
          .steps?.map((s) => s.run ?? "")
          .join("\n") ?? "";
      expect(copy).toContain('docker buildx imagetools create --tag "$TARGET" "$SOURCE"');
      expect(copy).toContain('[ "$copied" = "$DIGEST" ]');
    });

    it("rolls the image out through the infra workflow on main, where it is planned and reviewed", () => {
      const dispatch = jobNamed("app-image.yml:rollout").steps?.find((s) => s.run?.includes("gh workflow run"));
      expect(dispatch?.run).toContain(
        'gh workflow run infra.yml --repo "$REPO" --ref main -f environment="$TARGET" -f stacks=app',
      );
    });

    const imageJobs = jobs.filter(([name]) => name.startsWith("app-image.yml:"));
    const runsAppCode = (job: Job) => job.steps?.some((s) => /\b(pip|uv pip|pytest)\b/.test(s.run ?? "")) ?? false;

    it("gives no OIDC token to a job that installs or runs the app's code (it could assume the push role)", () => {
      const appCodeJobs = imageJobs.filter(([, job]) => runsAppCode(job));
      expect(appCodeJobs.map(([name]) => name)).toEqual(["app-image.yml:test"]);
      for (const [, job] of appCodeJobs) {
        // A job without `permissions` would inherit the caller's, which include id-token.
        expect(job.permissions).toBeDefined();
        expect(job.permissions?.["id-token"]).toBeUndefined();
      }
    });

    it("uses no long-lived token: GitHub calls get a one-hour app token from a GitHub environment", () => {
      const text = fs.readFileSync(path.join(workflowsDir, "app-image.yml"), "utf8");
      expect(text).not.toMatch(/secrets\.[\w-]*token/i);
      expect(Object.keys(workflow("app-image.yml").on.workflow_call ?? {})).not.toContain("secrets");
      const minted = imageJobs.flatMap(([name, job]) =>
        (job.steps ?? [])
          .filter((s) => s.uses?.startsWith("actions/create-github-app-token@"))
          .map((s) => ({ name, job, step: s })),
      );
      expect(minted.map((m) => m.name)).toEqual(["app-image.yml:environments", "app-image.yml:rollout"]);
      for (const { job, step } of minted) {
        expect(job.environment).toBe("${{ inputs.rollout-environment }}");
        expect(step.with?.["private-key"]).toBe("${{ secrets.INFRA_APP_PRIVATE_KEY }}");
        expect(step.with?.["client-id"]).toBe("${{ vars.INFRA_APP_CLIENT_ID }}");
        expect(step.with?.repositories).toBe("${{ steps.infra.outputs.name }}");
      }
      const permissionsOf = (step: Step) =>
        Object.entries(step.with ?? {}).filter(([key]) => key.startsWith("permission-"));
      expect(permissionsOf(minted[0].step)).toEqual([["permission-contents", "read"]]);
      expect(permissionsOf(minted[1].step)).toEqual([["permission-actions", "write"]]);
      const dispatch = jobNamed("app-image.yml:rollout").steps?.find((s) => s.run?.includes("gh workflow run"));
      expect(dispatch?.env?.GH_TOKEN).toBe("${{ steps.app-token.outputs.token }}");
    });
  });

  describe("the in-VPC runner's webhook admits the workflows that use it, and only those", () => {
    it("lists exactly the names of the runs whose jobs ask for a codebuild runner", () => {
      const usesRunner = (file: string) =>
        Object.values(workflow(file).jobs).some((j) => j["runs-on"]?.startsWith("codebuild-"));
      const callersOf = (file: string) =>
        workflowFiles.filter((f) =>
          Object.values(workflow(f).jobs).some((j) => j.uses === `./.github/workflows/${file}`),
        );
      /** The top-level workflows whose runs contain the file's jobs (a called workflow runs in its caller's run). */
      const runsOf = (file: string): string[] => {
        const callers = callersOf(file);
        const standalone = Object.keys(workflow(file).on).some((event) => event !== "workflow_call");
        return [...(standalone ? [file] : []), ...callers.flatMap(runsOf)];
      };
      const names = new Set(
        workflowFiles
          .filter(usesRunner)
          .flatMap(runsOf)
          .map((f) => (parse(fs.readFileSync(path.join(workflowsDir, f), "utf8")) as { name: string }).name),
      );
      expect([...names].sort()).toEqual([...RUNNER_WORKFLOW_NAMES].sort());
    });
  });
});
