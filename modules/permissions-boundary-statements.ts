/**
 * The permissions boundaries of the roles CI creates, as explicit allow-lists: the union of what the
 * roles under a boundary are given, and nothing else. Plain functions of names, so the bootstrap
 * stack composes them and tests evaluate them without synthesizing.
 *
 * A boundary caps whatever a role's own policies grant
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html): the deploy role
 * can create roles and attach any policy to them, AdministratorAccess included, but only with a
 * boundary on, so the boundary is what such a role can do at most. Two families, two boundaries:
 * - the workload boundary: the roles whose policies this project writes (Pod Identity roles of the
 *   add-ons and the app, the in-VPC runner, the operator access host, the zone delegation roles),
 *   and the two add-on roles that carry an AWS managed policy (vpc-cni, EBS CSI);
 * - the service-role boundary: the roles AWS services run with, which carry AWS managed policies
 *   (the EKS cluster and its nodes, VPC flow logs, RDS enhanced monitoring, AWS Backup). Their
 *   actions alone would fill most of the 6,144 characters a managed policy may hold
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html), and a pod has no
 *   business with load balancers or snapshots.
 *
 * Where a role's policy names one environment's resources, the boundary does too (secrets, S3
 * objects, roles it assumes, the log groups RDS creates): so a role under the workload boundary
 * cannot read another environment's secret, the Terraform state or the containers' logs, whatever
 * policy it is given. What no family is given (IAM writes, passing roles, Organizations, the
 * account, key administration, CloudTrail) no role under either boundary can do.
 */
import { AWS_MANAGED_POLICIES, type AwsManagedPolicy, type AwsManagedPolicyName } from "./aws-managed-policies";
import { EKS_MODULE_ROLE_POLICIES } from "./eks-module";
import { RUNNER_CONNECTION_ACTIONS } from "./github-actions-runner";
import type { PolicyStatement } from "./iam-policy";
import { AGENT_ACTIONS } from "./operator-access-host";
import { RDS_MONITORING_ROLE_POLICY } from "./rds-module";
import { VPC_FLOW_LOG_ROLE_ACTIONS } from "./vpc-module";

/** One kind of role under a boundary: what its policies grant. */
export interface BoundedRoleFamily {
  /** Which roles, in words. */
  readonly roles: string;
  /** Actions of the policies this project (or a registry module) writes for them. @default [] */
  readonly actions?: readonly string[];
  /** AWS managed policies they carry (of which the boundary lets `MANAGED_POLICY_PARTS` through). @default [] */
  readonly awsManaged?: readonly AwsManagedPolicyName[];
}

/**
 * The Pod Identity roles of the platform add-ons and the app: what their policies grant (modules/
 * role-policies.ts, the cluster stack's autoscaler policy, the data stack's grants), and the AWS
 * managed policies of the vpc-cni and EBS CSI add-ons.
 */
export const POD_ROLES: BoundedRoleFamily = {
  roles: "Pod Identity roles of the add-ons and the app",
  actions: [
    // Cluster autoscaler (its documented minimum, on its own node groups' tag for the writes).
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeScalingActivities",
    "autoscaling:DescribeTags",
    "autoscaling:SetDesiredCapacity",
    "autoscaling:TerminateInstanceInAutoScalingGroup",
    "ec2:DescribeImages",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetInstanceTypesFromInstanceRequirements",
    "eks:DescribeNodegroup",
    // Grafana reads CloudWatch metrics; Alertmanager publishes to the encrypted alert topic.
    "cloudwatch:DescribeAlarms",
    "cloudwatch:DescribeAlarmsForMetric",
    "cloudwatch:GetMetricData",
    "cloudwatch:ListMetrics",
    "sns:Publish",
    "kms:GenerateDataKey*",
    "kms:Decrypt",
    // ExternalDNS writes the app's records.
    "route53:ChangeResourceRecordSets",
    "route53:GetChange",
    "route53:ListHostedZones",
    "route53:ListResourceRecordSets",
    "route53:ListTagsForResources",
    // Fluent Bit writes the containers' logs.
    "logs:CreateLogStream",
    "logs:DescribeLogStreams",
    "logs:PutLogEvents",
    // external-secrets and the database-admin role read the environment's secrets; external-secrets
    // steps into the database-admin role; the app reads and writes its buckets.
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "sts:AssumeRole",
    "sts:TagSession",
    "s3:DeleteObject",
    "s3:GetObject",
    "s3:ListBucket",
    "s3:PutObject",
    "kms:GenerateDataKey",
  ],
  awsManaged: ["AmazonEKS_CNI_Policy", "AmazonEBSCSIDriverPolicy"],
};

