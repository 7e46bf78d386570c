/**
 * docs/runbook.md's first deploy, walked as a model over every environment's synthesized stacks.
 *
 * Each step's command says who runs it: `npm run deploy` is a person signed in with one of the
 * environment's `cluster.adminRoleArns` (the runbook's own prerequisite), from outside the VPC;
 * `gh workflow run infra.yml --ref main` is a rollout (deliver.yml): first its plan job, the CI
 * plan role in a job of the `<ci.githubEnvironment>-plan` GitHub environment on the in-VPC runner,
 * planning only (the plan-only variables: read-only twin roles), then its apply job, the CI deploy
 * role in `<ci.githubEnvironment>`, on the same runner. Both must be able to run.
 * For every stack the command applies, in the deploy command's waves, and every provider of it,
 * the walk asks what AWS and EKS would: does the role a provider assumes exist yet, and does its
 * trust (the synthesized JSON of whichever stack creates it, evaluated by ../model/iam-trust.ts)
 * admit that principal; does the principal exist yet (the runner comes with the cluster stack);
 * can a Kubernetes or Helm provider reach the cluster's API and is the principal an access entry.
 * A step that none of its commands can run fails the test with the step and the reason.
 */
import * as path from "node:path";
import type { App } from "cdktf";
import {
  CONCERNS,
  INFRA_BRANCH,
  ciRoleArn,
  loadEnvironments,
  planEnvironment,
  runnerProjectName,
  type CiRole,
  type EnvironmentConfig,
} from "../../config";
import { planOnlyVariables } from "../../scripts/deploy/plan-variables";
import { environmentOutputs } from "../../scripts/environment-outputs";
import { loadStacks, planWaves, selectStacks, type StackNode } from "../../scripts/deploy/stack-graph";
import { synthEnvironment, type TerraformJson } from "../helpers";
import { accountOf, trustAllows, type TrustStatement } from "../model/iam-trust";
import { readWorkflows } from "../workflows/github-actions-model";
import { environmentJobMayAssume, githubJobOf, type GithubJob } from "../workflows/github-oidc-token";
import { expandRun, outputLines } from "../workflows/run-model";
import { rolesOfStack, type SynthesizedRole } from "../model/synthesized-roles";
import { commandsIn, firstDeploySteps, parentStepsFirst, type RunbookCommand, type RunbookStep } from "./runbook-steps";

type Json = Record<string, unknown>;

/** Who runs a command, where from, and since when. */
interface Principal {
  readonly describe: string;
  readonly arn: string;
  readonly network: "outside the VPC" | "in the VPC";
  /** Why it cannot act yet (null: it can). */
  missing(applied: ReadonlySet<string>): string | null;
  /** The runner's security group reference, for the cluster's ingress rules. */
  readonly securityGroup?: string;
  /** A job that only plans, whatever the command does (a rollout's plan job). */
  readonly plansOnly?: boolean;
}

/** What one walk found, and what it checked (so a walk that checks nothing cannot pass unseen). */
interface WalkResult {
  readonly problems: string[];
  readonly assumed: string[];
  readonly clusterLogins: string[];
}

const configs = loadEnvironments();
const configOf = (env: string) => configs.find((c) => c.name === env) as EnvironmentConfig;
const synthOf = (env: string) => synthEnvironment(env);
const stackJson = (stackId: string): TerraformJson => {
  const env = configs.find((c) => stackId.startsWith(`${c.name}-`)) as EnvironmentConfig;
  return synthOf(env.name).json(stackId.slice(env.name.length + 1) as (typeof CONCERNS)[number]);
};
const stacksOf = (env: string): StackNode[] => loadStacks((synthOf(env).stacks.app.node.root as App).outdir, env);
const envStackIds = (env: string) => CONCERNS.map((c) => `${env}-${c}`);

const synthesizedRoles: SynthesizedRole[] = configs.flatMap((c) =>
  envStackIds(c.name).flatMap((id) => rolesOfStack(id, stackJson(id))),
);

/** The stack of an environment whose resource (or module) of `type` satisfies `test`. */
function creatorOf(
  env: string,
  type: string,
  test: (body: Json) => boolean,
): { stack: string; id: string; body: Json } | null {
  for (const stack of envStackIds(env)) {
    const blocks = (type.startsWith("module.") ? stackJson(stack).module : stackJson(stack).resource?.[type]) ?? {};
    for (const [id, body] of Object.entries(blocks)) {
      if ((!type.startsWith("module.") || id === type.slice(7)) && test(body as Json))
        return { stack, id, body: body as Json };
    }
  }
  return null;
}

