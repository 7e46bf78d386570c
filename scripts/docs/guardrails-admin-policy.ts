/**
 * docs/organization-guardrails.md's policy of the role people apply the guardrails through, for
 * config/organization.ts's organization and the environments' accounts
 * (modules/guardrails-admin-policy.ts; its test evaluates it against the stack's every type).
 */
import { loadEnvironments, loadOrganization } from "../../config";
import { guardrailsAdminPolicy } from "../../modules/guardrails-admin-policy";
import { guardrailsTargetAccounts } from "../../stacks/org-guardrails-stack";

export function guardrailsAdminPolicyBlock(): string {
  const policy = guardrailsAdminPolicy({
    organizationId: loadOrganization().id,
    targetAccountIds: guardrailsTargetAccounts(loadEnvironments()),
  });
  return ["```json", JSON.stringify(JSON.parse(policy), null, 2), "```"].join("\n");
}
