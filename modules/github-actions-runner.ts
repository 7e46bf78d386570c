import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CodebuildProject } from "@cdktf/provider-aws/lib/codebuild-project";
import { CodebuildWebhook } from "@cdktf/provider-aws/lib/codebuild-webhook";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Construct } from "constructs";
import { policyDocument, type PolicyStatement } from "./iam-policy";
import { RoleGrant } from "./role-policies";

/** CodeBuild's image for Linux runners (Node, Python, Docker CLI, AWS CLI). */
export const RUNNER_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0";

/** Settings of a CodeBuild-hosted GitHub Actions runner. */
export interface GithubActionsRunnerProps {
  /** CodeBuild project name: workflows ask for `codebuild-<name>-<run id>-<attempt>`. */
  readonly projectName: string;
  /** GitHub repository (`owner/name`) whose workflow jobs the runner takes. */
  readonly repository: string;
  /** AWS CodeConnections connection to GitHub (created and approved by a person, once per account). */
  readonly connectionArn: string;
  /** Account and region of the project (for its ARN in the role's trust policy). */
  readonly accountId: string;
  readonly region: string;
  /** VPC and private subnets the runner works in (egress through the NAT gateways). */
  readonly vpcId: string;
  readonly subnetIds: string[];
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

/**
 * An AWS CodeBuild project that runs GitHub Actions jobs inside the VPC: a job with
 * `runs-on: codebuild-<project>-${{ github.run_id }}-${{ github.run_attempt }}` is queued, the
 * webhook (WORKFLOW_JOB_QUEUED only) starts a build, and the build registers itself as that
 * job's ephemeral runner. From the private subnets it reaches a private EKS endpoint.
 *
 * Its own role may only write its logs and manage its network interfaces: jobs assume the plan
 * or deploy role through GitHub OIDC as on any runner, so what a job may do is still decided by
 * the role's trust (pull request, branch or reviewed environment), not by which runner it got.
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
    new RoleGrant(this, "permissions", {
      roleName: role.name,
      policyName: props.projectName,
      statements: runnerStatements(props, logs.arn),
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
    });
    new CodebuildWebhook(this, "webhook", {
      projectName: project.name,
      buildType: "BUILD",
      filterGroup: [{ filter: [{ type: "EVENT", pattern: "WORKFLOW_JOB_QUEUED" }] }],
    });
    this.securityGroupId = group.id;
    this.projectName = project.name;
  }
}

/** What CodeBuild needs to run the project in the VPC, write its logs and use the GitHub connection. */
function runnerStatements(props: GithubActionsRunnerProps, logGroupArn: string): PolicyStatement[] {
  const { region, accountId } = props;
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
        "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface",
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
      ],
      Resource: "*",
    },
    {
      Sid: "AttachInterfacesForCodeBuildOnly",
      Effect: "Allow",
      Action: "ec2:CreateNetworkInterfacePermission",
      Resource: `arn:aws:ec2:${region}:${accountId}:network-interface/*`,
      Condition: { StringEquals: { "ec2:AuthorizedService": "codebuild.amazonaws.com" } },
    },
    {
      Sid: "UseTheGithubConnection",
      Effect: "Allow",
      Action: [
        "codeconnections:GetConnection",
        "codeconnections:GetConnectionToken",
        "codeconnections:UseConnection",
        "codestar-connections:GetConnection",
        "codestar-connections:GetConnectionToken",
        "codestar-connections:UseConnection",
      ],
      Resource: props.connectionArn,
    },
    {
      Sid: "UseTheEnvironmentKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: props.kmsKeyArn,
    },
  ];
}
