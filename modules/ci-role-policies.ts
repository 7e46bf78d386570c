/**
 * What each GitHub Actions role may do, as IAM statements. Plain functions of names and ARNs, so
 * the bootstrap stack composes them and tests read them without synthesizing.
 */
import type { PolicyStatement } from "./iam-policy";

/** IAM write actions, as prefixes: what the deploy role must never do to the CI identities. */
export const IAM_WRITE_ACTIONS = [
  "iam:Add*",
  "iam:Attach*",
  "iam:Create*",
  "iam:Delete*",
  "iam:Detach*",
  "iam:PassRole",
  "iam:Put*",
  "iam:Remove*",
  "iam:Set*",
  "iam:Tag*",
  "iam:Untag*",
  "iam:Update*",
  "iam:Upload*",
];

/**
 * Services the deploy role may hand this environment's roles to: EKS (cluster and node roles),
 * EKS Pod Identity, CodeBuild (the runner), RDS enhanced monitoring, VPC flow logs and AWS Backup.
 */
export const PASSED_TO_SERVICES = [
  "eks.amazonaws.com",
  "pods.eks.amazonaws.com",
  "ec2.amazonaws.com",
  "codebuild.amazonaws.com",
  "rds.amazonaws.com",
  "monitoring.rds.amazonaws.com",
  "vpc-flow-logs.amazonaws.com",
  "backup.amazonaws.com",
];

/** The names the deploy role's IAM rights are scoped to. */
export interface DeployIamScope {
  readonly accountId: string;
  /** Prefix of every IAM name of the environment (`marketing-agents-<env>`). */
  readonly namePrefix: string;
  /** ARN of the permissions boundary every role it creates must carry. */
  readonly boundaryArn: string;
  /** ARNs of the CI identities (its own role included): never written by it. */
  readonly protectedRoleArns: string[];
}

/**
 * IAM for terraform apply (the rest comes from PowerUserAccess): roles and policies of this
 * environment's names only; a role is created, or given permissions, only with the boundary on;
 * roles are passed only to the services that run them; the CI identities and the boundary itself
 * are out of reach, so the role cannot grant itself more.
 */
export function deployIamStatements(scope: DeployIamScope): PolicyStatement[] {
  const arn = (kind: string, name: string) => `arn:aws:iam::${scope.accountId}:${kind}/${name}`;
  const ownRoles = arn("role", `${scope.namePrefix}-*`);
  return [
    {
      Sid: "CreateAndGrantOnlyWithTheBoundary",
      Effect: "Allow",
      Action: [
        "iam:CreateRole",
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PutRolePermissionsBoundary",
      ],
      Resource: ownRoles,
      Condition: { StringEquals: { "iam:PermissionsBoundary": scope.boundaryArn } },
    },
    {
      Sid: "MaintainThisEnvironmentsRoles",
      Effect: "Allow",
      Action: [
        "iam:DeleteRole",
        "iam:UpdateRole",
        "iam:UpdateRoleDescription",
        "iam:UpdateAssumeRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
      ],
      Resource: ownRoles,
    },
    {
      Sid: "ManageThisEnvironmentsPolicies",
      Effect: "Allow",
      Action: [
        "iam:CreatePolicy",
        "iam:DeletePolicy",
        "iam:TagPolicy",
        "iam:UntagPolicy",
        "iam:CreatePolicyVersion",
        "iam:DeletePolicyVersion",
      ],
      Resource: arn("policy", `${scope.namePrefix}-*`),
    },
    {
      Sid: "ManageInstanceProfiles",
      Effect: "Allow",
      Action: [
        "iam:CreateInstanceProfile",
        "iam:DeleteInstanceProfile",
        "iam:TagInstanceProfile",
        "iam:AddRoleToInstanceProfile",
        "iam:RemoveRoleFromInstanceProfile",
      ],
      Resource: arn("instance-profile", "*"),
    },
    {
      Sid: "PassThisEnvironmentsRolesToTheirServices",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: ownRoles,
      Condition: { StringEquals: { "iam:PassedToService": PASSED_TO_SERVICES } },
    },
    { Sid: "ReadIam", Effect: "Allow", Action: ["iam:Get*", "iam:List*"], Resource: "*" },
    { Sid: "ServiceLinkedRoles", Effect: "Allow", Action: "iam:CreateServiceLinkedRole", Resource: "*" },
    {
      Sid: "NeverTouchTheCiIdentitiesOrTheBoundary",
      Effect: "Deny",
      Action: IAM_WRITE_ACTIONS,
      Resource: [
        ...scope.protectedRoleArns,
        scope.boundaryArn,
        arn("oidc-provider", "token.actions.githubusercontent.com"),
      ],
    },
    { Sid: "NeverRemoveABoundary", Effect: "Deny", Action: "iam:DeleteRolePermissionsBoundary", Resource: "*" },
  ];
}

