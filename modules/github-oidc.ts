import { DataAwsIamOpenidConnectProvider } from "@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { Construct } from "constructs";

const GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com";

/** Settings of the account's GitHub Actions OIDC provider. */
export interface GithubOidcProviderProps {
  /** Create the provider (once per AWS account); false looks up the one that exists. */
  readonly create: boolean;
}

/** The GitHub Actions OIDC identity provider of the account, created or looked up. */
export class GithubOidcProvider extends Construct {
  /** ARN of the provider. */
  readonly arn: string;

  constructor(scope: Construct, id: string, props: GithubOidcProviderProps) {
    super(scope, id);
    this.arn = props.create
      ? new IamOpenidConnectProvider(this, "provider", { url: GITHUB_OIDC_URL, clientIdList: ["sts.amazonaws.com"] })
          .arn
      : new DataAwsIamOpenidConnectProvider(this, "provider", { url: GITHUB_OIDC_URL }).arn;
  }
}

/** The `sub` claims GitHub puts in tokens of a repository's workflows. */
export const githubSubjects = {
  /** Jobs that run in a GitHub environment (where required reviewers apply). */
  environment: (repository: string, environment: string) => `repo:${repository}:environment:${environment}`,
  /** Jobs on a pushed branch. */
  branch: (repository: string, branch: string) => `repo:${repository}:ref:refs/heads/${branch}`,
  /** Jobs of pull requests. */
  pullRequest: (repository: string) => `repo:${repository}:pull_request`,
};

/**
 * The `job_workflow_ref` claim of a job that runs a workflow file at a branch:
 * `<owner>/<repo>/<path>@refs/heads/<branch>`; for a reusable workflow it names the called
 * workflow, not the caller (https://docs.github.com/en/actions/reference/security/oidc).
 */
export function githubJobWorkflowRef(repository: string, workflowPath: string, branch: string): string {
  return `${repository}/${workflowPath}@refs/heads/${branch}`;
}
