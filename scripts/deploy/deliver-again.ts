/**
 * What a run says when it stopped stacks for a second delivery. An apply against reviewed plans
 * stops a stack planned before a stack of the same run changed outputs it reads (what its
 * reviewers saw is not what it would now apply), and one its plan could not make before an
 * earlier stack is applied (plan-stops.ts: its reviewers saw no plan of it). Everything before
 * them was applied; a second delivery plans them against what this apply changed, for review,
 * then applies them. Never applied unreviewed. A plan that stopped stacks says what its apply
 * will do with them.
 */
import * as path from "node:path";
import type { DeployOutcome, DeployRequest } from "./deploy";

/**
 * Exit status of a run that stopped stacks for a second delivery: an apply that applied what was
 * reviewed, or a plan that planned the stacks before them.
 */
export const DELIVER_AGAIN_EXIT_CODE = 3;

/** The stacks a second delivery must plan and apply, and why. */
export interface DeliverAgain {
  /**
   * One line per stopped stack: `<env>-app: planned before <env>-data changed its outputs (...): run the delivery again ...`,
   * `<env>-platform: could not be planned before <env>-cluster was applied (...): run the delivery again ...`.
   */
  readonly reasons: string[];
  /** Concerns to deliver again, in order: the stopped stacks and those after them. */
  readonly concerns: string[];
  /** The manual run of infra.yml (a rollout) that delivers exactly them. */
  readonly rollout: string;
}

/** Undefined when nothing was stopped (or something failed: a failure is reported as such). */
export function deliverAgain(request: DeployRequest, outcome: DeployOutcome): DeliverAgain | undefined {
  const { results } = outcome;
  const stopped = results.filter((r) => r.result === "stopped");
  if (stopped.length === 0 || results.some((r) => r.result === "failed")) return undefined;
  const pending = new Set(results.filter((r) => r.result !== "ok").map((r) => r.stack));
  const concerns = outcome.waves
    .flat()
    .filter((s) => pending.has(s.id))
    .map((s) => s.concern);
  const tag = request.imageTag ? ` -f image_tag=${request.imageTag}` : "";
  const env = request.config.name;
  return {
    reasons: stopped.map((r) => r.reason ?? r.stack),
    concerns,
    rollout: `gh workflow run infra.yml --ref main -f environment=${env} -f stacks="${concerns.join(" ")}"${tag}`,
  };
}

/** The line an apply ends with on stderr, after the reasons. */
export function deliverAgainLine(request: DeployRequest, again: DeliverAgain): string {
  return `deploy ${request.config.name}: the stacks before were applied as reviewed; deliver again: ${again.concerns.join(" ")} (a new plan, reviewed, then applied): in CI, Re-run all jobs, or ${again.rollout} (docs/runbook.md, Recovery)`;
}

/** The line a plan ends with on stderr, after the reasons: what the apply of these plans does. */
export function notPlannedLine(request: DeployRequest, again: DeliverAgain): string {
  return `deploy ${request.config.name}: not planned yet: ${again.concerns.join(" ")} (each waits for a stack before it to be applied); the apply of these plans applies the stacks before them and stops these, then a second delivery plans and applies them (docs/runbook.md, Recovery)`;
}

/** Where the CLI leaves the note the apply job adds to its summary. */
export function deliverAgainNoteFile(root: string, environment: string): string {
  return path.join(root, "deploy-out", environment, "deliver-again.md");
}

/** The note as Markdown, for the apply job's summary. */
export function deliverAgainNote(request: DeployRequest, again: DeliverAgain): string {
  return [
    `## ${request.config.name}: deliver again: ${again.concerns.join(" ")}`,
    "",
    "Not applied: the stacks below were planned before this apply changed outputs they read, or could not be planned before a stack this apply applied;",
    "the others follow them. The stacks before them were applied as reviewed.",
    "",
    "```",
    ...again.reasons,
    "```",
    "",
    "A second delivery plans them against what this apply changed, for review, then applies them: on this run's page **Re-run all jobs**",
    "(every environment of the run is planned again; those this run skipped are delivered too), or a rollout of exactly these stacks:",
    "",
    "```sh",
    again.rollout,
    "```",
    "",
  ].join("\n");
}