/** Where a plan role reads the state from. */
export interface StateAccess {
  readonly accountId: string;
  readonly region: string;
  /** Aliases of the KMS keys it may decrypt with (the state key; the environment key for full plans). */
  readonly keyAliases: string[];
}

/** Decrypting with the named keys only, found by alias (they are made in other stacks). */
export function decryptWithAliases(access: StateAccess): PolicyStatement {
  return {
    Sid: "DecryptWithNamedKeys",
    Effect: "Allow",
    Action: ["kms:Decrypt"],
    Resource: `arn:aws:kms:${access.region}:${access.accountId}:key/*`,
    Condition: { "ForAnyValue:StringEquals": { "kms:ResourceAliases": access.keyAliases } },
  };
}

/**
 * The full plan (protected environment, main only): on top of ReadOnlyAccess, decrypting the
 * state and the environment's data, and reading this environment's secrets (refreshing a secret
 * version reads its value).
 */
export function fullPlanStatements(access: StateAccess, secretsArnPattern: string): PolicyStatement[] {
  return [
    decryptWithAliases(access),
    {
      Sid: "ReadThisEnvironmentsSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: secretsArnPattern,
    },
  ];
}

/** What a pull-request plan must never read. */
export interface PullRequestLimits extends StateAccess {
  /** State objects holding secret values (`arn:aws:s3:::<bucket>/<key>`). */
  readonly secretStateObjectArns: string[];
  /** Objects of the environment's data buckets (`arn:aws:s3:::<prefix>-*\/*`). */
  readonly dataObjectArns: string[];
}

/**
 * A pull request's plan: on top of ReadOnlyAccess, decrypting the state key only, and explicit
 * denials (which beat any allow, ReadOnlyAccess's included) of every way to a secret value:
 * Secrets Manager values, SSM parameters, the state of stacks that hold secrets, the data buckets
 * and log events (CI logs).
 */
export function pullRequestPlanStatements(limits: PullRequestLimits): PolicyStatement[] {
  return [
    decryptWithAliases(limits),
    {
      Sid: "NoSecretValues",
      Effect: "Deny",
      Action: ["secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
      Resource: "*",
    },
    {
      Sid: "NoStateThatHoldsSecrets",
      Effect: "Deny",
      Action: ["s3:GetObject", "s3:GetObjectVersion"],
      Resource: [...limits.secretStateObjectArns, ...limits.dataObjectArns],
    },
    {
      Sid: "NoLogEvents",
      Effect: "Deny",
      Action: ["logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults"],
      Resource: "*",
    },
  ];
}

/** Stepping into the given roles of other accounts (their trust decides the rest); none: nothing. */
export function assumeRolesStatements(roleArns: string[]): PolicyStatement[] {
  if (roleArns.length === 0) return [];
  return [{ Sid: "AssumeTheseRoles", Effect: "Allow", Action: "sts:AssumeRole", Resource: roleArns }];
}

/** Pushing the app image to one repository, and nothing else. */
export function imagePushStatements(repositoryArn: string, access: StateAccess): PolicyStatement[] {
  return [
    { Sid: "Login", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
    {
      Sid: "PushToThisRepository",
      Effect: "Allow",
      Action: [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:CompleteLayerUpload",
        "ecr:DescribeImages",
        "ecr:GetDownloadUrlForLayer",
        "ecr:InitiateLayerUpload",
        "ecr:PutImage",
        "ecr:UploadLayerPart",
      ],
      Resource: repositoryArn,
    },
    {
      Sid: "EncryptLayersWithTheEnvironmentKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: `arn:aws:kms:${access.region}:${access.accountId}:key/*`,
      Condition: { "ForAnyValue:StringEquals": { "kms:ResourceAliases": access.keyAliases } },
    },
  ];
}
