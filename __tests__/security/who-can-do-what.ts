/**
 * Who can do what: the request table the IAM evaluator checks on every environment
 * (who-can-do-what.test.ts) and docs/who-can.md's table is generated from (`npm run docs`).
 * Each row is one API call by a session of one of the environment's roles, and IAM's expected answer.
 * Positive controls (Allowed) keep the model honest: a harness that denied everything would fail them.
 */
import {
  APPLY_WORKFLOW_PATH,
  DRIFT_WORKFLOW_NAME,
  INFRA_BRANCH,
  ORGANIZATION,
  PLAN_WORKFLOW_PATH,
  ciRoleArn,
  ciRoleName,
  clusterName,
  containerLogGroupName,
  driftEnvironment,
  ecrRegistryHost,
  imageMirrorNames,
  imageRepositoryName,
  imageTagParameterName,
  loadEnvironments,
  permissionsBoundaryArn,
  resourcePrefix,
  runnerProjectName,
  stateBucketName,
  stateKey,
  stateTrailName,
  zoneDelegationRoleArn,
  ZONE_READER_SUFFIX,
  type CiRole,
  type EnvironmentConfig,
} from "../../config";
import { CHART_SOURCES } from "../../modules/addons/chart-sources";
import { githubJobWorkflowRef, githubSubjects } from "../../modules/github-oidc";
import { ImageMirror } from "../../modules/image-mirror";
import type { AssumingCaller, Decision } from "../model/iam-evaluator";
import { githubTokenContext } from "../model/iam-trust";

/** What a row needs to name an environment's resources. */
export interface RowContext {
  readonly config: EnvironmentConfig;
  /** The ARN of a resource a stack creates, by type and construct path (see iam-evaluator's arnOf). */
  readonly arnOf: (type: string, path: string) => string;
}

/**
 * Principals that are not the environment's roles, asking STS for a session of one: the rows that
 * hold the organization's identity perimeter (its resource control policy) and its exemptions.
 */
export const OUTSIDERS = [
  "outside-account",
  "organization-account",
  "eks-pod-identity",
  "github-actions",
  "github-other-repository",
] as const;
export type Outsider = (typeof OUTSIDERS)[number];

/** One request and the decision IAM must reach. */
export interface RequestRow {
  /** A CI role, the in-VPC runner's CodeBuild role, or a principal asking for a session of a role. */
  readonly role: CiRole | "runner" | Outsider;
  readonly action: string;
  /** The target, in words (docs/who-can.md). */
  readonly target: string;
  readonly resource: (c: RowContext) => string;
  readonly context?: (c: RowContext) => Record<string, string | string[]>;
  readonly expected: Decision;
  /** Why, in words (docs/who-can.md). */
  readonly why: string;
  /** Only in environments where this holds (e.g. the trail exists). @default every environment */
  readonly when?: (config: EnvironmentConfig) => boolean;
  /**
   * For an outsider's row: who exactly asks, and the trust of a role the deploy role could create
   * (undefined: the target is a role a stack creates, with its synthesized trust).
   */
  readonly assumption?: (c: RowContext) => { readonly caller: AssumingCaller; readonly trust?: unknown };
  /**
   * For a role's `sts:` row on a role no stack creates: that role's trust (one the deploy role
   * could write). @default - a trust of the caller's whole account
   */
  readonly targetTrust?: (c: RowContext) => unknown;
  /**
   * The organization's resource control policy decides it: it holds only once people apply the
   * organization guardrails stack (without it the request is allowed). @default false
   */
  readonly needsOrganizationGuardrails?: boolean;
}

/** Whether a row's caller is a principal asking for a session, not one of the environment's roles. */
export function isOutsider(role: RequestRow["role"]): role is Outsider {
  return (OUTSIDERS as readonly string[]).includes(role);
}

/** The IAM name of the row's role in one environment. */
export function roleNameOf(row: RequestRow, config: EnvironmentConfig): string {
  const { role } = row;
  if (role === "runner") return runnerProjectName(config);
  if (isOutsider(role)) throw new Error(`${role} is not a role of the environment`);
  return ciRoleName(config, role);
}

const account = (c: RowContext) => c.config.account.id;
const region = (c: RowContext) => c.config.account.region;
const regional = (c: RowContext, service: string, rest: string) =>
  `arn:aws:${service}:${region(c)}:${account(c)}:${rest}`;
const stateObject = (concern: Parameters<typeof stateKey>[1]) => (c: RowContext) =>
  `arn:aws:s3:::${stateBucketName(c.config)}/${stateKey(c.config, concern)}`;
const stateKeyArn = (c: RowContext) => c.arnOf("aws_kms_key", `${c.config.name}-bootstrap/state-key/key`);
const environmentKeyArn = (c: RowContext) => c.arnOf("aws_kms_key", `${c.config.name}-network/environment-key/key`);
const secret = (name: string) => (c: RowContext) =>
  c.arnOf("aws_secretsmanager_secret", `${c.config.name}-data/${name}`);
const logGroup = (c: RowContext) => regional(c, "logs", `log-group:${containerLogGroupName(c.config)}`);
const repository = (c: RowContext) => regional(c, "ecr", `repository/${imageRepositoryName(c.config)}`);
const parameter = (c: RowContext) => regional(c, "ssm", `parameter${imageTagParameterName(c.config)}`);
const database = (c: RowContext) => regional(c, "rds", `db:${resourcePrefix(c.config)}`);
const trail = (c: RowContext) => regional(c, "cloudtrail", `trail/${stateTrailName(c.config)}`);
const withTrail = (config: EnvironmentConfig) => config.state.dataEventTrail;
const withBackupCopies = (config: EnvironmentConfig) => Boolean(config.database.backupPlan?.copy);
const backupCopyKeyArn = (c: RowContext) =>
  c.arnOf("aws_kms_key", `${c.config.name}-data/database-backup/copy-key/key`);
/** What an AWS service sends when it uses a key for the caller (it creates a grant, or calls KMS through itself). */
const through = (service: string) => (c: RowContext) => ({ "kms:ViaService": `${service}.${region(c)}.amazonaws.com` });
const grantForAwsResource = (service: string) => (c: RowContext) => ({
  ...through(service)(c),
  "kms:GrantIsForAWSResource": "true",
});
const ciRolesDeny = (action: string, why: string): RequestRow[] =>
  (["deploy", "plan", "pr-plan", "push-image"] as const).map((role) => ({
    role,
    action,
    target: "the environment key",
    resource: environmentKeyArn,
    expected: "ExplicitlyDenied" as const,
    why,
  }));

/** The environment's registry names (as stacks/environment-stack.ts makes them), or another environment's in its account. */
const mirrorOf = (c: RowContext, environment = c.config.name) =>
  new ImageMirror({ ...imageMirrorNames(c.config), prefixStart: environment });
