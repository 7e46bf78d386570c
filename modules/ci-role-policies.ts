/**
 * What each GitHub Actions role may do, as IAM statements. Plain functions of names and ARNs, so
 * the bootstrap stack composes them and tests read them without synthesizing.
 */
import type { ChartSource } from "./addons/platform-addon";
import type { PolicyStatement } from "./iam-policy";
import type { ChartLocation, ImageMirror } from "./image-mirror";
import {
  PEOPLE_ONLY_KEY_ACTIONS,
  RESOURCE_TYPE_ACTIONS,
  applyWriteActions,
  planReadActions,
  serviceLinkedRoleServices,
} from "./resource-type-actions";

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
 * EC2 (an instance profile's role) is handed only the roles `DeployIamScope.ec2RoleArns` names.
 */
export const PASSED_TO_SERVICES = [
  "eks.amazonaws.com",
  "pods.eks.amazonaws.com",
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
  /** ARNs of the permissions boundaries: every role it creates must carry one of them. */
  readonly boundaryArns: string[];
  /** ARNs of the CI identities (its own role included): never written by it. */
  readonly protectedRoleArns: string[];
  /** ARNs (or patterns) of the CI identities' own managed policies: never written by it. @default [] */
  readonly protectedPolicyArns?: string[];
  /**
   * The roles an instance of the stacks runs as (the operator host's), the only ones it may hand to
   * EC2 (`iam:PassRole` at RunInstances). @default [] - no instance profile
   */
  readonly ec2RoleArns?: string[];
}

/**
 * IAM for terraform apply (the rest comes from `applyStatements`): roles and policies of this
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
      Condition: { StringEquals: { "iam:PermissionsBoundary": scope.boundaryArns } },
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
      // The stacks' own profiles only (the operator host's); EKS makes the node groups' itself.
      Resource: arn("instance-profile", `${scope.namePrefix}-*`),
    },
    {
      Sid: "PassThisEnvironmentsRolesToTheirServices",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: ownRoles,
      Condition: { StringEquals: { "iam:PassedToService": PASSED_TO_SERVICES } },
    },
    ...((scope.ec2RoleArns ?? []).length > 0
      ? [
          {
            Sid: "PassTheInstanceRolesToEc2",
            Effect: "Allow" as const,
            Action: "iam:PassRole",
            Resource: scope.ec2RoleArns,
            Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
          },
        ]
      : []),
    { Sid: "ReadIam", Effect: "Allow", Action: ["iam:Get*", "iam:List*"], Resource: "*" },
    {
      // The services whose first resource in an account creates their service-linked role
      // (resource-type-actions.ts, `serviceLinkedRoles`): no other service's.
      Sid: "ServiceLinkedRolesOfTheStacksServices",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource: arn("role", "aws-service-role/*"),
      Condition: { StringEquals: { "iam:AWSServiceName": serviceLinkedRoleServices() } },
    },
    {
      Sid: "NeverTouchTheCiIdentitiesOrTheBoundary",
      Effect: "Deny",
      Action: IAM_WRITE_ACTIONS,
      Resource: [
        ...scope.protectedRoleArns,
        ...(scope.protectedPolicyArns ?? []),
        ...scope.boundaryArns,
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
 * The full plan (protected environment, main only): on top of `planReadStatements`, decrypting the
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
 * A pull request's plan: on top of `planReadStatements({ withValues: false })`, decrypting the
 * state key only, and explicit denials (a second line: the allow-list grants none of these) of
 * every way to a secret value or to what the service logs: Secrets Manager values, SSM parameters
 * and their history, the state of stacks that hold secrets, the data buckets, log events and live
 * tails, RDS log files, image layers.
 */
export function pullRequestPlanStatements(limits: PullRequestLimits): PolicyStatement[] {
  return [
    decryptWithAliases(limits),
    {
      Sid: "NoSecretValues",
      Effect: "Deny",
      Action: [
        "secretsmanager:GetSecretValue",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "ssm:GetParameterHistory",
      ],
      Resource: "*",
    },
    {
      Sid: "NoDatabaseLogsOrImageLayers",
      Effect: "Deny",
      Action: [
        "rds:DownloadDBLogFilePortion",
        "rds:DownloadCompleteDBLogFile",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
      ],
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
      Action: [
        "logs:GetLogEvents",
        "logs:FilterLogEvents",
        "logs:StartQuery",
        "logs:GetQueryResults",
        "logs:StartLiveTail",
        "logs:GetLogRecord",
      ],
      Resource: "*",
    },
  ];
}

/** Stepping into the given roles of other accounts (their trust decides the rest); none: nothing. */
function assumeRolesStatements(roleArns: string[]): PolicyStatement[] {
  if (roleArns.length === 0) return [];
  return [{ Sid: "AssumeTheseRoles", Effect: "Allow", Action: "sts:AssumeRole", Resource: roleArns }];
}

/**
 * Stepping into the given roles and no other, whatever another role's trust says. In its own
 * account a role's trust that names a principal is enough for that principal to assume it, no
 * identity policy needed
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
 * and ...reference_policies_evaluation-logic.html, "resource-based policies"): the deploy role,
 * which writes the trust of every `<env>-*` role, could otherwise become any of them. Only an
 * explicit deny in the caller's own policy stops that.
 */
export function assumeOnlyTheseRolesStatements(roleArns: string[]): PolicyStatement[] {
  const sessions = ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"];
  return [
    ...assumeRolesStatements(roleArns),
    roleArns.length > 0
      ? { Sid: "AssumeNoOtherRole", Effect: "Deny", Action: sessions, NotResource: roleArns }
      : { Sid: "AssumeNoRole", Effect: "Deny", Action: sessions, Resource: "*" },
  ];
}

/**
 * Pushing the app image to one repository, and nothing else. No KMS right: ECR encrypts the layers
 * of a KMS-encrypted repository through the grants it made on the key when the repository was
 * created, not with the pusher's permissions
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html).
 */
export function imagePushStatements(repositoryArn: string): PolicyStatement[] {
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
  ];
}

