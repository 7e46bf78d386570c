/**
 * A GitHub Actions job's OIDC token against a role's trust (the synthesized JSON, evaluated by
 * ../model/iam-trust.ts): a job in a GitHub environment gets the subject
 * `repo:<owner>/<repo>:environment:<name>`, audience `sts.amazonaws.com` for
 * configure-aws-credentials (https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#example-subject-claims).
 */
import type { EnvironmentConfig } from "../../config";
import type { TerraformJson } from "../helpers";
import { trustAllows, type TrustStatement } from "../model/iam-trust";

/** The provider ARN a role's trust names: the bootstrap stack's provider, else the account's existing one. */
export function githubOidcProviderArn(config: EnvironmentConfig, bootstrap: TerraformJson): string {
  const [created] = Object.keys(bootstrap.resource?.aws_iam_openid_connect_provider ?? {});
  return created
    ? `\${aws_iam_openid_connect_provider.${created}.arn}`
    : `arn:aws:iam::${config.account.id}:oidc-provider/token.actions.githubusercontent.com`;
}

/** True when a job of the infra repository in this GitHub environment may assume a role with this trust. */
export function environmentJobMayAssume(
  config: EnvironmentConfig,
  bootstrap: TerraformJson,
  trust: TrustStatement[],
  githubEnvironment: string,
): boolean {
  return trustAllows(
    { Statement: trust },
    {
      action: "sts:AssumeRoleWithWebIdentity",
      caller: { kind: "federated", provider: githubOidcProviderArn(config, bootstrap) },
      context: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": `repo:${config.ci.infraRepository}:environment:${githubEnvironment}`,
      },
    },
  );
}