/** The in-VPC GitHub Actions runner's CodeBuild role (modules/github-actions-runner.ts). */
export const RUNNER_ROLE: BoundedRoleFamily = {
  roles: "the in-VPC runner's CodeBuild role",
  actions: [
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    ...RUNNER_CONNECTION_ACTIONS,
    "kms:Decrypt",
    "kms:GenerateDataKey",
  ],
};

/** The operator access host's instance role: the SSM Agent's own calls (modules/operator-access-host.ts). */
export const OPERATOR_HOST_ROLE: BoundedRoleFamily = {
  roles: "the operator access host's instance role",
  actions: [...AGENT_ACTIONS.register, ...AGENT_ACTIONS.channels],
};

/** The roles a parent zone's account gives its child environments (modules/role-policies.ts). */
export const ZONE_DELEGATION_ROLES: BoundedRoleFamily = {
  roles: "the zone delegation roles (and their read-only twins) of child environments",
  actions: [
    "route53:ChangeResourceRecordSets",
    "route53:GetChange",
    "route53:GetHostedZone",
    "route53:ListResourceRecordSets",
  ],
};

/** The EKS cluster role the eks module makes. */
export const CLUSTER_ROLE: BoundedRoleFamily = {
  roles: "the EKS cluster role (terraform-aws-modules/eks)",
  actions: EKS_MODULE_ROLE_POLICIES.cluster.encryptionPolicyActions,
  awsManaged: EKS_MODULE_ROLE_POLICIES.cluster.awsManaged,
};

/**
 * The node group roles the eks module makes, with what the cluster stack adds: SSM for Session
 * Manager, and the pull-through cache's policy.
 */
export const NODE_ROLES: BoundedRoleFamily = {
  roles: "the node group roles (terraform-aws-modules/eks)",
  // Pulling public images through the environment's ECR cache (modules/image-pull-through-cache.ts).
  actions: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
  awsManaged: [...EKS_MODULE_ROLE_POLICIES.nodeGroup.awsManaged, "AmazonSSMManagedInstanceCore"],
};

/** The flow-log role the vpc module makes. */
export const FLOW_LOG_ROLE: BoundedRoleFamily = {
  roles: "the VPC flow-log role (terraform-aws-modules/vpc)",
  actions: VPC_FLOW_LOG_ROLE_ACTIONS,
};

/** The enhanced-monitoring role the rds module makes. */
export const RDS_MONITORING_ROLE: BoundedRoleFamily = {
  roles: "the RDS enhanced-monitoring role (terraform-aws-modules/rds)",
  awsManaged: [RDS_MONITORING_ROLE_POLICY],
};

/** The part of an AWS managed policy a boundary lets through, with why the rest is withheld. */
export interface ManagedPolicyPart {
  /** The actions that start with one of these (`rds:`, `ec2:Describe`). */
  readonly prefixes: readonly string[];
  readonly why: string;
}

const BACKUP_OF_ONE_DATABASE: ManagedPolicyPart = {
  prefixes: ["rds:", "backup:", "kms:", "tag:", "ec2:Describe"],
  why:
    "the backup plan selects the environment's RDS instance only: its snapshots, copies and restores " +
    "need RDS, AWS Backup, KMS, the tag API and EC2 reads; the rest of AWS's policies serves other " +
    "services' backups (DynamoDB, EFS, FSx, EBS and EC2 images, Storage Gateway, Redshift, EKS, SAP, " +
    "Aurora DSQL, Timestream, VSS through SSM Run Command, GuardDuty malware scans) and passes roles " +
    "to restore them (iam:PassRole): withheld",
};

