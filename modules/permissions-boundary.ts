import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { Construct } from "constructs";
import { policyDocument, type PolicyStatement } from "./iam-policy";
import { boundaryStatements, type BoundaryScope, type BoundedRoleFamily } from "./permissions-boundary-statements";

/** Settings of one of the environment's permissions boundaries. */
export interface PermissionsBoundaryProps {
  /** Name of the managed policy. */
  readonly policyName: string;
  /** What the policy is for, in IAM's description. */
  readonly description: string;
  /** The kinds of role that carry it: the boundary allows what their policies grant, nothing more. */
  readonly families: readonly BoundedRoleFamily[];
  /** The environment's names that secrets, buckets and assumed roles are kept to. */
  readonly scope: BoundaryScope;
  /**
   * Deny statements every bounded role carries as well (the state storage's, from
   * `stateTamperingDenyStatements`): a deny in a boundary holds whatever the role's own policies
   * grant. Only the actions the boundary could otherwise allow are kept.
   * @default []
   */
  readonly alsoDeny?: PolicyStatement[];
}

/**
 * A permissions boundary of the roles CI creates: an allow-list of what the roles that carry it are
 * given (permissions-boundary-statements.ts), so a role the deploy role makes, whatever policy it
 * attaches, can never write IAM, pass a role, touch the organization, the account, the keys'
 * administration, another environment's secrets or the state. Nor can it touch what `alsoDeny` names.
 */
export class PermissionsBoundary extends Construct {
  /** ARN of the boundary policy. */
  readonly arn: string;

  constructor(scope: Construct, id: string, props: PermissionsBoundaryProps) {
    super(scope, id);
    const policy = new IamPolicy(this, "policy", {
      name: props.policyName,
      description: props.description,
      policy: policyDocument(boundaryStatements(props.families, props.scope, props.alsoDeny)),
    });
    this.arn = policy.arn;
  }
}
