/**
 * What no role under a permissions boundary can do, whatever policy it is given: the requests
 * permissions-boundary.test.ts asks the evaluator for a session of each boundary with every action
 * allowed on every resource (what AdministratorAccess would give: the deploy role may attach any
 * policy to a role it creates), the target's resource policy weighed too. Each must be denied.
 */
import {
  clusterName,
  containerLogGroupName,
  imageRepositoryName,
  resourcePrefix,
  secretNames,
  stateBucketName,
  stateKey,
  stateTrailName,
  type EnvironmentConfig,
} from "../../config";

/** What a row needs to name an environment's resources. */
export interface LimitContext {
  readonly config: EnvironmentConfig;
  /** Another environment (another account), for requests that cross environments. */
  readonly other: EnvironmentConfig;
  /** ARN of the boundary the session carries. */
  readonly boundaryArn: string;
  /** The ARN of a resource a stack creates, by type and construct path (iam-evaluator's arnOf). */
  readonly arnOf: (type: string, path: string) => string;
}

/** One request no bounded role may make. */
export interface LimitRow {
  readonly action: string;
  /** The target, in words. */
  readonly target: string;
  readonly resource: (c: LimitContext) => string;
  readonly context?: (c: LimitContext) => Record<string, string | string[]>;
  /** Why it must be denied. */
  readonly why: string;
  /** Only in environments where this holds. @default every environment */
  readonly when?: (config: EnvironmentConfig) => boolean;
}

const account = (c: LimitContext) => c.config.account.id;
const regional = (c: LimitContext, service: string, rest: string) =>
  `arn:aws:${service}:${c.config.account.region}:${account(c)}:${rest}`;
const environmentRole = (name: string) => (c: LimitContext) =>
  `arn:aws:iam::${account(c)}:role/${resourcePrefix(c.config)}-${name}`;
const environmentKey = (c: LimitContext) => c.arnOf("aws_kms_key", `${c.config.name}-network/environment-key/key`);
const stateKeyArn = (c: LimitContext) => c.arnOf("aws_kms_key", `${c.config.name}-bootstrap/state-key/key`);
const stateBucket = (c: LimitContext) => `arn:aws:s3:::${stateBucketName(c.config)}`;