const workflows = readWorkflows(path.resolve(__dirname, "..", "..", ".github", "workflows"));

/**
 * The job of a rollout (infra.yml dispatched at `ref`, as ../workflows/run-model.ts runs it) that
 * enters this GitHub environment: its token's workflow file and ref are what the role trusts.
 */
function rolloutJob(env: string, ref: string, githubEnvironment: string): GithubJob | undefined {
  const run = expandRun(
    workflows,
    "infra.yml",
    { event_name: "workflow_dispatch", ref, run_id: 1, run_attempt: 1, event: {} },
    {
      inputs: { environment: env, stacks: "app", image_tag: "" },
      outputs: { environments: outputLines(environmentOutputs(configs)), "rollout-check": { stacks: "app" } },
    },
  );
  const job = run.find((j) => j.environment === githubEnvironment);
  return job && githubJobOf(job);
}

function person(arn: string): Principal {
  return { describe: `person ${arn}`, arn, network: "outside the VPC", missing: () => null };
}

/**
 * A rollout's job on the environment's in-VPC runner: the plan job (plan role, in
 * `<ci.githubEnvironment>-plan`, plan-only) or the apply job (deploy role, in `<ci.githubEnvironment>`).
 */
function ciOnRunner(
  env: string,
  roles: readonly SynthesizedRole[],
  job: Extract<CiRole, "plan" | "deploy">,
  ref: string,
): Principal {
  const config = configOf(env);
  const arn = ciRoleArn(config, job);
  const githubEnvironment = job === "plan" ? planEnvironment(config) : config.ci.githubEnvironment;
  const githubJob = rolloutJob(env, ref, githubEnvironment);
  const role = roles.find((r) => r.arn === arn);
  const runner = creatorOf(env, "aws_codebuild_project", (p) => p.name === runnerProjectName(config));
  const vpc = (runner?.body.vpc_config ?? {}) as { security_group_ids?: string[] };
  return {
    describe: `CI ${job} role ${arn} (${job} job, GitHub environment ${githubEnvironment}) on the ${runnerProjectName(config)} runner`,
    arn,
    network: "in the VPC",
    securityGroup: vpc.security_group_ids?.[0],
    plansOnly: job === "plan",
    missing(applied) {
      if (!role) return `no stack creates ${arn}`;
      if (!applied.has(role.stack)) return `${arn} does not exist yet (${role.stack} not applied)`;
      if (!githubJob) return `no job of a rollout at ${ref} runs in GitHub environment ${githubEnvironment}`;
      if (!environmentJobMayAssume(config, stackJson(`${env}-bootstrap`), role.trust, githubJob))
        return `a job in GitHub environment ${githubEnvironment} (${githubJob.workflowPath} at ${githubJob.ref}) cannot assume ${arn}`;
      if (!runner || !vpc.security_group_ids) return `no stack creates an in-VPC runner ${runnerProjectName(config)}`;
      if (!applied.has(runner.stack))
        return `the runner ${runnerProjectName(config)} does not exist yet (${runner.stack} not applied)`;
      return null;
    },
  };
}

function principalsOf(env: string, command: RunbookCommand, roles: readonly SynthesizedRole[]): Principal[] {
  return command.via === "npm-deploy"
    ? configOf(env).cluster.adminRoleArns.map((arn) => person(arn))
    : (["plan", "deploy"] as const).map((job) =>
        ciOnRunner(env, roles, job, `refs/heads/${command.ref ?? INFRA_BRANCH}`),
      );
}

/** The role ARN a provider's `assume_role` resolves to, as apply or plan-only run it. */
function assumedRoleArn(roleArn: string, json: TerraformJson, node: StackNode, planOnly: boolean): string {
  const variable = /^\$\{var\.(\w+)\}$/.exec(roleArn)?.[1];
  if (!variable) return roleArn;
  const planValue = planOnlyVariables(node.directory)
    .map((arg) => /^-var=(\w+)=(.*)$/.exec(arg))
    .find((m) => m?.[1] === variable)?.[2];
  const value = planOnly && planValue ? planValue : json.variable?.[variable]?.default;
  if (typeof value !== "string") throw new Error(`${node.id}: variable ${variable} has no value to assume`);
  return value;
}

