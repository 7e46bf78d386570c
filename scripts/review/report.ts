/** The review as data (JSON) and as Markdown fit for a pull-request comment. */
import { estimateCost, ASSUMPTIONS, type CostEstimate } from "./cost";
import { mermaid } from "./diagram";
import { gatewaySettings, type GatewaySettings } from "./gateway";
import { iamChanges, type RoleChange } from "./iam-changes";
import { inventory, type StackInventory } from "./inventory";
import { dangerous, riskRank, type PlannedChange } from "./plan-diff";
import { OFFERS } from "../../config/aws-data";
import { environments, type SynthOutput } from "./synth-output";

/** Everything `npm run review` found. */
export interface Review {
  readonly environments: {
    readonly name: string;
    readonly deployOrder: string[];
    readonly stacks: StackInventory[];
    readonly cost: CostEstimate;
    readonly diagram: string;
    /** The public Gateway's timeouts and proxies, as synthesized. */
    readonly gateway: GatewaySettings;
  }[];
  /** Present with `--against`: what the change does. */
  readonly changes?: PlannedChange[];
  /** Present with `--against`: each IAM role that is new, removed or whose access changed. */
  readonly iamChanges?: RoleChange[];
  /** Present with `--against`: each environment's monthly estimate before the change. */
  readonly baselineCostUsd?: Record<string, number>;
}

