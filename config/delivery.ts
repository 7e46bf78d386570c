/** Limits of CI delivery that every environment shares. */
import { resourcePrefix } from "./naming";
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

/** Build logs of the CI runner are the record of every plan and apply: kept a year everywhere. */
export const CI_LOG_RETENTION_DAYS = 365;

/** The roles GitHub Actions assumes in an environment: apply, read-only plan, image push. */
export type CiRole = "deploy" | "plan" | "push-image";

/** Name of one of the environment's GitHub Actions roles. */
export function ciRoleName(config: Pick<EnvironmentConfig, "name">, role: CiRole): string {
  return `${resourcePrefix(config)}-${role}`;
}