/** Every reason the principal cannot run this stack's providers now. */
function stackProblems(
  env: string,
  node: StackNode,
  principal: Principal,
  planOnly: boolean,
  applied: ReadonlySet<string>,
  roles: readonly SynthesizedRole[],
  checked: { assumed: string[]; clusterLogins: string[] },
): string[] {
  const json = stackJson(node.id);
  const problems: string[] = [];
  for (const [type, blocks] of Object.entries(json.provider ?? {})) {
    for (const block of blocks) {
      const name = `provider ${type}${block.alias ? `.${block.alias}` : ""}`;
      for (const assume of (block.assume_role as { role_arn: string }[] | undefined) ?? []) {
        const arn = assumedRoleArn(assume.role_arn, json, node, planOnly);
        checked.assumed.push(`${node.id} ${name} ${principal.arn} -> ${arn}`);
        problems.push(...assumeProblems(name, arn, principal, applied, roles));
      }
      const accounts = block.allowed_account_ids as string[] | undefined;
      if (!block.assume_role && accounts && !accounts.includes(accountOf(principal.arn))) {
        problems.push(`${name} allows accounts ${accounts.join(", ")}, not ${accountOf(principal.arn)}`);
      }
      if (type === "kubernetes" || type === "helm") {
        checked.clusterLogins.push(`${node.id} ${name} ${principal.arn}`);
        problems.push(...clusterProblems(env, name, block as Json, principal, applied, roles));
      }
    }
  }
  return problems;
}

function assumeProblems(
  provider: string,
  arn: string,
  principal: Principal,
  applied: ReadonlySet<string>,
  roles: readonly SynthesizedRole[],
): string[] {
  const role = roles.find((r) => r.arn === arn);
  if (!role) return [`${provider} assumes ${arn}, which no stack creates`];
  if (!applied.has(role.stack))
    return [`${provider} assumes ${arn}, which does not exist yet (${role.stack} not applied)`];
  const admitted = trustAllows(
    { Statement: role.trust },
    { action: "sts:AssumeRole", caller: { kind: "role", arn: principal.arn } },
  );
  return admitted ? [] : [`${provider} assumes ${arn}, whose trust (${role.stack}) does not admit ${principal.arn}`];
}

/** A Kubernetes or Helm provider logs in as the caller (or the role its exec names) and needs the API. */
function clusterProblems(
  env: string,
  provider: string,
  block: Json,
  principal: Principal,
  applied: ReadonlySet<string>,
  roles: readonly SynthesizedRole[],
): string[] {
  const exec = [(block.kubernetes as Json | undefined)?.exec ?? block.exec].flat()[0] as
    { args?: string[] } | undefined;
  const args = exec?.args ?? [];
  const roleArgument = args.indexOf("--role-arn");
  const problems: string[] = [];
  let identity = principal.arn;
  if (roleArgument >= 0) {
    identity = args[roleArgument + 1];
    problems.push(...assumeProblems(provider, identity, principal, applied, roles));
  }
  const cluster = creatorOf(env, "module.eks", (m) => m.source === "terraform-aws-modules/eks/aws");
  if (!cluster) return [...problems, `${provider}: no stack of ${env} creates the cluster`];
  if (!applied.has(cluster.stack))
    return [...problems, `${provider}: the cluster does not exist yet (${cluster.stack} not applied)`];
  const entries = Object.values((cluster.body.access_entries ?? {}) as Record<string, { principal_arn: string }>);
  if (!entries.some((e) => e.principal_arn === identity))
    problems.push(`${provider}: ${identity} has no EKS access entry`);
  if (!reachesApi(cluster.body, principal))
    problems.push(`${provider}: the cluster API is not reachable ${principal.network}`);
  return problems;
}

function reachesApi(eks: Json, principal: Principal): boolean {
  if (principal.network === "outside the VPC") return eks.endpoint_public_access === true;
  const rules = Object.values((eks.security_group_additional_rules ?? {}) as Record<string, Json>);
  const fromRunner = rules.some(
    (r) =>
      r.type === "ingress" &&
      (r.from_port as number) <= 443 &&
      (r.to_port as number) >= 443 &&
      r.source_security_group_id === principal.securityGroup,
  );
  return eks.endpoint_private_access === true && fromRunner;
}

