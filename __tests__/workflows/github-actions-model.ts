/**
 * An executable model of the GitHub Actions rules a workflow run is refused for at start, which
 * actionlint and zizmor do not check across files: what a called (reusable) workflow may ask of
 * the GITHUB_TOKEN, `needs`, `on: workflow_call`, the inputs a caller passes, and the keywords a
 * calling job may use. Each rule cites the documentation it models.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/** https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/controlling-permissions-for-github_token */
export const TOKEN_SCOPES = [
  "actions",
  "artifact-metadata",
  "attestations",
  "checks",
  "contents",
  "deployments",
  "discussions",
  "id-token",
  "issues",
  "models",
  "packages",
  "pages",
  "pull-requests",
  "repository-projects",
  "security-events",
  "statuses",
] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
export type Access = "none" | "read" | "write";
/** Every scope's access: what a job's GITHUB_TOKEN holds or asks for. */
export type Grant = Record<TokenScope, Access>;

/** `write` includes `read` (same page: "write includes read"). */
const RANK: Record<Access, number> = { none: 0, read: 1, write: 2 };
/** Scopes that have no `read` level: `read-all` leaves them at none. */
const NO_READ: readonly TokenScope[] = ["id-token"];
/** Scopes that have no `write` level. */
const NO_WRITE: readonly TokenScope[] = ["models"];

const everyScope = (access: (scope: TokenScope) => Access): Grant =>
  Object.fromEntries(TOKEN_SCOPES.map((s) => [s, access(s)])) as Grant;

/**
 * A repository's token when no workflow or job sets `permissions`: the restricted default
 * ("Read repository contents and packages permissions"), which GitHub gives new repositories and
 * organizations. A repository set to the permissive default grants more; the model assumes the
 * stricter one, so a run it accepts starts under either setting.
 */
export const RESTRICTED_DEFAULT: Grant = everyScope((s) => (s === "contents" || s === "packages" ? "read" : "none"));

/** A `permissions:` value as GitHub reads it: `read-all`, `write-all`, `{}` or a map where every unnamed scope is none. */
export function grantOf(permissions: unknown): Grant {
  if (permissions === "read-all") return everyScope((s) => (NO_READ.includes(s) ? "none" : "read"));
  if (permissions === "write-all") return everyScope((s) => (NO_WRITE.includes(s) ? "read" : "write"));
  if (permissions === null || typeof permissions !== "object") {
    throw new Error(`permissions must be read-all, write-all or a map of scopes, not ${JSON.stringify(permissions)}`);
  }
  const named = permissions as Record<string, unknown>;
  for (const [scope, access] of Object.entries(named)) {
    if (!(TOKEN_SCOPES as readonly string[]).includes(scope)) throw new Error(`unknown permission scope ${scope}`);
    if (access !== "none" && access !== "read" && access !== "write") {
      throw new Error(`permission ${scope}: ${String(access)} is not none, read or write`);
    }
  }
  // "If you specify the access for any of these permissions, all of those that are not specified are set to none."
  return everyScope((s) => (named[s] as Access | undefined) ?? "none");
}

/** The scopes where `asked` exceeds `allowed`, as GitHub words its refusal (`id-token: write` vs `id-token: none`). */
export function excess(asked: Grant, allowed: Grant): { asked: string; allowed: string }[] {
  return TOKEN_SCOPES.filter((s) => RANK[asked[s]] > RANK[allowed[s]]).map((s) => ({
    asked: `${s}: ${asked[s]}`,
    allowed: `${s}: ${allowed[s]}`,
  }));
}

export interface WorkflowJob {
  readonly uses?: string;
  readonly with?: Record<string, unknown>;
  readonly secrets?: Record<string, unknown> | "inherit";
  readonly needs?: string | string[];
  readonly permissions?: unknown;
  readonly [key: string]: unknown;
}
export interface WorkflowInput {
  readonly required?: boolean;
  readonly default?: unknown;
  readonly type?: string;
}
export interface Workflow {
  readonly on?: unknown;
  readonly permissions?: unknown;
  readonly jobs: Record<string, WorkflowJob>;
}