/** The ECR repositories the environment's Helm charts come from, by name (modules/image-mirror.ts names them). */
export interface ChartRepositories {
  readonly accountId: string;
  readonly region: string;
  /**
   * The pull-through cache repositories of the charts with an OCI publication, one per chart
   * (`<env>-ghcr/prometheus-community/charts/kube-prometheus-stack`): ECR creates and fills each on
   * the chart's first pull.
   */
  readonly cachedRepositories: readonly string[];
  /** The repositories the deploy command pushes the other charts to, one per chart (`<env>-charts/metrics-server`). */
  readonly mirroredRepositories: readonly string[];
}

/**
 * The repositories the given charts are pulled from once the mirror rewrites their repositories
 * (`ImageMirror.chart`, then Helm appends the chart's name): each chart's own, in its upstream's
 * cache or in the mirror. Read from the rewrite itself, so a chart moved to another upstream moves
 * its grant with it, and nothing else under a cache's prefix is ever granted: a CI role that could
 * pull any path of `<env>-ghcr/*` could make ECR import anything ghcr.io serves.
 */
export function chartRepositoriesOf(
  mirror: ImageMirror,
  sources: readonly ChartSource[],
): Pick<ChartRepositories, "cachedRepositories" | "mirroredRepositories"> {
  // ImageMirror.chartLocation throws for a chart it cannot place.
  const locations = sources.map((source) => mirror.chartLocation(source));
  const repositoriesOf = (kind: ChartLocation["kind"]) => [
    ...new Set(locations.filter((l) => l.kind === kind).map((l) => l.repositoryName)),
  ];
  return { cachedRepositories: repositoriesOf("cached"), mirroredRepositories: repositoriesOf("mirrored") };
}

