/**
 * Who can assume the image-push role, decided by the trust-policy model (IAM's documented rules,
 * __tests__/model/iam-trust.ts) over the synthesized bootstrap stack: only the image workflow of
 * the infra repository's main, run from the app repository's main.
 *
 * The request context is a GitHub OIDC token's claims as AWS STS exposes them: `aud`, `sub` and,
 * since January 2026, GitHub's `job_workflow_ref` among others
 * (https://aws.amazon.com/about-aws/whats-new/2026/01/aws-sts-supports-validation-identity-provider-claims/).
 * `job_workflow_ref` names the workflow file and ref the job runs, for a reusable workflow the
 * called one (https://docs.github.com/en/actions/reference/security/oidc); the default `sub` of a
 * branch run is `repo:<owner>/<repo>:ref:refs/heads/<branch>`, of a pull request
 * `repo:<owner>/<repo>:pull_request`.
 */
import { rolesOfStack } from "../model/synthesized-roles";
import { evaluateTrust, type Decision } from "../model/iam-trust";
import { synthEnvironment } from "../helpers";

const APP = "acme/marketing-agents";
const INFRA = "acme/marketing-agents-infra";
const IMAGE_WORKFLOW_ON_MAIN = `${INFRA}/.github/workflows/app-image.yml@refs/heads/main`;

interface Token {
  readonly sub: string;
  readonly job_workflow_ref?: string;
  readonly aud?: string;
}

describe.each(["dev", "prod"])("%s image-push role trust", (env) => {
  const json = synthEnvironment(env).json("bootstrap");
  const role = rolesOfStack(`${env}-bootstrap`, json).find((r) => r.name === `marketing-agents-${env}-push-image`);
  if (!role) throw new Error("no push-image role");
  const provider = String((role.trust[0].Principal as { Federated: string }).Federated);

  const decide = (token: Token): Decision => {
    const claims: Record<string, string> = {
      "token.actions.githubusercontent.com:aud": token.aud ?? "sts.amazonaws.com",
      "token.actions.githubusercontent.com:sub": token.sub,
    };
    if (token.job_workflow_ref) claims["token.actions.githubusercontent.com:job_workflow_ref"] = token.job_workflow_ref;
    return evaluateTrust(
      { Statement: role.trust },
      { action: "sts:AssumeRoleWithWebIdentity", caller: { kind: "federated", provider }, context: claims },
    );
  };

  it.each<[string, Token, Decision]>([
    [
      "the image workflow on main, from the app's main",
      { sub: `repo:${APP}:ref:refs/heads/main`, job_workflow_ref: IMAGE_WORKFLOW_ON_MAIN },
      "allow",
    ],
    [
      "a pull request of the app",
      { sub: `repo:${APP}:pull_request`, job_workflow_ref: IMAGE_WORKFLOW_ON_MAIN },
      "implicit-deny",
    ],
    [
      "another branch of the app",
      { sub: `repo:${APP}:ref:refs/heads/feature`, job_workflow_ref: IMAGE_WORKFLOW_ON_MAIN },
      "implicit-deny",
    ],
    [
      "another workflow of the app's main",
      { sub: `repo:${APP}:ref:refs/heads/main`, job_workflow_ref: `${APP}/.github/workflows/ci.yml@refs/heads/main` },
      "implicit-deny",
    ],
    [
      "the image workflow at another branch of the infra repository",
      {
        sub: `repo:${APP}:ref:refs/heads/main`,
        job_workflow_ref: `${INFRA}/.github/workflows/app-image.yml@refs/heads/try-this`,
      },
      "implicit-deny",
    ],
    [
      "the image workflow pinned to a commit (not main)",
      {
        sub: `repo:${APP}:ref:refs/heads/main`,
        job_workflow_ref: `${INFRA}/.github/workflows/app-image.yml@0123456789abcdef0123456789abcdef01234567`,
      },
      "implicit-deny",
    ],
    ["a token without job_workflow_ref", { sub: `repo:${APP}:ref:refs/heads/main` }, "implicit-deny"],
    [
      "another audience",
      { sub: `repo:${APP}:ref:refs/heads/main`, job_workflow_ref: IMAGE_WORKFLOW_ON_MAIN, aud: "https://codecov.io" },
      "implicit-deny",
    ],
  ])("%s", (_, token, expected) => {
    expect(decide(token)).toBe(expected);
  });
});
