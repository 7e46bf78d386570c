import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Construct } from "constructs";
import { policyDocument, type PolicyStatement } from "./iam-policy";
import { RoleGrant, type RolePermissions } from "./role-policies";

/** Settings of a role one other role of the account steps into. */
export interface DelegatedRoleProps extends RolePermissions {
  /** IAM role name. */
  readonly roleName: string;
  /** What the role is for. */
  readonly description: string;
  /** Permissions boundary of the role. */
  readonly permissionsBoundaryArn: string;
  /**
   * The only role that may assume it: it is given `sts:AssumeRole` (and `sts:TagSession`) on this
   * role, nothing else.
   */
  readonly trustedRole: { readonly arn: string; readonly name: string };
  /**
   * What the trusted role's request must also carry (session tags it holds, tags it asks for).
   * @default - none: any session of the trusted role
   */
  readonly trustConditions?: PolicyStatement["Condition"];
}

/**
 * What the trusted role may do to this one: assume it, carrying the session tags it holds.
 * A Pod Identity session's tags are all transitive, so STS passes them into every role chained
 * from it, and refuses the AssumeRole unless the chained role's trust allows `sts:TagSession`
 * too (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html, "Cross-account tags";
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_role-chaining
 * and #id_session-tags_permissions-required).
 */
const CHAINED_ASSUME_ACTIONS = ["sts:AssumeRole", "sts:TagSession"];

/**
 * An IAM role that exactly one other role may assume, for permissions that role should hold only
 * on purpose: the trust names the role, and the role is granted the assume call on this one alone.
 */
export class DelegatedRole extends Construct {
  /** ARN of the role. */
  readonly arn: string;
  /** Name of the role (to attach policies from other stacks). */
  readonly name: string;

  constructor(scope: Construct, id: string, props: DelegatedRoleProps) {
    super(scope, id);
    const role = new IamRole(this, "role", {
      name: props.roleName,
      description: props.description,
      permissionsBoundary: props.permissionsBoundaryArn,
      assumeRolePolicy: policyDocument([
        {
          Effect: "Allow",
          Principal: { AWS: props.trustedRole.arn },
          Action: CHAINED_ASSUME_ACTIONS,
          ...(props.trustConditions ? { Condition: props.trustConditions } : {}),
        },
      ]),
    });
    new RoleGrant(this, "permissions", { ...props, roleName: role.name, policyName: props.roleName });
    new RoleGrant(this, "trusted-role-may-assume", {
      roleName: props.trustedRole.name,
      policyName: `assume-${props.roleName}`,
      statements: [{ Sid: "AssumeOnlyThisRole", Effect: "Allow", Action: CHAINED_ASSUME_ACTIONS, Resource: role.arn }],
    });
    this.arn = role.arn;
    this.name = role.name;
  }
}
