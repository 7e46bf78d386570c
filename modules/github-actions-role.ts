import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";
import { packIntoPolicies } from "./ci-role-policies";
import { policyDocument, type PolicyStatement } from "./iam-policy";
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
  /**
   * Token `job_workflow_ref` claims allowed, exactly (see githubJobWorkflowRef); unset: any
   * workflow of the subjects. The default `sub` does not carry the workflow, so this is the only
   * way to say "this workflow file at this branch". AWS STS evaluates the claim as the condition
   * key `token.actions.githubusercontent.com:job_workflow_ref` since January 2026
   * (https://aws.amazon.com/about-aws/whats-new/2026/01/aws-sts-supports-validation-identity-provider-claims/,
   * keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif).
   * A token without the claim fails the StringEquals: the role then cannot be assumed at all.
   */
  readonly jobWorkflowRefs?: string[];
  /**
   * Token `ref` claims allowed, exactly (`refs/heads/main`): the ref of the run, which for a
   * called workflow is its caller's; unset: any. Evaluated by AWS STS like `job_workflow_ref`.
   */
  readonly refs?: string[];
  /**
   * Allow-lists too large for the inline policy (IAM caps a role's inline policies at 10,240
   * characters): packed into customer managed policies `<roleName>-<n>` of at most 6,144
   * characters each, attached to the role. @default none
   */
  readonly largeStatements?: PolicyStatement[];
  /** Longest session (seconds): a plan or apply of the biggest stack must fit. @default 3600 */
  readonly maxSessionDurationSeconds?: number;
}

/** A role assumable only with a GitHub OIDC token of the given repositories, refs, environments (and workflows). */
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
              ...(props.jobWorkflowRefs && {
                "token.actions.githubusercontent.com:job_workflow_ref": props.jobWorkflowRefs,
              }),
              ...(props.refs && { "token.actions.githubusercontent.com:ref": props.refs }),
            },
          },
        },
      ]),
    });
    new RoleGrant(this, "permissions", { ...props, roleName: role.name, policyName: props.roleName });
    packIntoPolicies(props.largeStatements ?? []).forEach((statements, i) => {
      const policy = new IamPolicy(this, `allow-list-${i + 1}`, {
        name: `${props.roleName}-${i + 1}`,
        description: `${props.description} (allow-list ${i + 1})`,
        policy: policyDocument(statements),
      });
      new IamRolePolicyAttachment(this, `allow-list-${i + 1}-attachment`, { role: role.name, policyArn: policy.arn });
    });
    this.arn = role.arn;
    this.name = role.name;
  }
}
