/**
 * What GitHub runs for one event, as an executable model: the jobs of a workflow, each called
 * workflow's jobs expanded with the inputs its caller passes (evaluated), jobs whose `if` is
 * false or that need a skipped job left out, and for every job the GitHub environment it runs in
 * and the concurrency groups it runs under: its own, its workflow's, and those of every job that
 * called its workflow (a calling job's group is held while any job of the workflow it calls runs).
 *
 * - "When a concurrent job or workflow is queued, if another job or workflow using the same
 *   concurrency group in the repository is in progress, the queued job or workflow will be
 *   pending"; a calling job may carry `concurrency` ("Supported keywords for jobs that call a
 *   reusable workflow"):
 *   https://docs.github.com/en/actions/how-tos/write-workflows/choose-when-workflows-run/control-workflow-concurrency
 *   https://docs.github.com/en/actions/sharing-automations/reusing-workflows
 * - A job runs only when every job it needs succeeded, unless its `if` says otherwise (none of
 *   these workflows does): https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idneeds
 * - A calling job's `strategy.matrix` (here a list of `include` entries) calls the workflow once
 *   per entry, with `matrix` in the context of its `with:`: "You can use matrix strategies with
 *   jobs that call reusable workflows" (`jobs.<job_id>.strategy` is among the keywords a calling
 *   job supports): https://docs.github.com/en/actions/sharing-automations/reusing-workflows
 * - `github.workflow` is "The name of the workflow. If the workflow file doesn't specify a name,
 *   the value of this property is the full path of the workflow file in the repository", and a
 *   called workflow's `github` context is its caller's:
 *   https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#github-context
 */
import { condition, interpolate, type Context } from "./expressions";
import { localCallee, type Workflow, type WorkflowJob } from "./github-actions-model";

/** A concurrency group a job runs under, and which job or workflow holds it. */
export interface HeldGroup {
  readonly group: string;
  readonly cancelInProgress: boolean;
  /** `<file>:<job>` of the job that names it, or `<file>` for a workflow-level group. */
  readonly heldBy: string;
}

/** A job with steps that the run starts. */
export interface RunJob {
  /** From the top-level job down to this one: `infra.yml:deliver-dev`, `deliver.yml:plan`, `plan.yml:plan`. */
  readonly path: string[];
  readonly job: WorkflowJob;
  /** The expression context its own keys are evaluated in (github, inputs, needs). */
  readonly context: Context;
  /** Its GitHub environment, evaluated; undefined when it names none. */
  readonly environment?: string;
  readonly groups: HeldGroup[];
}

/** The outputs each top-level job gives (what its steps would print), by job name. */
export type JobOutputs = Record<string, Record<string, string>>;

interface Step {
  readonly uses?: string;
  readonly with?: Record<string, unknown>;
}

/** Every job with steps that a run of `file` starts for this `github` context (and dispatch `inputs`). */
export function expandRun(
  workflows: Map<string, Workflow>,
  file: string,
  github: Context["github"],
  options: { inputs?: Record<string, string>; outputs?: JobOutputs } = {},
): RunJob[] {
  const named = { workflow: workflowName(workflows, file), ...(github as Record<string, Context[string]>) };
  return expandWorkflow(
    workflows,
    file,
    { github: named, inputs: options.inputs ?? {} },
    options.outputs ?? {},
    [],
    [],
  );
}

/** A workflow's `name:`, else its file's path in the repository (what `github.workflow` holds). */
function workflowName(workflows: Map<string, Workflow>, file: string): string {
  const name = (workflows.get(file) as { name?: unknown } | undefined)?.name;
  return typeof name === "string" ? name : `.github/workflows/${file}`;
}

