import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Construct } from "constructs";
import { policyDocument } from "./iam-policy";
import { RoleGrant, type RolePermissions } from "./role-policies";

/** Settings of a role GitHub Actions workflows assume. */
export interface GithubActionsRoleProps extends RolePermissions {
  /** IAM role name. */
  readonly roleName: string;
  /** What the role is for. */
  readonly description: string;
  /** ARN of the account's GitHub OIDC provider. */
  readonly oidcProviderArn: string;
  /** Token `sub` claims allowed to assume the role, exactly (see githubSubjects). */
  readonly subjects: string[];
  /** Longest session (seconds): a plan or apply of the biggest stack must fit. @default 3600 */
  readonly maxSessionDurationSeconds?: number;
}

/** A role assumable only with a GitHub OIDC token of the given repositories, refs and environments. */
export class GithubActionsRole extends Construct {
  /** ARN of the role. */
  readonly arn: string;
  /** Name of the role. */
  readonly name: string;

  constructor(scope: Construct, id: string, props: GithubActionsRoleProps) {
    super(scope, id);
    const role = new IamRole(this, "role", {
      name: props.roleName,
      description: props.description,
      maxSessionDuration: props.maxSessionDurationSeconds ?? 3600,
      assumeRolePolicy: policyDocument([
        {
          Effect: "Allow",
          Principal: { Federated: props.oidcProviderArn },
          Action: "sts:AssumeRoleWithWebIdentity",
          // Exact subjects (StringEquals): a pattern could admit a branch or environment nobody reviewed.
          Condition: {
            StringEquals: {
              "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
              "token.actions.githubusercontent.com:sub": props.subjects,
            },
          },
        },
      ]),
    });
    new RoleGrant(this, "permissions", { ...props, roleName: role.name, policyName: props.roleName });
    this.arn = role.arn;
    this.name = role.name;
  }
}
