import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CodebuildProject } from "@cdktf/provider-aws/lib/codebuild-project";
import { CodebuildWebhook, type CodebuildWebhookFilterGroupFilter } from "@cdktf/provider-aws/lib/codebuild-webhook";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Construct } from "constructs";
import { policyDocument, type PolicyStatement } from "./iam-policy";
import { RoleGrant } from "./role-policies";

/** CodeBuild's image for Linux runners (Node, Python, Docker CLI, AWS CLI). */
export const RUNNER_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0";

/**
 * What CodeBuild's role needs on the GitHub connection to run the runner: the connection and the
 * GitHub tokens it vends (https://docs.aws.amazon.com/codebuild/latest/userguide/connections-github-app.html,
 * "Grant CodeBuild project IAM role access to use the connection"). Under the `codeconnections`
 * prefix, the one of the connection's ARN (config accepts no other): IAM matches an action only to a
 * resource of its own prefix, so `codestar-connections:*` on a codeconnections ARN grants nothing
 * (https://docs.aws.amazon.com/dtconsole/latest/userguide/rename.html).
 */
export const RUNNER_CONNECTION_ACTIONS: readonly string[] = [
  "codeconnections:GetConnection",
  "codeconnections:GetConnectionToken",
];

/** Settings of a CodeBuild-hosted GitHub Actions runner. */
export interface GithubActionsRunnerProps {
  /** CodeBuild project name: workflows ask for `codebuild-<name>-<run id>-<attempt>`. */
  readonly projectName: string;
  /** GitHub repository (`owner/name`) whose workflow jobs the runner takes. */
  readonly repository: string;
  /** AWS CodeConnections connection to GitHub, `arn:aws:codeconnections:...` (created and approved by a person, once per account). */
  readonly connectionArn: string;
  /** Account and region of the project (for its ARN in the role's trust policy). */
  readonly accountId: string;
  readonly region: string;
  /** VPC and private subnets the runner works in (egress through the NAT gateways). */
  readonly vpcId: string;
  /** One string per subnet (not a Terraform list token): the role's ENI rights name each one. */
  readonly subnetIds: string[];
  /**
   * Which queued jobs may start a build (CodeBuild webhook filters, every one must match). A job of
   * another workflow or started by another person never gets this runner; which branch a job runs
   * on is decided by GitHub (the environments' deployment branches, the jobs' `if`) and the CI
   * roles' trusts, not by the webhook (see `runnerFilterGroup`).
   */
  readonly jobs: RunnerJobFilter;
  /** CodeBuild compute type, e.g. BUILD_GENERAL1_SMALL. */
  readonly computeType: string;
  /** A job is stopped after this many minutes: longer than the longest apply. */
  readonly buildTimeoutMinutes: number;
  /** Permissions boundary of the role (the environment's: the deploy role creates only bounded roles). */
  readonly permissionsBoundaryArn: string;
  /** KMS key of the build logs and of anything CodeBuild stores. */
  readonly kmsKeyArn: string;
  /** Retention of the build logs (days). */
  readonly logRetentionDays: number;
}

/** The queued jobs a runner takes (CodeBuild webhook filters on the `workflow_job` event). */
export interface RunnerJobFilter {
  /** Names (`name:`) of the workflows whose runs may use the runner (WORKFLOW_NAME). */
  readonly workflowNames: readonly string[];
  /** GitHub account ids (never logins, which can be renamed) whose runs may use it (ACTOR_ACCOUNT_ID). */
  readonly actorAccountIds: readonly number[];
}

/**
 * An AWS CodeBuild project that runs GitHub Actions jobs inside the VPC: a job with
 * `runs-on: codebuild-<project>-${{ github.run_id }}-${{ github.run_attempt }}` is queued, the
 * webhook (WORKFLOW_JOB_QUEUED only) starts a build, and the build registers itself as that
 * job's ephemeral runner. From the private subnets it reaches a private EKS endpoint.
 *
 * Its own role may only write its logs, use the GitHub connection and manage network interfaces in
 * its own subnets: jobs assume the plan or deploy role through GitHub OIDC as on any runner, so
 * what a job may do is still decided by the role's trust (pull request, branch or reviewed
 * environment), not by which runner it got. Which jobs get the runner at all (and so a place
 * inside the VPC) is decided by the webhook's filter group: `runnerFilterGroup`.
 */
