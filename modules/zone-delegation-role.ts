import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Construct } from "constructs";
import { policyDocument, type PolicyStatement } from "./iam-policy";
import { RoleGrant, zoneDelegationStatements, zoneReadStatements } from "./role-policies";

/** Settings of the roles another account's environment delegates its subdomain with. */
export interface ZoneDelegationRoleProps {
  /** Name of the writing role; the reading one adds `readerSuffix`. */
  readonly roleName: string;
  /** Suffix of the reading role's name. */
  readonly readerSuffix: string;
  /** Permissions boundary of both roles. */
  readonly permissionsBoundaryArn: string;
  /** The parent zone (this account's). */
  readonly zoneArn: string;
  /** The delegated subdomain, e.g. dev.example.com. */
  readonly subdomain: string;
  /**
   * The other account's roles that apply its network stack, the only ones that may write: its CI
   * deploy role, and its people's roles (the first apply runs before its in-VPC runner exists).
   */
  readonly writerRoleArns: string[];
  /** Its roles that plan it (pull requests and people included): they may only read. */
  readonly readerRoleArns: string[];
}

/**
 * Two roles in the parent zone's account for another environment's zone: one its deploy role and
 * its people assume to write that zone's NS records and nothing else, so the zone delegates itself
 * on the first apply; one its plan roles assume to read them, so no plan, a pull request's least
 * of all, can change DNS.
 */
export class ZoneDelegationRole extends Construct {
  /** ARN of the writing role. */
  readonly arn: string;

  constructor(scope: Construct, id: string, props: ZoneDelegationRoleProps) {
    super(scope, id);
    this.arn = this.role("role", props, {
      roleName: props.roleName,
      description: `Writes the NS records of ${props.subdomain} only`,
      trusted: props.writerRoleArns,
      statements: zoneDelegationStatements(props.zoneArn, props.subdomain),
    });
    this.role("reader", props, {
      roleName: `${props.roleName}${props.readerSuffix}`,
      description: `Reads the records of the zone ${props.subdomain} is delegated from`,
      trusted: props.readerRoleArns,
      statements: zoneReadStatements(props.zoneArn),
    });
  }

  /**
   * A role trusting roles of another account: that account's root narrowed to them by ARN, so it
   * can exist before they do (IAM refuses a trust that names a role not created yet).
   */
  private role(
    id: string,
    props: ZoneDelegationRoleProps,
    role: { roleName: string; description: string; trusted: string[]; statements: PolicyStatement[] },
  ): string {
    const accounts = [...new Set(role.trusted.map((arn) => arn.split(":")[4]))];
    const created = new IamRole(this, id, {
      name: role.roleName,
      description: role.description,
      permissionsBoundary: props.permissionsBoundaryArn,
      assumeRolePolicy: policyDocument([
        {
          Effect: "Allow",
          Principal: { AWS: accounts.map((account) => `arn:aws:iam::${account}:root`) },
          Action: "sts:AssumeRole",
          Condition: { ArnEquals: { "aws:PrincipalArn": role.trusted } },
        },
      ]),
    });
    new RoleGrant(this, `${id}-permissions`, {
      roleName: created.name,
      policyName: role.roleName,
      statements: role.statements,
    });
    return created.arn;
  }
}