/**
 * AWS managed policies of which a boundary lets only a part through: whatever family carries them.
 * Every other catalogued policy passes whole.
 */
export const MANAGED_POLICY_PARTS: Partial<Record<AwsManagedPolicyName, ManagedPolicyPart>> = {
  AWSBackupServiceRolePolicyForBackup: BACKUP_OF_ONE_DATABASE,
  AWSBackupServiceRolePolicyForRestores: BACKUP_OF_ONE_DATABASE,
};

/** The actions of an AWS managed policy that a boundary lets through (MANAGED_POLICY_PARTS). */
export function passedActionsOf(name: AwsManagedPolicyName): string[] {
  const part = MANAGED_POLICY_PARTS[name];
  return AWS_MANAGED_POLICIES[name].actions.filter((a) => !part || part.prefixes.some((p) => a.startsWith(p)));
}

/** The database backup role (modules/database-backup.ts): of AWS's policies, the part that serves RDS. */
export const BACKUP_ROLE: BoundedRoleFamily = {
  roles: "the database backup role (AWS Backup)",
  awsManaged: ["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"],
};

/** The names a boundary's scoped statements keep to: the environment's own. */
export interface BoundaryScope {
  readonly accountId: string;
  /** `marketing-agents-<env>`: the environment's roles and buckets. */
  readonly namePrefix: string;
  /** ARN patterns of the environment's secrets (its own path, and RDS's `rds!...` master secret). */
  readonly secretArnPatterns: readonly string[];
}

/** Actions a boundary grants only on the environment's names, whatever a role's policy says. */
interface ScopedActions {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: (scope: BoundaryScope) => string[];
}

const SCOPED_ACTIONS: readonly ScopedActions[] = [
  {
    sid: "OnlyThisEnvironmentsSecrets",
    actions: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
    resources: (s) => [...s.secretArnPatterns],
  },
  {
    sid: "OnlyThisEnvironmentsBuckets",
    actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
    resources: (s) => [`arn:aws:s3:::${s.namePrefix}-*`, `arn:aws:s3:::${s.namePrefix}-*/*`],
  },
  {
    sid: "OnlyThisEnvironmentsRoles",
    actions: ["sts:AssumeRole", "sts:TagSession"],
    resources: (s) => [`arn:aws:iam::${s.accountId}:role/${s.namePrefix}-*`],
  },
  {
    // AmazonRDSEnhancedMonitoringRole's own scope: the RDSOSMetrics group, in any region.
    sid: "OnlyTheLogGroupsRdsCreates",
    actions: ["logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:GetLogEvents"],
    resources: (s) => [`arn:aws:logs:*:${s.accountId}:log-group:RDS*`],
  },
];

/** Every action a family's policies grant, the withheld part of its managed policies left out. */
export function familyActions(family: BoundedRoleFamily): string[] {
  return [...new Set([...(family.actions ?? []), ...(family.awsManaged ?? []).flatMap(passedActionsOf)])];
}

/** The services the families' managed policies create service-linked roles for. */
function serviceLinkedRoleServices(families: readonly BoundedRoleFamily[]): string[] {
  const services = families
    .flatMap((f) => f.awsManaged ?? [])
    .flatMap((name) => {
      const policy: AwsManagedPolicy = AWS_MANAGED_POLICIES[name];
      return policy.serviceLinkedRoleServices ?? [];
    });
  return [...new Set(services)].sort();
}

const SERVICE_LINKED_ROLE = "iam:CreateServiceLinkedRole";
const byName = (a: string, b: string) => a.toLowerCase().localeCompare(b.toLowerCase());

/** Whether an IAM action pattern (`kms:GenerateDataKey*`) covers an action, as IAM matches them. */
export function actionCovers(pattern: string, action: string): boolean {
  return actionPattern(pattern).test(action);
}