/**
 * The ECR repository Helm pulls a pinned chart from, as the platform stack's release names it
 * (`ImageMirror.chart`), with the environment's own names or, in the same account, another's.
 */
const chartRepository =
  (chart: string, environment: (c: RowContext) => string = (c) => c.config.name) =>
  (c: RowContext) => {
    const source = CHART_SOURCES.find((s) => s.chart === chart);
    if (!source) throw new Error(`no pinned chart ${chart} in modules/addons/chart-sources.ts`);
    const path = mirrorOf(c, environment(c))
      .chart(source)
      .repository.replace(`oci://${ecrRegistryHost(c.config)}/`, "");
    return regional(c, "ecr", `repository/${path}/${chart}`);
  };
/** Another declared environment: its prefixes, as if it shared this environment's account. */
const anotherEnvironment = (c: RowContext) => {
  const other = loadEnvironments().find((o) => o.name !== c.config.name);
  if (!other) throw new Error("the rows on another environment's names need a second environment");
  return other.name;
};
/** Charts of each kind of source: a GitHub Container Registry and a Quay cache, the mirror. */
const cachedChart = chartRepository("kube-prometheus-stack");
const quayCachedChart = chartRepository("cert-manager");
const mirroredChart = chartRepository("metrics-server");
/** A repository under the GitHub Container Registry cache's prefix that no pinned chart is pulled from. */
const unpinnedCachePath = (c: RowContext) => regional(c, "ecr", `repository/${mirrorOf(c).prefix("ghcr")}/attacker/x`);
/** A repository under the chart mirror's prefix that no pinned chart is pushed to. */
const unpinnedMirrorPath = (c: RowContext) =>
  regional(c, "ecr", `repository/${mirrorOf(c).chartMirrorPrefix()}/attacker`);
/**
 * What planning and applying the platform stack needs of the charts, for the plan role (plan job)
 * and the deploy role (apply job) alike: the Helm provider fetches each chart while it plans, and
 * the deploy command mirrors the charts without an OCI publication first.
 */
const chartRows = (role: "plan" | "deploy"): RequestRow[] => [
  {
    role,
    action: "ecr:GetAuthorizationToken",
    target: "any resource (the action takes none)",
    resource: () => "*",
    expected: "Allowed",
    why: "Helm logs in to the environment's registry (the token admits what the role's other rights allow)",
  },
  {
    role,
    action: "ecr:BatchGetImage",
    target: "a chart in the GitHub Container Registry cache (`<env>-ghcr/...`)",
    resource: cachedChart,
    expected: "Allowed",
    why: "the Helm provider fetches each chart while it plans (3.1.1, ModifyPlan)",
  },
  {
    role,
    action: "ecr:GetDownloadUrlForLayer",
    target: "a chart in the GitHub Container Registry cache (`<env>-ghcr/...`)",
    resource: cachedChart,
    expected: "Allowed",
    why: "the chart's archive is the artifact's one layer",
  },
  {
    role,
    action: "ecr:BatchImportUpstreamImage",
    target: "a chart in the GitHub Container Registry cache (`<env>-ghcr/...`)",
    resource: cachedChart,
    expected: "Allowed",
    why: "a chart version not cached yet is imported from upstream on its first pull",
  },
  {
    role,
    action: "ecr:CreateRepository",
    target: "a chart in the Quay cache (`<env>-quay/...`)",
    resource: quayCachedChart,
    expected: "Allowed",
    why: "the first pull of a chart creates its cache repository",
  },
  {
    role,
    action: "ecr:PutImage",
    target: "a mirrored chart (`<env>-charts/...`)",
    resource: mirroredChart,
    expected: "Allowed",
    why: "the deploy command pushes the charts without an OCI publication",
  },
  {
    role,
    action: "ecr:DescribeImages",
    target: "a mirrored chart (`<env>-charts/...`)",
    resource: mirroredChart,
    expected: "ImplicitlyDenied",
    why: "the deploy reads a mirrored version's manifest (BatchGetImage) to check its pinned digest; listing is not needed",
  },
  {
    role,
    action: "ecr:BatchGetImage",
    target: "a mirrored chart (`<env>-charts/...`)",
    resource: mirroredChart,
    expected: "Allowed",
    why: "the Helm provider fetches it like any chart",
  },
  {
    role,
    action: "ecr:PutImage",
    target: "the environment's image repository",
    resource: repository,
    expected: "ImplicitlyDenied",
    why: "the app image is the image workflow's: charts go to `<env>-charts/*` only",
  },
  {
    role,
    action: "ecr:PutImage",
    target: "a chart in the GitHub Container Registry cache (`<env>-ghcr/...`)",
    resource: cachedChart,
    expected: "ImplicitlyDenied",
    why: "a cache holds what ECR imported from upstream, nothing pushed",
  },
  {
    role,
    action: "ecr:BatchImportUpstreamImage",
    target: "a mirrored chart (`<env>-charts/...`)",
    resource: mirroredChart,
    expected: "ImplicitlyDenied",
    why: "imports into the pinned charts' cache repositories only",
  },
  {
    role,
    action: "ecr:BatchImportUpstreamImage",
    target: "an image in the registry.k8s.io cache (`<env>-k8s/...`)",
    resource: (c) => regional(c, "ecr", `repository/${mirrorOf(c).prefix("k8s")}/metrics-server/metrics-server`),
    expected: "ImplicitlyDenied",
    why: "no chart comes through that cache: the nodes fill it, pulling images",
  },
  {
    role,
    action: "ecr:PutImage",
    target: "another environment's mirrored chart, in the same account",
    resource: chartRepository("metrics-server", anotherEnvironment),
    expected: "ImplicitlyDenied",
    why: "its own environment's mirror repositories only",
  },
  {
    role,
    action: "ecr:BatchImportUpstreamImage",
    target: "another environment's GitHub Container Registry cache, in the same account",
    resource: chartRepository("kube-prometheus-stack", anotherEnvironment),
    expected: "ImplicitlyDenied",
    why: "its own environment's caches only",
  },
  {
    role,
    action: "ecr:BatchImportUpstreamImage",
    target: "another path under the GitHub Container Registry cache's prefix (`<env>-ghcr/attacker/x`)",
    resource: unpinnedCachePath,
    expected: "ImplicitlyDenied",
    why: "the pinned charts' cache repositories only: nothing else of ghcr.io comes in in a CI role's name",
  },
  {
    role,
    action: "ecr:BatchGetImage",
    target: "another path under the GitHub Container Registry cache's prefix (`<env>-ghcr/attacker/x`)",
    resource: unpinnedCachePath,
    expected: "ImplicitlyDenied",
    why: "pulls the pinned charts' repositories only",
  },
  {
    role,
    action: "ecr:PutImage",
    target: "another repository under the chart mirror's prefix (`<env>-charts/attacker`)",
    resource: unpinnedMirrorPath,
    expected: "ImplicitlyDenied",
    why: "pushes to the mirrored charts' repositories only",
  },
];

