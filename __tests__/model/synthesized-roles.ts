/** The IAM roles of synthesized stacks (cdk.tf.json), with ARNs and trusts as IAM will see them. */
import type { TerraformJson } from "../helpers";
import { statementsOf, type TrustStatement } from "./iam-trust";

/** A role some stack creates. */
export interface SynthesizedRole {
  /** The stack that creates it, `<env>-<concern>`. */
  readonly stack: string;
  /** Its Terraform address in that stack. */
  readonly address: string;
  readonly name: string;
  readonly arn: string;
  /** Its trust, references to roles of the same stack replaced by their ARNs. */
  readonly trust: TrustStatement[];
}

/** The account a stack's default AWS provider is locked to. */
export function accountOfStack(json: TerraformJson): string {
  const provider = (json.provider?.aws ?? []).find((p) => p.alias === undefined);
  const [account] = (provider?.allowed_account_ids as string[] | undefined) ?? [];
  if (!account) throw new Error("the stack's AWS provider names no allowed account");
  return account;
}

/** Every `aws_iam_role` of a stack. */
export function rolesOfStack(stack: string, json: TerraformJson): SynthesizedRole[] {
  const account = accountOfStack(json);
  const resources = json.resource?.aws_iam_role ?? {};
  const arnOf = (name: unknown) => {
    if (typeof name !== "string" || name.includes("${")) throw new Error(`${stack}: a role without a literal name`);
    return `arn:aws:iam::${account}:role/${name}`;
  };
  const arnByLogicalId = new Map(Object.entries(resources).map(([id, body]) => [id, arnOf(body.name)]));
  return Object.entries(resources).map(([id, body]) => {
    const policy = String(body.assume_role_policy).replace(
      /\$\{aws_iam_role\.([\w-]+)\.arn\}/g,
      (reference, target) => {
        return arnByLogicalId.get(target) ?? reference;
      },
    );
    return {
      stack,
      address: `aws_iam_role.${id}`,
      name: body.name as string,
      arn: arnOf(body.name),
      trust: statementsOf(policy),
    };
  });
}
