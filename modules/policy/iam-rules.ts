/**
 * Rules for the identities CI works with: who a GitHub Actions role trusts, what a pull request
 * can read, and whether the deploy role can make itself stronger.
 */
import type { Finding, PolicyRule } from "./rule";
import { list, resources, type Block, type JsonObject, type StackDocument } from "./terraform-json";

const GITHUB_OIDC = "token.actions.githubusercontent.com";
const SUB = `${GITHUB_OIDC}:sub`;
const AUD = `${GITHUB_OIDC}:aud`;

interface Statement {
  readonly Effect: "Allow" | "Deny";
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

function statementsOf(policy: unknown): Statement[] {
  if (typeof policy !== "string") return [];
  try {
    return list((JSON.parse(policy) as { Statement?: unknown }).Statement) as Statement[];
  } catch {
    return [];
  }
}

const strings = (value: unknown) => list(value).map(String);
/** Whether an IAM action pattern (`iam:Put*`, `*`) covers an action. */
const covers = (pattern: string, action: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i").test(action);
const allows = (s: Statement, action: string) =>
  s.Effect === "Allow" &&
  (s.Action !== undefined
    ? strings(s.Action).some((a) => covers(a, action))
    : !strings(s.NotAction).some((a) => covers(a, action)));
const denies = (s: Statement, action: string) =>
  s.Effect === "Deny" && strings(s.Action).some((a) => covers(a, action));

/** A role with everything that grants it permissions in the same stack. */
interface RoleView {
  readonly role: Block;
  readonly name: string;
  readonly trust: Statement[];
  readonly statements: Statement[];
  readonly managedPolicies: string[];
}

/** `${aws_iam_role.x.name}` or `${aws_iam_role.x.id}` -> `aws_iam_role.x`. */
const roleAddressOf = (reference: unknown) => /^\$\{(aws_iam_role\.[^.]+)\.(name|id)\}$/.exec(String(reference))?.[1];

function roles(doc: StackDocument): RoleView[] {
  const inline = resources(doc, "aws_iam_role_policy");
  const attached = resources(doc, "aws_iam_role_policy_attachment");
  return resources(doc, "aws_iam_role").map((role) => {
    const name = String(role.body.name ?? "");
    const mine = (b: Block) => roleAddressOf(b.body.role) === role.address || b.body.role === name;
    return {
      role,
      name,
      trust: statementsOf(role.body.assume_role_policy),
      statements: inline.filter(mine).flatMap((p) => statementsOf(p.body.policy)),
      managedPolicies: attached.filter(mine).map((a) => String(a.body.policy_arn)),
    };
  });
}

/** Trust statements for GitHub's OIDC tokens (the provider's ARN may be a reference; its claims are not). */
const githubTrust = (view: RoleView) =>
  view.trust.filter((s) => JSON.stringify([s.Principal ?? "", s.Condition ?? {}]).includes(GITHUB_OIDC));
const subjectsOf = (view: RoleView) =>
  githubTrust(view).flatMap((s) => Object.values(s.Condition ?? {}).flatMap((c) => strings(c[SUB])));
const isGithubRole = (view: RoleView) => githubTrust(view).length > 0;

const BROAD_MANAGED = /policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess|SecretsManagerReadWrite)$/;
const IAM_GRANTS = ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"];
const canWriteIam = (view: RoleView) =>
  view.statements.some((s) => IAM_GRANTS.some((a) => allows(s, a))) ||
  view.managedPolicies.some((p) => /AdministratorAccess|IAMFullAccess/.test(p));
const canDeploy = (view: RoleView) => canWriteIam(view) || view.managedPolicies.some((p) => BROAD_MANAGED.test(p));

function findings(doc: StackDocument, problems: (view: RoleView) => string[]): Finding[] {
  return roles(doc).flatMap((view) => problems(view).map((detail) => ({ address: view.role.address, detail })));
}

function trustProblems(view: RoleView): string[] {
  if (!isGithubRole(view)) return [];
  const problems: string[] = [];
  for (const s of githubTrust(view)) {
    if (strings(s.Condition?.StringEquals?.[AUD]).join() !== "sts.amazonaws.com")
      problems.push("audience not pinned to sts.amazonaws.com");
    if (s.Condition?.StringLike?.[SUB] !== undefined) problems.push("subjects matched as patterns (StringLike)");
  }
  const subjects = subjectsOf(view);
  if (subjects.length === 0) problems.push("no subject condition: any repository could assume it");
  subjects.filter((s) => s.includes("*")).forEach((s) => problems.push(`wildcard subject ${s}`));
  return problems;
}

function deployTrustProblems(view: RoleView): string[] {
  if (!isGithubRole(view) || !canDeploy(view)) return [];
  return subjectsOf(view)
    .filter((s) => !/:environment:[^*]+$/.test(s))
    .map((s) => `deploy rights trusted outside a reviewed GitHub environment: ${s}`);
}

function pullRequestProblems(view: RoleView): string[] {
  if (!subjectsOf(view).some((s) => s.endsWith(":pull_request"))) return [];
  const problems: string[] = [];
  const readsSecrets = view.statements.some((s) => allows(s, "secretsmanager:GetSecretValue"));
  if (readsSecrets || view.managedPolicies.some((p) => BROAD_MANAGED.test(p))) problems.push("may read secret values");
  if (!view.statements.some((s) => denies(s, "secretsmanager:GetSecretValue")))
    problems.push("no explicit deny of secretsmanager:GetSecretValue");
  if (!view.statements.some((s) => denies(s, "s3:GetObject")))
    problems.push("no explicit deny of the state that holds secrets (s3:GetObject)");
  return problems;
}

function selfProtectionProblems(view: RoleView): string[] {
  if (!isGithubRole(view) || !canWriteIam(view)) return [];
  const problems: string[] = [];
  const unbounded = view.statements.filter(
    (s) => IAM_GRANTS.some((a) => allows(s, a)) && s.Condition?.StringEquals?.["iam:PermissionsBoundary"] === undefined,
  );
  if (unbounded.length > 0) problems.push("creates or grants roles without requiring the permissions boundary");
  const protectsItself = view.statements.some(
    (s) =>
      denies(s, "iam:PutRolePolicy") &&
      denies(s, "iam:AttachRolePolicy") &&
      strings(s.Resource).some((r) => r.endsWith(`:role/${view.name}`)),
  );
  if (!protectsItself) problems.push(`no explicit deny of IAM writes on its own role ${view.name}`);
  return problems;
}

/** An account id or its root: every principal of that account, unless a condition narrows it. */
const ACCOUNT_PRINCIPAL = /^(\d{12}|arn:aws:iam::\d{12}:root)$/;

function accountTrustProblems(view: RoleView): string[] {
  return view.trust.flatMap((s) => {
    const principal = s.Principal as { AWS?: unknown } | undefined;
    const accounts = strings(principal?.AWS).filter((p) => ACCOUNT_PRINCIPAL.test(p));
    if (s.Effect !== "Allow" || accounts.length === 0) return [];
    const named = strings(s.Condition?.ArnEquals?.["aws:PrincipalArn"]);
    if (named.length === 0) return [`trusts every principal of ${accounts.join(", ")} (no ArnEquals aws:PrincipalArn)`];
    return named.filter((arn) => arn.includes("*")).map((arn) => `trusts the pattern ${arn}, not named roles`);
  });
}

/** Every role made here must carry a boundary; GitHub roles are made by people in bootstrap. */
function boundaryProblems(doc: StackDocument): Finding[] {
  const missing = (address: string, what: string): Finding => ({
    address,
    detail: `${what} has no permissions boundary`,
  });
  const found: Finding[] = roles(doc)
    .filter((view) => !isGithubRole(view) && !view.role.body.permissions_boundary)
    .map((view) => missing(view.role.address, `role ${view.name}`));
  for (const module of Object.entries((doc.json.module ?? {}) as Record<string, JsonObject>)) {
    const [name, body] = module;
    const address = `module.${name}`;
    if (body.source === "terraform-aws-modules/eks/aws") {
      if (!body.iam_role_permissions_boundary) found.push(missing(address, "the cluster role"));
      for (const [group, settings] of Object.entries(
        (body.eks_managed_node_groups ?? {}) as Record<string, JsonObject>,
      )) {
        if (!settings.iam_role_permissions_boundary) found.push(missing(address, `node group ${group}'s role`));
      }
    }
    if (
      body.source === "terraform-aws-modules/vpc/aws" &&
      body.create_flow_log_cloudwatch_iam_role === true &&
      !body.vpc_flow_log_permissions_boundary
    ) {
      found.push(missing(address, "the flow-log role"));
    }
    if (
      body.source === "terraform-aws-modules/rds/aws" &&
      body.create_monitoring_role === true &&
      !body.monitoring_role_permissions_boundary
    ) {
      found.push(missing(address, "the monitoring role"));
    }
  }
  return found;
}

export const IAM_RULES: PolicyRule[] = [
  {
    id: "OWN_GITHUB_TRUST_EXACT",
    why: "a GitHub Actions role must name exactly which repository, branch or environment may assume it",
    fix: "use GithubActionsRole with githubSubjects (StringEquals on sub, audience sts.amazonaws.com)",
    check: (doc) => findings(doc, trustProblems),
  },
  {
    id: "OWN_DEPLOY_TRUST_ENVIRONMENT_ONLY",
    why: "a role that can change the environment must be reached only through a GitHub environment with reviewers",
    fix: "trust only githubSubjects.environment(...) on roles with deploy rights",
    check: (doc) => findings(doc, deployTrustProblems),
  },
  /**
   * Superseded by evaluation: __tests__/security/who-can-do-what.test.ts asks an IAM evaluator
   * whether the pull-request role can read secret values, parameters, logs, RDS logs, image layers
   * and secret-holding state, over all its policies (attached ones included, which this pattern
   * rule does not read). Kept as the synth-time gate.
   */
  {
    id: "OWN_PULL_REQUEST_NO_SECRETS",
    why: "pull-request code runs during plan: a role it can assume must not reach any secret value",
    fix: "build the pull-request role's policy with pullRequestPlanStatements (explicit denies, no secret-reading grant)",
    check: (doc) => findings(doc, pullRequestProblems),
  },
  /**
   * Superseded by evaluation: __tests__/security/who-can-do-what.test.ts asks an IAM evaluator
   * whether the deploy role can create a role without the boundary, write the CI roles, its own
   * allow-list or the boundary, and whether a role it makes with a trust of any account or any
   * GitHub repository can be assumed from outside (the organization's resource control policy,
   * stacks/org-guardrails-stack.ts, which no pattern rule can see). Kept as the synth-time gate.
   */
  {
    id: "OWN_DEPLOY_ROLE_BOUNDED",
    why: "a role that writes IAM could otherwise grant itself, or a role it makes, anything",
    fix: "build the deploy role's IAM statements with deployIamStatements (boundary condition, deny on the CI identities)",
    check: (doc) => findings(doc, selfProtectionProblems),
  },
  {
    id: "OWN_ACCOUNT_TRUST_NARROWED",
    why: "a role trusting an account (its root) lets every identity of that account assume it, unless a condition names which",
    fix: "add Condition ArnEquals aws:PrincipalArn with the exact role ARNs (as ZoneDelegationRole does)",
    check: (doc) => findings(doc, accountTrustProblems),
  },
  /**
   * Presence only. What a boundary allows is evaluated, not read here:
   * __tests__/security/permissions-boundary.test.ts asks an IAM evaluator whether each boundary lets
   * through what its roles are given, nothing more, and none of boundary-limits.ts's requests.
   */
  {
    id: "OWN_IAM_BOUNDARY",
    why: "every role CI creates must carry one of the environment's permissions boundaries, or the deploy role's limits mean nothing",
    fix: "pass permissionsBoundaryArn(config), or serviceRoleBoundaryArn(config) for an AWS service's role, to the role (module inputs *_permissions_boundary included)",
    check: boundaryProblems,
  },
];