/** Runs one command: its principals, then its stacks in the deploy command's waves. */
function runCommand(
  env: string,
  command: RunbookCommand,
  applied: ReadonlySet<string>,
  roles: readonly SynthesizedRole[],
  checked: { assumed: string[]; clusterLogins: string[] },
): { problems: string[]; applied: Set<string> } {
  const waves = planWaves(selectStacks(stacksOf(env), env, command.stacks));
  const problems: string[] = [];
  // The rollout's first job refuses any ref but main; `gh workflow run` without --ref runs the default branch.
  if (command.via === "gh-workflow" && command.ref !== INFRA_BRANCH)
    problems.push(`a rollout runs from ${INFRA_BRANCH} only: the command must say --ref ${INFRA_BRANCH}`);
  for (const principal of principalsOf(env, command, roles)) {
    const missing = principal.missing(applied);
    if (missing) {
      problems.push(`${principal.describe}: ${missing}`);
      continue;
    }
    const planOnly = command.planOnly || principal.plansOnly === true;
    const done = new Set(applied);
    for (const wave of waves) {
      for (const node of wave) {
        const found = stackProblems(env, node, principal, planOnly, done, roles, checked);
        problems.push(...found.map((p) => `${node.id} as ${principal.describe}: ${p}`));
      }
      // A wave's stacks run together: each sees only what earlier waves (and steps) applied.
      if (!planOnly) wave.forEach((node) => done.add(node.id));
    }
  }
  const after = new Set(applied);
  if (!command.planOnly) waves.flat().forEach((node) => after.add(node.id));
  return { problems, applied: after };
}

/** The runbook's steps for every environment: a parent zone's first steps, then each environment, then the parent's rest. */
function walkOrder(steps: RunbookStep[]): { env: string; step: RunbookStep }[] {
  const { parent, steps: first } = parentStepsFirst();
  return [
    ...steps.filter((s) => first.includes(s.number)).map((step) => ({ env: parent, step })),
    ...configs.filter((c) => c.name !== parent).flatMap((c) => steps.map((step) => ({ env: c.name, step }))),
    ...steps.filter((s) => !first.includes(s.number)).map((step) => ({ env: parent, step })),
  ];
}

/** The runbook's command as written for this environment (the runbook shows one example environment). */
function commandFor(env: string, command: RunbookCommand): string {
  return command.text.replace(
    command.via === "npm-deploy" ? `-- ${command.environment}` : `environment=${command.environment}`,
    command.via === "npm-deploy" ? `-- ${env}` : `environment=${env}`,
  );
}

/** Walks the first deploy of every environment; a step passes when one of its commands can run. */
function walk(roles: readonly SynthesizedRole[] = synthesizedRoles): WalkResult {
  let applied = new Set<string>();
  const result: WalkResult = { problems: [], assumed: [], clusterLogins: [] };
  for (const { env, step } of walkOrder(firstDeploySteps())) {
    if (step.commands.length === 0) continue;
    const attempts = step.commands.map((command) => ({ command, ...runCommand(env, command, applied, roles, result) }));
    const runnable = attempts.find((a) => a.problems.length === 0);
    if (!runnable) {
      const why = attempts.flatMap((a) => a.problems.map((p) => `\`${commandFor(env, a.command)}\`: ${p}`));
      result.problems.push(`${env} step ${step.number}: no principal can run it: ${why.join("; ")}`);
    }
    applied = (runnable ?? attempts[0]).applied;
  }
  return result;
}

