import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Construct } from "constructs";
import { policyDocument } from "./iam-policy";
import { RoleGrant, zoneDelegationStatements } from "./role-policies";

/** Settings of the role another account's environment uses to delegate its subdomain. */
export interface ZoneDelegationRoleProps {
  /** IAM role name. */
  readonly roleName: string;
  /** Permissions boundary of the role. */
  readonly permissionsBoundaryArn: string;
  /** The parent zone (this account's). */
  readonly zoneArn: string;
  /** The delegated subdomain, e.g. dev.example.com. */
  readonly subdomain: string;
  /** The other account's roles that plan and apply its network stack: the only ones trusted. */
  readonly trustedRoleArns: string[];
}

/**
 * A role in the parent zone's account that another environment's CI roles assume to write the NS
 * records of its own subdomain, and nothing else: its zone delegates itself on the first apply.
 */
export class ZoneDelegationRole extends Construct {
  /** ARN of the role. */
  readonly arn: string;

  constructor(scope: Construct, id: string, props: ZoneDelegationRoleProps) {
    super(scope, id);
    const accounts = [...new Set(props.trustedRoleArns.map((arn) => arn.split(":")[4]))];
    const role = new IamRole(this, "role", {
      name: props.roleName,
      description: `Writes the NS records of ${props.subdomain} only`,
      permissionsBoundary: props.permissionsBoundaryArn,
      assumeRolePolicy: policyDocument([
        {
          Effect: "Allow",
          Principal: { AWS: accounts.map((account) => `arn:aws:iam::${account}:root`) },
          Action: "sts:AssumeRole",
          Condition: { ArnEquals: { "aws:PrincipalArn": props.trustedRoleArns } },
        },
      ]),
    });
    new RoleGrant(this, "permissions", {
      roleName: role.name,
      policyName: props.roleName,
      statements: zoneDelegationStatements(props.zoneArn, props.subdomain),
    });
    this.arn = role.arn;
  }
}
