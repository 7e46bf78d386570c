/**
 * The policy gate: every rule over every synthesized stack, minus explicit waivers.
 * Rules read the synthesized JSON (cdk.tf.json) because that is what Terraform and checkov see:
 * module inputs and resolved values exist only there.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { AWS_RULES } from "./aws-rules";
import { IAM_RULES } from "./iam-rules";
import { KUBERNETES_RULES } from "./kubernetes-rules";
import { PROJECT_RULES } from "./project-rules";
import type { PolicyRule } from "./rule";
import type { StackDocument } from "./terraform-json";

export type { PolicyRule } from "./rule";
export type { StackDocument } from "./terraform-json";

/** Every rule, by family. */
export const ALL_RULES: readonly PolicyRule[] = [...AWS_RULES, ...IAM_RULES, ...KUBERNETES_RULES, ...PROJECT_RULES];

/** An accepted exception to one rule for one resource. */
export interface Waiver {
  /** Stack id, `<env>-<concern>`. */
  readonly stack: string;
  /** Terraform address; `*` matches any characters (construct hashes). */
  readonly address: string;
  /** Rule id. */
  readonly rule: string;
  /** Why the exception is acceptable: required, shown in docs/policy.md. */
  readonly reason: string;
}

/** A rule broken by one resource. */
export interface Violation {
  readonly stack: string;
  readonly address: string;
  readonly rule: string;
  readonly why: string;
  readonly fix: string;
  readonly detail?: string;
}

/** What the gate found. */
export interface PolicyReport {
  /** Broken rules without a waiver: the synth fails. */
  readonly violations: Violation[];
  /** Broken rules covered by a waiver. */
  readonly waived: { readonly violation: Violation; readonly waiver: Waiver }[];
  /** Problems with the waivers themselves (no reason, unknown rule, matching nothing): the synth fails. */
  readonly waiverProblems: string[];
}

function matches(pattern: string, address: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return regex.test(address);
}

function waiverProblems(waivers: readonly Waiver[], rules: readonly PolicyRule[]): string[] {
  const ids = new Set(rules.map((r) => r.id));
  return waivers.flatMap((w) => [
    ...(w.reason.trim().length < 10 ? [`waiver ${w.stack} ${w.address} ${w.rule}: a waiver needs a reason`] : []),
    ...(ids.has(w.rule) ? [] : [`waiver ${w.stack} ${w.address} ${w.rule}: no such rule`]),
  ]);
}

/** Runs the rules over the stacks and applies the waivers of those stacks. */
export function evaluatePolicy(
  docs: readonly StackDocument[],
  waivers: readonly Waiver[],
  rules: readonly PolicyRule[] = ALL_RULES,
): PolicyReport {
  const found: Violation[] = docs.flatMap((doc) =>
    rules.flatMap((rule) =>
      rule.check(doc).map((f) => ({
        stack: doc.stack,
        address: f.address,
        rule: rule.id,
        why: rule.why,
        fix: rule.fix,
        detail: f.detail,
      })),
    ),
  );
  const waiverFor = (v: Violation) =>
    waivers.find((w) => w.stack === v.stack && w.rule === v.rule && matches(w.address, v.address));
  const violations = found.filter((v) => !waiverFor(v));
  const waived = found.flatMap((v) => {
    const waiver = waiverFor(v);
    return waiver ? [{ violation: v, waiver }] : [];
  });
  const evaluated = new Set(docs.map((d) => d.stack));
  const unused = waivers
    .filter((w) => evaluated.has(w.stack) && !waived.some((x) => x.waiver === w))
    .map((w) => `waiver ${w.stack} ${w.address} ${w.rule}: matches no violation any more; remove it`);
  return { violations, waived, waiverProblems: [...waiverProblems(waivers, rules), ...unused] };
}

/** `<stack> <address> <RULE-ID> <why> <how to fix>`, one line. */
export function formatViolation(v: Violation): string {
  return `${v.stack} ${v.address} ${v.rule} ${v.why}${v.detail ? ` (${v.detail})` : ""}. Fix: ${v.fix}.`;
}

/** Raised by the synth when the gate fails. */
export class PolicyError extends Error {
  constructor(readonly report: PolicyReport) {
    const lines = [...report.violations.map(formatViolation), ...report.waiverProblems];
    super(`Policy check failed (${lines.length} problems):\n${lines.map((l) => `  - ${l}`).join("\n")}`);
    this.name = "PolicyError";
  }
}

/** Reads every stack of a synth output folder (`<outdir>/stacks/<id>/cdk.tf.json`). */
export function readSynthesizedStacks(outdir: string, isProduction: (stack: string) => boolean): StackDocument[] {
  const stacksDir = path.join(outdir, "stacks");
  return fs
    .readdirSync(stacksDir)
    .sort()
    .map((stack) => ({
      stack,
      production: isProduction(stack),
      json: JSON.parse(fs.readFileSync(path.join(stacksDir, stack, "cdk.tf.json"), "utf8")),
    }));
}