/** The workflows of a folder by file name. */
export function readWorkflows(directory: string): Map<string, Workflow> {
  return new Map(
    fs
      .readdirSync(directory)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => [f, parse(fs.readFileSync(path.join(directory, f), "utf8")) as Workflow]),
  );
}

/** The events a workflow's `on:` names (a string, a list or a map). */
export function triggers(workflow: Workflow): string[] {
  const on = workflow.on;
  if (typeof on === "string") return [on];
  if (Array.isArray(on)) return on.map(String);
  return on && typeof on === "object" ? Object.keys(on) : [];
}

function callInputs(workflow: Workflow): Record<string, WorkflowInput> {
  const on = workflow.on as { workflow_call?: { inputs?: Record<string, WorkflowInput> } } | undefined;
  return (typeof on === "object" && on !== null && !Array.isArray(on) ? on.workflow_call?.inputs : undefined) ?? {};
}

/** A local call `./.github/workflows/<file>` names that file; a call into another repository is out of reach. */
export function localCallee(uses: string): string | undefined {
  return /^\.\/\.github\/workflows\/([^/@]+\.ya?ml)$/.exec(uses)?.[1];
}

/**
 * Keywords a job that calls a reusable workflow may use.
 * https://docs.github.com/en/actions/sharing-automations/reusing-workflows ("Supported keywords for
 * jobs that call a reusable workflow").
 */
export const CALLER_JOB_KEYWORDS = [
  "name",
  "uses",
  "with",
  "secrets",
  "strategy",
  "needs",
  "if",
  "concurrency",
  "permissions",
] as const;

/**
 * Every reason GitHub would refuse to start a run of these workflows, by the rules modelled here;
 * empty when none applies.
 */
export function startProblems(workflows: Map<string, Workflow>): string[] {
  const problems: string[] = [];
  for (const [file, workflow] of workflows) {
    problems.push(...needsProblems(file, workflow));
    problems.push(...nestingProblems(file, workflows));
    for (const [jobName, job] of Object.entries(workflow.jobs ?? {})) {
      if (typeof job.uses !== "string") continue;
      const callee = localCallee(job.uses);
      if (callee === undefined) continue;
      const where = `${file}: job ${jobName} (uses ${job.uses})`;
      const called = workflows.get(callee);
      if (!called) {
        problems.push(`${where}: no workflow ${callee}`);
        continue;
      }
      problems.push(...callerKeywordProblems(where, job));
      problems.push(...workflowCallProblems(where, callee, called));
      problems.push(...inputProblems(where, callee, job, called));
      problems.push(...permissionProblems(where, callee, callerGrant(workflow, job), called));
    }
  }
  return problems;
}

/**
 * What a calling job's token holds: its own `permissions`, else its workflow's, else the
 * repository default ("You can use permissions either as a top-level key, to apply to all jobs in
 * the workflow, or within specific jobs": a job's own key replaces the workflow's).
 */
export function callerGrant(workflow: Workflow, job: WorkflowJob): Grant {
  if (job.permissions !== undefined) return grantOf(job.permissions);
  if (workflow.permissions !== undefined) return grantOf(workflow.permissions);
  return RESTRICTED_DEFAULT;
}

/**
 * "The GITHUB_TOKEN permissions passed from the caller workflow can be only downgraded (not
 * elevated) by the called workflow" (https://docs.github.com/en/actions/sharing-automations/reusing-workflows):
 * the called workflow's own `permissions` and each of its jobs' may ask at most what the calling
 * job's token holds; a called job without `permissions` takes its workflow's, else the caller's.
 */
export function permissionProblems(where: string, callee: string, allowed: Grant, called: Workflow): string[] {
  const problems: string[] = [];
  const report = (who: string, asked: Grant) =>
    excess(asked, allowed).forEach((e) =>
      problems.push(`${where}: ${who} is requesting '${e.asked}', but is only allowed '${e.allowed}'`),
    );
  if (called.permissions !== undefined) report(`${callee} (workflow permissions)`, grantOf(called.permissions));
  for (const [name, job] of Object.entries(called.jobs ?? {})) {
    const asked = job.permissions ?? called.permissions;
    if (asked !== undefined) report(`nested job '${name}' of ${callee}`, grantOf(asked));
  }
  return problems;
}

