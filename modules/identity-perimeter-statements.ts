/**
 * The identity perimeter of the project's accounts' roles, as the statements of an AWS
 * Organizations resource control policy (RCP). A plain function of ids, so the guardrails stack
 * composes it and tests evaluate it without synthesizing.
 *
 * Why an RCP: the deploy role creates and updates the environment's roles
 * (`marketing-agents-<env>-*`), trusts included, and IAM has no condition key on what a trust policy
 * says: nothing in the deploy role's own policy can stop it from writing a trust that lets in a
 * principal of any account. An RCP is evaluated on the requests to the member accounts' resources
 * of the services that support RCPs, STS among them (a role, for `sts:` actions), whatever their
 * resource policy (the trust) allows
 * (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html); it
 * can only deny, and it does not apply to the management account's resources.
 *
 * It fences the project's roles only (`Resource`: `arn:aws:iam::*:role/<prefix>-*`, which covers
 * every name the deploy roles may create a role under): another role of the accounts, trusted from
 * outside the organization on purpose (a vendor's tooling, break-glass access), is not the
 * project's to break, and stays its own trust's and Access Analyzer's.
 *
 * The statements follow AWS's data perimeter examples for the identity perimeter
 * (https://github.com/aws-samples/data-perimeter-policy-examples, resource_control_policies/
 * identity_perimeter_rcp.json and its README, "EnforceOrgIdentities", "EnforceTrustedOIDCTenants",
 * "EnforceTrustedOIDCProviders"), narrowed to STS and to what this project uses:
 * - an AWS principal (a signed request: `aws:PrincipalAccount` present) outside the organization
 *   may not assume, tag or set the source identity of a session of these accounts' roles. AWS
 *   services (`aws:PrincipalIsAWSService`: EKS, Pod Identity, EC2, CodeBuild, RDS monitoring,
 *   AWS Backup, flow logs) are exempt: they act for these accounts, and a service role can only be
 *   passed to them from its own account (iam:PassRole). Federated sessions carry no account
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalaccount):
 *   their tags and source identity are the identity provider's, decided by the next statement;
 * - a web identity may assume a role only with a GitHub Actions token of one of the project's
 *   repositories: `token.actions.githubusercontent.com:repository`, a claim STS evaluates for
 *   GitHub's provider (Service Authorization Reference, AWS STS condition keys,
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html).
 *   A token of another provider has no such key, and `...IfExists` denies it too: these accounts
 *   federate no other provider (Pod Identity, not IRSA; people come in through SAML, untouched).
 * The roles' own trusts still decide which repository, environment, workflow and branch.
 */
import type { PolicyStatement } from "./iam-policy";

/** Who is inside the perimeter, and which roles it fences. */
export interface IdentityPerimeter {
  /**
   * Prefix of the names of the roles it fences (`marketing-agents`: every role the environments'
   * deploy roles may create or write a trust on, `marketing-agents-<env>-*`). Other roles of the
   * accounts (a vendor's tooling, break-glass access) keep their own trusts.
   */
  readonly roleNamePrefix: string;
  /** The organization's id (`o-...`): its accounts' principals are inside. */
  readonly organizationId: string;
  /** GitHub repositories (`owner/name`) whose Actions tokens may assume roles by web identity. */
  readonly githubRepositories: readonly string[];
}

/** The GitHub Actions claim the perimeter names repositories by. */
export const GITHUB_REPOSITORY_KEY = "token.actions.githubusercontent.com:repository";

/** The statements of the identity-perimeter RCP. */
export function identityPerimeterStatements(perimeter: IdentityPerimeter): PolicyStatement[] {
  if (perimeter.githubRepositories.length === 0) throw new Error("the identity perimeter names no GitHub repository");
  // Any account of the organization: the policy is attached to each environment's account.
  const projectRoles = `arn:aws:iam::*:role/${perimeter.roleNamePrefix}-*`;
  return [
    {
      Sid: "RolesAreAssumedFromInsideTheOrganizationOnly",
      Effect: "Deny",
      Principal: "*",
      Action: ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
      Resource: projectRoles,
      Condition: {
        StringNotEqualsIfExists: { "aws:PrincipalOrgID": perimeter.organizationId },
        BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
        Null: { "aws:PrincipalAccount": "false" },
      },
    },
    {
      Sid: "WebIdentitiesAreTheProjectsGithubRepositoriesOnly",
      Effect: "Deny",
      Principal: "*",
      Action: "sts:AssumeRoleWithWebIdentity",
      Resource: projectRoles,
      Condition: { StringNotEqualsIfExists: { [GITHUB_REPOSITORY_KEY]: [...perimeter.githubRepositories].sort() } },
    },
  ];
}