/**
 * Pulling the Helm charts from the environment's ECR, filling its pull-through caches on a chart's
 * first pull, and pushing the charts that have no OCI publication into the mirror: what the Helm
 * provider (3.1.1 fetches the chart while it plans, in ModifyPlan) and the deploy command's chart
 * mirror need, for the plan role (plan job) as for the deploy role (apply job). Each right is on the
 * pinned charts' own repositories, by exact name: filling the caches
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-iam.html) on the cache
 * repositories, pushing on the mirror's; no other repository, no other path under a cache's prefix,
 * not the app image's, not another environment's. The cache repositories ECR creates are AES256
 * with immutable tags (the cluster stack's repository creation templates,
 * modules/pull-through-repository-templates.ts), and the mirror's KMS-encrypted repositories are
 * written through the grant ECR holds on the key, so no KMS right
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html).
 */
export function chartRegistryStatements(repositories: ChartRepositories): PolicyStatement[] {
  const arnOf = (name: string) => `arn:aws:ecr:${repositories.region}:${repositories.accountId}:repository/${name}`;
  const caches = repositories.cachedRepositories.map(arnOf);
  const mirror = repositories.mirroredRepositories.map(arnOf);
  // IAM refuses a statement without a resource: none when no chart comes that way.
  const onAny = (resources: string[], statement: PolicyStatement): PolicyStatement[] =>
    resources.length > 0 ? [{ ...statement, Resource: resources }] : [];
  return [
    // GetAuthorizationToken has no resource: the token only admits what the other statements allow.
    { Sid: "LoginToTheRegistry", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
    // BatchCheckLayerAvailability serves pushes as well as pulls.
    ...onAny([...caches, ...mirror], {
      Sid: "PullTheCharts",
      Effect: "Allow",
      Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
    }),
    ...onAny(caches, {
      Sid: "FillTheChartCachesOnFirstPull",
      Effect: "Allow",
      Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
    }),
    ...onAny(mirror, {
      Sid: "MirrorTheChartsWithoutAnOciPublication",
      Effect: "Allow",
      Action: ["ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"],
    }),
  ];
}

/** The keys the stacks CI applies encrypt with, by alias (they are made in those stacks). */
export interface DeployKeys {
  readonly accountId: string;
  /** The environment's region. */
  readonly region: string;
  /** Alias of the environment key (volumes, database, secrets, images, the primary backup vault). */
  readonly environmentKeyAlias: string;
  /** AWS Backup's copy vaults in other regions and the alias of each one's key; none: []. */
  readonly backupCopyKeys: readonly { readonly region: string; readonly alias: string }[];
}

/**
 * What the deploy role may do with the environment's keys for the services that encrypt with them
 * (the key-use actions of modules/resource-type-actions.ts), never with any other key and never
 * directly: each grant is for a key found by its alias (`kms:ResourceAliases`), and
 * - grants only for an AWS resource (`kms:GrantIsForAWSResource`: RDS, EKS, EBS, ECR and AWS Backup
 *   create them while creating the resource; the EBS guide asks for this condition,
 *   https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html);
 * - EBS volumes (the operator host's encrypted root volume) through EC2 only: the actions that guide
 *   lists, with `kms:ViaService` ec2 (DescribeKey is a plan read, on `*`);
 * - the backup vaults' keys, in the environment's region and each copy region: what
 *   https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault.html asks of a vault's
 *   creator (its policy has no `kms:ViaService`, and AWS Backup documents no value for it, so none
 *   is required here: a condition the service may not send would fail the vault's creation);
 * - ECR's grant retired through ECR when the repository is deleted
 *   (https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html).
 * `kms:ViaService`: https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service.
 */
export function deployKeyStatements(keys: DeployKeys): PolicyStatement[] {
  const keysIn = (region: string) => `arn:aws:kms:${region}:${keys.accountId}:key/*`;
  const via = (service: string, regions: string[]) => regions.map((r) => `${service}.${r}.amazonaws.com`);
  const home = keys.region;
  const backupRegions = [home, ...keys.backupCopyKeys.map((k) => k.region)];
  const backupAliases = [keys.environmentKeyAlias, ...keys.backupCopyKeys.map((k) => k.alias)];
  const byAlias = (aliases: string[]) => ({ "kms:ResourceAliases": aliases });
  return [
    {
      Sid: "GrantsOnlyForAwsResourcesOnTheEnvironmentsKeys",
      Effect: "Allow",
      Action: "kms:CreateGrant",
      Resource: backupRegions.map(keysIn),
      Condition: { Bool: { "kms:GrantIsForAWSResource": "true" }, "ForAnyValue:StringEquals": byAlias(backupAliases) },
    },
    {
      Sid: "EncryptVolumesThroughEc2",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"],
      Resource: keysIn(home),
      Condition: {
        StringEquals: { "kms:ViaService": via("ec2", [home]) },
        "ForAnyValue:StringEquals": byAlias([keys.environmentKeyAlias]),
      },
    },
    {
      Sid: "TheBackupVaultsKeys",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:RetireGrant"],
      Resource: backupRegions.map(keysIn),
      Condition: { "ForAnyValue:StringEquals": byAlias(backupAliases) },
    },
    {
      Sid: "RetireRepositoryGrantsThroughEcr",
      Effect: "Allow",
      Action: "kms:RetireGrant",
      Resource: keysIn(home),
      Condition: {
        StringEquals: { "kms:ViaService": via("ecr", [home]) },
        "ForAnyValue:StringEquals": byAlias([keys.environmentKeyAlias]),
      },
    },
  ];
}

/**
 * Every CI role (deploy included): never delete or disable a key. Nothing CI applies needs it
 * (destroying an environment is done by people), and a deleted key loses the database, secrets,
 * images and backups it encrypts, after its waiting period.
 */
export function ciKeyDestructionDenies(): PolicyStatement[] {
  return [{ Sid: "NeverDeleteOrDisableAKey", Effect: "Deny", Action: [...PEOPLE_ONLY_KEY_ACTIONS], Resource: "*" }];
}

/** One statement per service, so each reads as "what this role may do with <service>". */
function perService(sidPrefix: string, actions: string[], resourceFor: (service: string) => string | string[]) {
  const byService = new Map<string, string[]>();
  for (const action of actions) {
    const service = action.split(":")[0];
    byService.set(service, [...(byService.get(service) ?? []), action]);
  }
  return [...byService].map(([service, serviceActions]): PolicyStatement => ({
    Sid: `${sidPrefix}${service.replace(/[^A-Za-z0-9]/g, "").replace(/^./, (c) => c.toUpperCase())}`,
    Effect: "Allow",
    Action: serviceActions,
    Resource: resourceFor(service),
  }));
}

/**
 * What a plan refreshes: the read actions of every resource and data-source type the stacks hold
 * (modules/resource-type-actions.ts). Reads take `*`: most Describe and List calls have no
 * resource-level permissions. The reads that return a stored value (a secret, a parameter) are
 * granted only on `valueReadsOn`'s resources, by service; without it (a pull request), not at all.
 */
export function planReadStatements(
  options: { readonly valueReadsOn?: Readonly<Record<string, string[]>> } = {},
): PolicyStatement[] {
  const all = planReadActions({ withValues: true });
  const withoutValues = planReadActions({ withValues: false });
  const valueReads = all.filter((a) => !withoutValues.includes(a));
  const on = options.valueReadsOn;
  const scoped = on
    ? perService("RefreshValues", valueReads, (service) => {
        const resources = on[service];
        if (!resources?.length) throw new Error(`no resources given for the value reads of ${service}`);
        return resources;
      })
    : [];
  return [...perService("Refresh", withoutValues, () => "*"), ...scoped];
}

/**
 * What the deploy command's preflight reads beyond a plan's refresh (scripts/deploy/preflight.ts):
 * that the source of `database.restore` exists before Terraform replaces the instance, a
 * snapshot or AWS Backup recovery point (DescribeDBSnapshots) or the automated backups of a
 * point-in-time restore (DescribeDBInstanceAutomatedBackups), both list-only Describe calls; and,
 * before the platform stack, that each upstream with a credential the charts come through
 * authenticates (ValidatePullThroughCacheRule, a Read action that takes no resource, so `*`:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html).
 */
export function preflightReadStatements(): PolicyStatement[] {
  return [
    {
      Sid: "PreflightRestoreSources",
      Effect: "Allow",
      Action: ["rds:DescribeDBSnapshots", "rds:DescribeDBInstanceAutomatedBackups"],
      Resource: "*",
    },
    {
      Sid: "PreflightPullThroughCacheRules",
      Effect: "Allow",
      Action: "ecr:ValidatePullThroughCacheRule",
      Resource: "*",
    },
  ];
}

/** Where the deploy role's writes are limited to by name, per service (others: `*`). */
export interface ApplyScope {
  /** ARN patterns, by IAM service prefix (`s3`, `secretsmanager`, `ssm`). */
  readonly resourcesByService: Readonly<Record<string, string[]>>;
  /**
   * Resources outside their service's scope that one type's writes also reach, e.g. the
   * pull-through cache's credentials, which ECR requires under `ecr-pullthroughcache/`: created,
   * tagged and deleted there, their values never written nor read. @default []
   */
  readonly typesAlsoOn?: readonly { readonly type: string; readonly resources: string[] }[];
}

/**
 * What an apply writes, outside IAM (`deployIamStatements`): the write actions of every type CI
 * applies. Services whose resources carry the environment's names are limited to those names.
 */
export function applyWriteStatements(scope: ApplyScope): PolicyStatement[] {
  return [
    ...perService("Apply", applyWriteActions(), (service) => scope.resourcesByService[service] ?? "*"),
    ...(scope.typesAlsoOn ?? []).map(({ type, resources }): PolicyStatement => {
      const actions = RESOURCE_TYPE_ACTIONS[type]?.write;
      if (!actions) throw new Error(`${type} is not in resource-type-actions.ts`);
      return {
        Sid: `Apply${type.replace(/^aws_/, "").replace(/(^|_)(.)/g, (_, __, c: string) => c.toUpperCase())}AlsoOn`,
        Effect: "Allow",
        Action: [...actions],
        Resource: resources,
      };
    }),
  ];
}

/** The environment's Terraform state: the bucket, the objects a role may read, the key. */
export interface StateLocation extends StateAccess {
  readonly bucketArn: string;
  /** State objects (`<bucket arn>/<key>`) the role reads (patterns allowed). */
  readonly readableObjectArns: string[];
}

/** Reading the state (a plan runs with -lock=false, so it writes no lock object). */
export function stateReadStatements(state: StateLocation): PolicyStatement[] {
  return [
    { Sid: "ListTheState", Effect: "Allow", Action: "s3:ListBucket", Resource: state.bucketArn },
    { Sid: "ReadTheState", Effect: "Allow", Action: "s3:GetObject", Resource: state.readableObjectArns },
  ];
}

/** Reading and writing the state and its lock objects (`<key>.tflock`), encrypted with the state key. */
export function stateWriteStatements(state: StateLocation): PolicyStatement[] {
  return [
    { Sid: "ListTheState", Effect: "Allow", Action: "s3:ListBucket", Resource: state.bucketArn },
    {
      Sid: "ReadAndWriteTheState",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: state.readableObjectArns,
    },
    {
      Sid: "EncryptTheState",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: `arn:aws:kms:${state.region}:${state.accountId}:key/*`,
      Condition: { "ForAnyValue:StringEquals": { "kms:ResourceAliases": state.keyAliases } },
    },
  ];
}

/** IAM's limit on one customer managed policy (characters, whitespace not counted). */
export const MANAGED_POLICY_MAX_CHARS = 6144;

/**
 * Statements packed, in order, into as few policy documents as fit IAM's size limit: an allow-list
 * of every action these stacks need is larger than one policy may be.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
export function packIntoPolicies(
  statements: PolicyStatement[],
  maxChars = MANAGED_POLICY_MAX_CHARS,
): PolicyStatement[][] {
  const size = (group: PolicyStatement[]) =>
    JSON.stringify({ Version: "2012-10-17", Statement: group }).replace(/\s/g, "").length;
  const packs: PolicyStatement[][] = [];
  for (const statement of statements) {
    if (size([statement]) > maxChars)
      throw new Error(`statement ${statement.Sid} alone exceeds ${maxChars} characters`);
    const last = packs[packs.length - 1];
    if (last && size([...last, statement]) <= maxChars) last.push(statement);
    else packs.push([statement]);
  }
  return packs;
}