/** A workflow can be called only if it is triggered by `workflow_call` (same page, "Creating a reusable workflow"). */
function workflowCallProblems(where: string, callee: string, called: Workflow): string[] {
  return triggers(called).includes("workflow_call") ? [] : [`${where}: ${callee} has no 'on: workflow_call'`];
}

/** Inputs a caller passes with `with:` must be declared by the called workflow; required ones without a default must be given. */
function inputProblems(where: string, callee: string, job: WorkflowJob, called: Workflow): string[] {
  const declared = callInputs(called);
  const given = Object.keys(job.with ?? {});
  const undeclared = given
    .filter((name) => !(name in declared))
    .map((name) => `${where}: input '${name}' is not declared by ${callee}`);
  const missing = Object.entries(declared)
    .filter(([name, input]) => input.required === true && input.default === undefined && !given.includes(name))
    .map(([name]) => `${where}: required input '${name}' of ${callee} is not given`);
  return [...undeclared, ...missing];
}

function callerKeywordProblems(where: string, job: WorkflowJob): string[] {
  return Object.keys(job)
    .filter((key) => !(CALLER_JOB_KEYWORDS as readonly string[]).includes(key))
    .map((key) => `${where}: '${key}' is not supported on a job that calls a reusable workflow`);
}

/**
 * `jobs.<job_id>.needs` names jobs of the same workflow, and the jobs form no cycle.
 * https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idneeds
 */
export function needsProblems(file: string, workflow: Workflow): string[] {
  const jobs = workflow.jobs ?? {};
  const needsOf = (job: WorkflowJob) => (job.needs === undefined ? [] : [job.needs].flat());
  const problems = Object.entries(jobs).flatMap(([name, job]) =>
    needsOf(job)
      .filter((need) => !(need in jobs))
      .map((need) => `${file}: job ${name} needs '${need}', which is not a job of this workflow`),
  );
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (name: string, trail: string[]): void => {
    if (done.has(name) || !(name in jobs)) return;
    if (visiting.has(name)) {
      problems.push(`${file}: jobs need each other in a cycle: ${[...trail, name].join(" -> ")}`);
      return;
    }
    visiting.add(name);
    needsOf(jobs[name]).forEach((need) => visit(need, [...trail, name]));
    visiting.delete(name);
    done.add(name);
  };
  Object.keys(jobs).forEach((name) => visit(name, []));
  return problems;
}

/**
 * "You can connect up to four levels of workflows" and "call a maximum of 20 unique reusable
 * workflows from a single workflow file", nested ones included
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/reusing-workflow-configurations#limitations-of-reusable-workflows).
 */
export const MAX_WORKFLOW_LEVELS = 4;
export const MAX_CALLED_WORKFLOWS = 20;

/** The local workflows a workflow calls, directly or through the ones it calls. */
function calledFrom(file: string, workflows: Map<string, Workflow>, trail: string[] = []): string[][] {
  const jobs = Object.values(workflows.get(file)?.jobs ?? {});
  const callees = jobs.flatMap((job) => (typeof job.uses === "string" ? [localCallee(job.uses)] : []));
  return callees
    .filter((callee): callee is string => callee !== undefined && workflows.has(callee) && !trail.includes(callee))
    .flatMap((callee) => [[...trail, file, callee], ...calledFrom(callee, workflows, [...trail, file])]);
}

export function nestingProblems(file: string, workflows: Map<string, Workflow>): string[] {
  const chains = calledFrom(file, workflows);
  const deepest = chains.reduce<string[]>((a, b) => (b.length > a.length ? b : a), [file]);
  const unique = new Set(chains.map((chain) => chain[chain.length - 1]));
  return [
    ...(deepest.length > MAX_WORKFLOW_LEVELS
      ? [
          `${file}: ${deepest.length} levels of workflows (${deepest.join(" -> ")}); GitHub allows ${MAX_WORKFLOW_LEVELS}`,
        ]
      : []),
    ...(unique.size > MAX_CALLED_WORKFLOWS
      ? [`${file}: calls ${unique.size} unique reusable workflows; GitHub allows ${MAX_CALLED_WORKFLOWS}`]
      : []),
  ];
}