export class GithubActionsRunner extends Construct {
  /** Security group of the runner's network interfaces (admit it where jobs must reach). */
  readonly securityGroupId: string;
  /** Name of the CodeBuild project. */
  readonly projectName: string;

  constructor(scope: Construct, id: string, props: GithubActionsRunnerProps) {
    super(scope, id);
    const group = new SecurityGroup(this, "security-group", {
      name: props.projectName,
      description: `GitHub Actions runner ${props.projectName}: HTTPS out only`,
      vpcId: props.vpcId,
      ingress: [],
      egress: [
        {
          description: "HTTPS to GitHub, AWS APIs, registries and the cluster API",
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrBlocks: ["0.0.0.0/0"],
        },
      ],
    });
    const logs = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/codebuild/${props.projectName}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    const projectArn = `arn:aws:codebuild:${props.region}:${props.accountId}:project/${props.projectName}`;
    const role = new IamRole(this, "role", {
      name: props.projectName,
      description: `CodeBuild runner ${props.projectName}: logs and VPC interfaces only`,
      permissionsBoundary: props.permissionsBoundaryArn,
      assumeRolePolicy: policyDocument([
        {
          Effect: "Allow",
          Principal: { Service: "codebuild.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": props.accountId },
            ArnLike: { "aws:SourceArn": projectArn },
          },
        },
      ]),
    });
    const permissions = new RoleGrant(this, "permissions", {
      roleName: role.name,
      policyName: props.projectName,
      statements: runnerStatements(props, logs.arn, group.id),
    });

    const project = new CodebuildProject(this, "project", {
      name: props.projectName,
      description: `GitHub Actions runner for ${props.repository}, inside the VPC`,
      serviceRole: role.arn,
      buildTimeout: props.buildTimeoutMinutes,
      encryptionKey: props.kmsKeyArn,
      artifacts: { type: "NO_ARTIFACTS" },
      environment: {
        computeType: props.computeType,
        image: RUNNER_IMAGE,
        type: "LINUX_CONTAINER",
        imagePullCredentialsType: "CODEBUILD",
        privilegedMode: false,
      },
      source: {
        type: "GITHUB",
        location: `https://github.com/${props.repository}.git`,
        auth: { type: "CODECONNECTIONS", resource: props.connectionArn },
      },
      vpcConfig: { vpcId: props.vpcId, subnets: props.subnetIds, securityGroupIds: [group.id] },
      logsConfig: {
        cloudwatchLogs: { status: "ENABLED", groupName: logs.name },
        s3Logs: { status: "DISABLED" },
      },
      // CodeBuild checks the service role's VPC rights when the project is created: with only the
      // role (serviceRole) to wait for, Terraform may create the project before the role's policy
      // and CreateProject fails ("not authorized to perform: ec2:DescribeSecurityGroups").
      dependsOn: permissions.resources,
    });
    new CodebuildWebhook(this, "webhook", {
      projectName: project.name,
      buildType: "BUILD",
      filterGroup: [{ filter: runnerFilterGroup(props.jobs) }],
    });
    this.securityGroupId = group.id;
    this.projectName = project.name;
  }
}

/**
 * The webhook's one filter group: a build starts only when every filter matches
 * (https://docs.aws.amazon.com/codebuild/latest/userguide/github-webhook.html: "A build is
 * triggered if any filter group evaluates to true, which occurs when all the filters in the group
 * evaluate to true"; types in https://docs.aws.amazon.com/codebuild/latest/APIReference/API_WebhookFilter.html).
 * WORKFLOW_NAME and ACTOR_ACCOUNT_ID are regular expressions, anchored here so an `infra-test`
 * workflow or a longer id cannot match. The workflow name is chosen by whoever writes the workflow,
 * so a fork's pull request could copy it; the actor's account id (the payload's `sender.id`)
 * cannot be chosen, and is the filter that keeps strangers out.
 * No HEAD_REF filter: CodeBuild documents where it reads HEAD_REF for push and pull-request
 * payloads only, not for workflow_job (WORKFLOW_JOB_QUEUED), so such a filter might never match
 * and no runner would ever start. The branch is pinned elsewhere: the GitHub environments deploy
 * from main only, the jobs that ask for this runner run on main, and the CI roles trust main's
 * called workflows only.
 */
