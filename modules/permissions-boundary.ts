import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { Construct } from "constructs";
import { policyDocument, type PolicyStatement } from "./iam-policy";

/** Settings of the environment's permissions boundary. */
export interface PermissionsBoundaryProps {
  /** Name of the managed policy. */
  readonly policyName: string;
  /**
   * Deny statements every bounded role carries as well (the state storage's, from
   * `stateTamperingDenyStatements`): a deny in a boundary holds whatever the role's own policies grant.
   * @default []
   */
  readonly alsoDeny?: PolicyStatement[];
}

/**
 * The permissions boundary of every role CI creates (cluster, nodes, pods, runner, flow logs,
 * RDS monitoring): whatever a role's own policies grant, it can never write IAM (except
 * service-linked roles), pass a role, or touch the organization or the account. So a role made by
 * the deploy role cannot be used to make a stronger one. Nor can it touch what `alsoDeny` names.
 */
export class PermissionsBoundary extends Construct {
  /** ARN of the boundary policy. */
  readonly arn: string;

  constructor(scope: Construct, id: string, props: PermissionsBoundaryProps) {
    super(scope, id);
    const policy = new IamPolicy(this, "policy", {
      name: props.policyName,
      description: "Boundary of every role the deploy role creates: no IAM writes, no role passing",
      policy: policyDocument([
        {
          Sid: "EverythingButIamTheOrganizationAndTheAccount",
          Effect: "Allow",
          NotAction: ["iam:*", "organizations:*", "account:*"],
          Resource: "*",
        },
        {
          Sid: "ReadIamAndMakeServiceLinkedRoles",
          Effect: "Allow",
          Action: ["iam:CreateServiceLinkedRole", "iam:GetRole", "iam:ListRoles"],
          Resource: "*",
        },
        ...(props.alsoDeny ?? []),
      ]),
    });
    this.arn = policy.arn;
  }
}
