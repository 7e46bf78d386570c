/**
 * The AWS Organizations organization the environments' accounts belong to, for the organization
 * guardrails (stacks/org-guardrails-stack.ts, docs/organization-guardrails.md): one organization
 * for every environment, so one setting, not one per environment.
 */
import { object, string, type infer as Infer } from "zod";
import { ConfigError } from "./config-error";
import { GITHUB_SETTINGS_ENVIRONMENT } from "./delivery";
import { PLACEHOLDER_ORGANIZATION_ID, PLACEHOLDER_POLICY_ADMIN_ACCOUNT_ID } from "./placeholders";

const organizationSchema = object({
  /** The organization's id (`aws organizations describe-organization --query Organization.Id`). */
  id: string().regex(/^o-[a-z0-9]{10,32}$/, { message: "must be an organization id such as o-a1b2c3d4e5" }),
  /**
   * The account that manages the organization's policies: its management account, or the member
   * account it delegated policy management to
   * (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_delegate_policies.html).
   */
  policyAdminAccountId: string().regex(/^\d{12}$/, { message: "must be a 12-digit AWS account id" }),
  /**
   * The role in that account the people applying the guardrails assume (from the credentials they
   * use for GITHUB_SETTINGS_ENVIRONMENT's bootstrap): it must trust their role and may manage this
   * policy only (docs/organization-guardrails.md).
   */
  policyAdminRoleName: string().regex(/^[\w+=,.@-]{1,64}$/, { message: "must be an IAM role name" }),
}).strict();

/** The organization's settings. */
export type OrganizationConfig = Infer<typeof organizationSchema>;

/** The committed settings: placeholders until the platform team puts in its organization's. */
export const ORGANIZATION: OrganizationConfig = {
  id: PLACEHOLDER_ORGANIZATION_ID,
  policyAdminAccountId: PLACEHOLDER_POLICY_ADMIN_ACCOUNT_ID,
  policyAdminRoleName: "marketing-agents-org-guardrails",
};

/** The environment whose people apply the organization guardrails and whose state bucket keeps their state. */
export const ORGANIZATION_GUARDRAILS_ENVIRONMENT = GITHUB_SETTINGS_ENVIRONMENT;

/** The guardrails' state object, outside every environment's `<env>/` prefix (no CI role reads it). */
export const ORGANIZATION_GUARDRAILS_STATE_KEY = "organization/guardrails.tfstate";

/** The role the guardrails stack's AWS provider assumes in the policy administrator's account. */
export function policyAdminRoleArn(organization: OrganizationConfig): string {
  return `arn:aws:iam::${organization.policyAdminAccountId}:role/${organization.policyAdminRoleName}`;
}

/** Which of the organization's settings still hold the committed placeholders. */
export function organizationPlaceholders(organization: OrganizationConfig): string[] {
  return [
    ...(organization.id === PLACEHOLDER_ORGANIZATION_ID ? [`id (${organization.id})`] : []),
    ...(organization.policyAdminAccountId === PLACEHOLDER_POLICY_ADMIN_ACCOUNT_ID
      ? [`policyAdminAccountId (${organization.policyAdminAccountId})`]
      : []),
  ];
}

/** The organization's settings, validated; bad ones throw a ConfigError naming the setting. */
export function loadOrganization(raw: unknown = ORGANIZATION): OrganizationConfig {
  const result = organizationSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map(
      (issue) => `organization (config/organization.ts), setting ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    ),
  );
}
