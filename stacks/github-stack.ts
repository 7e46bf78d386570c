import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import { S3Backend, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import {
  GITHUB_CONCERN,
  GITHUB_SETTINGS_ENVIRONMENT,
  GITHUB_SETTINGS_STATE_KEY,
  INFRA_BRANCH,
  REQUIRED_STATUS_CHECKS,
  driftEnvironment,
  planEnvironment,
  stateBucketName,
  stateKeyAlias,
  type EnvironmentConfig,
} from "../config";
import { GithubDefaultOidcSubject } from "../modules/github-default-oidc-subject";
import { GithubDeploymentEnvironment } from "../modules/github-deployment-environment";
import { GithubProtectedBranch } from "../modules/github-protected-branch";

/** What the repository's settings stack is given. */
export interface GithubStackProps {
  /** Every environment, validated together (config's repositoryProblems: one repository, distinct names). */
  readonly environments: readonly EnvironmentConfig[];
}

/**
 * `<GITHUB_SETTINGS_ENVIRONMENT>-github`, applied by people only: the infra repository's settings
 * that the CI roles' trusts rely on. For every environment, the GitHub environments
 * `<ci.githubEnvironment>` (applies) and `<ci.githubEnvironment>-plan` (full plans): required
 * reviewers from config, no self-review, no admin bypass, INFRA_BRANCH only; and
 * `<ci.githubEnvironment>-drift` (drift.yml's plans): INFRA_BRANCH only, no reviewer; the protection of
 * INFRA_BRANCH (reviewed pull requests whose checks passed, admins included, no force push or
 * deletion); GitHub's default OIDC subject template. One stack for the repository, its state
 * (GITHUB_SETTINGS_STATE_KEY) in the settings environment's state bucket, outside every CI
 * role's state prefix. No AWS resource. The provider takes its token from GITHUB_TOKEN (a
 * repository admin's, in the shell of the person applying): never in config, the repository or
 * the synthesized JSON.
 */
export class GithubStack extends TerraformStack {
  /** The environment whose bucket keeps this stack's state. */
  readonly home: EnvironmentConfig;

  constructor(scope: Construct, props: GithubStackProps) {
    const home = settingsHome(props.environments);
    super(scope, `${home.name}-${GITHUB_CONCERN}`);
    this.home = home;
    const [owner, repository] = home.ci.infraRepository.split("/");
    new GithubProvider(this, "github", { owner });
    this.useRemoteState();
    for (const config of props.environments) {
      for (const environment of [config.ci.githubEnvironment, planEnvironment(config)]) {
        new GithubDeploymentEnvironment(this, `environment-${environment}`, {
          repository,
          environment,
          reviewers: config.ci.reviewers,
          branches: [INFRA_BRANCH],
        });
      }
      // The scheduled drift check runs unattended: no reviewer; main only, and only drift.yml gets the plan role there.
      const drift = driftEnvironment(config);
      new GithubDeploymentEnvironment(this, `environment-${drift}`, {
        repository,
        environment: drift,
        branches: [INFRA_BRANCH],
      });
    }
    new GithubProtectedBranch(this, "default-branch", {
      repository,
      branch: INFRA_BRANCH,
      requiredChecks: REQUIRED_STATUS_CHECKS,
    });
    new GithubDefaultOidcSubject(this, "oidc-subject", { repository });
  }

  private useRemoteState(): void {
    const { home } = this;
    const backend = new S3Backend(this, {
      bucket: stateBucketName(home),
      key: GITHUB_SETTINGS_STATE_KEY,
      region: home.account.region,
      encrypt: true,
      kmsKeyId: `arn:aws:kms:${home.account.region}:${home.account.id}:${stateKeyAlias(home)}`,
    });
    // cdktf 0.21's S3Backend has no field for S3-native locking (Terraform >= 1.10).
    backend.addOverride("use_lockfile", true);
  }
}

/** The settings environment's config (config's repositoryProblems has made sure it is listed). */
function settingsHome(environments: readonly EnvironmentConfig[]): EnvironmentConfig {
  const home = environments.find((c) => c.name === GITHUB_SETTINGS_ENVIRONMENT);
  if (!home)
    throw new Error(`GITHUB_SETTINGS_ENVIRONMENT ${GITHUB_SETTINGS_ENVIRONMENT} is not among the environments`);
  return home;
}
