/**
 * What a synth made, one line per environment: its stacks, the resources and module calls in them,
 * and what the policy gate said. `npm run synth` prints these on success, so a person sees that
 * something happened and how big it is, without opening cdktf.out.
 */
import type { PolicyReport, StackDocument } from "../modules/policy";

interface SynthesizedJson {
  readonly resource?: Record<string, Record<string, unknown>>;
  readonly module?: Record<string, unknown>;
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Stacks belong to the environment their id starts with (`prod-github` is prod's). */
function environmentOf(stack: string, environments: readonly string[]): string | undefined {
  return environments.find((name) => stack.startsWith(`${name}-`));
}

/**
 * One line per environment, in the order given:
 * `dev: 6 stacks, 412 resources, 4 module calls; policy gate passed, 5 findings waived (config/waivers.ts)`.
 */
export function summarizeSynth(
  stacks: readonly StackDocument[],
  report: Pick<PolicyReport, "waived">,
  environments: readonly string[],
): string[] {
  return environments.flatMap((name) => {
    const own = stacks.filter((s) => environmentOf(s.stack, environments) === name);
    if (own.length === 0) return [];
    const json = own.map((s) => s.json as SynthesizedJson);
    const resources = json.reduce(
      (n, j) => n + Object.values(j.resource ?? {}).reduce((m, byName) => m + Object.keys(byName).length, 0),
      0,
    );
    const modules = json.reduce((n, j) => n + Object.keys(j.module ?? {}).length, 0);
    const waived = report.waived.filter((w) => environmentOf(w.violation.stack, environments) === name).length;
    const gate = `policy gate passed${waived > 0 ? `, ${count(waived, "finding")} waived (config/waivers.ts)` : ""}`;
    return [
      `${name}: ${count(own.length, "stack")}, ${count(resources, "resource")}, ${count(modules, "module call")}; ${gate}`,
    ];
  });
}
