import { RepositoryEnvironment } from "@cdktf/provider-github/lib/repository-environment";
import { RepositoryEnvironmentDeploymentPolicy } from "@cdktf/provider-github/lib/repository-environment-deployment-policy";
import { Construct } from "constructs";

/** Who must approve a job that enters the environment: GitHub team and user ids. */
export interface EnvironmentReviewers {
  readonly teamIds: readonly number[];
  readonly userIds: readonly number[];
}

/** Settings of one GitHub environment of a repository. */
export interface GithubDeploymentEnvironmentProps {
  /** Repository name (without the owner: the provider's owner is used). */
  readonly repository: string;
  /** Environment name, exactly as the workflows and the AWS roles' trusts name it. */
  readonly environment: string;
  /**
   * Who must approve each job; undefined: none, a job enters as soon as it starts (only for an
   * environment whose role is read-only and admits one workflow: the drift check's).
   */
  readonly reviewers?: EnvironmentReviewers;
  /** The only branches whose workflow runs may enter the environment (exact names). */
  readonly branches: readonly string[];
}

/**
 * A GitHub environment that a job enters only from the given branches and, when it has reviewers,
 * only after one of them approves, never the person who started the run; no admin bypass
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/deployments-and-environments).
 * The AWS roles trust jobs by environment name: these rules are what that name is worth.
 */
export class GithubDeploymentEnvironment extends Construct {
  /** The environment's name (once created). */
  readonly name: string;

  constructor(scope: Construct, id: string, props: GithubDeploymentEnvironmentProps) {
    super(scope, id);
    const environment = new RepositoryEnvironment(this, "environment", {
      repository: props.repository,
      environment: props.environment,
      ...(props.reviewers && {
        reviewers: [{ teams: [...props.reviewers.teamIds], users: [...props.reviewers.userIds] }],
        preventSelfReview: true,
      }),
      canAdminsBypass: false,
      // Custom policies only: "protected branches" would admit any branch someone later protects.
      deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
    });
    props.branches.forEach(
      (branch) =>
        new RepositoryEnvironmentDeploymentPolicy(this, `branch-${branch}`, {
          repository: props.repository,
          environment: environment.environment,
          branchPattern: branch,
        }),
    );
    this.name = environment.environment;
  }
}
