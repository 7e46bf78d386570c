import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";
import { packIntoPolicies } from "./ci-role-policies";
import { policyDocument, type PolicyStatement } from "./iam-policy";
import { RoleGrant, type RolePermissions } from "./role-policies";

/**
 * One kind of GitHub Actions token a role admits: every claim named must match (any of its values).
 * Each kind is a statement of its own, so the claims of one kind never loosen another's.
 */
export interface GithubTokenMatch {
  /** Token `sub` claims allowed, exactly (see githubSubjects). */
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
   * Token `workflow` claims allowed, exactly: the `name:` of the run's workflow, for a called
   * workflow its caller's ("The `workflow`, `ref`, and other attributes describe the caller
   * workflow, while `job_workflow_ref` refers to the called workflow",
   * https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-with-reusable-workflows);
   * unset: any. The caller's file is the `workflow_ref` claim, but AWS STS does not evaluate it
   * (the Service Authorization Reference lists for sts:AssumeRoleWithWebIdentity GitHub's actor,
   * actor_id, enterprise_id, environment, job_workflow_ref, ref, repository, repository_id,
   * repository_owner_id and workflow: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html):
   * a condition on it would find no key and admit nobody. A name is not unique by itself: the
   * caller must be the only workflow of its repository with it, on a branch the subject admits.
   */
  readonly workflows?: string[];
}

/** Settings of a role GitHub Actions workflows assume. */
export interface GithubActionsRoleProps extends RolePermissions, GithubTokenMatch {
  /** IAM role name. */
  readonly roleName: string;
  /** What the role is for. */
  readonly description: string;
  /** ARN of the account's GitHub OIDC provider. */
  readonly oidcProviderArn: string;
  /** Other kinds of token the role admits, each on its own statement. @default none */
  readonly alsoAdmits?: readonly GithubTokenMatch[];
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
      assumeRolePolicy: policyDocument(
        [props, ...(props.alsoAdmits ?? [])].map((match) => tokenStatement(props.oidcProviderArn, match)),
      ),
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

/** The trust statement that admits one kind of token of the provider. */
function tokenStatement(oidcProviderArn: string, match: GithubTokenMatch): PolicyStatement {
  return {
    Effect: "Allow",
    Principal: { Federated: oidcProviderArn },
    Action: "sts:AssumeRoleWithWebIdentity",
    // Exact values (StringEquals): a pattern could admit a branch or environment nobody reviewed.
    Condition: {
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": match.subjects,
        ...(match.jobWorkflowRefs && { "token.actions.githubusercontent.com:job_workflow_ref": match.jobWorkflowRefs }),
        ...(match.refs && { "token.actions.githubusercontent.com:ref": match.refs }),
        ...(match.workflows && { "token.actions.githubusercontent.com:workflow": match.workflows }),
      },
    },
  };
}
