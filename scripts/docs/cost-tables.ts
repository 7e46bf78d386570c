/**
 * The monthly cost of each environment, estimated by `npm run review`'s cost model
 * (scripts/review/cost.ts) from a synth of every environment, priced on the date of the offer table
 * (config/aws/offers.json) so the figures change only when the code, config or prices do.
 */
import { loadEnvironments } from "../../config";
import { OFFERS } from "../../config/aws-data";
import { ASSUMPTIONS, estimateCost, type CostEstimate } from "../review/cost";
import type { SynthOutput } from "../review/synth-output";
import { environmentOf } from "./stack-tables";
import { table, usd } from "./markdown";

/** Each declared environment's estimate, in promotion order. */
export function estimates(output: SynthOutput): CostEstimate[] {
  const pricedOn = new Date(`${OFFERS.as_of}T00:00:00Z`);
  const names = loadEnvironments().map((c) => c.name);
  return names.map((name) =>
    estimateCost(
      name,
      [...output.values()].filter((s) => environmentOf(s.id, names) === name),
      pricedOn,
    ),
  );
}

const budgetOf = (e: CostEstimate) =>
  e.budgetUsd === undefined ? "none" : `${usd(e.budgetUsd)} (${Math.round((100 * e.totalUsd) / e.budgetUsd)} % used)`;

/** README's: one row per environment. */
export function costSummaryTable(output: SynthOutput): string {
  return [
    table(
      ["environment", "region", "estimate a month", "budget (`alerts.monthlyBudgetUsd`)"],
      estimates(output).map((e) => [e.environment, e.region, usd(e.totalUsd), budgetOf(e)]),
      ["---", "---", "---:", "---:"],
    ),
    "",
    `On-demand prices of ${OFFERS.as_of} (\`config/aws/offers.json\`), usage assumed as [docs/cost.md](docs/cost.md) says.`,
  ].join("\n");
}

/** docs/cost.md's: every line item per environment, the budgets, the cost switches and the assumptions. */
export function costTables(output: SynthOutput): string {
  const all = estimates(output);
  const items = [...new Set(all.flatMap((e) => e.lines.map((l) => l.item)))];
  const money = (n: number | undefined) => (n === undefined ? "-" : usd(n));
  const itemRows = items.map((item) => [
    item,
    ...all.map((e) => money(e.lines.find((l) => l.item === item)?.monthlyUsd)),
  ]);
  const right = ["---", ...all.map(() => "---:")];
  const switches = [...new Set(all.flatMap((e) => Object.keys(e.savings)))];
  const switchCell = (e: CostEstimate, s: string) =>
    e.savings[s] ? `${e.savings[s].on ? "on, saves" : "off, would save"} ${usd(e.savings[s].monthlyUsd)}` : "-";
  const unpriced = all.flatMap((e) => e.unpriced.map((u) => `${e.environment}: ${u}`));
  return [
    table(
      ["item", ...all.map((e) => e.environment)],
      [
        ["region", ...all.map((e) => e.region)],
        ...itemRows,
        ["**total**", ...all.map((e) => `**${usd(e.totalUsd)}**`)],
        ["budget", ...all.map(budgetOf)],
      ],
      right,
    ),
    "",
    unpriced.length > 0 ? `Not priced (counted as $0): ${unpriced.join("; ")}.` : "Every item is priced.",
    "",
    "What each cost switch in config saves a month:",
    "",
    table(
      ["switch", ...all.map((e) => e.environment)],
      switches.map((s) => [s, ...all.map((e) => switchCell(e, s))]),
      right,
    ),
    "",
    ...all.flatMap((e) => [
      `### How ${e.environment}'s lines are computed (${e.region})`,
      "",
      table(
        ["item", "a month", "from"],
        e.lines.map((l) => [l.item, usd(l.monthlyUsd), l.basis]),
        ["---", "---:", "---"],
      ),
      "",
    ]),
    "### Usage assumed",
    "",
    "What the synth cannot tell, assumed for every environment (`ASSUMPTIONS` in scripts/review/cost.ts):",
    "",
    ...Object.entries(ASSUMPTIONS).map(([name, value]) => `- \`${name}\`: ${value}`),
  ].join("\n");
}
