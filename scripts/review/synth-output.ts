/** A cdktf synth output folder, loaded for review: every stack's JSON and the manifest's dependencies. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { environmentOfStackId } from "../../config/naming";

export type Json = Record<string, unknown>;

/** One synthesized stack. */
export interface SynthStack {
  /** Stack id, `<env>-<concern>`. */
  readonly id: string;
  /** Environment part of the id (`prod-org-guardrails` is prod's). */
  readonly environment: string;
  /** Stacks this one reads from or must follow (cdktf manifest). */
  readonly dependencies: string[];
  /** The cdk.tf.json. */
  readonly json: Json;
}

/** A failure the review explains in one line. */
export class ReviewError extends Error {}

/** All stacks of an output folder, by id. */
export type SynthOutput = Map<string, SynthStack>;

/** Loads `<dir>/manifest.json` and every stack it lists. */
export function loadSynthOutput(dir: string): SynthOutput {
  const manifestFile = path.join(dir, "manifest.json");
  if (!fs.existsSync(manifestFile)) throw new ReviewError(`no synth output in ${dir}: run npm run synth first`);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as {
    stacks: Record<string, { dependencies?: string[]; synthesizedStackPath: string }>;
  };
  const stacks: SynthOutput = new Map();
  for (const [id, entry] of Object.entries(manifest.stacks).sort(([a], [b]) => a.localeCompare(b))) {
    stacks.set(id, {
      id,
      environment: environmentOfStackId(id),
      dependencies: [...(entry.dependencies ?? [])].sort(),
      json: JSON.parse(fs.readFileSync(path.join(dir, entry.synthesizedStackPath), "utf8")),
    });
  }
  return stacks;
}

/**
 * Synthesizes a git ref in a temporary worktree (sharing this checkout's node_modules) and loads
 * the result; `--against main` compares a change with what main would deploy.
 */
export function synthGitRef(ref: string, repoRoot: string): SynthOutput {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "review-"));
  const tree = path.join(work, "tree");
  try {
    execFileSync("git", ["worktree", "add", "--detach", tree, ref], {
      cwd: repoRoot,
      stdio: ["ignore", "ignore", "pipe"],
    });
  } catch (error) {
    fs.rmSync(work, { recursive: true, force: true });
    const stderr = String((error as { stderr?: Buffer }).stderr ?? "")
      .trim()
      .split("\n")[0];
    throw new ReviewError(`cannot check out ${ref} to compare with: ${stderr || "git worktree add failed"}`);
  }
  try {
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(tree, "node_modules"), "dir");
    const outdir = path.join(work, "cdktf.out");
    try {
      execFileSync("npm", ["run", "--silent", "synth"], {
        cwd: tree,
        env: { ...process.env, CDKTF_OUTDIR: outdir, ENVIRONMENTS: process.env.ENVIRONMENTS ?? "" },
        stdio: ["ignore", "ignore", "pipe"],
      });
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? "")
        .trim()
        .split("\n");
      throw new ReviewError(
        `cannot synthesize ${ref} to compare with: ${stderr.find((l) => l.trim()) ?? "synth failed"}`,
      );
    }
    return loadSynthOutput(outdir);
  } finally {
    execFileSync("git", ["worktree", "remove", "--force", tree], { cwd: repoRoot, stdio: "ignore" });
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Stacks grouped by environment (in the given order, then by name), in deploy order within each. */
export function environments(output: SynthOutput, order: readonly string[] = []): Map<string, SynthStack[]> {
  const rank = (env: string) => (order.includes(env) ? order.indexOf(env) : order.length);
  const sorted = [...output.values()].sort(
    (a, b) => rank(a.environment) - rank(b.environment) || a.id.localeCompare(b.id),
  );
  const byEnvironment = new Map<string, SynthStack[]>();
  for (const stack of sorted) {
    byEnvironment.set(stack.environment, [...(byEnvironment.get(stack.environment) ?? []), stack]);
  }
  for (const [env, stacks] of byEnvironment) byEnvironment.set(env, deployOrder(stacks));
  return byEnvironment;
}

/**
 * Stacks sorted so each comes after every stack it depends on (ties by name). Bootstrap comes
 * first: network depends on it (every stack keeps its state in the bucket it creates).
 */
export function deployOrder(stacks: SynthStack[]): SynthStack[] {
  const byId = new Map(stacks.map((s) => [s.id, s]));
  const done = new Set<string>();
  const order: SynthStack[] = [];
  const visit = (stack: SynthStack, path: string[]) => {
    if (done.has(stack.id)) return;
    if (path.includes(stack.id)) throw new Error(`dependency cycle: ${[...path, stack.id].join(" -> ")}`);
    for (const dep of stack.dependencies) {
      const target = byId.get(dep);
      if (target) visit(target, [...path, stack.id]);
    }
    done.add(stack.id);
    order.push(stack);
  };
  [...stacks].sort((a, b) => a.id.localeCompare(b.id)).forEach((s) => visit(s, []));
  return order;
}
