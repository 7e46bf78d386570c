/**
 * A stack a plan cannot make yet: what it needs is created by an earlier stack of the same run,
 * planned there but not applied (a new chart's mirror repository `<env>-charts/<chart>`, which the
 * cluster stack creates, where the platform's chart check looks first). Failing it would fail the
 * plan job, so the delivery that creates it could never be applied. The plan stops it instead, and
 * with --record-plans writes the stop beside the fingerprints (`<stack>.stopped.json`: stack names
 * and a repository name, no value); the apply against those plans applies the stacks before it as
 * reviewed and stops it, with everything after it, for a second delivery (deliver-again.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { StackNode } from "./stack-graph";

/** Why a plan stopped a stack. */
export interface PlanStop {
  readonly stack: string;
  /** The earlier stack of the run that creates what it needs. */
  readonly waitsFor: string;
  /** What is missing until then: `its chart mirror repository dev-charts/metrics-server`. */
  readonly missing: string;
}

/** Where a stop is recorded, beside the stack's fingerprint. */
export function stopFile(directory: string, stack: string): string {
  return path.join(directory, `${stack}.stopped.json`);
}

/** The plan's line: `dev-platform: its chart mirror repository ... does not exist yet; dev-cluster, planned in this delivery, creates it: ...`. */
export function planStopLine(stop: PlanStop): string {
  return `${stop.stack}: ${stop.missing} does not exist yet; ${stop.waitsFor}, planned in this delivery, creates it: a second delivery plans it`;
}

/** The apply's line: `dev-platform: could not be planned before dev-cluster was applied (...): run the delivery again to plan it`. */
export function applyStopLine(stop: PlanStop): string {
  return `${stop.stack}: could not be planned before ${stop.waitsFor} was applied (${stop.missing} did not exist yet): run the delivery again to plan it`;
}

/** Records the stop, replacing a plan recorded for the stack in an earlier run into the same folder. */
export function recordStop(directory: string, stop: PlanStop): void {
  fs.mkdirSync(directory, { recursive: true });
  for (const suffix of [".sha256", ".changes.txt", ".outputs.txt"]) {
    fs.rmSync(path.join(directory, `${stop.stack}${suffix}`), { force: true });
  }
  const record = { ...stop, reason: planStopLine(stop) };
  fs.writeFileSync(stopFile(directory, stop.stack), `${JSON.stringify(record, null, 2)}\n`);
}

/** The stop the plan recorded for the stack, if any; a record that is not one is refused. */
export function recordedStop(directory: string, stack: string): PlanStop | undefined {
  const file = stopFile(directory, stack);
  if (!fs.existsSync(file)) return undefined;
  const record = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<Record<keyof PlanStop, unknown>>;
  const { waitsFor, missing } = record;
  if (record.stack !== stack || typeof waitsFor !== "string" || typeof missing !== "string") {
    throw new Error(`${file} is not a stop recorded by deploy --record-plans for ${stack}`);
  }
  return { stack, waitsFor, missing };
}

interface StackJson {
  resource?: { aws_ecr_repository?: Record<string, { name?: unknown }> };
}

/** The stack among `stacks` whose synthesized configuration creates the ECR repository `name`. */
export function creatorOfRepository(stacks: readonly StackNode[], name: string): StackNode | undefined {
  return stacks.find((stack) => {
    const json = JSON.parse(fs.readFileSync(path.join(stack.directory, "cdk.tf.json"), "utf8")) as StackJson;
    return Object.values(json.resource?.aws_ecr_repository ?? {}).some((r) => r.name === name);
  });
}
