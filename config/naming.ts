/** Names derived from an environment's config, in one place so stacks agree on them. */
import type { EnvironmentConfig } from "./schema";

/** The project name: the prefix of every resource name. */
export const PROJECT = "marketing-agents";

/** The stack concerns, in deploy order (bootstrap first). */
export const CONCERNS = ["bootstrap", "network", "cluster", "data", "platform", "app"] as const;
export type Concern = (typeof CONCERNS)[number];

/**
 * The concern of the infra repository's GitHub settings (stacks/github-stack.ts): one stack for
 * the repository, not one per environment, kept and deployed as `<GITHUB_SETTINGS_ENVIRONMENT>-github`.
 */
export const GITHUB_CONCERN = "github";
/**
 * The concern of the organization guardrails (stacks/org-guardrails-stack.ts): one stack for the
 * organization, kept and deployed as `<ORGANIZATION_GUARDRAILS_ENVIRONMENT>-org-guardrails`.
 */
export const ORGANIZATION_CONCERN = "org-guardrails";
/** Every concern a stack id can end with: an environment's, the repository's GitHub settings, the organization's guardrails. */
export const STACK_CONCERNS = [...CONCERNS, GITHUB_CONCERN, ORGANIZATION_CONCERN] as const;
export type StackConcern = (typeof STACK_CONCERNS)[number];

/** `marketing-agents-<env>`: the prefix of this environment's AWS resource names. */
export function resourcePrefix(config: Pick<EnvironmentConfig, "name">): string {
  return `${PROJECT}-${config.name}`;
}

/** Name of the operator access host's resources (cluster stack); the deploy role hands EC2 its role. */
export function operatorAccessName(config: Pick<EnvironmentConfig, "name">): string {
  return `${resourcePrefix(config)}-operator-access`;
}

/** `<env>-<concern>`: the stack id, so `cdktf deploy 'prod-*'` selects one environment. */
export function stackId(config: EnvironmentConfig, concern: Concern): string {
  return `${config.name}-${concern}`;
}

/**
 * The environment a stack id belongs to: what comes before its first hyphen. An environment name
 * has none (`name` in config/schema.ts) while a concern may, so `prod-org-guardrails` is prod's.
 * Reads ids of any synth output, also one of another git ref whose environments differ from this one's.
 */
export function environmentOfStackId(id: string): string {
  const dash = id.indexOf("-");
  return dash < 0 ? id : id.slice(0, dash);
}

/** The bucket holding this environment's Terraform state (account id keeps it globally unique). */
export function stateBucketName(config: EnvironmentConfig): string {
  return `${PROJECT}-tfstate-${config.name}-${config.account.id}`;
}

/** The bucket the state's data-event trail writes to (`state.dataEventTrail`). */
export function auditBucketName(config: EnvironmentConfig): string {
  return `${PROJECT}-audit-${config.name}-${config.account.id}`;
}

/** The CloudTrail trail recording reads and writes of the state objects. */
export function stateTrailName(config: Pick<EnvironmentConfig, "name">): string {
  return `${resourcePrefix(config)}-state-access`;
}

/** The alias of the KMS key that encrypts the state bucket. */
export function stateKeyAlias(config: EnvironmentConfig): string {
  return `alias/${PROJECT}-${config.name}-tfstate`;
}

/**
 * The alias of the key of AWS Backup's copy vault (in `database.backupPlan.copy.region`): the
 * data stack names the key with it, the deploy role's key rights find it by it.
 */
export function backupCopyKeyAlias(config: Pick<EnvironmentConfig, "name">): string {
  return `alias/${resourcePrefix(config)}-backup-copies`;
}

/** ARNs of the people's roles that alone may change or destroy the state storage (`state.adminRoleNames`). */
export function stateAdminRoleArns(config: Pick<EnvironmentConfig, "account" | "state">): string[] {
  return config.state.adminRoleNames.map((name) => `arn:aws:iam::${config.account.id}:role/${name}`);
}

/** The state object key of one stack. */
export function stateKey(config: EnvironmentConfig, concern: Concern): string {
  return `${config.name}/${concern}.tfstate`;
}

/** Names of the app's secrets in Secrets Manager. */
export function secretNames(config: Pick<EnvironmentConfig, "name">) {
  return {
    apiKeys: `${PROJECT}/${config.name}/api-keys`,
    redis: `${PROJECT}/${config.name}/redis`,
    databaseApp: `${PROJECT}/${config.name}/database-app`,
  };
}

