/**
 * OWN_ACCOUNT_TRUST_NARROWED, branch by branch: a role trusting a whole account is found unless
 * an ArnEquals aws:PrincipalArn condition names the roles exactly.
 */
import { ALL_RULES, type StackDocument } from "../../modules/policy";

type Json = Record<string, unknown>;
const ROOT = "arn:aws:iam::111111111111:root";
const CI_ROLE = "arn:aws:iam::111111111111:role/marketing-agents-dev-deploy";

function details(statement: Json): string[] {
  const rule = ALL_RULES.find((r) => r.id === "OWN_ACCOUNT_TRUST_NARROWED");
  if (!rule) throw new Error("no rule OWN_ACCOUNT_TRUST_NARROWED");
  const policy = JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
  const json = { resource: { aws_iam_role: { r: { name: "r", assume_role_policy: policy } } } };
  const doc: StackDocument = { stack: "s", production: false, json };
  return rule.check(doc).map((f) => `${f.address}: ${f.detail}`);
}

const allow = (principal: unknown, condition?: Json): Json => ({
  Effect: "Allow",
  Principal: principal,
  Action: "sts:AssumeRole",
  ...(condition ? { Condition: condition } : {}),
});

describe("OWN_ACCOUNT_TRUST_NARROWED", () => {
  it.each([
    ["the account's root", ROOT, ROOT],
    ["a bare account id", "111111111111", "111111111111"],
    ["the root among roles", [CI_ROLE, ROOT], ROOT],
  ])("finds %s trusted without a condition", (_what, principal, account) => {
    expect(details(allow({ AWS: principal }))).toEqual([
      `aws_iam_role.r: trusts every principal of ${account} (no ArnEquals aws:PrincipalArn)`,
    ]);
  });

  it("passes the root narrowed to named roles", () => {
    expect(details(allow({ AWS: ROOT }, { ArnEquals: { "aws:PrincipalArn": [CI_ROLE] } }))).toEqual([]);
  });

  it("finds a narrowing by pattern", () => {
    const pattern = "arn:aws:iam::111111111111:role/*";
    expect(details(allow({ AWS: ROOT }, { ArnEquals: { "aws:PrincipalArn": pattern } }))).toEqual([
      `aws_iam_role.r: trusts the pattern ${pattern}, not named roles`,
    ]);
  });

  it("does not take another condition operator for the narrowing", () => {
    expect(details(allow({ AWS: ROOT }, { ArnLike: { "aws:PrincipalArn": [CI_ROLE] } }))).toHaveLength(1);
    expect(details(allow({ AWS: ROOT }, { ArnEquals: { "aws:SourceArn": [CI_ROLE] } }))).toHaveLength(1);
  });

  it.each([
    ["a named role", { AWS: CI_ROLE }],
    ["a service", { Service: "pods.eks.amazonaws.com" }],
    ["a federated identity", { Federated: "arn:aws:iam::111111111111:oidc-provider/x" }],
    ["an account id inside a longer ARN", { AWS: "arn:aws:iam::111111111111:user/root" }],
  ])("ignores %s", (_what, principal) => {
    expect(details(allow(principal))).toEqual([]);
  });

  it("ignores a Deny of the root", () => {
    expect(details({ ...allow({ AWS: ROOT }), Effect: "Deny" })).toEqual([]);
  });
});
