/**
 * What an apply against reviewed plans says when it stopped stacks for a second delivery: they
 * were planned before a stack of the same run changed outputs they read (deploy.ts), so what
 * their reviewers saw is not what they would now apply. Everything before them was applied; a
 * second delivery plans them against the new outputs, for review, then applies them. Never
 * applied unreviewed.
 */
import * as path from "node:path";
import type { DeployOutcome, DeployRequest } from "./deploy";

/** Exit status of an apply that applied what was reviewed and stopped stacks for a second delivery. */
export const DELIVER_AGAIN_EXIT_CODE = 3;

/** The stacks a second delivery must plan and apply, and why. */
export interface DeliverAgain {
  /** One line per stopped stack: `<env>-app: planned before <env>-data changed its outputs (...): run the delivery again ...`. */
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

/** The line the command ends with on stderr, after the reasons. */
export function deliverAgainLine(request: DeployRequest, again: DeliverAgain): string {
  return `deploy ${request.config.name}: the stacks before were applied as reviewed; deliver again: ${again.concerns.join(" ")} (a new plan, reviewed, then applied): in CI, Re-run all jobs, or ${again.rollout} (docs/runbook.md, Recovery)`;
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
    "Not applied: the stacks below were planned before this apply changed outputs they read; the others follow them.",
    "The stacks before them were applied as reviewed.",
    "",
    "```",
    ...again.reasons,
    "```",
    "",
    "A second delivery plans them against the new outputs, for review, then applies them: on this run's page **Re-run all jobs**",
    "(every environment of the run is planned again; those this run skipped are delivered too), or a rollout of exactly these stacks:",
    "",
    "```sh",
    again.rollout,
    "```",
    "",
  ].join("\n");
}
