/** The GitHub Actions workflows against the infrastructure they run on. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { APPLY_SESSION_SECONDS, loadEnvironments, runnerProjectName } from "../config";

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, string | number>;
}
interface Job {
  readonly "runs-on"?: string;
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

describe("workflows", () => {
  it("plan, apply and roll out with the deploy command", () => {
    expect(deployJobs.map(([name]) => name).sort()).toEqual(["apply.yml:apply", "infra.yml:plan", "infra.yml:rollout"]);
  });

  it.each(deployJobs.map(([name]) => name))("%s runs on the environment's in-VPC CodeBuild runner", (name) => {
    const label = (jobs.find(([n]) => n === name)?.[1] as Job)["runs-on"] ?? "";
    const match = RUNNER_LABEL.exec(label);
    expect(match).not.toBeNull();
    for (const config of loadEnvironments()) {
      expect(`${match?.[1]}-${config.name}-runner`).toBe(runnerProjectName(config));
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
});
