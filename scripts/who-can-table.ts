/**
 * docs/who-can.md's table, rendered from the request table the IAM evaluator checks
 * (__tests__/security/who-can-do-what.ts), so the docs say exactly what the tests prove
 * (`npm run docs` writes it).
 */
import { ORGANIZATION_CONCERN, ORGANIZATION_GUARDRAILS_ENVIRONMENT, loadEnvironments } from "../config";
import { REQUESTS } from "../__tests__/security/who-can-do-what";

const ROLE_NAMES: Record<string, string> = {
  deploy: "`<env>-deploy`",
  plan: "`<env>-plan`",
  "pr-plan": "`<env>-pr-plan`",
  "push-image": "`<env>-push-image`",
  runner: "`<env>-runner` (CodeBuild)",
  // Principals asking STS for a session of one of the environment's roles (the identity perimeter).
  "outside-account": "an account outside the organization",
  "organization-account": "an account of the organization",
  "eks-pod-identity": "EKS Pod Identity (`pods.eks.amazonaws.com`)",
  "github-actions": "a GitHub Actions token of the project's repositories",
  "github-other-repository": "a GitHub Actions token of another repository",
};

function nameOf(role: string): string {
  const name = ROLE_NAMES[role];
  if (!name)
    throw new Error(
      `who-can table: no words for the role "${role}"; add them to ROLE_NAMES in scripts/who-can-table.ts`,
    );
  return name;
}

/** The stack people apply for the organization's resource control policy. */
export const GUARDRAILS_STACK = `${ORGANIZATION_GUARDRAILS_ENVIRONMENT}-${ORGANIZATION_CONCERN}`;

/** The Markdown table of the request table, one row per request. */
export function whoCanTable(): string {
  const environments = loadEnvironments();
  const header = ["role", "action", "on", "IAM decides", "why"];
  const rows = REQUESTS.map((row) => {
    const where = environments.filter((c) => row.when?.(c) ?? true).map((c) => c.name);
    const only = where.length === environments.length ? "" : ` (${where.join(", ")})`;
    // Decided by the organization's policy: true only once people have applied its stack.
    const decision = row.needsOrganizationGuardrails
      ? `${row.expected} (with ${GUARDRAILS_STACK} applied)`
      : row.expected;
    return [nameOf(row.role), `\`${row.action}\``, `${row.target}${only}`, decision, row.why];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
