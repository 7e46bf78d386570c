import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { Construct } from "constructs";
import { policyDocument, type PolicyStatement } from "./iam-policy";

/** Permissions given to a role. */
export interface RolePermissions {
  /** AWS managed policy ARNs to attach. @default [] */
  readonly managedPolicyArns?: string[];
  /** Inline permissions, as one policy named after the role. @default none */
  readonly statements?: PolicyStatement[];
}

/** Attaches managed policies and an inline policy to a role (by name: it may live in another stack). */
export function grantToRole(scope: Construct, roleName: string, permissions: RolePermissions, policyName = "inline"): void {
  (permissions.managedPolicyArns ?? []).forEach((policyArn, i) => {
    new IamRolePolicyAttachment(scope, `managed-${i}`, { role: roleName, policyArn });
  });
  if (permissions.statements?.length) {
    new IamRolePolicy(scope, policyName, { role: roleName, name: policyName, policy: policyDocument(permissions.statements) });
  }
}
