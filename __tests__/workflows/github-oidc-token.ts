/**
 * A GitHub Actions job's OIDC token against a role's trust (the synthesized JSON, evaluated by
 * ../model/iam-trust.ts). The claims the project's trusts compare
 * (https://docs.github.com/en/actions/reference/security/oidc):
 * - `sub`: `repo:<owner>/<repo>:environment:<name>` for a job in a GitHub environment (the default template);
 * - `aud`: `sts.amazonaws.com` for configure-aws-credentials;
 * - `ref`: the ref of the run; a called (reusable) workflow runs at its caller's ref;
 * - `job_workflow_ref`: `<owner>/<repo>/<path of the workflow file that defines the job>@<ref>`: for
 *   a job of a called workflow, the called file, not the caller
 *   (https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/using-openid-connect-with-reusable-workflows:
 *   "the token will include the standard claims that contain information about the calling
 *   workflow, and will also include a custom claim called job_workflow_ref that contains
 *   information about the called workflow");
 * - `workflow` and `workflow_ref`: the name and `<owner>/<repo>/<path>@<ref>` of the run's
 *   workflow, for a called workflow the caller's (same page: "The `workflow`, `ref`, and other
 *   attributes describe the caller workflow, while `job_workflow_ref` refers to the called workflow").
 * STS makes condition keys of some claims only (../model/iam-trust.ts githubTokenContext): of
 * these, `workflow_ref` reaches no key, so no trust can pin the caller's file, only its name.
 */
import type { EnvironmentConfig } from "../../config";
import type { TerraformJson } from "../helpers";
import { githubTokenContext, trustAllows, type TrustStatement } from "../model/iam-trust";
import type { RunJob } from "./run-model";

/**
 * A job that asks for a token: its GitHub environment, the workflow file defining it, the run's
 * ref, and the run's workflow (a called workflow's caller: its `name:` and file).
 */
export interface GithubJob {
  readonly environment: string;
  /** `.github/workflows/<file>` of the workflow that defines the job (a called workflow's own file). */
  readonly workflowPath: string;
  /** `refs/heads/<branch>` the run is on. */
  readonly ref: string;
  /** The `name:` of the run's workflow (the caller's, for a called one): the `workflow` claim. */
  readonly workflow: string;
  /** `.github/workflows/<file>` of the run's workflow (the caller's, for a called one): in `workflow_ref`. */
  readonly runWorkflowPath: string;
}

/** The provider ARN a role's trust names: the bootstrap stack's provider, else the account's existing one. */
export function githubOidcProviderArn(config: EnvironmentConfig, bootstrap: TerraformJson): string {
  const [created] = Object.keys(bootstrap.resource?.aws_iam_openid_connect_provider ?? {});
  return created
    ? `\${aws_iam_openid_connect_provider.${created}.arn}`
    : `arn:aws:iam::${config.account.id}:oidc-provider/token.actions.githubusercontent.com`;
}

/** The claims (by name) of the token a job of the repository gets, those the trusts could compare. */
export function githubTokenClaims(repository: string, job: GithubJob): Record<string, string> {
  return {
    aud: "sts.amazonaws.com",
    sub: `repo:${repository}:environment:${job.environment}`,
    repository,
    ref: job.ref,
    environment: job.environment,
    job_workflow_ref: `${repository}/${job.workflowPath}@${job.ref}`,
    workflow: job.workflow,
    workflow_ref: `${repository}/${job.runWorkflowPath}@${job.ref}`,
  };
}

/** True when this job of the infra repository may assume a role with this trust. */
export function environmentJobMayAssume(
  config: EnvironmentConfig,
  bootstrap: TerraformJson,
  trust: TrustStatement[],
  job: GithubJob,
): boolean {
  return trustAllows(
    { Statement: trust },
    {
      action: "sts:AssumeRoleWithWebIdentity",
      caller: { kind: "federated", provider: githubOidcProviderArn(config, bootstrap) },
      context: githubTokenContext(githubTokenClaims(config.ci.infraRepository, job)),
    },
  );
}

/** A job of the run model (./run-model.ts) as its token describes it; it must name a GitHub environment. */
export function githubJobOf(runJob: RunJob): GithubJob {
  if (runJob.environment === undefined) throw new Error(`${runJob.path.join(" > ")} names no GitHub environment`);
  // The path ends with the job's own `<file>:<job>` (for a called workflow, the called file) and
  // starts with the run's workflow's.
  const fileOf = (step: string) => `.github/workflows/${step.split(":")[0]}`;
  const github = runJob.context.github as { ref?: unknown; workflow?: unknown };
  return {
    environment: runJob.environment,
    workflowPath: fileOf(runJob.path[runJob.path.length - 1]),
    ref: String(github.ref),
    workflow: String(github.workflow),
    runWorkflowPath: fileOf(runJob.path[0]),
  };
}