export const BOUNDARY_LIMITS: readonly LimitRow[] = [
  // IAM: a bounded role never makes or widens a role, and never hands one to a service.
  {
    action: "iam:CreateRole",
    target: "a role of the environment, with the boundary",
    resource: environmentRole("made-by-a-pod"),
    context: (c) => ({ "iam:PermissionsBoundary": c.boundaryArn }),
    why: "only the deploy role creates roles",
  },
  {
    action: "iam:PassRole",
    target: "a role of the environment, to EC2",
    resource: environmentRole("app"),
    context: () => ({ "iam:PassedToService": "ec2.amazonaws.com" }),
    why: "a passed role would run with its own rights",
  },
  {
    action: "iam:PutRolePolicy",
    target: "the app's role",
    resource: environmentRole("app"),
    why: "no role grants another more",
  },
  {
    action: "iam:AttachRolePolicy",
    target: "a role of the environment, AdministratorAccess",
    resource: environmentRole("app"),
    context: () => ({ "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" }),
    why: "no role grants another more",
  },
  {
    action: "iam:UpdateAssumeRolePolicy",
    target: "the app's role",
    resource: environmentRole("app"),
    why: "no role changes who may assume another",
  },
  {
    action: "iam:CreatePolicyVersion",
    target: "its own boundary",
    resource: (c) => c.boundaryArn,
    why: "nor widens the boundary",
  },
  {
    action: "iam:CreateServiceLinkedRole",
    target: "a service-linked role of a service the managed policies do not name (ECS)",
    resource: (c) => `arn:aws:iam::${account(c)}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
    context: () => ({ "iam:AWSServiceName": "ecs.amazonaws.com" }),
    why: "service-linked roles only for what AWS's policies ask (load balancers)",
  },
  {
    action: "iam:CreateAccessKey",
    target: "a user of the account",
    resource: (c) => `arn:aws:iam::${account(c)}:user/someone`,
    why: "no long-lived keys",
  },
  // The organization and the account.
  {
    action: "organizations:LeaveOrganization",
    target: "the organization",
    resource: () => "*",
    why: "the organization's guardrails hold only inside it",
  },
  {
    action: "organizations:DescribeOrganization",
    target: "the organization",
    resource: () => "*",
    why: "nothing of Organizations, not even reads",
  },
  {
    action: "account:CloseAccount",
    target: "the account",
    resource: () => "*",
    why: "nothing of the account's settings",
  },
  // The state storage, the keys and the trail.
  {
    action: "s3:DeleteBucketPolicy",
    target: "the state bucket",
    resource: stateBucket,
    why: "the state bucket's policy is the people's",
  },
  {
    action: "s3:GetObject",
    target: "state of the data stack",
    resource: (c) => `${stateBucket(c)}/${stateKey(c.config, "data")}`,
    why: "the state holds secret values",
  },
  {
    action: "s3:PutBucketPolicy",
    target: "the environment's artifacts bucket",
    resource: (c) => `arn:aws:s3:::${resourcePrefix(c.config)}-artifacts`,
    why: "objects, not bucket settings",
  },
  {
    action: "kms:ScheduleKeyDeletion",
    target: "the environment key",
    resource: environmentKey,
    why: "a deleted key loses the database, secrets, images and backups",
  },
  {
    action: "kms:PutKeyPolicy",
    target: "the environment key",
    resource: environmentKey,
    why: "key administration is the people's",
  },
  {
    action: "kms:Decrypt",
    target: "the state key",
    resource: stateKeyArn,
    why: "no role CI creates reads state",
  },
  {
    action: "kms:CreateGrant",
    target: "the state key",
    resource: stateKeyArn,
    why: "a grant lets anyone decrypt the state",
  },
  {
    action: "cloudtrail:StopLogging",
    target: "the state-access trail",
    resource: (c) => regional(c, "cloudtrail", `trail/${stateTrailName(c.config)}`),
    why: "the trail records who read the state",
    when: (config) => config.state.dataEventTrail,
  },
  // Other environments and other accounts.
  {
    action: "secretsmanager:GetSecretValue",
    target: "another environment's API keys secret (its account trusting ours)",
    resource: (c) =>
      `arn:aws:secretsmanager:${c.other.account.region}:${c.other.account.id}:secret:${secretNames(c.other).apiKeys}-AbCdEf`,
    why: "the environment's secrets only",
  },
  {
    action: "secretsmanager:GetSecretValue",
    target: "a secret of the account outside the environment's path",
    resource: (c) => regional(c, "secretsmanager", "secret:someone-else/token-AbCdEf"),
    why: "the environment's secrets only",
  },
  {
    action: "sts:AssumeRole",
    target: "a role of another account (trusting ours)",
    resource: () => "arn:aws:iam::999999999999:role/anything",
    why: "no role outside the environment",
  },
  {
    action: "logs:GetLogEvents",
    target: "a stream of the containers' log group",
    resource: (c) => regional(c, "logs", `log-group:${containerLogGroupName(c.config)}:log-stream:app`),
    why: "logs can hold request data",
  },
  {
    action: "ecr:PutImage",
    target: "the environment's image repository",
    resource: (c) => regional(c, "ecr", `repository/${imageRepositoryName(c.config)}`),
    why: "only the image workflow pushes images",
  },
  {
    action: "eks:CreateAccessEntry",
    target: "the environment's cluster",
    resource: (c) => regional(c, "eks", `cluster/${clusterName(c.config)}`),
    why: "no role lets itself into the cluster",
  },
  // What AWS's backup policies would give, withheld.
  {
    action: "ssm:SendCommand",
    target: "a node",
    resource: (c) => regional(c, "ec2", "instance/i-0node"),
    why: "Run Command is a shell on the nodes (AWS Backup's VSS part, withheld)",
  },
  {
    action: "ec2:RunInstances",
    target: "an instance",
    resource: (c) => regional(c, "ec2", "instance/*"),
    why: "no instance outside the node groups (AWS Backup's EC2 restores, withheld)",
  },
];