/** The pull-through cache's Docker Hub credential (network stack). */
const pullThroughSecret = (c: RowContext) =>
  c.arnOf("aws_secretsmanager_secret", `${c.config.name}-network/image-pull-credentials/docker-hub`);
/** The ARN IAM gives a service's service-linked role. */
const serviceLinkedRole = (c: RowContext, service: string, name: string) =>
  `arn:aws:iam::${account(c)}:role/aws-service-role/${service}/${name}`;
/** A trust that names one CI role of the environment by its ARN (what the deploy role could write). */
const trustingRole = (role: CiRole) => (c: RowContext) => ({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { AWS: ciRoleArn(c.config, role) },
      Action: ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
    },
  ],
});
/** A role the deploy role could make in the environment: it may write any trust on these names. */
const madeByDeploy = (c: RowContext) => `arn:aws:iam::${account(c)}:role/${resourcePrefix(c.config)}-made-by-deploy`;
/** A role of the account outside the project's names (a vendor's tooling, break-glass): not the project's to fence. */
const notTheProjects = (c: RowContext) => `arn:aws:iam::${account(c)}:role/vendor-audit`;
const OUTSIDE_ACCOUNT = "999999999999";
const outsideRole = `arn:aws:iam::${OUTSIDE_ACCOUNT}:role/anyone`;
/** Another account of the organization: a child environment's, or one the organization lends. */
const ORGANIZATION_ACCOUNT = "444444444444";
/** A trust that lets a whole account in, sessions tagged or not (what a hostile apply could write). */
const trustingAccount = (accountId: string) => ({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${accountId}:root` },
      Action: ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
    },
  ],
});
const githubProvider = (c: RowContext) =>
  `arn:aws:iam::${account(c)}:oidc-provider/token.actions.githubusercontent.com`;
/** The claims of the apply workflow's token, in the environment's reviewed GitHub environment, from main. */
const applyTokenClaims = (c: RowContext) => {
  const repository = c.config.ci.infraRepository;
  return {
    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
    "token.actions.githubusercontent.com:sub": githubSubjects.environment(repository, c.config.ci.githubEnvironment),
    "token.actions.githubusercontent.com:job_workflow_ref": githubJobWorkflowRef(
      repository,
      APPLY_WORKFLOW_PATH,
      INFRA_BRANCH,
    ),
    "token.actions.githubusercontent.com:ref": `refs/heads/${INFRA_BRANCH}`,
    "token.actions.githubusercontent.com:repository": repository,
  };
};
/**
 * The request context STS makes of the token of plan.yml's job in `<env>-drift` (GitHub's claims
 * by name, the keys STS evaluates kept): by default drift.yml's scheduled run on main; `run` names
 * another run's workflow (its `name:` and file, the `workflow` and `workflow_ref` claims) and ref.
 */
const driftTokenContext =
  (run: { workflow: string; file: string; ref?: string } = { workflow: DRIFT_WORKFLOW_NAME, file: "drift.yml" }) =>
  (c: RowContext) => {
    const repository = c.config.ci.infraRepository;
    const ref = run.ref ?? `refs/heads/${INFRA_BRANCH}`;
    return githubTokenContext({
      aud: "sts.amazonaws.com",
      sub: githubSubjects.environment(repository, driftEnvironment(c.config)),
      repository,
      environment: driftEnvironment(c.config),
      ref,
      job_workflow_ref: `${repository}/${PLAN_WORKFLOW_PATH}@${ref}`,
      workflow: run.workflow,
      workflow_ref: `${repository}/.github/workflows/${run.file}@${ref}`,
    });
  };
/** What EKS Pod Identity asks STS for, for the app's service account (its session tags). */
const podIdentityTags = (c: RowContext) => ({
  "aws:RequestTag/eks-cluster-arn": regional(c, "eks", `cluster/${clusterName(c.config)}`),
  "aws:RequestTag/eks-cluster-name": clusterName(c.config),
  "aws:RequestTag/kubernetes-namespace": "marketing-agents",
  "aws:RequestTag/kubernetes-service-account": "marketing-agents",
  "aws:TagKeys": ["eks-cluster-arn", "eks-cluster-name", "kubernetes-namespace", "kubernetes-service-account"],
});

export const REQUESTS: readonly RequestRow[] = [
  // Positive controls: what planning and applying these stacks needs.
  {
    role: "pr-plan",
    action: "s3:GetObject",
    target: "state of the network stack",
    resource: stateObject("network"),
    expected: "Allowed",
    why: "a pull request plans bootstrap, network and cluster",
  },
  {
    role: "pr-plan",
    action: "kms:Decrypt",
    target: "state key",
    resource: stateKeyArn,
    expected: "Allowed",
    why: "the state is encrypted with it",
  },
  {
    role: "pr-plan",
    action: "ec2:DescribeVpcs",
    target: "any resource (the action takes none)",
    resource: () => "*",
    expected: "Allowed",
    why: "refreshing the network stack",
  },
  {
    role: "plan",
    action: "s3:GetObject",
    target: "state of the data stack",
    resource: stateObject("data"),
    expected: "Allowed",
    why: "the full plan of main reads every stack",
  },
  {
    role: "plan",
    action: "secretsmanager:GetSecretValue",
    target: "the environment's API keys secret",
    resource: secret("api-keys/secret"),
    expected: "Allowed",
    why: "refreshing a secret version reads its value (main only: the reviewed `<env>-plan`, or `drift.yml`'s `<env>-drift`)",
  },
  {
    role: "plan",
    action: "s3:PutObject",
    target: "state of the app stack",
    resource: stateObject("app"),
    expected: "ImplicitlyDenied",
    why: "a plan writes no state, nor a lock: `drift.yml` plans unreviewed",
  },
  {
    role: "plan",
    action: "secretsmanager:PutSecretValue",
    target: "the environment's API keys secret",
    resource: secret("api-keys/secret"),
    expected: "ImplicitlyDenied",
    why: "it reads values, never writes one",
  },
  {
    role: "deploy",
    action: "eks:CreateNodegroup",
    target: "the environment's cluster",
    resource: (c) => regional(c, "eks", `cluster/${clusterName(c.config)}`),
    expected: "Allowed",
    why: "applying the cluster stack",
  },
  {
    role: "deploy",
    action: "rds:CreateDBInstance",
    target: "the environment's database",
    resource: database,
    expected: "Allowed",
    why: "applying the data stack",
  },
  {
    role: "deploy",
    action: "s3:PutObject",
    target: "state of the app stack",
    resource: stateObject("app"),
    expected: "Allowed",
    why: "an apply writes the state (and its lock file)",
  },
  {
    role: "deploy",
    action: "iam:CreateRole",
    target: "a role of the environment, with the boundary",
    resource: (c) => `arn:aws:iam::${account(c)}:role/${resourcePrefix(c.config)}-example`,
    context: (c) => ({ "iam:PermissionsBoundary": permissionsBoundaryArn(c.config) }),
    expected: "Allowed",
    why: "the stacks create bounded roles",
  },
  {
    role: "push-image",
    action: "ecr:PutImage",
    target: "the environment's image repository",
    resource: repository,
    expected: "Allowed",
    why: "the image workflow pushes the app image",
  },
  // The pull-through cache's registry credentials (network stack): ECR requires their names.
  ...(["secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:DeleteSecret"] as const).map(
    (action): RequestRow => ({
      role: "deploy",
      action,
      target: "the Docker Hub credential's secret (`ecr-pullthroughcache/...`)",
      resource: pullThroughSecret,
      expected: "Allowed",
      why: "applying the network stack",
    }),
  ),
  {
    role: "deploy",
    action: "secretsmanager:PutSecretValue",
    target: "the Docker Hub credential's secret (`ecr-pullthroughcache/...`)",
    resource: pullThroughSecret,
    expected: "ImplicitlyDenied",
    why: "people put the credential; CI creates the secret only",
  },
  {
    role: "plan",
    action: "secretsmanager:DescribeSecret",
    target: "the Docker Hub credential's secret (`ecr-pullthroughcache/...`)",
    resource: pullThroughSecret,
    expected: "Allowed",
    why: "refreshing the secret (its metadata, not its value)",
  },
  {
    role: "plan",
    action: "secretsmanager:GetSecretValue",
    target: "the Docker Hub credential's secret (`ecr-pullthroughcache/...`)",
    resource: pullThroughSecret,
    expected: "ImplicitlyDenied",
    why: "no version of it is in Terraform: no plan reads the credential",
  },
  {
    role: "pr-plan",
    action: "secretsmanager:DescribeSecret",
    target: "the Docker Hub credential's secret (`ecr-pullthroughcache/...`)",
    resource: pullThroughSecret,
    expected: "Allowed",
    why: "a pull request plans the network stack",
  },
  // Helm charts come through the environment's ECR: pull-through caches and the mirror.
  ...chartRows("plan"),
  {
    role: "plan",
    action: "ecr:CreateRepository",
    target: "a mirrored chart's repository (`<env>-charts/...`)",
    resource: mirroredChart,
    expected: "ImplicitlyDenied",
    why: "the mirror's repositories are the cluster stack's (immutable tags, the environment key): an apply makes them",
  },
  {
    role: "plan",
    action: "ecr:CreateRepository",
    target: "another environment's Quay cache, in the same account",
    resource: chartRepository("cert-manager", anotherEnvironment),
    expected: "ImplicitlyDenied",
    why: "its own environment's caches only",
  },
  {
    role: "plan",
    action: "ecr:CreateRepository",
    target: "another path under the GitHub Container Registry cache's prefix (`<env>-ghcr/attacker/x`)",
    resource: unpinnedCachePath,
    expected: "ImplicitlyDenied",
    why: "creates the pinned charts' cache repositories only (ECR would fill any other from ghcr.io)",
  },
  // What the plan role must never do to a chart an apply installs (its one write is the chart mirror's push).
  ...(
    [
      ["ecr:BatchDeleteImage", "a deleted version would be pushed again, from whatever upstream serves then"],
      ["ecr:PutImageTagMutability", "a mutable tag could be pushed over"],
      ["ecr:DeleteRepository", "the cluster stack's repository, with its charts"],
      ["ecr:SetRepositoryPolicy", "a repository policy could let another principal push"],
    ] as const
  ).map(([action, why]): RequestRow => ({
    role: "plan",
    action,
    target: "a mirrored chart (`<env>-charts/...`)",
    resource: mirroredChart,
    expected: "ImplicitlyDenied",
    why,
  })),
  ...chartRows("deploy"),
  {
    role: "pr-plan",
    action: "ecr:BatchGetImage",
    target: "a chart in the GitHub Container Registry cache (`<env>-ghcr/...`)",
    resource: cachedChart,
    expected: "ExplicitlyDenied",
    why: "a pull request does not plan the platform stack, and reads no image or chart",
  },
  {
    role: "pr-plan",
    action: "ecr:GetDownloadUrlForLayer",
    target: "a mirrored chart (`<env>-charts/...`)",
    resource: mirroredChart,
    expected: "ExplicitlyDenied",
    why: "a pull request does not plan the platform stack, and reads no image or chart",
  },
  {
    role: "pr-plan",
    action: "ecr:BatchImportUpstreamImage",
    target: "a chart in the GitHub Container Registry cache (`<env>-ghcr/...`)",
    resource: cachedChart,
    expected: "ImplicitlyDenied",
    why: "nor fills a cache",
  },
  {
    role: "pr-plan",
    action: "ecr:PutImage",
    target: "a mirrored chart (`<env>-charts/...`)",
    resource: mirroredChart,
    expected: "ImplicitlyDenied",
    why: "nor mirrors a chart",
  },
  // Preflight checks a restore's source before Terraform replaces the instance (scripts/deploy/preflight.ts).
  ...(["plan", "deploy"] as const).flatMap((role): RequestRow[] => [
    {
      role,
      action: "rds:DescribeDBSnapshots",
      target: "the snapshots (`*`)",
      resource: () => "*",
      expected: "Allowed",
      why: "preflight: a restore's snapshot or AWS Backup recovery point exists",
    },
    {
      role,
      action: "rds:DescribeDBInstanceAutomatedBackups",
      target: "the automated backups (`*`)",
      resource: () => "*",
      expected: "Allowed",
      why: "preflight: a point-in-time restore is inside the backups' window",
    },
    {
      role,
      action: "ecr:ValidatePullThroughCacheRule",
      target: "the pull-through cache rules (`*`: the action takes no resource)",
      resource: () => "*",
      expected: "Allowed",
      why: "preflight: each upstream with a credential the charts come through authenticates",
    },
  ]),
  {
    role: "pr-plan",
    action: "ecr:ValidatePullThroughCacheRule",
    target: "the pull-through cache rules (`*`: the action takes no resource)",
    resource: () => "*",
    expected: "ImplicitlyDenied",
    why: "a pull request does not plan the platform stack",
  },
  // Restoring the database by config (database.restore) creates it through the restore APIs.
  {
    role: "deploy",
    action: "rds:RestoreDBInstanceFromDBSnapshot",
    target: "the environment's database",
    resource: database,
    expected: "Allowed",
    why: "restoring a snapshot or an AWS Backup recovery point",
  },
  {
    role: "deploy",
    action: "rds:RestoreDBInstanceToPointInTime",
    target: "the environment's database",
    resource: database,
    expected: "Allowed",
    why: "restoring the automated backups to a point in time",
  },
  {
    role: "deploy",
    action: "kms:CreateGrant",
    target: "the environment key, for RDS",
    resource: environmentKeyArn,
    context: grantForAwsResource("rds"),
    expected: "Allowed",
    // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.Keys.html
    why: "RDS encrypts the created or restored instance with it in the caller's name",
  },
  {
    role: "deploy",
    action: "kms:DescribeKey",
    target: "the environment key",
    resource: environmentKeyArn,
    expected: "Allowed",
    why: "RDS reads the key of the instance it creates or restores",
  },
  // What the first apply and later updates call besides the resource's own API (dependent actions).
  {
    role: "deploy",
    action: "route53:AssociateVPCWithHostedZone",
    target: "the private hosted zone of an interface endpoint",
    resource: () => "arn:aws:route53:::hostedzone/Z0INTERFACEENDPOINT",
    expected: "Allowed",
    why: "an interface endpoint with private DNS associates the VPC (a dependent action of ec2:CreateVpcEndpoint)",
  },
  {
    role: "deploy",
    action: "kms:CreateGrant",
    target: "the environment key, for EC2",
    resource: environmentKeyArn,
    context: grantForAwsResource("ec2"),
    expected: "Allowed",
    why: "the operator host's root volume is encrypted with it",
  },
  {
    role: "deploy",
    action: "kms:CreateGrant",
    target: "the environment key, for itself",
    resource: environmentKeyArn,
    expected: "ImplicitlyDenied",
    why: "grants only for an AWS resource (kms:GrantIsForAWSResource)",
  },
  {
    role: "deploy",
    action: "kms:GenerateDataKeyWithoutPlaintext",
    target: "the environment key, through EC2",
    resource: environmentKeyArn,
    context: through("ec2"),
    expected: "Allowed",
    why: "EBS encrypts the root volume in the caller's name",
  },
  {
    role: "deploy",
    action: "kms:ReEncryptFrom",
    target: "the environment key, through EC2",
    resource: environmentKeyArn,
    context: through("ec2"),
    expected: "Allowed",
    why: "EBS re-encrypts a volume made from an encrypted snapshot",
  },
  {
    role: "deploy",
    action: "kms:GenerateDataKeyWithoutPlaintext",
    target: "the environment key, directly",
    resource: environmentKeyArn,
    expected: "ImplicitlyDenied",
    why: "only through EC2 (kms:ViaService)",
  },
  {
    role: "deploy",
    action: "kms:RetireGrant",
    target: "the environment key, through ECR",
    resource: environmentKeyArn,
    context: through("ecr"),
    expected: "Allowed",
    why: "deleting the image repository retires ECR's grant",
  },
  {
    role: "deploy",
    action: "kms:RetireGrant",
    target: "the environment key (the primary backup vault's)",
    resource: environmentKeyArn,
    expected: "Allowed",
    why: "the database's backup vault is encrypted with it",
    when: (config) => config.database.backupPlan !== null,
  },
  {
    role: "deploy",
    action: "kms:CreateGrant",
    target: "the backup copy vault's key (second region), for AWS Backup",
    resource: backupCopyKeyArn,
    context: grantForAwsResource("backup"),
    expected: "Allowed",
    why: "creating the copy vault under its key",
    when: withBackupCopies,
  },
  {
    role: "deploy",
    action: "kms:GenerateDataKey",
    target: "the backup copy vault's key (second region)",
    resource: backupCopyKeyArn,
    expected: "Allowed",
    why: "AWS Backup's documented rights of a vault's creator",
    when: withBackupCopies,
  },
  {
    role: "deploy",
    action: "kms:RetireGrant",
    target: "the backup copy vault's key (second region)",
    resource: backupCopyKeyArn,
    expected: "Allowed",
    why: "AWS Backup's documented rights of a vault's creator",
    when: withBackupCopies,
  },
  {
    role: "deploy",
    action: "elasticache:IncreaseReplicaCount",
    target: "the environment's Redis",
    resource: (c) => regional(c, "elasticache", `replicationgroup:${resourcePrefix(c.config)}`),
    expected: "Allowed",
    why: "a changed node count is applied by replica count",
  },
  {
    role: "deploy",
    action: "elasticache:DecreaseReplicaCount",
    target: "the environment's Redis",
    resource: (c) => regional(c, "elasticache", `replicationgroup:${resourcePrefix(c.config)}`),
    expected: "Allowed",
    why: "a changed node count is applied by replica count",
  },
  {
    role: "deploy",
    action: "elasticache:CreateSnapshot",
    target: "Redis's final snapshot",
    resource: (c) => regional(c, "elasticache", `snapshot:${resourcePrefix(c.config)}-final`),
    expected: "Allowed",
    why: "deleting with a final snapshot needs it",
  },
  {
    role: "deploy",
    action: "rds:CreateDBSnapshot",
    target: "the database's final snapshot",
    resource: (c) => regional(c, "rds", `snapshot:${resourcePrefix(c.config)}-final`),
    expected: "Allowed",
    why: "deleting with a final snapshot takes one",
  },
  {
    role: "deploy",
    action: "ec2:ReplaceIamInstanceProfileAssociation",
    target: "the operator access host",
    resource: (c) => regional(c, "ec2", "instance/i-0operatoraccess"),
    expected: "Allowed",
    why: "a changed instance profile is replaced in place",
  },
  {
    role: "deploy",
    action: "ec2:ModifyVolume",
    target: "the operator access host's root volume",
    resource: (c) => regional(c, "ec2", "volume/vol-0operatoraccess"),
    expected: "Allowed",
    why: "a changed root volume size is modified in place",
  },
  // A pull request's plan reads no secret value, log, database log, image or secret state.
  {
    role: "pr-plan",
    action: "secretsmanager:GetSecretValue",
    target: "the environment's API keys secret",
    resource: secret("api-keys/secret"),
    expected: "ExplicitlyDenied",
    why: "no secret value for a pull request",
  },
  {
    role: "pr-plan",
    action: "logs:GetLogEvents",
    target: "a log stream of the containers' log group",
    resource: (c) => `${logGroup(c)}:log-stream:app`,
    expected: "ExplicitlyDenied",
    why: "logs can hold request data",
  },
  {
    role: "pr-plan",
    action: "logs:StartLiveTail",
    target: "the containers' log group",
    resource: logGroup,
    expected: "ExplicitlyDenied",
    why: "a live tail is a log read",
  },
  {
    role: "pr-plan",
    action: "rds:DownloadDBLogFilePortion",
    target: "the environment's database",
    resource: database,
    expected: "ExplicitlyDenied",
    why: "database logs hold slow statements",
  },
  {
    role: "pr-plan",
    action: "ecr:GetDownloadUrlForLayer",
    target: "the environment's image repository",
    resource: repository,
    expected: "ExplicitlyDenied",
    why: "image layers are the product",
  },
  {
    role: "pr-plan",
    action: "ssm:GetParameter",
    target: "the image-tag parameter",
    resource: parameter,
    expected: "ExplicitlyDenied",
    why: "no parameter value for a pull request",
  },
  {
    role: "pr-plan",
    action: "ssm:GetParameterHistory",
    target: "the image-tag parameter",
    resource: parameter,
    expected: "ExplicitlyDenied",
    why: "nor its history",
  },
  {
    role: "pr-plan",
    action: "s3:GetObject",
    target: "state of the data stack",
    resource: stateObject("data"),
    expected: "ExplicitlyDenied",
    why: "its state holds secret values",
  },
  {
    role: "pr-plan",
    action: "s3:GetObject",
    target: "state of the app stack",
    resource: stateObject("app"),
    expected: "ExplicitlyDenied",
    why: "its state holds secret values",
  },
  {
    role: "pr-plan",
    action: "kms:Decrypt",
    target: "the environment's data key",
    resource: environmentKeyArn,
    expected: "ImplicitlyDenied",
    why: "it decrypts the state only",
  },
  // The deploy role cannot weaken the state storage, the CI identities or the boundary.
  {
    role: "deploy",
    action: "kms:PutKeyPolicy",
    target: "state key",
    resource: stateKeyArn,
    expected: "ExplicitlyDenied",
    why: "the state key's policy is the people's",
  },
  {
    role: "deploy",
    action: "kms:ScheduleKeyDeletion",
    target: "state key",
    resource: stateKeyArn,
    expected: "ExplicitlyDenied",
    why: "without it no state can be read",
  },
  {
    role: "deploy",
    action: "s3:PutBucketPolicy",
    target: "state bucket",
    resource: (c) => `arn:aws:s3:::${stateBucketName(c.config)}`,
    expected: "ExplicitlyDenied",
    why: "the state bucket's policy is the people's",
  },
  {
    role: "deploy",
    action: "s3:DeleteBucketPolicy",
    target: "state bucket",
    resource: (c) => `arn:aws:s3:::${stateBucketName(c.config)}`,
    expected: "ExplicitlyDenied",
    why: "the state bucket's policy is the people's",
  },
  {
    role: "deploy",
    action: "s3:DeleteObjectVersion",
    target: "state of the data stack",
    resource: stateObject("data"),
    expected: "ExplicitlyDenied",
    why: "state history is the way back",
  },
  {
    role: "deploy",
    action: "cloudtrail:StopLogging",
    target: "the state-access trail",
    resource: trail,
    expected: "ExplicitlyDenied",
    why: "the trail records who read the state",
    when: withTrail,
  },
  {
    role: "deploy",
    action: "cloudtrail:DeleteTrail",
    target: "the state-access trail",
    resource: trail,
    expected: "ExplicitlyDenied",
    why: "the trail records who read the state",
    when: withTrail,
  },
  {
    role: "deploy",
    action: "iam:PutRolePolicy",
    target: "the pull-request plan role",
    resource: (c) => ciRoleArn(c.config, "pr-plan"),
    context: (c) => ({ "iam:PermissionsBoundary": permissionsBoundaryArn(c.config) }),
    expected: "ExplicitlyDenied",
    why: "CI never changes the CI roles",
  },
  {
    role: "deploy",
    action: "iam:AttachRolePolicy",
    target: "the deploy role itself",
    resource: (c) => ciRoleArn(c.config, "deploy"),
    context: (c) => ({
      "iam:PermissionsBoundary": permissionsBoundaryArn(c.config),
      "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess",
    }),
    expected: "ExplicitlyDenied",
    why: "nor grants itself more",
  },
  {
    role: "deploy",
    action: "iam:CreatePolicyVersion",
    target: "the permissions boundary",
    resource: (c) => permissionsBoundaryArn(c.config),
    expected: "ExplicitlyDenied",
    why: "nor widens the boundary",
  },
  {
    role: "deploy",
    action: "iam:CreatePolicyVersion",
    target: "the deploy role's own allow-list",
    resource: (c) => `arn:aws:iam::${account(c)}:policy/${ciRoleName(c.config, "deploy")}-1`,
    expected: "ExplicitlyDenied",
    why: "nor its own allow-list",
  },
  {
    role: "deploy",
    action: "iam:CreateRole",
    target: "a role of the environment, without the boundary",
    resource: (c) => `arn:aws:iam::${account(c)}:role/${resourcePrefix(c.config)}-example`,
    expected: "ImplicitlyDenied",
    why: "every role it creates carries the boundary",
  },
  {
    role: "deploy",
    action: "sts:AssumeRole",
    target: "a role of another account",
    resource: () => "arn:aws:iam::999999999999:role/anything",
    expected: "ExplicitlyDenied",
    why: "it assumes no role but the parent zone's delegation role, whatever a trust says",
  },
  // A role's trust that names a CI role is enough in the same account: the deploy role writes the
  // trust of every `<env>-*` role, so no CI role may become another (an explicit deny).
  ...(["deploy", "plan", "pr-plan", "push-image"] as const).map((role): RequestRow => ({
    role,
    action: "sts:AssumeRole",
    target: "a role the deploy role made, trusting this role by its ARN",
    resource: madeByDeploy,
    targetTrust: trustingRole(role),
    expected: "ExplicitlyDenied",
    why: "it would hold the union of the boundaries (data objects, `rds!` secrets, kms:Decrypt)",
  })),
  {
    role: "deploy",
    action: "sts:TagSession",
    target: "a role the deploy role made, trusting this role by its ARN",
    resource: madeByDeploy,
    targetTrust: trustingRole("deploy"),
    expected: "ExplicitlyDenied",
    why: "nor tags a session of one",
  },
  {
    role: "deploy",
    action: "sts:AssumeRole",
    target: "the parent zone's delegation role (parent's account)",
    resource: (c) => c.config.dns.parent?.roleArn ?? "",
    expected: "Allowed",
    why: "applying the zone's delegation writes its NS records in the parent zone",
    when: (config) => Boolean(config.dns.parent?.roleArn),
  },
  {
    role: "plan",
    action: "sts:AssumeRole",
    target: "the parent zone's read-only delegation role (parent's account)",
    resource: (c) => `${c.config.dns.parent?.roleArn ?? ""}${ZONE_READER_SUFFIX}`,
    expected: "Allowed",
    why: "a plan reads the delegation through its read-only twin",
    when: (config) => Boolean(config.dns.parent?.roleArn),
  },
  // Roles are handed to the services that run them, and EC2 only the operator host's.
  {
    role: "deploy",
    action: "iam:PassRole",
    target: "the operator access host's role, to EC2",
    resource: (c) => c.arnOf("aws_iam_role", `${c.config.name}-cluster/operator-access/role`),
    context: () => ({ "iam:PassedToService": "ec2.amazonaws.com" }),
    expected: "Allowed",
    why: "the host's instance profile carries it",
    when: (config) => config.cluster.operatorAccess.enabled,
  },
  {
    role: "deploy",
    action: "iam:PassRole",
    target: "the app's role, to EC2",
    resource: (c) => `arn:aws:iam::${account(c)}:role/${resourcePrefix(c.config)}-app`,
    context: () => ({ "iam:PassedToService": "ec2.amazonaws.com" }),
    expected: "ImplicitlyDenied",
    why: "an instance running as a pod's role would hold its rights outside the cluster",
  },
  {
    role: "deploy",
    action: "iam:CreateInstanceProfile",
    target: "the operator access host's instance profile",
    resource: (c) => c.arnOf("aws_iam_instance_profile", `${c.config.name}-cluster/operator-access/profile`),
    expected: "Allowed",
    why: "the host's profile, named after the environment",
    when: (config) => config.cluster.operatorAccess.enabled,
  },
  {
    role: "deploy",
    action: "iam:CreateInstanceProfile",
    target: "an instance profile of another name",
    resource: (c) => `arn:aws:iam::${account(c)}:instance-profile/anything`,
    expected: "ImplicitlyDenied",
    why: "the stacks make no other (EKS makes the node groups' itself)",
  },
  {
    role: "deploy",
    action: "iam:CreateServiceLinkedRole",
    target: "EKS's service-linked role",
    resource: (c) => serviceLinkedRole(c, "eks.amazonaws.com", "AWSServiceRoleForAmazonEKS"),
    context: () => ({ "iam:AWSServiceName": "eks.amazonaws.com" }),
    expected: "Allowed",
    why: "the account's first cluster creates it",
  },
  // The pull-through cache's repository creation templates (modules/pull-through-repository-templates.ts).
  {
    role: "deploy",
    action: "iam:CreateServiceLinkedRole",
    target: "ECR's service-linked role for repository creation templates",
    resource: (c) => serviceLinkedRole(c, "ecr.amazonaws.com", "AWSServiceRoleForECRTemplate"),
    context: () => ({ "iam:AWSServiceName": "ecr.amazonaws.com" }),
    expected: "Allowed",
    why: "the account's first repository creation template creates it",
  },
  ...(["ecr:CreateRepositoryCreationTemplate", "ecr:DeleteRepositoryCreationTemplate"] as const).flatMap(
    (action): RequestRow[] => [
      {
        role: "deploy",
        action,
        target: "the repository creation templates (`*`: the action takes no resource)",
        resource: () => "*",
        expected: "Allowed",
        why: "the cluster stack's templates make the caches' repositories immutable",
      },
      {
        role: "plan",
        action,
        target: "the repository creation templates (`*`: the action takes no resource)",
        resource: () => "*",
        expected: "ImplicitlyDenied",
        why: "a template decides every cache repository ECR creates: an apply's",
      },
    ],
  ),
  {
    role: "deploy",
    action: "iam:CreateServiceLinkedRole",
    target: "IAM Identity Center's service-linked role",
    resource: (c) => serviceLinkedRole(c, "sso.amazonaws.com", "AWSServiceRoleForSSO"),
    context: () => ({ "iam:AWSServiceName": "sso.amazonaws.com" }),
    expected: "ImplicitlyDenied",
    why: "only the services of the stacks' resource types",
  },
  {
    role: "deploy",
    action: "organizations:LeaveOrganization",
    target: "any resource (the action takes none)",
    resource: () => "*",
    expected: "ImplicitlyDenied",
    why: "nothing outside these stacks' resource types",
  },
  // No CI role deletes or disables a key: destroying a key is the people's.
  ...ciRolesDeny("kms:ScheduleKeyDeletion", "a deleted key loses the database, secrets, images and backups"),
  ...ciRolesDeny("kms:DisableKey", "a disabled key stops everything it encrypts"),
  {
    role: "deploy",
    action: "kms:ScheduleKeyDeletion",
    target: "the backup copy vault's key (second region)",
    resource: backupCopyKeyArn,
    expected: "ExplicitlyDenied",
    why: "the copies are the way back from a lost region",
    when: withBackupCopies,
  },
  // The image push role pushes; ECR encrypts the layers through its own grant.
  {
    role: "push-image",
    action: "kms:Decrypt",
    target: "the environment key",
    resource: environmentKeyArn,
    expected: "ImplicitlyDenied",
    why: "a push needs no key right",
  },
  {
    role: "push-image",
    action: "kms:GenerateDataKey",
    target: "the environment key",
    resource: environmentKeyArn,
    expected: "ImplicitlyDenied",
    why: "a push needs no key right",
  },
  // The runner's role runs the runner, nothing else.
  {
    role: "runner",
    action: "codeconnections:GetConnectionToken",
    target: "the environment's GitHub connection",
    resource: (c) => c.config.ci.runner.connectionArn,
    expected: "Allowed",
    // https://docs.aws.amazon.com/codebuild/latest/userguide/connections-github-app.html
    why: "CodeBuild registers the runner with GitHub through the connection's token",
  },
  {
    role: "runner",
    action: "secretsmanager:GetSecretValue",
    target: "the environment's API keys secret",
    resource: secret("api-keys/secret"),
    expected: "ImplicitlyDenied",
    why: "jobs get their rights from the CI roles, not from the runner",
  },
  {
    role: "runner",
    action: "sts:AssumeRole",
    target: "the deploy role",
    resource: (c) => ciRoleArn(c.config, "deploy"),
    expected: "ImplicitlyDenied",
    why: "the deploy role trusts GitHub's tokens only",
  },
  {
    role: "runner",
    action: "s3:GetObject",
    target: "state of the data stack",
    resource: stateObject("data"),
    expected: "ImplicitlyDenied",
    why: "the runner reads no state",
  },
  // Who may assume the environment's roles: the organization's resource control policy
  // (stacks/org-guardrails-stack.ts) holds whatever trust the deploy role writes.
  {
    role: "outside-account",
    action: "sts:AssumeRole",
    target: "a role the deploy role made, trusting that account",
    resource: madeByDeploy,
    assumption: () => ({ caller: { kind: "role", arn: outsideRole }, trust: trustingAccount(OUTSIDE_ACCOUNT) }),
    expected: "ExplicitlyDenied",
    why: "outside the organization: its resource control policy, whatever the trust says",
    needsOrganizationGuardrails: true,
  },
  {
    role: "outside-account",
    action: "sts:TagSession",
    target: "a role the deploy role made, trusting that account",
    resource: madeByDeploy,
    assumption: () => ({ caller: { kind: "role", arn: outsideRole }, trust: trustingAccount(OUTSIDE_ACCOUNT) }),
    expected: "ExplicitlyDenied",
    why: "nor tags a session of one",
    needsOrganizationGuardrails: true,
  },
  {
    role: "outside-account",
    action: "sts:AssumeRole",
    target: "a role outside the project's names (a vendor's tooling), trusting that account",
    resource: notTheProjects,
    assumption: () => ({ caller: { kind: "role", arn: outsideRole }, trust: trustingAccount(OUTSIDE_ACCOUNT) }),
    expected: "Allowed",
    why: "the perimeter fences the project's roles (`marketing-agents-*`) only: this role's own trust decides",
  },
  {
    role: "organization-account",
    action: "sts:AssumeRole",
    target: "a role trusting that account",
    resource: madeByDeploy,
    assumption: () => ({
      caller: {
        kind: "role",
        arn: `arn:aws:iam::${ORGANIZATION_ACCOUNT}:role/anyone`,
        organizationId: ORGANIZATION.id,
      },
      trust: trustingAccount(ORGANIZATION_ACCOUNT),
    }),
    expected: "Allowed",
    why: "inside the organization the role's trust decides (and Access Analyzer reports it)",
  },
  {
    role: "organization-account",
    action: "sts:AssumeRole",
    target: "the zone delegation role of a child environment",
    resource: (c) => zoneDelegationRoleArn(c.config, c.config.dns.childEnvironments[0].name),
    assumption: (c) => {
      const [child] = c.config.dns.childEnvironments;
      const deploy = ciRoleArn({ name: child.name, account: { id: child.accountId } }, "deploy");
      return { caller: { kind: "role", arn: deploy, organizationId: ORGANIZATION.id } };
    },
    expected: "Allowed",
    why: "a child environment's deploy role writes its NS records",
    when: (config) => config.dns.childEnvironments.length > 0,
  },
  {
    role: "eks-pod-identity",
    action: "sts:AssumeRole",
    target: "the app's role, for the app's service account",
    resource: (c) => `arn:aws:iam::${account(c)}:role/${resourcePrefix(c.config)}-app`,
    context: podIdentityTags,
    assumption: () => ({ caller: { kind: "service", service: "pods.eks.amazonaws.com" } }),
    expected: "Allowed",
    why: "AWS services are exempt (aws:PrincipalIsAWSService); the trust pins the cluster and service account",
  },
  {
    role: "eks-pod-identity",
    action: "sts:TagSession",
    target: "the app's role, for the app's service account",
    resource: (c) => `arn:aws:iam::${account(c)}:role/${resourcePrefix(c.config)}-app`,
    context: podIdentityTags,
    assumption: () => ({ caller: { kind: "service", service: "pods.eks.amazonaws.com" } }),
    expected: "Allowed",
    why: "Pod Identity tags every session it asks for",
  },
  {
    role: "github-actions",
    action: "sts:AssumeRoleWithWebIdentity",
    target: "the deploy role, from the apply workflow on main in the reviewed environment",
    resource: (c) => ciRoleArn(c.config, "deploy"),
    context: applyTokenClaims,
    assumption: (c) => ({ caller: { kind: "federated", provider: githubProvider(c) } }),
    expected: "Allowed",
    why: "the project's repositories are the perimeter's GitHub tenants",
  },
  // The scheduled drift check runs unattended in `<env>-drift` (no reviewer): read-only, drift.yml's only.
  {
    role: "github-actions",
    action: "sts:AssumeRoleWithWebIdentity",
    target: "the plan role, from `drift.yml`'s plan job on main in `<env>-drift`",
    resource: (c) => ciRoleArn(c.config, "plan"),
    context: driftTokenContext(),
    assumption: (c) => ({ caller: { kind: "federated", provider: githubProvider(c) } }),
    expected: "Allowed",
    why: "the drift check plans unattended: main only, a role that reads, but for the pinned charts' mirror and cache repositories",
  },
  {
    role: "github-actions",
    action: "sts:AssumeRoleWithWebIdentity",
    target: "the deploy role, from `drift.yml`'s plan job on main in `<env>-drift`",
    resource: (c) => ciRoleArn(c.config, "deploy"),
    context: driftTokenContext(),
    assumption: (c) => ({ caller: { kind: "federated", provider: githubProvider(c) } }),
    expected: "ImplicitlyDenied",
    why: "no reviewer approved it: the deploy role admits its reviewed environment only",
  },
  {
    role: "github-actions",
    action: "sts:AssumeRoleWithWebIdentity",
    target: "the plan role, from `<env>-drift` in a run of `infra.yml` on main (a dispatch)",
    resource: (c) => ciRoleArn(c.config, "plan"),
    context: driftTokenContext({ workflow: "infra", file: "infra.yml" }),
    assumption: (c) => ({ caller: { kind: "federated", provider: githubProvider(c) } }),
    expected: "ImplicitlyDenied",
    why: "the unreviewed environment is `drift.yml`'s only (the token's `workflow` claim)",
  },
  {
    role: "github-actions",
    action: "sts:AssumeRoleWithWebIdentity",
    target: "the plan role, from `<env>-drift` in a pull request's run",
    resource: (c) => ciRoleArn(c.config, "plan"),
    context: driftTokenContext({ workflow: "infra", file: "infra.yml", ref: "refs/pull/7/merge" }),
    assumption: (c) => ({ caller: { kind: "federated", provider: githubProvider(c) } }),
    expected: "ImplicitlyDenied",
    why: "nor a pull request's workflow: main's `drift.yml` only",
  },
  {
    role: "github-other-repository",
    action: "sts:AssumeRoleWithWebIdentity",
    target: "a role the deploy role made, trusting any GitHub token",
    resource: madeByDeploy,
    context: () => ({
      "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
      "token.actions.githubusercontent.com:sub": "repo:someone/else:ref:refs/heads/main",
      "token.actions.githubusercontent.com:repository": "someone/else",
    }),
    assumption: (c) => ({
      caller: { kind: "federated", provider: githubProvider(c) },
      trust: {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Federated: githubProvider(c) }, Action: "sts:AssumeRoleWithWebIdentity" },
        ],
      },
    }),
    expected: "ExplicitlyDenied",
    why: "another repository's workflows: the organization's resource control policy",
    needsOrganizationGuardrails: true,
  },
  {
    role: "github-other-repository",
    action: "sts:AssumeRoleWithWebIdentity",
    target: "a role outside the project's names, trusting any GitHub token",
    resource: notTheProjects,
    context: () => ({
      "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
      "token.actions.githubusercontent.com:sub": "repo:someone/else:ref:refs/heads/main",
      "token.actions.githubusercontent.com:repository": "someone/else",
    }),
    assumption: (c) => ({
      caller: { kind: "federated", provider: githubProvider(c) },
      trust: {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Federated: githubProvider(c) }, Action: "sts:AssumeRoleWithWebIdentity" },
        ],
      },
    }),
    expected: "Allowed",
    why: "not a project role: its own trust decides, as before the perimeter",
  },
];
