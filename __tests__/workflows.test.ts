/** The GitHub Actions workflows against the infrastructure they run on. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import {
  APPLY_SESSION_SECONDS,
  CI_APPLIED_CONCERNS,
  ENVIRONMENTS,
  PULL_REQUEST_CONCERNS,
  loadEnvironments,
  runnerProjectName,
} from "../config";

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, string | number>;
}
interface Job {
  readonly "runs-on"?: string;
  readonly environment?: string;
  readonly needs?: string | string[];
  readonly with?: Record<string, string>;
  readonly steps?: Step[];
}

const workflowsDir = path.resolve(__dirname, "..", ".github", "workflows");
const jobs: [string, Job][] = fs
  .readdirSync(workflowsDir)
  .flatMap((file) =>
    Object.entries(
      (parse(fs.readFileSync(path.join(workflowsDir, file), "utf8")) as { jobs: Record<string, Job> }).jobs,
    ).map(([name, job]) => [`${file}:${name}`, job] as [string, Job]),
  );
const deployJobs = jobs.filter(([, job]) => job.steps?.some((s) => s.run?.includes("npm run deploy")));
const RUNNER_LABEL =
  /^codebuild-(.+)-\$\{\{ (matrix|inputs)\.environment \}\}-runner-\$\{\{ github\.run_id \}\}-\$\{\{ github\.run_attempt \}\}$/;

const jobNamed = (name: string) => jobs.find(([n]) => n === name)?.[1] as Job;
const deployCommand = (job: Job) => job.steps?.map((s) => s.run ?? "").find((r) => r.includes("npm run deploy")) ?? "";
/** The stacks a deploy command line names. */
const stacksOf = (command: string) =>
  command
    .replace(/^npm run deploy -- "\$TARGET" /, "")
    .split(" ")
    .filter((w) => /^[a-z]+$/.test(w));
const texts = fs.readdirSync(workflowsDir).map((file) => fs.readFileSync(path.join(workflowsDir, file), "utf8"));

