/** CI delivery: who may plan and apply what, and the limits every environment shares. */
import {
  CONCERNS,
  GITHUB_CONCERN,
  ORGANIZATION_CONCERN,
  resourcePrefix,
  type Concern,
  type StackConcern,
} from "./naming";
import type { EnvironmentConfig } from "./schema";

/**
 * Longest apply CI must survive, in seconds: an environment-wide apply can roll every node,
 * install seven Helm releases with 900 s timeouts each and modify RDS. The deploy role's
 * maximum session, the workflows' `role-duration-seconds` and the runner's build timeout use it.
 */
export const APPLY_SESSION_SECONDS = 3 * 60 * 60;

/** The CodeBuild project of the environment's in-VPC GitHub Actions runner. */
export function runnerProjectName(config: Pick<EnvironmentConfig, "name">): string {
  return `${resourcePrefix(config)}-runner`;
}

/**
 * The `name:` of drift.yml, the one workflow of the infra repository with that name (a test reads
 * them all). The plan role admits a job in `<env>-drift` only when its token's `workflow` claim,
 * the name of the run's workflow (for a called workflow, its caller's), is this one: AWS STS
 * evaluates `workflow` but not `workflow_ref`, the caller's file path (modules/github-actions-role.ts).
 */
export const DRIFT_WORKFLOW_NAME = "drift";

/**
 * Workflows (their `name:`) whose jobs run on the in-VPC runner: infra.yml's runs (its plan.yml and
 * apply.yml jobs are called through deliver.yml, in the same run) and drift.yml's (plan.yml, which
 * plans main against each environment every weekday). The runner's webhook admits no other.
 */
export const RUNNER_WORKFLOW_NAMES: readonly string[] = ["infra", DRIFT_WORKFLOW_NAME];

/** The infrastructure repository's branch whose workflows deploy, push images and use the runner. */
export const INFRA_BRANCH = "main";

/** The called workflow whose job plans in `<env>-plan` (and `<env>-drift`): the plan role trusts only it, at INFRA_BRANCH. */
export const PLAN_WORKFLOW_PATH = ".github/workflows/plan.yml";

/** The called workflow whose job applies in `<env>`: the deploy role trusts only it, at INFRA_BRANCH. */
export const APPLY_WORKFLOW_PATH = ".github/workflows/apply.yml";

/** Checks (job names of infra.yml) a pull request must pass before it can merge into INFRA_BRANCH. */
export const REQUIRED_STATUS_CHECKS: readonly string[] = ["check"];

/**
 * The environment whose people apply the infra repository's GitHub settings (stack
 * `<it>-github`), and whose state bucket keeps their state (GITHUB_SETTINGS_STATE_KEY): the
 * repository serves every environment, so its settings have one state, in production's account.
 */
export const GITHUB_SETTINGS_ENVIRONMENT = "prod";

/** The state object of the GitHub settings, outside every environment's `<env>/` prefix (no CI role reads it). */
export const GITHUB_SETTINGS_STATE_KEY = "github/settings.tfstate";

/**
 * One repository holds every environment's GitHub environments: all must name the same
 * `ci.infraRepository`, distinct `ci.githubEnvironment`s, and GITHUB_SETTINGS_ENVIRONMENT must be one of them.
 */
export function repositoryProblems(configs: readonly EnvironmentConfig[]): string[] {
  const [first] = configs;
  if (!first) return [];
  const problems: string[] = [];
  if (!configs.some((c) => c.name === GITHUB_SETTINGS_ENVIRONMENT)) {
    problems.push(
      `environment "${GITHUB_SETTINGS_ENVIRONMENT}", setting GITHUB_SETTINGS_ENVIRONMENT (config/delivery.ts): not an environment; allowed: ${configs.map((c) => c.name).join(", ")}`,
    );
  }
  configs.forEach((c, i) => {
    if (c.ci.infraRepository !== first.ci.infraRepository) {
      problems.push(
        `environment "${c.name}", setting ci.infraRepository: must be ${first.ci.infraRepository}, the repository of environment "${first.name}" (one repository deploys every environment)`,
      );
    }
    const taken = configs
      .slice(0, i)
      .find((o) => githubEnvironmentsOf(o).some((n) => githubEnvironmentsOf(c).includes(n)));
    if (taken) {
      problems.push(
        `environment "${c.name}", setting ci.githubEnvironment: "${c.ci.githubEnvironment}" (or its -plan or -drift twin) is already a GitHub environment of environment "${taken.name}"; each environment needs its own`,
      );
    }
  });
  return problems;
}