describe("the first deploy, walked as the runbook orders it", () => {
  const steps = firstDeploySteps();

  it("reads the runbook's steps and commands, flags tolerated", () => {
    const commands = steps.map((s) => [s.number, s.commands.map((c) => `${c.via} ${c.stacks.join(" ")}`)]);
    expect(commands).toEqual([
      [1, ["npm-deploy bootstrap"]],
      [2, ["npm-deploy network"]],
      [3, []],
      [4, ["npm-deploy cluster"]],
      [5, ["npm-deploy data platform", "gh-workflow data platform"]],
      [6, []],
      [7, []],
      [8, ["npm-deploy app", "gh-workflow app"]],
    ]);
  });

  it("reads a command's stacks wherever its flags stand, and --plan as plan-only", () => {
    const read = (text: string) => commandsIn(text).map((c) => [c.environment, c.stacks, c.planOnly]);
    expect(read("npm run deploy -- dev --apply network cluster --yes")).toEqual([
      ["dev", ["network", "cluster"], false],
    ]);
    expect(read("`npm run deploy -- dev app --image-tag sha-0123abc --apply`")).toEqual([["dev", ["app"], false]]);
    expect(read("npm run deploy -- dev network --plan")).toEqual([["dev", ["network"], true]]);
    expect(read('gh workflow run infra.yml -f environment=prod -f stacks="data platform" -f image_tag=x')).toEqual([
      ["prod", ["data", "platform"], false],
    ]);
    const refOf = (text: string) => commandsIn(text).map((c) => c.ref);
    expect(refOf("gh workflow run infra.yml --ref main -f environment=prod -f stacks=app")).toEqual(["main"]);
    expect(refOf("gh workflow run infra.yml -f environment=prod -f stacks=app")).toEqual([undefined]);
    expect(() => read("npm run deploy -- dev netwrok")).toThrow(/names netwrok; stacks: bootstrap, network/);
  });

  it("walks the parent zone's bootstrap and network first, then every environment, then the parent's rest", () => {
    const order = walkOrder(steps).map(({ env, step }) => `${env}:${step.number}`);
    const parent = configs.find((c) => c.dns.childEnvironments.length > 0) as EnvironmentConfig;
    expect(parentStepsFirst()).toEqual({ parent: parent.name, steps: [1, 2] });
    for (const child of parent.dns.childEnvironments) {
      expect(order.indexOf(`${parent.name}:2`)).toBeLessThan(order.indexOf(`${child.name}:2`));
    }
    expect(order).toHaveLength(configs.length * steps.length);
  });

  it("can run every step: each role a provider assumes exists and trusts the principal that runs it", () => {
    const result = walk();
    expect(result.problems).toEqual([]);
    // The walk did look: the children's parent-zone roles, and the cluster logins of data, platform and app.
    for (const child of ["dev", "staging"]) {
      expect(result.assumed).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^${child}-network provider aws\\.dns_parent .* -> arn:aws:iam::333333333333:role/marketing-agents-prod-dns-${child}$`,
          ),
        ),
      );
    }
    expect(result.clusterLogins.map((c) => c.split(" ")[0])).toEqual(
      expect.arrayContaining(configs.flatMap((c) => [`${c.name}-platform`, `${c.name}-app`])),
    );
  });

  it("lets the same people plan a child's network stack: the plan assumes the read-only twin, which trusts them", () => {
    for (const child of ["dev", "staging"]) {
      const plan: RunbookCommand = {
        text: `npm run deploy -- ${child} network --plan`,
        via: "npm-deploy",
        environment: child,
        stacks: ["network"],
        planOnly: true,
      };
      const checked = { assumed: [] as string[], clusterLogins: [] as string[] };
      const afterProd = new Set(["prod-bootstrap", "prod-network", `${child}-bootstrap`]);
      expect(runCommand(child, plan, afterProd, synthesizedRoles, checked).problems).toEqual([]);
      expect(checked.assumed).toContainEqual(
        expect.stringMatching(new RegExp(`-> arn:aws:iam::333333333333:role/marketing-agents-prod-dns-${child}-read$`)),
      );
    }
  });

  it("fails the step, naming it and the role, when the parent's role trusts only the child's CI deploy role", () => {
    const onlyDeployRole = (role: SynthesizedRole): SynthesizedRole => {
      if (role.name !== "marketing-agents-prod-dns-dev") return role;
      const trust: TrustStatement[] = role.trust.map((s) => ({
        ...s,
        Condition: {
          ArnEquals: { "aws:PrincipalArn": ["arn:aws:iam::111111111111:role/marketing-agents-dev-deploy"] },
        },
      }));
      return { ...role, trust };
    };
    const problems = walk(synthesizedRoles.map(onlyDeployRole)).problems;
    expect(problems).toEqual([
      expect.stringMatching(
        /^dev step 2: no principal can run it: `npm run deploy -- dev network.*`: dev-network as person arn:aws:iam::111111111111:role\/PlatformAdmin: provider aws\.dns_parent assumes arn:aws:iam::333333333333:role\/marketing-agents-prod-dns-dev, whose trust \(prod-network\) does not admit arn:aws:iam::111111111111:role\/PlatformAdmin$/,
      ),
    ]);
  });

  describe("a rollout (gh workflow run) is its plan job, then its apply job", () => {
    const prodPlanRole = ciRoleArn(configOf("prod"), "plan");

    it("checks both jobs: the plan role (plan-only, read-only twins) and the deploy role, each logged in to the cluster", () => {
      const result = walk();
      expect(result.problems).toEqual([]);
      // prod's data and platform (step 5) and app (step 8) run only through the workflow: both roles logged in.
      for (const stack of ["prod-platform", "prod-app"]) {
        expect(result.clusterLogins).toContainEqual(expect.stringMatching(new RegExp(`^${stack} .* ${prodPlanRole}$`)));
        expect(result.clusterLogins).toContainEqual(
          expect.stringMatching(new RegExp(`^${stack} .* ${ciRoleArn(configOf("prod"), "deploy")}$`)),
        );
      }
    });

    it("fails the step when the plan role trusts another GitHub environment than <ci.githubEnvironment>-plan", () => {
      // What stacks/bootstrap-stack.ts would synthesize with the plan role's subject set to the apply's environment.
      const subject = `repo:${configOf("prod").ci.infraRepository}:environment:`;
      const planTrustsApplyEnvironment = (role: SynthesizedRole): SynthesizedRole =>
        role.arn !== prodPlanRole
          ? role
          : {
              ...role,
              trust: JSON.parse(
                JSON.stringify(role.trust).split(`${subject}prod-plan`).join(`${subject}prod`),
              ) as TrustStatement[],
            };
      const changed = synthesizedRoles.map(planTrustsApplyEnvironment);
      expect(changed).not.toEqual(synthesizedRoles);
      const problems = walk(changed).problems;
      expect(problems.map((p) => /^(\w+ step \d+)/.exec(p)?.[1])).toEqual(["prod step 5", "prod step 8"]);
      problems.forEach((p) =>
        expect(p).toContain(
          `CI plan role ${prodPlanRole} (plan job, GitHub environment prod-plan) on the marketing-agents-prod-runner runner: a job in GitHub environment prod-plan (.github/workflows/plan.yml at refs/heads/main) cannot assume ${prodPlanRole}`,
        ),
      );
    });

    it("fails the step when the deploy role trusts another workflow file than the one whose job applies (apply.yml)", () => {
      // What stacks/bootstrap-stack.ts would synthesize with APPLY_WORKFLOW_PATH naming the caller, deliver.yml.
      const prodDeployRole = ciRoleArn(configOf("prod"), "deploy");
      const applyRef = `${configOf("prod").ci.infraRepository}/.github/workflows/apply.yml@refs/heads/main`;
      const trustsCaller = (role: SynthesizedRole): SynthesizedRole =>
        role.arn !== prodDeployRole
          ? role
          : {
              ...role,
              trust: JSON.parse(
                JSON.stringify(role.trust).split(applyRef).join(applyRef.replace("apply.yml", "deliver.yml")),
              ) as TrustStatement[],
            };
      const changed = synthesizedRoles.map(trustsCaller);
      expect(changed).not.toEqual(synthesizedRoles);
      const problems = walk(changed).problems;
      expect(problems.map((p) => /^(\w+ step \d+)/.exec(p)?.[1])).toEqual(["prod step 5", "prod step 8"]);
      problems.forEach((p) =>
        expect(p).toContain(
          `a job in GitHub environment prod (.github/workflows/apply.yml at refs/heads/main) cannot assume ${prodDeployRole}`,
        ),
      );
    });

    it("fails a rollout command that does not run on main", () => {
      const unpinned: RunbookCommand = {
        text: "gh workflow run infra.yml -f environment=prod -f stacks=app",
        via: "gh-workflow",
        environment: "prod",
        stacks: ["app"],
        planOnly: false,
      };
      const applied = new Set(CONCERNS.filter((c) => c !== "app").map((c) => `prod-${c}`));
      const checked = { assumed: [] as string[], clusterLogins: [] as string[] };
      expect(runCommand("prod", unpinned, applied, synthesizedRoles, checked).problems).toEqual([
        "a rollout runs from main only: the command must say --ref main",
      ]);
      expect(runCommand("prod", { ...unpinned, ref: "main" }, applied, synthesizedRoles, checked).problems).toEqual([]);
    });
  });
});
