import { DataAwsOrganizationsOrganization } from "@cdktf/provider-aws/lib/data-aws-organizations-organization";
import { OrganizationsPolicy } from "@cdktf/provider-aws/lib/organizations-policy";
import { OrganizationsPolicyAttachment } from "@cdktf/provider-aws/lib/organizations-policy-attachment";
import { Fn, Op } from "cdktf";
import { Construct } from "constructs";
import { policyDocument, type PolicyStatement } from "./iam-policy";

/** Settings of a resource control policy and where it applies. */
export interface ResourceControlPolicyProps {
  /** Name of the policy in Organizations. */
  readonly policyName: string;
  /** What it is for. */
  readonly description: string;
  readonly statements: PolicyStatement[];
  /** The organization the credentials must administer (checked before anything changes). */
  readonly organizationId: string;
  /**
   * Why `organizationId` cannot be right, when it is a committed placeholder: the plan stops with
   * this instead of Organizations' answer. @default - it is not a placeholder
   */
  readonly placeholderProblem?: string;
  /** Accounts (or OUs) the policy is attached to. */
  readonly targetIds: readonly string[];
}

/**
 * An AWS Organizations resource control policy, attached to the given accounts. RCPs must be
 * enabled in the organization first (`aws organizations enable-policy-type --policy-type
 * RESOURCE_CONTROL_POLICY`, docs/organization-guardrails.md); AWS's RCPFullAWSAccess stays attached,
 * an RCP only denies (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html).
 *
 * Terraform checks before it creates or changes the policy, so wrong credentials or a config still
 * holding placeholders stop the plan: the organization the credentials see is the configured one,
 * and no target is its management account, whose resources no RCP protects.
 */
export class ResourceControlPolicy extends Construct {
  /** Id of the policy. */
  readonly policyId: string;

  constructor(scope: Construct, id: string, props: ResourceControlPolicyProps) {
    super(scope, id);
    const organization = new DataAwsOrganizationsOrganization(this, "organization");
    const policy = new OrganizationsPolicy(this, "policy", {
      name: props.policyName,
      description: props.description,
      type: "RESOURCE_CONTROL_POLICY",
      content: policyDocument(props.statements),
      lifecycle: {
        precondition: [
          {
            condition: Op.eq(organization.id, props.organizationId),
            errorMessage:
              props.placeholderProblem ??
              `These credentials administer another organization than ${props.organizationId} (config/organization.ts, setting id).`,
          },
          {
            condition: Op.not(Fn.contains([...props.targetIds], organization.masterAccountId)),
            errorMessage:
              "An environment's account is the organization's management account: no resource control policy applies there (move the environment to a member account).",
          },
        ],
      },
    });
    for (const target of props.targetIds) {
      new OrganizationsPolicyAttachment(this, `attachment-${target}`, { policyId: policy.id, targetId: target });
    }
    this.policyId = policy.id;
  }
}
