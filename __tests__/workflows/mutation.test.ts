/**
 * The weekly mutation run keeps Stryker's incremental results in the GitHub Actions cache, not in
 * git: each run restores the newest results, runs only the mutants of changed code or tests, and
 * saves its own results under a key of its own (a cache entry cannot be overwritten).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { interpolate, type Context } from "./expressions";

interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly env?: Record<string, string>;
  readonly with?: Record<string, string>;
}
interface Workflow {
  readonly on: Record<string, { inputs?: Record<string, { type?: string; default?: unknown }> } | null>;
  readonly jobs: Record<string, { steps: Step[] }>;
}

const root = path.resolve(__dirname, "..", "..");
const workflow = parse(fs.readFileSync(path.join(root, ".github", "workflows", "mutation.yml"), "utf8")) as Workflow;
const steps = workflow.jobs.mutation.steps;
const strykerConfig = fs.readFileSync(path.join(root, "stryker.config.mjs"), "utf8");
const incrementalFile = /incrementalFile:\s*"([^"]+)"/.exec(strykerConfig)?.[1] ?? "<no incrementalFile>";

const indexOf = (predicate: (step: Step) => boolean) => steps.findIndex(predicate);
const restoreAt = indexOf((s) => s.uses?.startsWith("actions/cache/restore@") ?? false);
const saveAt = indexOf((s) => s.uses?.startsWith("actions/cache/save@") ?? false);
const mutationAt = indexOf((s) => /npm run mutation\b/.test(s.run ?? ""));
const restore = steps[restoreAt] ?? {};
const save = steps[saveAt] ?? {};

/** A run of the workflow: its id and attempt, as the github context gives them. */
const runContext = (runId: number, attempt = 1): Context => ({ github: { run_id: runId, run_attempt: attempt } });

interface CacheEntry {
  readonly key: string;
  readonly created: number;
}

/**
 * Which entry actions/cache restores: an exact match of `key` first, else, for each restore key in
 * order, the newest entry whose key starts with it.
 * https://docs.github.com/en/actions/reference/workflows-and-actions/dependency-caching#cache-key-matching
 */
function restoredEntry(entries: CacheEntry[], key: string, restoreKeys: string[]): CacheEntry | undefined {
  const exact = entries.find((e) => e.key === key);
  if (exact) return exact;
  for (const prefix of restoreKeys) {
    const newest = entries.filter((e) => e.key.startsWith(prefix)).sort((a, b) => b.created - a.created)[0];
    if (newest) return newest;
  }
  return undefined;
}

/** Runs a step's script as GitHub does, with `npm` replaced by a stub that records its arguments. */
function runStep(step: Step, env: Record<string, string>): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mutation-step-"));
  fs.writeFileSync(path.join(dir, "npm"), '#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$NPM_ARGS"\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, "step.sh"), step.run ?? "");
  const argsFile = path.join(dir, "npm-args");
  const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", path.join(dir, "step.sh")], {
    env: { PATH: `${dir}:${process.env.PATH}`, NPM_ARGS: argsFile, ...env },
    encoding: "utf8",
  });
  expect(result.status).toBe(0);
  return fs.readFileSync(argsFile, "utf8").split("\n").slice(0, -1);
}

describe("the mutation workflow's incremental results", () => {
  it("are restored from the Actions cache, at the path stryker.config.mjs reads, before the run", () => {
    expect(restoreAt).toBeGreaterThanOrEqual(0);
    expect(restore.with?.path).toBe(incrementalFile);
    expect(restoreAt).toBeLessThan(mutationAt);
  });

  it("are saved after the run, from the same path, also when the score fails (only a cancelled run saves nothing)", () => {
    expect(saveAt).toBeGreaterThan(mutationAt);
    expect(save.with?.path).toBe(incrementalFile);
    // GitHub skips a step after a failed one unless its `if` says otherwise; `!cancelled()` runs it
    // after a failure too (https://docs.github.com/en/actions/reference/workflows-and-actions/expressions#status-check-functions).
    expect(save.if).toBe("${{ !cancelled() }}");
  });

  it("each run saves under a new key, and the next run restores the newest one", () => {
    const keyOf = (context: Context) => String(interpolate(save.with?.key, context));
    const restoreKeys = String(restore.with?.["restore-keys"] ?? "")
      .split("\n")
      .filter(Boolean);
    const week1 = keyOf(runContext(101));
    const week1Retried = keyOf(runContext(101, 2));
    const week2 = keyOf(runContext(202));
    expect(new Set([week1, week1Retried, week2]).size).toBe(3);
    const entries = [
      { key: week1, created: 1 },
      { key: week2, created: 2 },
    ];
    const week3Key = String(interpolate(restore.with?.key, runContext(303)));
    expect(restoredEntry(entries, week3Key, restoreKeys)?.key).toBe(week2);
    expect(restoredEntry([], week3Key, restoreKeys)).toBeUndefined(); // first run: a complete one
  });

  it("a manual run can ask for every mutant (--force) after a dependency change the incremental diff cannot see", () => {
    const run = steps[mutationAt];
    expect(workflow.on.workflow_dispatch?.inputs?.force).toMatchObject({ type: "boolean", default: false });
    expect(runStep(run, { FORCE: "true" })).toEqual(["run", "mutation", "--", "--force"]);
    expect(runStep(run, { FORCE: "false" })).toEqual(["run", "mutation"]);
    expect(runStep(run, { FORCE: "" })).toEqual(["run", "mutation"]); // the weekly schedule has no inputs
  });

  it("are not in git: .gitignore ignores the incremental file", () => {
    // --no-index asks the ignore rules even while the file is still tracked (before `git rm --cached`).
    const ignored = spawnSync("git", ["check-ignore", "--no-index", "--quiet", incrementalFile], { cwd: root });
    expect(ignored.status).toBe(0);
    const ignoredBy = execFileSync("git", ["check-ignore", "--no-index", "--verbose", incrementalFile], {
      cwd: root,
      encoding: "utf8",
    });
    expect(ignoredBy).toMatch(/^\.gitignore:/);
  });
});
