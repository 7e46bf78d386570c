/**
 * README's "Who can do what", rendered from the request table the IAM evaluator checks
 * (__tests__/security/who-can-do-what.ts), so the README says exactly what the tests prove.
 */
import { loadEnvironments } from "../config";
import { REQUESTS } from "../__tests__/security/who-can-do-what";

export const WHO_CAN_BEGIN = "<!-- BEGIN_WHO_CAN (npm run who-can writes this table) -->";
export const WHO_CAN_END = "<!-- END_WHO_CAN -->";

const ROLE_NAMES: Record<string, string> = {
  deploy: "`<env>-deploy`",
  plan: "`<env>-plan`",
  "pr-plan": "`<env>-pr-plan`",
  "push-image": "`<env>-push-image`",
  runner: "`<env>-runner` (CodeBuild)",
};

/** The Markdown table of the request table, one row per request. */
export function whoCanTable(): string {
  const environments = loadEnvironments();
  const header = ["role", "action", "on", "IAM decides", "why"];
  const rows = REQUESTS.map((row) => {
    const where = environments.filter((c) => row.when?.(c) ?? true).map((c) => c.name);
    const only = where.length === environments.length ? "" : ` (${where.join(", ")})`;
    return [ROLE_NAMES[row.role], `\`${row.action}\``, `${row.target}${only}`, row.expected, row.why];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The README with the table between the markers replaced; throws when the markers are missing. */
export function withWhoCanTable(readme: string): string {
  const begin = readme.indexOf(WHO_CAN_BEGIN);
  const end = readme.indexOf(WHO_CAN_END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no ${WHO_CAN_BEGIN} ... ${WHO_CAN_END} markers`);
  return `${readme.slice(0, begin + WHO_CAN_BEGIN.length)}\n\n${whoCanTable()}\n\n${readme.slice(end)}`;
}