// Compiled once per pattern: the boundaries compare every granted action with every deny, and
// building the expression on each comparison was a quarter of the synth's time (npm run bench).
const ACTION_PATTERNS = new Map<string, RegExp>();

function actionPattern(pattern: string): RegExp {
  let compiled = ACTION_PATTERNS.get(pattern);
  if (!compiled) {
    const source = pattern
      .split("")
      .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
      .join("");
    compiled = new RegExp(`^${source}$`, "i");
    ACTION_PATTERNS.set(pattern, compiled);
  }
  return compiled;
}

/**
 * The boundary of these families: one statement of every action granted on any resource, one per
 * scope for the actions kept to the environment's names, service-linked roles only for the
 * services their managed policies name, and of `alsoDeny` the actions the allows could grant (a
 * deny of what the boundary never allows changes nothing), each once per resource (effectiveDenies).
 */
export function boundaryStatements(
  families: readonly BoundedRoleFamily[],
  scope: BoundaryScope,
  alsoDeny: readonly PolicyStatement[] = [],
): PolicyStatement[] {
  const granted = [...new Set(families.flatMap(familyActions))];
  const scoped = SCOPED_ACTIONS.map((s) => ({ ...s, actions: s.actions.filter((a) => granted.includes(a)) })).filter(
    (s) => s.actions.length > 0,
  );
  const isScoped = (a: string) => scoped.some((s) => s.actions.includes(a));
  const anywhere = granted.filter((a) => !isScoped(a) && a !== SERVICE_LINKED_ROLE).sort(byName);
  const statements: PolicyStatement[] = [
    { Sid: "WhatTheRolesUnderThisBoundaryAreGiven", Effect: "Allow", Action: anywhere, Resource: "*" },
    ...scoped.map((s): PolicyStatement => ({
      Sid: s.sid,
      Effect: "Allow",
      Action: [...s.actions].sort(byName),
      Resource: s.resources(scope),
    })),
  ];
  const linkedServices = serviceLinkedRoleServices(families);
  if (granted.includes(SERVICE_LINKED_ROLE) && linkedServices.length > 0) {
    statements.push({
      Sid: "ServiceLinkedRolesTheManagedPoliciesName",
      Effect: "Allow",
      Action: SERVICE_LINKED_ROLE,
      Resource: "*",
      Condition: { StringEquals: { "iam:AWSServiceName": linkedServices } },
    });
  }
  return [...statements, ...effectiveDenies(alsoDeny, granted)];
}

/**
 * Of `denies`, the actions the allows could grant, each once per resource and condition (two denies
 * of one action on one resource say the same), and no statement whose actions another deny of the
 * same resource and condition already names: it would only cost characters of the boundary's 6,144.
 */
function effectiveDenies(denies: readonly PolicyStatement[], granted: readonly string[]): PolicyStatement[] {
  const grantable = (action: string) => granted.some((g) => actionCovers(g, action) || actionCovers(action, g));
  const target = (deny: PolicyStatement) => JSON.stringify([deny.Resource, deny.Condition ?? null]);
  const kept = denies.map((deny) => ({ deny, actions: [deny.Action ?? []].flat().filter(grantable) }));
  const names = (other: (typeof kept)[number], action: string) => other.actions.some((a) => actionCovers(a, action));
  const subsumed = (i: number) =>
    kept.some(
      (other, j) =>
        j !== i &&
        target(other.deny) === target(kept[i].deny) &&
        kept[i].actions.every((a) => names(other, a)) &&
        // Two statements naming each other's actions: the first stays.
        (j < i || !other.actions.every((a) => names(kept[i], a))),
    );
  const denied = new Set<string>();
  const statements: PolicyStatement[] = [];
  kept.forEach(({ deny, actions }, i) => {
    if (subsumed(i)) return;
    const fresh = actions.filter((a) => !denied.has(`${a} ${target(deny)}`));
    fresh.forEach((a) => denied.add(`${a} ${target(deny)}`));
    if (fresh.length > 0) statements.push({ ...deny, Action: fresh });
  });
  return statements;
}
