/**
 * The policy gate's rules with their fixes, the waivers config grants, and the checkov checks
 * `.checkov.yaml` turns off with the reason its comment gives: docs/policy.md's tables.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { loadEnvironments } from "../../config";
import { WAIVER_RULES } from "../../config/waivers";
import { ALL_RULES } from "../../modules/policy";
import { table } from "./markdown";

/** Every rule of the synth's gate: id, why it exists, how to fix a violation. */
export function gateRulesTable(): string {
  return table(
    ["rule", "why", "fix"],
    ALL_RULES.map((r) => [r.id, r.why, r.fix]),
  );
}

/** Every waiver rule of config/waivers.ts and the environments whose settings call for it today. */
export function waiversTable(): string {
  const environments = loadEnvironments();
  return table(
    ["concern", "resource", "rule", "when", "reason", "applies to"],
    WAIVER_RULES.map((w) => [
      w.concern,
      `\`${w.address}\``,
      w.rule,
      w.when,
      w.reason,
      environments
        .filter((c) => w.applies(c))
        .map((c) => c.name)
        .join(", ") || "none",
    ]),
  );
}

/** The checks `.checkov.yaml` skips, each with the comment above it (one comment may cover several). */
export function checkovSkips(root: string): { check: string; reason: string }[] {
  const lines = fs.readFileSync(path.join(root, ".checkov.yaml"), "utf8").split("\n");
  const start = lines.findIndex((l) => /^skip-check:/.test(l));
  const skips: { check: string; reason: string }[] = [];
  let comment: string[] = [];
  let lastWasCheck = false;
  for (const line of lines.slice(start + 1)) {
    const note = /^\s+#\s?(.*)$/.exec(line);
    const check = /^\s+-\s+(\S+)/.exec(line);
    if (note) {
      if (lastWasCheck) comment = [];
      comment.push(note[1]);
      lastWasCheck = false;
    } else if (check) {
      skips.push({ check: check[1], reason: comment.join(" ").trim() });
      lastWasCheck = true;
    } else if (/^\S/.test(line)) {
      break;
    }
  }
  return skips;
}

export function checkovSkipsTable(root: string): string {
  const skips = checkovSkips(root);
  return [
    `${skips.length} checks are off everywhere (checkov can only skip a check for every resource):`,
    "",
    table(
      ["check", "why it is off"],
      skips.map((s) => [s.check, s.reason]),
    ),
  ].join("\n");
}
