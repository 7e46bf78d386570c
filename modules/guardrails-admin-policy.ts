/**
 * The IAM policy of the role people apply the organization guardrails stack through
 * (config/organization.ts `policyAdminRoleName`, in the account that administers the organization's
 * policies). People create that role by hand before the first apply; docs/organization-guardrails.md
 * prints this policy for the configured organization (`npm run docs` writes it), and
 * `__tests__/security/guardrails-admin-policy.test.ts` evaluates it against every type the stack holds.
 *
 * What hashicorp/aws 6.x calls for each type (its source, internal/service/organizations/ at
 * https://github.com/hashicorp/terraform-provider-aws: policy.go, policy_attachment.go,
 * organization_data_source.go; the resources' pages at
 * https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/organizations_policy and
 * .../organizations_policy_attachment, the data source's at .../data-sources/organizations_organization):
 * - `aws_organizations_policy`: CreatePolicy with the provider's default tags (tagging on creation
 *   also needs TagResource, https://docs.aws.amazon.com/organizations/latest/userguide/add-tag.html),
 *   DescribePolicy and ListTagsForResource to refresh, UpdatePolicy, TagResource and UntagResource to
 *   change, DeletePolicy to destroy;
 * - `aws_organizations_policy_attachment`: AttachPolicy, ListTargetsForPolicy to refresh, DetachPolicy;
 * - data `aws_organizations_organization`: DescribeOrganization, then ListAccounts; when that
 *   succeeds (the management account, or a delegated administrator), ListRoots and, in an
 *   organization with all features (RCPs need them), ListAWSServiceAccessForOrganization. In the
 *   management account a refused ListAccounts fails the plan.
 * Action names and resource types: the Service Authorization Reference for AWS Organizations,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html.
 */
import { policyDocument, type PolicyStatement } from "./iam-policy";
import type { TypeActions } from "./resource-type-actions";

/** The IAM actions of each resource type of the guardrails stack. */
export const GUARDRAILS_RESOURCE_ACTIONS: Readonly<Record<string, TypeActions>> = {
  aws_organizations_policy: {
    read: ["organizations:DescribePolicy", "organizations:ListTagsForResource"],
    write: [
      "organizations:CreatePolicy",
      "organizations:UpdatePolicy",
      "organizations:DeletePolicy",
      "organizations:TagResource",
      "organizations:UntagResource",
    ],
  },
  aws_organizations_policy_attachment: {
    read: ["organizations:ListTargetsForPolicy"],
    write: ["organizations:AttachPolicy", "organizations:DetachPolicy"],
  },
};

/** The IAM actions of each data source type of the guardrails stack. */
export const GUARDRAILS_DATA_SOURCE_ACTIONS: Readonly<Record<string, TypeActions>> = {
  aws_organizations_organization: {
    read: [
      "organizations:DescribeOrganization",
      "organizations:ListAccounts",
      "organizations:ListRoots",
      "organizations:ListAWSServiceAccessForOrganization",
    ],
    write: [],
  },
};

/** What the role may reach. */
export interface GuardrailsAdminScope {
  /** The organization's id (`o-...`). */
  readonly organizationId: string;
  /** The accounts the policy is attached to: the environments'. */
  readonly targetAccountIds: readonly string[];
}

const actionsOf = (types: Readonly<Record<string, TypeActions>>, type: string) => {
  const actions = types[type];
  if (!actions) throw new Error(`no IAM actions known for ${type}`);
  return [...actions.read, ...actions.write];
};

/**
 * The role's statements: read the organization; create, change and delete the organization's
 * resource control policies (IAM has no condition on a policy's name, and tags cannot fence it:
 * tagging on creation needs TagResource, which could then tag any policy); attach and detach them
 * to the environments' accounts only. Organizations' ARNs carry the management account's id: `*`.
 */
export function guardrailsAdminStatements(scope: GuardrailsAdminScope): PolicyStatement[] {
  const policies = `arn:aws:organizations::*:policy/${scope.organizationId}/resource_control_policy/*`;
  const accounts = [...scope.targetAccountIds]
    .sort()
    .map((id) => `arn:aws:organizations::*:account/${scope.organizationId}/${id}`);
  const attachment = GUARDRAILS_RESOURCE_ACTIONS.aws_organizations_policy_attachment;
  return [
    {
      Sid: "ReadTheOrganization",
      Effect: "Allow",
      Action: actionsOf(GUARDRAILS_DATA_SOURCE_ACTIONS, "aws_organizations_organization"),
      Resource: "*",
    },
    {
      Sid: "ManageTheOrganizationsResourceControlPolicies",
      Effect: "Allow",
      Action: [...actionsOf(GUARDRAILS_RESOURCE_ACTIONS, "aws_organizations_policy"), ...attachment.read],
      Resource: policies,
    },
    {
      Sid: "AttachThemToTheEnvironmentsAccountsOnly",
      Effect: "Allow",
      Action: [...attachment.write],
      Resource: [policies, ...accounts],
    },
  ];
}

/** The role's policy document, as people paste it (`aws iam put-role-policy`). */
export function guardrailsAdminPolicy(scope: GuardrailsAdminScope): string {
  return policyDocument(guardrailsAdminStatements(scope));
}
