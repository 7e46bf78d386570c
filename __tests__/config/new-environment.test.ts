/**
 * Adding an environment exactly as docs/environments.md, "Add an environment", says (read from the
 * doc by ../add-environment.ts: its table's example values, its ENVIRONMENTS line, its parent's
 * entry, its workflow command), then running the environment loops on it: config validation (and
 * a refusal naming the setting whenever one step is left out), the synth and policy gate of its
 * stacks, the infra workflow's delivery of it, and its GitHub environments.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Testing, type App } from "cdktf";
import { parse } from "yaml";
import { ciRoleArn, loadEnvironments, planEnvironment, type EnvironmentConfig } from "../../config";
import { waiversFor } from "../../config/waivers";
import { evaluatePolicy, formatViolation, readSynthesizedStacks } from "../../modules/policy";
import { environmentOutputs } from "../../scripts/environment-outputs";
import {
  ENVIRONMENT_WORKFLOW,
  WRITE_WORKFLOWS_COMMAND,
  withEnvironments,
  workflowEnvironmentProblems,
} from "../../scripts/environment-workflows";
import { createEnvironmentStacks } from "../../stacks/environment-stacks";
import { GithubStack } from "../../stacks/github-stack";
import {
  PARENT_STEP,
  addedAsDocumented,
  docSection,
  documentedSteps,
  freshSteps,
  placedOrder,
} from "../add-environment";
import { declaredNames, problemsOf, resourcesOf, type TerraformJson } from "../helpers";
import { readWorkflows, type Workflow } from "../workflows/github-actions-model";
import { assumedRole, expandRun, outputLines, type RunJob } from "../workflows/run-model";

const root = path.resolve(__dirname, "..", "..");
// The doc's example (qa); moved to a free name, account and CIDR once a real qa is declared.
const steps = freshSteps(documentedSteps());
const name = steps.name;
// Validated inside the tests, not at collection (see names.test.ts on mutation testing).
const environments = () => loadEnvironments(undefined, addedAsDocumented({ steps }));
const added = () => environments().find((c) => c.name === name) as EnvironmentConfig;

describe("an environment added as docs/environments.md says", () => {
  it("is a new name, and the doc's ENVIRONMENTS line lists it among every declared environment", () => {
    expect(declaredNames()).not.toContain(name);
    const documented = documentedSteps();
    const others = (names: readonly string[]) => names.filter((n) => n !== documented.name);
    expect(others(documented.order)).toEqual(others(declaredNames()));
    expect(documented.order).toContain(documented.name);
  });

  it("validates next to the declared environments, in the place the doc gives it", () => {
    expect(problemsOf(addedAsDocumented({ steps }))).toEqual([]);
    expect(environments().map((c) => c.name)).toEqual(placedOrder(steps));
    expect(placedOrder(steps).filter((n) => n !== name)).toEqual(declaredNames());
  });

  // Each row of the doc's table, and the parent's listing, is needed: config names what was forgotten.
  const omissions = [...steps.settings.keys()].map((s) => [s, s]).concat([[PARENT_STEP, "dns.parent"]]);
  it.each(omissions)("is refused in a line naming the setting when the step %s is left out", (step, setting) => {
    const problems = problemsOf(addedAsDocumented({ steps, skip: step }));
    // The setting itself, or the one it must agree with naming it: app.domain "(dns.zoneName)".
    const naming = (p: string) => p.includes(`, setting ${setting}`) || p.includes(`(${setting})`);
    expect(problems.filter(naming)).not.toEqual([]);
    problems.forEach((p) => expect(p).toMatch(/^environment "[a-z0-9]+", setting [^\n]+$/));
  });

  it("synthesizes and passes the policy gate with the waivers its settings call for", () => {
    const config = added();
    const app = Testing.app() as App;
    createEnvironmentStacks(app, config);
    app.synth();
    const report = evaluatePolicy(
      readSynthesizedStacks(app.outdir, () => false),
      waiversFor([config]),
    );
    expect(report.violations.map(formatViolation)).toEqual([]);
    expect(report.waiverProblems).toEqual([]);
    expect(report.waived.map((w) => w.waiver.stack)).toContain(`${name}-cluster`);
  });

  describe("the infra workflow", () => {
    const committed = fs.readFileSync(path.join(root, ENVIRONMENT_WORKFLOW), "utf8");

    it("is out of date until the doc's command rewrites it", () => {
      expect(docSection("Add an environment")).toContain(WRITE_WORKFLOWS_COMMAND);
      expect(workflowEnvironmentProblems(committed, environments())).toEqual([
        expect.stringContaining(`no job deliver-${name}`),
      ]);
      expect(workflowEnvironmentProblems(withEnvironments(committed, environments()), environments())).toEqual([]);
    });

    it("then delivers it after a merge in its place: planned in <env>-plan with its plan role, applied in <env> with its deploy role", () => {
      const configs = environments();
      const workflows = readWorkflows(path.join(root, ".github", "workflows"));
      workflows.set("infra.yml", parse(withEnvironments(committed, configs)) as Workflow);
      const run = expandRun(
        workflows,
        "infra.yml",
        { event_name: "push", ref: "refs/heads/main", run_id: 1, run_attempt: 1, event: {} },
        { outputs: { environments: outputLines(environmentOutputs(configs)), "rollout-check": { stacks: "app" } } },
      );
      const credentialed = run
        .filter((j: RunJob) => j.environment !== undefined && assumedRole(j) !== undefined)
        .map((j) => ({ environment: j.environment, role: assumedRole(j) }));
      expect(credentialed).toEqual(
        configs.flatMap((c) => [
          { environment: planEnvironment(c), role: ciRoleArn(c, "plan") },
          { environment: c.ci.githubEnvironment, role: ciRoleArn(c, "deploy") },
        ]),
      );
      const jobs = (parse(withEnvironments(committed, configs)) as { jobs: Record<string, { needs?: string[] }> }).jobs;
      const order = placedOrder(steps);
      const before = order[order.indexOf(name) - 1];
      expect(jobs[`deliver-${name}`].needs).toEqual([before ? `deliver-${before}` : "check", "environments"]);
    });
  });

  it("gets its GitHub environments, <ci.githubEnvironment> and its -plan twin, from the settings stack", () => {
    const saved = process.env.GITHUB_TOKEN;
    process.env.GITHUB_TOKEN = "ghp_test";
    try {
      const json = JSON.parse(
        Testing.synth(new GithubStack(Testing.app(), { environments: environments() })),
      ) as TerraformJson;
      const names = Object.values(resourcesOf(json, "github_repository_environment")).map((e) => e.environment);
      expect(names).toEqual(expect.arrayContaining([added().ci.githubEnvironment, planEnvironment(added())]));
    } finally {
      if (saved === undefined) delete process.env.GITHUB_TOKEN;
      else process.env.GITHUB_TOKEN = saved;
    }
  });
});