/**
 * The app's database, and its own logins: not the master user, no role or database creation.
 * `appRole` (no login) owns the app's schema and everything in it; the app logs in as one of
 * `appLogins`, members of it whose sessions act as it, alternating at each rotation
 * (`database.appLoginGeneration`), so one login's password is set while the other still serves.
 * The app stack's create-app-user and retire-app-logins Jobs keep them so.
 */
export const APP_DATABASE = {
  name: "marketing_agents",
  masterUser: "marketing_agents",
  appRole: "marketing_agents_app",
  appLogins: ["marketing_agents_app_a", "marketing_agents_app_b"],
  schema: "marketing_agents",
  port: 5432,
} as const;

/** The login the app uses at a rotation generation: the first at even ones, the second at odd ones. */
export function appLoginAt(generation: number): string {
  return APP_DATABASE.appLogins[generation % 2];
}

/** The environment's private ECR registry: its own repository and the pull-through cache. */
export function ecrRegistryHost(config: Pick<EnvironmentConfig, "account">): string {
  return `${config.account.id}.dkr.ecr.${config.account.region}.amazonaws.com`;
}

/**
 * Where the environment pulls public images and charts from (modules/image-mirror.ts): its
 * registry, and the start of its pull-through cache and chart mirror prefixes (`<env>-ghcr`,
 * `<env>-charts`). The stacks create them and the deploy checks and fills them by these names, so
 * every caller builds its ImageMirror from this one place.
 */
export function imageMirrorNames(config: Pick<EnvironmentConfig, "account" | "name">): {
  readonly registryHost: string;
  readonly prefixStart: string;
} {
  return { registryHost: ecrRegistryHost(config), prefixStart: config.name };
}

/** The ECR repository of the app's image. */
export function imageRepositoryName(config: Pick<EnvironmentConfig, "name">): string {
  return resourcePrefix(config);
}

/** The SSM parameter holding the image tag the environment runs (written by rollouts). */
export function imageTagParameterName(config: Pick<EnvironmentConfig, "name">): string {
  return `/${PROJECT}/${config.name}/image-tag`;
}

/**
 * The Terraform variable of the app stack naming the image tag a rollout plans (the deploy
 * command passes it with --image-tag, to the plan and to the apply alike); empty runs the tag the
 * image-tag parameter records, which the deploy command writes only after that apply succeeded.
 */
export const IMAGE_TAG_VARIABLE = "image_tag";

/**
 * The role of a parent zone's account that one child environment's deploy role writes its NS
 * records with; its plans read them through the same name with ZONE_READER_SUFFIX.
 */
export function zoneDelegationRoleName(parent: Pick<EnvironmentConfig, "name">, child: string): string {
  return `${resourcePrefix(parent)}-dns-${child}`;
}

/** The read-only twin of a zone-delegation role: plans (pull requests included) never write DNS. */
export const ZONE_READER_SUFFIX = "-read";

/**
 * The Terraform variable of the network stack holding the parent-zone role: the writing role by
 * default, its read-only twin in plan-only runs (the deploy command passes it with --plan).
 */
export const PARENT_ZONE_ROLE_VARIABLE = "dns_parent_role_arn";

export function zoneDelegationRoleArn(parent: Pick<EnvironmentConfig, "name" | "account">, child: string): string {
  return `arn:aws:iam::${parent.account.id}:role/${zoneDelegationRoleName(parent, child)}`;
}

/** The EKS cluster name. */
export function clusterName(config: EnvironmentConfig): string {
  return resourcePrefix(config);
}

/** The log group every container's output is shipped to (the control plane's is `/aws/eks/<cluster>/cluster`). */
export function containerLogGroupName(config: EnvironmentConfig): string {
  return `/aws/eks/${clusterName(config)}/containers`;
}

/**
 * The tag naming the environment a resource belongs to: a shared account's budgets count
 * costs by it (activated as a cost allocation tag).
 */
export const ENVIRONMENT_TAG_KEY = "Environment";

/** Tags every AWS resource of the environment carries (provider default tags). */
export function defaultTags(config: EnvironmentConfig, concern: Concern): Record<string, string> {
  return {
    Project: PROJECT,
    [ENVIRONMENT_TAG_KEY]: config.name,
    Stack: concern,
    ManagedBy: "cdktf",
    Owner: config.tags.owner,
    CostCenter: config.tags.costCenter,
  };
}

/** Name prefix of a node group's IAM role (IAM name prefixes stop at 38 characters). */
export function nodeRoleName(config: Pick<EnvironmentConfig, "name">, nodeGroup: string): string {
  return `${PROJECT}-${config.name}-${nodeGroup}`;
}

/** Longest name prefix IAM accepts (64 characters minus Terraform's 26-character suffix). */
export const IAM_NAME_PREFIX_MAX = 38;