function expandWorkflow(
  workflows: Map<string, Workflow>,
  file: string,
  base: Context,
  outputs: JobOutputs,
  path: string[],
  held: HeldGroup[],
): RunJob[] {
  const workflow = workflows.get(file);
  if (!workflow) throw new Error(`no workflow ${file}`);
  const workflowGroups = [...held, ...groupsOf((workflow as { concurrency?: unknown }).concurrency, base, file)];
  const jobs = workflow.jobs ?? {};
  const ran = new Set<string>();
  const result: RunJob[] = [];
  for (const name of inNeedsOrder(jobs)) {
    const job = jobs[name];
    const needs = needsOf(job);
    const context: Context = { ...base, needs: needsContext(needs, jobs, outputs) };
    if (!needs.every((n) => ran.has(n)) || !condition(job.if, context)) continue;
    ran.add(name);
    const here = `${file}:${name}`;
    const groups = [...workflowGroups, ...groupsOf(job.concurrency, context, here)];
    const callee = typeof job.uses === "string" ? localCallee(job.uses) : undefined;
    if (callee) {
      for (const { matrix, label } of matrixEntries(job, context)) {
        const called: Context = matrix ? { ...context, matrix } : context;
        const inputs = Object.fromEntries(
          Object.entries(job.with ?? {}).map(([key, value]) => [key, interpolate(value, called)]),
        );
        // A called workflow's github context is its caller's; its inputs are what the caller passes.
        const at = [...path, `${here}${label}`];
        result.push(...expandWorkflow(workflows, callee, { github: base.github, inputs }, {}, at, groups));
      }
    } else {
      const environment = job.environment === undefined ? undefined : String(interpolate(job.environment, context));
      result.push({ path: [...path, here], job, context, environment, groups });
    }
  }
  return result;
}

/**
 * The calls a calling job makes: one per `strategy.matrix.include` entry (labelled `[<values>]`),
 * or one without a matrix. Only `include` lists are modelled: anything else fails the test.
 */
function matrixEntries(job: WorkflowJob, context: Context): { matrix?: Context; label: string }[] {
  const strategy = job.strategy as { matrix?: unknown } | undefined;
  if (strategy?.matrix === undefined) return [{ label: "" }];
  const matrix = interpolate(strategy.matrix, context) as { include?: Context[] } | undefined;
  if (!Array.isArray(matrix?.include) || Object.keys(matrix).length !== 1) {
    throw new Error(`a matrix other than an include list is not modelled: ${JSON.stringify(matrix)}`);
  }
  return matrix.include.map((entry) => ({ matrix: entry, label: `[${Object.values(entry).join(", ")}]` }));
}

/** A job's or workflow's `concurrency` (a string is the group), evaluated. */
function groupsOf(concurrency: unknown, context: Context, heldBy: string): HeldGroup[] {
  if (concurrency === undefined) return [];
  const { group, "cancel-in-progress": cancel } =
    typeof concurrency === "string"
      ? { group: concurrency, "cancel-in-progress": false }
      : (concurrency as Record<string, unknown>);
  return [
    { group: String(interpolate(group, context)), cancelInProgress: interpolate(cancel, context) === true, heldBy },
  ];
}

const needsOf = (job: WorkflowJob) => (job.needs === undefined ? [] : [job.needs].flat());

/** `needs.<job>.outputs.<name>`: only the outputs the needed job declares, with the values given. */
function needsContext(needs: string[], jobs: Record<string, WorkflowJob>, outputs: JobOutputs): Context {
  return Object.fromEntries(
    needs.map((need) => {
      const declared = Object.keys((jobs[need]?.outputs as Record<string, unknown> | undefined) ?? {});
      return [need, { outputs: Object.fromEntries(declared.map((key) => [key, outputs[need]?.[key]])) }];
    }),
  );
}

function inNeedsOrder(jobs: Record<string, WorkflowJob>): string[] {
  const order: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name) || !(name in jobs)) return;
    needsOf(jobs[name]).forEach(visit);
    order.push(name);
  };
  Object.keys(jobs).forEach(visit);
  return order;
}

/** The role a job's configure-aws-credentials step assumes, evaluated; undefined when it assumes none. */
export function assumedRole(runJob: RunJob): string | undefined {
  const steps = (runJob.job.steps as Step[] | undefined) ?? [];
  const step = steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
  const role = step?.with?.["role-to-assume"];
  return role === undefined ? undefined : String(interpolate(role, runJob.context));
}

/** The `$GITHUB_OUTPUT` lines of a step (`key=value`) as a job's outputs. */
export function outputLines(lines: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    lines.map((line) => {
      const at = line.indexOf("=");
      return [line.slice(0, at), line.slice(at + 1)];
    }),
  );
}