/** The GitHub environments of one environment: applies, full plans, drift checks (the settings stack makes them). */
export function githubEnvironmentsOf(config: Pick<EnvironmentConfig, "ci">): string[] {
  return [config.ci.githubEnvironment, planEnvironment(config), driftEnvironment(config)];
}

/** The reusable workflow of this repository that the app repository calls to build and push images. */
export const IMAGE_WORKFLOW_PATH = ".github/workflows/app-image.yml";

/** Build logs of the CI runner are the record of every plan and apply: kept a year everywhere. */
export const CI_LOG_RETENTION_DAYS = 365;

/**
 * The roles GitHub Actions assumes in an environment: apply (reviewed GitHub environment), full
 * plan (protected `<env>-plan` environment, and drift.yml's `<env>-drift`; it reads, and writes only
 * the Helm charts' caches and mirror), pull-request plan (no secret can be read), image push (the
 * app repository).
 */
export type CiRole = "deploy" | "plan" | "pr-plan" | "push-image";

/** Every CI role, for the deploy role's list of identities it must not touch. */
export const CI_ROLES: readonly CiRole[] = ["deploy", "plan", "pr-plan", "push-image"];

/**
 * Stacks a pull request plans: their state holds no secret value and they need no cluster API.
 * data (Redis AUTH token), platform (Grafana password, Helm release secrets) and app (reads
 * data's state) are planned only on main, in the protected `<env>-plan` environment.
 */
export const PULL_REQUEST_CONCERNS: readonly Concern[] = ["bootstrap", "network", "cluster"];

/**
 * Stacks only people apply: bootstrap holds the CI identities, so CI cannot change its own rights;
 * github holds the repository's environments and branch protection, which gate CI's roles;
 * org-guardrails holds the organization's policy on who may assume the accounts' roles.
 */
export const PEOPLE_ONLY_CONCERNS: readonly StackConcern[] = ["bootstrap", GITHUB_CONCERN, ORGANIZATION_CONCERN];

/** Stacks CI applies (and the deploy role may change). */
export const CI_APPLIED_CONCERNS: readonly Concern[] = CONCERNS.filter((c) => !PEOPLE_ONLY_CONCERNS.includes(c));

/** Name of one of the environment's GitHub Actions roles. */
export function ciRoleName(config: Pick<EnvironmentConfig, "name">, role: CiRole): string {
  return `${resourcePrefix(config)}-${role}`;
}

/** ARN of one of the environment's GitHub Actions roles (named, so stacks need no reference). */
export function ciRoleArn(
  config: Pick<EnvironmentConfig, "name"> & { readonly account: Pick<EnvironmentConfig["account"], "id"> },
  role: CiRole,
): string {
  return `arn:aws:iam::${config.account.id}:role/${ciRoleName(config, role)}`;
}

/** The GitHub environment whose jobs may make full (secret-reading) plans: protected, main only. */
export function planEnvironment(config: Pick<EnvironmentConfig, "ci">): string {
  return `${config.ci.githubEnvironment}-plan`;
}

/**
 * The GitHub environment of the scheduled drift check's plans: main only and no reviewer, so the
 * check runs unattended. The plan role admits its jobs only for plan.yml called by drift.yml
 * (DRIFT_WORKFLOW_NAME) at main; the deploy role never.
 */
export function driftEnvironment(config: Pick<EnvironmentConfig, "ci">): string {
  return `${config.ci.githubEnvironment}-drift`;
}

/** The permissions boundary every role the deploy role creates must carry. */
export function permissionsBoundaryName(config: Pick<EnvironmentConfig, "name">): string {
  return `${resourcePrefix(config)}-boundary`;
}

export function permissionsBoundaryArn(config: Pick<EnvironmentConfig, "name" | "account">): string {
  return `arn:aws:iam::${config.account.id}:policy/${permissionsBoundaryName(config)}`;
}

/**
 * The permissions boundary of the roles AWS services run with (the EKS cluster and its nodes, flow
 * logs, RDS monitoring, AWS Backup), which carry AWS managed policies: the deploy role may create a
 * role with it or with `permissionsBoundaryName`, no other.
 */
export function serviceRoleBoundaryName(config: Pick<EnvironmentConfig, "name">): string {
  return `${resourcePrefix(config)}-service-role-boundary`;
}

export function serviceRoleBoundaryArn(config: Pick<EnvironmentConfig, "name" | "account">): string {
  return `arn:aws:iam::${config.account.id}:policy/${serviceRoleBoundaryName(config)}`;
}

/** Both boundaries: every role CI creates carries one of them. */
export function permissionsBoundaryArns(config: Pick<EnvironmentConfig, "name" | "account">): string[] {
  return [permissionsBoundaryArn(config), serviceRoleBoundaryArn(config)];
}