export function runnerFilterGroup(jobs: RunnerJobFilter): CodebuildWebhookFilterGroupFilter[] {
  if (jobs.workflowNames.length === 0 || jobs.actorAccountIds.length === 0) {
    throw new Error("a runner needs at least one workflow and actor: an empty filter would admit every job");
  }
  const anyOf = (values: readonly (string | number)[]) => values.map((v) => escapeRegExp(String(v))).join("|");
  return [
    { type: "EVENT", pattern: "WORKFLOW_JOB_QUEUED" },
    { type: "WORKFLOW_NAME", pattern: `^(${anyOf(jobs.workflowNames)})$` },
    { type: "ACTOR_ACCOUNT_ID", pattern: `^(${anyOf(jobs.actorAccountIds)})$` },
  ];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * What CodeBuild needs to run the project in the VPC, write its logs and use the GitHub
 * connection, and nothing on `*` but the EC2 Describe calls (which take no resource):
 * - ENIs only in the runner's own subnets with its own security group. CodeBuild's VPC policy
 *   (https://docs.aws.amazon.com/codebuild/latest/userguide/auth-and-access-control-iam-identity-based-access-control.html#customer-managed-policies-example-create-vpc-network-interface)
 *   scopes CreateNetworkInterfacePermission by `ec2:Subnet` and `ec2:AuthorizedService`; the EC2
 *   authorization reference (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html)
 *   authorizes CreateNetworkInterface on the network interface (condition key `ec2:Subnet`), the
 *   subnet and the security group, and DeleteNetworkInterface on the network interface.
 * - The environment key only through S3 (`kms:ViaService`,
 *   https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service):
 *   CodeBuild encrypts what it stores in S3 with the project's key; the logs are encrypted by
 *   CloudWatch Logs under the key's own policy, not with this role's rights.
 */
function runnerStatements(
  props: GithubActionsRunnerProps,
  logGroupArn: string,
  securityGroupId: string,
): PolicyStatement[] {
  const { region, accountId } = props;
  const ec2Arn = (rest: string) => `arn:aws:ec2:${region}:${accountId}:${rest}`;
  const subnetArns = props.subnetIds.map((id) => ec2Arn(`subnet/${id}`));
  const inRunnerSubnets = { "ec2:Subnet": subnetArns };
  return [
    {
      Sid: "WriteBuildLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${logGroupArn}:*`,
    },
    {
      Sid: "DescribeTheNetwork",
      Effect: "Allow",
      Action: [
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
      ],
      Resource: "*",
    },
    {
      Sid: "InterfacesInTheRunnerSubnetsOnly",
      Effect: "Allow",
      Action: ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"],
      Resource: ec2Arn("network-interface/*"),
      Condition: { StringEquals: inRunnerSubnets },
    },
    {
      Sid: "TheRunnerSubnetsAndGroup",
      Effect: "Allow",
      Action: "ec2:CreateNetworkInterface",
      Resource: [...subnetArns, ec2Arn(`security-group/${securityGroupId}`)],
    },
    {
      Sid: "AttachInterfacesForCodeBuildOnly",
      Effect: "Allow",
      Action: "ec2:CreateNetworkInterfacePermission",
      Resource: ec2Arn("network-interface/*"),
      Condition: { StringEquals: { ...inRunnerSubnets, "ec2:AuthorizedService": "codebuild.amazonaws.com" } },
    },
    {
      Sid: "UseTheGithubConnection",
      Effect: "Allow",
      Action: [...RUNNER_CONNECTION_ACTIONS],
      Resource: props.connectionArn,
    },
    {
      Sid: "UseTheEnvironmentKeyThroughS3",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: props.kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
    },
  ];
}