/** Builds the review of a synth output (and its changes, when a baseline is given). */
export function buildReview(
  output: SynthOutput,
  changes?: PlannedChange[],
  environmentOrder: readonly string[] = [],
  baseline?: SynthOutput,
): Review {
  const baselineCostUsd = baseline
    ? Object.fromEntries(
        [...environments(baseline)].map(([name, stacks]) => [name, estimateCost(name, stacks).totalUsd]),
      )
    : undefined;
  return {
    environments: [...environments(output, environmentOrder)].map(([name, stacks]) => ({
      name,
      deployOrder: stacks.map((s) => s.id),
      stacks: stacks.map(inventory),
      cost: estimateCost(name, stacks),
      diagram: mermaid(stacks),
      gateway: gatewaySettings(stacks),
    })),
    changes,
    iamChanges: baseline ? iamChanges(baseline, output, environmentOrder) : undefined,
    baselineCostUsd,
  };
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** Longest value printed in the table; longer ones are cut around the first character that differs. */
const WIDTH = 60;

const printed = (v: unknown) => (v === undefined ? "(none)" : JSON.stringify(v));

/** `text` cut to WIDTH characters, keeping the part from a little before `at` in view. */
function around(text: string, at: number): string {
  if (text.length <= WIDTH) return text;
  const start = Math.max(0, Math.min(at - 20, text.length - (WIDTH - 3)));
  const head = start > 0 ? "..." : "";
  const room = WIDTH - head.length;
  const body = text.slice(start, start + room);
  return start + room < text.length ? `${head}${body.slice(0, room - 3)}...` : `${head}${body}`;
}

/** Both sides of a change, each cut around where they first differ, so the difference stays visible. */
export function shortPair(before: unknown, after: unknown): [string, string] {
  const a = printed(before);
  const b = printed(after);
  let at = 0;
  while (at < a.length && at < b.length && a[at] === b[at]) at += 1;
  return [around(a, at), around(b, at)];
}

/** A Markdown table cell: a `|` inside a value would end the cell. */
export const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** A change's action as the table prints it: the stateful mark only where data or identity can be lost. */
export function actionLabel(c: PlannedChange): string {
  const loses = c.stateful && (c.action === "destroy" || c.action === "replace");
  return loses ? `**${c.action} (stateful)**` : c.action;
}

/** Changes in risk order (stateful destroy/replace, replace/destroy, roll, update, create, ignored); the plan's order within. */
export function byRisk(changes: PlannedChange[]): PlannedChange[] {
  return changes
    .map((c, i) => ({ c, i }))
    .sort((x, y) => riskRank(x.c) - riskRank(y.c) || x.i - y.i)
    .map((x) => x.c);
}

/** One line per change, riskiest first, for the terminal. */
export function topChanges(changes: PlannedChange[], count: number): string[] {
  return byRisk(changes)
    .slice(0, count)
    .map(
      (c) =>
        `  ${actionLabel(c).replace(/\*/g, "")}: ${c.stack} ${c.address}${c.note ? ` (${c.note.split("; ")[0]})` : ""}`,
    );
}

function changesSection(changes: PlannedChange[]): string[] {
  const count = (action: string) => changes.filter((c) => c.action === action).length;
  const risky = dangerous(changes);
  const lines = [
    "## Changes",
    "",
    `${count("create")} to create, ${count("update")} to update, ${count("replace")} to replace, ${count("roll")} to roll (nodes replaced, no data lost), ${count("destroy")} to destroy; ${count("ignored")} ignored by Terraform (lifecycle ignore_changes).`,
    "",
  ];
  if (risky.length > 0) {
    lines.push(
      `> **Warning: ${risky.length} stateful resource(s) destroyed or replaced.** Data may be lost; check backups and consider a moved block.`,
      "",
    );
  }
  if (changes.length === 0) return [...lines, "No changes."];
  lines.push(
    "Riskiest first: stateful destroy/replace, replace and destroy, roll, update, create, ignored.",
    "",
    "| stack | address | action | changed attributes | note |",
    "|---|---|---|---|---|",
  );
  for (const c of byRisk(changes)) {
    const attrs = c.changes
      .map((a) => {
        const [before, after] = shortPair(a.before, a.after);
        return `\`${a.path}\`: ${before} -> ${after}`;
      })
      .join("<br>");
    const cells = [c.stack, `\`${c.address}\``, actionLabel(c), attrs, c.note ?? ""];
    lines.push(`| ${cells.map(cell).join(" | ")} |`);
  }
  return lines;
}

const html = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
/** Markdown text that shows as written (`arn:...:role/x-*` must not turn into emphasis). */
const literal = (text: string) => html(text).replace(/([*_`[\]\\])/g, "\\$1");

/** Per environment, one folded entry per role: the summary line, and every change in full inside. */
function iamSection(changes: RoleChange[]): string[] {
  const count = (status: RoleChange["status"]) => changes.filter((c) => c.status === status).length;
  const lines = [
    "## IAM changes",
    "",
    `${count("changed")} role(s) changed, ${count("new")} new, ${count("removed")} removed. Actions are compared as written ` +
      "(wildcards not expanded), Terraform references as text; AWS managed policies by name.",
  ];
  for (const env of [...new Set(changes.map((c) => c.environment))]) {
    lines.push("", `### ${env}`, "");
    for (const change of changes.filter((c) => c.environment === env)) {
      lines.push(`<details><summary>${html(change.summary)}</summary>`, "");
      lines.push(...change.details.map((d) => `- ${literal(d)}`), "", "</details>", "");
    }
  }
  if (changes.length === 0) lines.push("", "No role changed.");
  return lines;
}

function costSection(review: Review): string[] {
  const envs = review.environments;
  const items = [...new Set(envs.flatMap((e) => e.cost.lines.map((l) => l.item)))];
  const lines = [
    `## Monthly cost estimate (on-demand prices of each environment's region, config/aws/offers.json as of ${OFFERS.as_of})`,
    "",
    `| item | ${envs.map((e) => e.name).join(" | ")} |`,
    `|---|${envs.map(() => "---:").join("|")}|`,
    `| region | ${envs.map((e) => e.cost.region).join(" | ")} |`,
  ];
  for (const item of items) {
    const cells = envs.map((e) => {
      const line = e.cost.lines.find((l) => l.item === item);
      return line ? usd(line.monthlyUsd) : "-";
    });
    lines.push(`| ${item} | ${cells.join(" | ")} |`);
  }
  lines.push(`| **total** | ${envs.map((e) => `**${usd(e.cost.totalUsd)}**`).join(" | ")} |`);
  const budget = (e: (typeof envs)[number]) =>
    e.cost.budgetUsd === undefined
      ? "none"
      : `${usd(e.cost.budgetUsd)} (estimate ${Math.round((100 * e.cost.totalUsd) / e.cost.budgetUsd)} %)`;
  lines.push(`| **budget** | ${envs.map(budget).join(" | ")} |`);
  if (review.baselineCostUsd) {
    const delta = (e: (typeof envs)[number]) => {
      const before = review.baselineCostUsd?.[e.name];
      if (before === undefined) return "new";
      const d = e.cost.totalUsd - before;
      return `${d >= 0 ? "+" : "-"}${usd(Math.abs(d))} (from ${usd(before)})`;
    };
    lines.push(`| **change** | ${envs.map(delta).join(" | ")} |`);
  }
  lines.push("");
  const unpriced = envs.flatMap((e) => e.cost.unpriced.map((u) => `${e.name} (${e.cost.region}): ${u}`));
  if (unpriced.length > 0)
    lines.push(`Not priced (counted as $0; add them to config/aws/offers.json): ${unpriced.join("; ")}.`, "");
  lines.push("What the cost switches in config save each month (on: saved already; off: would save):", "");
  lines.push(`| switch | ${envs.map((e) => e.name).join(" | ")} |`, `|---|${envs.map(() => "---:").join("|")}|`);
  for (const s of [...new Set(envs.flatMap((e) => Object.keys(e.cost.savings)))]) {
    const cell = (e: (typeof envs)[number]) => {
      const saving = e.cost.savings[s];
      return saving ? `${saving.on ? "on" : "off"}: ${usd(saving.monthlyUsd)}` : "-";
    };
    lines.push(`| ${s} | ${envs.map(cell).join(" | ")} |`);
  }
  lines.push(
    "",
    `Assumptions: SPOT ${ASSUMPTIONS.spotDiscount * 100}% below on-demand; ${ASSUMPTIONS.natTrafficGbPerMonth} GB NAT traffic, ` +
      `${ASSUMPTIONS.s3GbPerMonth} GB S3, ${ASSUMPTIONS.cloudwatchLogsGbPerMonth} GB logs a month per environment; node counts at desired size; ` +
      "data transfer, snapshots and support plans not included.",
  );
  return lines;
}

function inventorySection(review: Review): string[] {
  const lines: string[] = ["## Stacks"];
  for (const env of review.environments) {
    lines.push("", `### ${env.name}`, "", `Deploy order: ${env.deployOrder.join(" -> ")}`, "");
    lines.push("| stack | resources | modules | providers | state | outputs |", "|---|---|---|---|---|---|");
    for (const s of env.stacks) {
      const resources = Object.entries(s.resources)
        .map(([t, n]) => `${t} x${n}`)
        .join("<br>");
      const modules = Object.entries(s.modules)
        .map(([n, v]) => `${n}: ${v}`)
        .join("<br>");
      const providers = Object.entries(s.providers)
        .map(([n, v]) => `${n} ${v}`)
        .join(", ");
      const own = s.outputs.filter((o) => !o.startsWith("cross-stack-output-"));
      const crossStack = s.outputs.length - own.length;
      const outputs = `${own.join(", ")}${crossStack ? ` (+${crossStack} cross-stack)` : ""}`;
      lines.push(`| ${s.stack} | ${resources} | ${modules} | ${providers} | ${s.backend} | ${outputs} |`);
    }
    lines.push("", "```mermaid", env.diagram, "```");
  }
  return lines;
}

/**
 * One line per environment: how long the gateway waits for the app and for idle clients, who closes
 * an idle connection to the app first, and how long a stopping proxy or app pod serves on.
 */
function gatewaySection(review: Review): string[] {
  const lines = [
    "## Gateway timeouts and proxies",
    "",
    "| environment | request timeout | client idle timeout | backend idle timeout | app keep-alive | proxy drain (min-max) | proxy grace period | app grace period | Envoy proxies | disruption budget | spread over |",
    "|---|---|---|---|---|---|---|---|---:|---|---|",
  ];
  for (const { name, gateway } of review.environments) {
    const routes = Object.entries(gateway.requestTimeouts).map(([route, timeout]) => `${timeout} (${route})`);
    const drain = `${gateway.proxyDrain.minSeconds}-${gateway.proxyDrain.timeoutSeconds}s`;
    const appGrace = gateway.appGracePeriodSeconds === undefined ? "-" : `${gateway.appGracePeriodSeconds}s`;
    lines.push(
      `| ${name} | ${routes.join(", ") || "no route"} | ${gateway.idleTimeout} | ${gateway.backendIdleTimeout} | ${gateway.appKeepAlive} | ${drain} | ${gateway.proxyGracePeriodSeconds}s | ${appGrace} | ${gateway.proxyReplicas ?? "-"} | ${gateway.proxyDisruptionBudget} | ${gateway.proxySpread.join(", ") || "-"} |`,
    );
  }
  return lines;
}

/** The review as Markdown: changes and IAM changes first (when compared), then cost, the gateway, then the stacks. */
export function toMarkdown(review: Review): string {
  const lines = ["# Infrastructure review", ""];
  if (review.changes) lines.push(...changesSection(review.changes), "");
  if (review.iamChanges) lines.push(...iamSection(review.iamChanges), "");
  lines.push(...costSection(review), "", ...gatewaySection(review), "", ...inventorySection(review), "");
  return lines.join("\n");
}
