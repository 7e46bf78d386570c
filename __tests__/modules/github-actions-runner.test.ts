/**
 * The in-VPC runner takes only the jobs meant for it, and its role can do nothing but run it:
 * the webhook's filter group under CodeBuild's documented matching rule, the role's policy under
 * an IAM policy evaluator (`@cloud-copilot/iam-simulate`, AGPL-3.0, a devDependency only).
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { App, TerraformStack, Testing } from "cdktf";
import { GithubActionsRunner, type RunnerJobFilter } from "../../modules/github-actions-runner";
import { resourcesOf, synthEnvironment, type TerraformJson } from "../helpers";
import { contextMeeting } from "../model/boundary-controls";

const ACCOUNT = "111111111111";
const REGION = "us-east-1";
const RUNNER_SUBNETS = ["subnet-0aaa", "subnet-0bbb"];
const OTHER_SUBNET = "subnet-0zzz";
const ec2 = (rest: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:${rest}`;
const ENV_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/env-key`;
const CONNECTION = `arn:aws:codeconnections:${REGION}:${ACCOUNT}:connection/00000000-0000-4000-8000-000000000000`;
const JOBS: RunnerJobFilter = { workflowNames: ["infra"], actorAccountIds: [1000001, 1000002] };

/** The runner alone, with literal ids, so its policy can be evaluated as IAM would read it. */
function synthRunner(): TerraformJson {
  const app = Testing.app();
  const stack = new TerraformStack(app as App, "runner");
  new GithubActionsRunner(stack, "ci-runner", {
    projectName: "marketing-agents-dev-runner",
    repository: "acme/marketing-agents-infra",
    connectionArn: CONNECTION,
    accountId: ACCOUNT,
    region: REGION,
    vpcId: "vpc-0123",
    subnetIds: RUNNER_SUBNETS,
    computeType: "BUILD_GENERAL1_SMALL",
    buildTimeoutMinutes: 180,
    permissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/marketing-agents-dev-boundary`,
    kmsKeyArn: ENV_KEY,
    logRetentionDays: 365,
    jobs: JOBS,
  });
  return JSON.parse(Testing.synth(stack)) as TerraformJson;
}

const json = synthRunner();

/** A webhook filter as CodeBuild reads it. */
interface Filter {
  readonly type: string;
  readonly pattern: string;
  readonly exclude_matched_pattern?: boolean;
}

/** What CodeBuild matches a `workflow_job` (queued) delivery against. */
interface QueuedJob {
  readonly workflowName: string;
  /** `sender.id`. */
  readonly actorId: number;
}

/**
 * The filter types CodeBuild documents a value for in a workflow_job delivery: the event, the
 * workflow's name, the sender's id. HEAD_REF is documented for push and pull-request payloads only
 * (https://docs.aws.amazon.com/codebuild/latest/userguide/github-webhook.html), so a filter on it
 * may never match a queued job and no runner would start.
 */
const WORKFLOW_JOB_FILTER_TYPES = ["EVENT", "WORKFLOW_NAME", "ACTOR_ACCOUNT_ID"];

/**
 * CodeBuild's rule (https://docs.aws.amazon.com/codebuild/latest/userguide/github-webhook.html):
 * a build starts if any filter group matches, a group matches if all its filters do; EVENT is a
 * comma-separated list of event types, the others regular expressions (excludeMatchedPattern
 * inverts one), https://docs.aws.amazon.com/codebuild/latest/APIReference/API_WebhookFilter.html.
 * A filter type the model does not know a workflow_job value for throws: it must not pass by being ignored.
 */
function startsBuild(groups: { filter: Filter[] }[], job: QueuedJob): boolean {
  const valueOf: Record<string, string> = {
    EVENT: "WORKFLOW_JOB_QUEUED",
    WORKFLOW_NAME: job.workflowName,
    ACTOR_ACCOUNT_ID: String(job.actorId),
  };
  const matches = (f: Filter) => {
    const value = valueOf[f.type];
    if (value === undefined) throw new Error(`filter type ${f.type} is not modelled`);
    const hit =
      f.type === "EVENT"
        ? f.pattern
            .split(",")
            .map((e) => e.trim())
            .includes(value)
        : new RegExp(f.pattern).test(value);
    return f.exclude_matched_pattern ? !hit : hit;
  };
  return groups.some((g) => g.filter.every(matches));
}

const filterGroups = (terraform: TerraformJson) =>
  Object.values(resourcesOf(terraform, "aws_codebuild_webhook"))[0].filter_group as { filter: Filter[] }[];

describe("the in-VPC runner's webhook", () => {
  const groups = filterGroups(json);
  const mainRun: QueuedJob = { workflowName: "infra", actorId: 1000001 };

  it("filters only on what a workflow_job delivery carries (no HEAD_REF: it would never start a runner)", () => {
    const types = groups.flatMap((g) => g.filter.map((f) => f.type));
    expect(types.filter((t) => !WORKFLOW_JOB_FILTER_TYPES.includes(t))).toEqual([]);
    expect([...new Set(types)].sort()).toEqual([...WORKFLOW_JOB_FILTER_TYPES].sort());
  });

  it.each<[string, QueuedJob, boolean]>([
    ["a job of infra started by a listed person", mainRun, true],
    ["a fork's pull request copying the workflow, by a stranger", { ...mainRun, actorId: 424242 }, false],
    ["another workflow of the repository", { ...mainRun, workflowName: "mutation" }, false],
    ["a workflow whose name only contains infra", { ...mainRun, workflowName: "infra-test" }, false],
    ["a listed id as a prefix of another id", { ...mainRun, actorId: 10000011 }, false],
  ])("%s: build %p", (_, job, expected) => {
    expect(startsBuild(groups, job)).toBe(expected);
  });

  it("is what every environment's cluster stack synthesizes, from config", () => {
    for (const env of ["dev", "prod"]) {
      const synth = synthEnvironment(env);
      const real = filterGroups(synth.json("cluster"));
      expect(startsBuild(real, { ...mainRun, actorId: synth.config.ci.runner.actorAccountIds[0] })).toBe(true);
      expect(startsBuild(real, { ...mainRun, workflowName: "mutation" })).toBe(false);
      expect(startsBuild(real, { ...mainRun, actorId: 424242 })).toBe(false);
    }
  });
});

describe("the in-VPC runner's project", () => {
  // CodeBuild checks the service role's VPC rights (ec2:DescribeSecurityGroups...) at CreateProject:
  // the role alone being created is not enough, its policy must be there first.
  it("is created after its role's policy, not only after the role", () => {
    const project = Object.values(resourcesOf(json, "aws_codebuild_project"))[0];
    const [policyId] = Object.keys(resourcesOf(json, "aws_iam_role_policy"));
    expect(project.depends_on).toEqual(expect.arrayContaining([`aws_iam_role_policy.${policyId}`]));
  });
});

describe("the in-VPC runner's role", () => {
  const policies = Object.values(resourcesOf(json, "aws_iam_role_policy")).map((p) => String(p.policy));
  const sgArn = ec2("security-group/${aws_security_group.ci-runner_security-group_73A707A1.id}");
  const logGroup = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/codebuild/marketing-agents-dev-runner`;

  /** The role's identity policies, with the log group's ARN as Terraform will know it. */
  const identityPolicies = policies.map((policy, i) => ({
    name: `runner-${i}`,
    policy: JSON.parse(
      policy
        .replace(/\$\{aws_cloudwatch_log_group\.[\w-]+\.arn\}/g, logGroup)
        .replace(/\$\{aws_security_group\.[\w-]+\.id\}/g, "sg-0runner"),
    ),
  }));

  const accountKeyPolicy = {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
    ],
  };

  async function decide(action: string, resource: string, context: Record<string, string | string[]> = {}) {
    const result = await runSimulation(
      {
        request: {
          principal: `arn:aws:sts::${ACCOUNT}:assumed-role/marketing-agents-dev-runner/AWSCodeBuild`,
          action,
          resource: { resource, accountId: ACCOUNT },
          contextVariables: { "aws:RequestedRegion": REGION, ...context },
        },
        identityPolicies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        permissionBoundaryPolicies: [],
        // KMS honours identity policies only where the key policy delegates to the account: the
        // default key policy (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
        resourcePolicy: resource.startsWith("arn:aws:kms:") ? accountKeyPolicy : undefined,
      },
      {},
    );
    if (result.resultType === "error") throw new Error(`${action} ${resource}: ${JSON.stringify(result.errors)}`);
    return result.overallResult;
  }

  const inSubnet = (subnet: string) => ({ "ec2:Subnet": ec2(`subnet/${subnet}`) });
  const eni = ec2("network-interface/eni-0123");

  it.each<[string, string, string, Record<string, string>, string]>([
    // What running the runner needs (positive controls: a deny-everything policy fails these).
    ["writes its build logs", "logs:PutLogEvents", `${logGroup}:log-stream:build-1`, {}, "Allowed"],
    // CodeBuild's documented rights on a GitHub connection: the connection and the tokens it vends.
    ["reads the GitHub connection", "codeconnections:GetConnection", CONNECTION, {}, "Allowed"],
    ["gets the GitHub connection's token", "codeconnections:GetConnectionToken", CONNECTION, {}, "Allowed"],
    ["creates an interface in its subnet", "ec2:CreateNetworkInterface", eni, inSubnet(RUNNER_SUBNETS[1]), "Allowed"],
    ["names its subnet for it", "ec2:CreateNetworkInterface", ec2(`subnet/${RUNNER_SUBNETS[0]}`), {}, "Allowed"],
    ["names its security group for it", "ec2:CreateNetworkInterface", ec2("security-group/sg-0runner"), {}, "Allowed"],
    [
      "lets CodeBuild attach it",
      "ec2:CreateNetworkInterfacePermission",
      eni,
      { ...inSubnet(RUNNER_SUBNETS[0]), "ec2:AuthorizedService": "codebuild.amazonaws.com" },
      "Allowed",
    ],
    ["deletes its interfaces", "ec2:DeleteNetworkInterface", eni, inSubnet(RUNNER_SUBNETS[0]), "Allowed"],
    ["decrypts through S3", "kms:Decrypt", ENV_KEY, { "kms:ViaService": `s3.${REGION}.amazonaws.com` }, "Allowed"],
    // Nothing else: each of these was allowed before the runner's role was scoped.
    ["no interface in another subnet", "ec2:CreateNetworkInterface", eni, inSubnet(OTHER_SUBNET), "ImplicitlyDenied"],
    ["no other subnet named", "ec2:CreateNetworkInterface", ec2(`subnet/${OTHER_SUBNET}`), {}, "ImplicitlyDenied"],
    ["no other security group", "ec2:CreateNetworkInterface", ec2("security-group/sg-0other"), {}, "ImplicitlyDenied"],
    ["no deleting others' interfaces", "ec2:DeleteNetworkInterface", eni, inSubnet(OTHER_SUBNET), "ImplicitlyDenied"],
    [
      "no attaching others' interfaces",
      "ec2:CreateNetworkInterfacePermission",
      eni,
      { ...inSubnet(OTHER_SUBNET), "ec2:AuthorizedService": "codebuild.amazonaws.com" },
      "ImplicitlyDenied",
    ],
    ["no direct decrypt with the key", "kms:Decrypt", ENV_KEY, {}, "ImplicitlyDenied"],
    [
      "no decrypt through another service",
      "kms:Decrypt",
      ENV_KEY,
      { "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com` },
      "ImplicitlyDenied",
    ],
    [
      "no other key",
      "kms:Decrypt",
      `arn:aws:kms:${REGION}:${ACCOUNT}:key/state-key`,
      { "kms:ViaService": `s3.${REGION}.amazonaws.com` },
      "ImplicitlyDenied",
    ],
    [
      "no other log group",
      "logs:PutLogEvents",
      `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/eks/cluster:log-stream:x`,
      {},
      "ImplicitlyDenied",
    ],
    ["no instances", "ec2:RunInstances", ec2("instance/i-0123"), {}, "ImplicitlyDenied"],
    [
      "no other connection",
      "codeconnections:GetConnectionToken",
      CONNECTION.replace("00000000-0000-4000-8000-000000000000", "11111111-1111-4111-8111-111111111111"),
      {},
      "ImplicitlyDenied",
    ],
    [
      "no UseConnection, which CodeBuild does not document",
      "codeconnections:UseConnection",
      CONNECTION,
      {},
      "ImplicitlyDenied",
    ],
    [
      "no secrets",
      "secretsmanager:GetSecretValue",
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:x-abcdef`,
      {},
      "ImplicitlyDenied",
    ],
  ])("%s", async (_, action, resource, context, expected) => {
    expect(await decide(action, resource, context)).toBe(expected);
  });

  // An action IAM never matches to its statement's resources grants nothing and misleads a reader:
  // `codestar-connections:*` on the connection's `codeconnections` ARN did
  // (https://docs.aws.amazon.com/dtconsole/latest/userguide/rename.html: the prefixes must match).
  it("names no action that grants nothing: each is allowed on its statement's resource, its conditions met", async () => {
    type Statement = { Sid: string; Action: string | string[]; Resource: string | string[]; Condition?: object };
    const statements = identityPolicies.flatMap((p) => p.policy.Statement as Statement[]);
    /** The decision on the first resource the evaluator accepts: an instance of the pattern, the pattern, `*`. */
    async function decideOnStatement(action: string, statement: Statement): Promise<string> {
      const [pattern] = [statement.Resource].flat();
      const context = contextMeeting(statement.Condition as Parameters<typeof contextMeeting>[0]);
      let refused = "";
      for (const resource of [pattern.replace(/\*/g, "x"), pattern, "*"]) {
        const decision = await decide(action, resource, context as Record<string, string>).catch(
          (error: Error) => ((refused = error.message), undefined),
        );
        if (decision !== undefined) return `${decision} on ${resource}`;
      }
      return refused;
    }
    const dead: string[] = [];
    for (const statement of statements) {
      for (const action of [statement.Action].flat()) {
        const decision = await decideOnStatement(action, statement);
        if (!decision.startsWith("Allowed")) dead.push(`${statement.Sid}: ${action}: ${decision}`);
      }
    }
    expect(statements.length).toBeGreaterThan(5);
    expect(dead).toEqual([]);
  });

  it("names each of its subnets and its own security group, with no ENI right on *", () => {
    const statements = identityPolicies.flatMap((p) => p.policy.Statement as { Action: string[]; Resource: unknown }[]);
    const onStar = statements.filter((s) => [s.Resource].flat().includes("*")).flatMap((s) => [s.Action].flat());
    expect(onStar.every((a) => /^ec2:Describe/.test(a))).toBe(true);
    expect(JSON.stringify(statements)).toContain(
      sgArn.replace("${aws_security_group.ci-runner_security-group_73A707A1.id}", "sg-0runner"),
    );
  });
});