describe("workflows", () => {
  it("plan, apply and roll out with the deploy command", () => {
    expect(deployJobs.map(([name]) => name).sort()).toEqual([
      "apply.yml:apply",
      "infra.yml:plan",
      "infra.yml:pr-plan",
      "infra.yml:rollout",
    ]);
  });

  it.each(["apply.yml:apply", "infra.yml:plan", "infra.yml:rollout"])(
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
    expect(stacksOf(deployCommand(job))).toEqual([...PULL_REQUEST_CONCERNS]);
    expect(deployCommand(job)).toMatch(/--plan$/);
    const role = job.steps?.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials"))?.with?.[
      "role-to-assume"
    ];
    expect(role).toMatch(/-pr-plan$/);
  });

  it("makes full plans only in the protected <env>-plan environment, recording fingerprints; applies check them", () => {
    const plan = jobNamed("infra.yml:plan");
    expect(plan.environment).toBe("${{ matrix.environment }}-plan");
    expect(stacksOf(deployCommand(plan))).toEqual([...CI_APPLIED_CONCERNS]);
    expect(deployCommand(plan)).toMatch(/--plan --record-plans reviewed-plans$/);
    const apply = jobNamed("apply.yml:apply");
    expect(apply.environment).toBe("${{ inputs.environment }}");
    expect(stacksOf(deployCommand(apply))).toEqual([...CI_APPLIED_CONCERNS]);
    expect(deployCommand(apply)).toMatch(/--reviewed-plans reviewed-plans$/);
  });

  it("uploads no plan file or state, only the recorded fingerprints, change lists and reports", () => {
    const uploads = jobs
      .flatMap(([, job]) => job.steps ?? [])
      .filter((s) => s.uses?.startsWith("actions/upload-artifact@"))
      .map((s) => String(s.with?.path));
    expect(uploads.sort()).toEqual(["cdktf.out\nreview-out\n", "reports/mutation/", "reviewed-plans"]);
  });

  it("writes no account id: every account comes from config through the environments job", () => {
    for (const config of loadEnvironments()) {
      texts.forEach((text) => expect(text).not.toContain(config.account.id));
    }
    texts.forEach((text) => expect(text).not.toMatch(/\b\d{12}\b/));
  });

  it("applies the environments of config in their promotion order, each after the one before", () => {
    const names = ENVIRONMENTS.map((e) => (e as { name: string }).name);
    const applies = jobs.filter(([name]) => /^infra\.yml:apply-/.test(name));
    expect(applies.map(([, job]) => job.with?.environment)).toEqual(names);
    applies.slice(1).forEach(([, job], i) => expect([job.needs].flat()).toContain(`apply-${names[i]}`));
    const dispatch = parse(fs.readFileSync(path.join(workflowsDir, "infra.yml"), "utf8")) as {
      on: { workflow_dispatch: { inputs: { environment: { options: string[] } } } };
    };
    expect(dispatch.on.workflow_dispatch.inputs.environment.options).toEqual(names);
  });

  it("keeps deploy-role credentials as long as the role allows, for the longest apply", () => {
    const deploySessions = jobs
      .flatMap(([, job]) => job.steps ?? [])
      .filter(
        (s) =>
          s.uses?.startsWith("aws-actions/configure-aws-credentials") &&
          String(s.with?.["role-to-assume"]).endsWith("-deploy"),
      );
    expect(deploySessions.length).toBeGreaterThanOrEqual(2);
    deploySessions.forEach((s) => expect(s.with?.["role-duration-seconds"]).toBe(APPLY_SESSION_SECONDS));
  });

  it("deploys the stacks a person names (default app) with the image tag, if given", () => {
    const rollout = jobs.find(([name]) => name === "infra.yml:rollout")?.[1] as Job;
    expect(rollout.steps?.map((s) => s.run).filter(Boolean)).toContain(
      'npm run deploy -- "$TARGET" $STACKS ${TAG:+--image-tag "$TAG"}',
    );
    const workflow = parse(fs.readFileSync(path.join(workflowsDir, "infra.yml"), "utf8")) as {
      on: { workflow_dispatch: { inputs: Record<string, { default?: string }> } };
    };
    expect(workflow.on.workflow_dispatch.inputs.stacks.default).toBe("app");
  });

  it("pins every action to a full commit SHA, with its release in a comment", () => {
    const lines = fs
      .readdirSync(workflowsDir)
      .flatMap((file) => fs.readFileSync(path.join(workflowsDir, file), "utf8").split("\n"))
      .filter((line) => /^\s*(- )?uses: /.test(line));
    const remote = lines.filter((line) => !/uses: \.\//.test(line));
    expect(remote.length).toBeGreaterThan(10);
    for (const line of remote) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it("never leaves the checkout token on disk for later steps", () => {
    const checkouts = jobs.flatMap(([, job]) => job.steps ?? []).filter((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkouts.length).toBeGreaterThan(0);
    checkouts.forEach((s) => expect(s.with?.["persist-credentials"]).toBe(false));
  });

  describe("the app image pipeline (the seed's, complete)", () => {
    const steps = jobs.filter(([name]) => name.startsWith("app-image.yml:")).flatMap(([, job]) => job.steps ?? []);

    it("uploads the tests' coverage to Codecov", () => {
      expect(steps.find((s) => s.uses?.startsWith("codecov/codecov-action@"))?.with).toMatchObject({
        files: "./coverage.xml",
        fail_ci_if_error: true,
      });
    });

    it("fails on vulnerabilities from medium up (the scanner's default cut-off), in the source and the built image", () => {
      const scans = steps.filter((s) => s.uses?.startsWith("anchore/scan-action@"));
      expect(scans.map((s) => Object.keys(s.with ?? {}).find((k) => k === "path" || k === "image"))).toEqual([
        "path",
        "image",
      ]);
      scans.forEach((s) => expect(s.with).toMatchObject({ "fail-build": true, "severity-cutoff": "medium" }));
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
  });
});
