/**
 * Moves a synth that passed the policy gate from its staging folder into the output folder
 * (cdktf.out). The output's `stacks/<id>` folders and `manifest.json` belong to the synth: a full
 * synth leaves exactly the stacks it made there, so an environment taken out of ENVIRONMENTS (or
 * a stack no longer made) stops being reviewed, priced and checked; a synth of some environments
 * keeps the other declared environments' stacks as last synthesized, and says so. Nothing else in
 * the output folder is touched: no other file, and inside a stack folder only what the synth
 * writes (a `terraform init` there keeps its `.terraform`).
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The file cdktf writes a stack's Terraform JSON to: a folder of `stacks/` holding it is a synthesized stack. */
const STACK_FILE = "cdk.tf.json";

interface ManifestEntry {
  readonly workingDirectory: string;
  readonly [key: string]: unknown;
}

interface Manifest {
  readonly stacks: Record<string, ManifestEntry>;
  readonly [key: string]: unknown;
}

/** What a synth did to the output folder beyond writing its own stacks. */
export interface PublishReport {
  /** Stacks of declared environments that were not selected, kept as last synthesized, by environment. */
  readonly kept: Record<string, string[]>;
  /** Declared environments that were not selected and have no stacks in the output. */
  readonly absent: string[];
  /** Stacks removed from the output, by the reason: their environment is not declared, or no longer makes them. */
  readonly removed: { readonly stack: string; readonly undeclared: boolean }[];
}

/** Which environments the synth made, and which config declares. */
export interface PublishScope {
  readonly selected: readonly string[];
  readonly declared: readonly string[];
}

/** Stack ids are `<env>-<concern>` and environment names have no "-": the environment is what comes before it. */
export function environmentOfStack(stack: string): string {
  const dash = stack.indexOf("-");
  return dash < 0 ? stack : stack.slice(0, dash);
}

function readManifest(dir: string): Manifest | undefined {
  const file = path.join(dir, "manifest.json");
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Manifest) : undefined;
}

/** The stack's folder, only where cdktf puts it (`stacks/<id>`); undefined for anything else a manifest may say. */
function stackFolder(outdir: string, stack: string, entry: ManifestEntry | undefined): string | undefined {
  const expected = path.join("stacks", stack);
  if (entry && path.normalize(entry.workingDirectory) !== expected) return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(stack)) return undefined;
  return path.join(outdir, expected);
}

/** True when the folder is a synthesized stack (holds cdk.tf.json): only those are ever removed. */
function isStackFolder(folder: string): boolean {
  return fs.existsSync(path.join(folder, STACK_FILE));
}

/** Copies the synth's files of one stack over the output's, leaving other files of that folder alone. */
function writeStack(source: string, target: string): void {
  fs.mkdirSync(target, { recursive: true });
  fs.cpSync(source, target, { recursive: true, force: true });
}

/**
 * Publishes `staging` (a synth of `scope.selected`) into `outdir` and removes `staging`.
 * @returns what was kept, missing and removed, for the synth's output lines.
 */
export function publishSynthOutput(outdir: string, staging: string, scope: PublishScope): PublishReport {
  const previous = readManifest(outdir) ?? { stacks: {} };
  const current = readManifest(staging);
  if (!current) throw new Error(`${staging}/manifest.json is missing: the synth wrote no manifest`);
  const stacks: Record<string, ManifestEntry> = { ...current.stacks };
  const kept: Record<string, string[]> = {};
  const removed: { stack: string; undeclared: boolean }[] = [];

  for (const [stack, entry] of Object.entries(previous.stacks).sort(byKey)) {
    if (stacks[stack]) continue;
    const env = environmentOfStack(stack);
    const folder = stackFolder(outdir, stack, entry);
    const keep = scope.declared.includes(env) && !scope.selected.includes(env);
    if (keep && folder && isStackFolder(folder)) {
      stacks[stack] = entry;
      (kept[env] ??= []).push(stack);
    } else if (!keep && folder && isStackFolder(folder)) {
      removed.push({ stack, undeclared: !scope.declared.includes(env) });
    }
  }

  fs.mkdirSync(path.join(outdir, "stacks"), { recursive: true });
  for (const [stack, entry] of Object.entries(current.stacks)) {
    const target = stackFolder(outdir, stack, entry);
    if (!target) throw new Error(`stack ${stack}: cdktf wrote it to ${entry.workingDirectory}, not stacks/${stack}`);
    writeStack(path.join(staging, entry.workingDirectory), target);
  }
  const manifest = { ...current, stacks: sortedByKey(stacks) };
  const temporary = path.join(outdir, "manifest.json.new");
  fs.writeFileSync(temporary, JSON.stringify(manifest, null, 2));
  fs.renameSync(temporary, path.join(outdir, "manifest.json"));
  // Folders of stacks no manifest lists any more (cdktf's own synth removes these too); never a
  // folder that is not a synthesized stack.
  for (const { stack } of removed) fs.rmSync(stackFolder(outdir, stack, undefined) as string, { recursive: true });
  for (const stack of orphanStacks(outdir, manifest.stacks)) {
    fs.rmSync(path.join(outdir, "stacks", stack), { recursive: true });
    removed.push({ stack, undeclared: !scope.declared.includes(environmentOfStack(stack)) });
  }
  fs.rmSync(staging, { recursive: true, force: true });

  const absent = scope.declared.filter((env) => !scope.selected.includes(env) && !kept[env]);
  return { kept, absent, removed };
}

/** Synthesized stack folders under `stacks/` that the manifest does not list (left by an older synth). */
function orphanStacks(outdir: string, listed: Record<string, ManifestEntry>): string[] {
  const dir = path.join(outdir, "stacks");
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !listed[e.name] && isStackFolder(path.join(dir, e.name)))
    .map((e) => e.name)
    .sort();
}

/** Code-point order of entries' keys, as cdktf writes its manifest (not the locale's). */
function byKey([a]: [string, unknown], [b]: [string, unknown]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedByKey<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(byKey));
}

/** The synth's lines about the output folder: what a selection kept, what was removed and why. */
export function describePublish(report: PublishReport, outdir: string): string[] {
  const lines: string[] = [];
  const kept = Object.entries(report.kept);
  if (kept.length > 0) {
    const list = kept.map(([env, stacks]) => `${env} (${stacks.length} stacks)`).join(", ");
    lines.push(`kept in ${outdir} as last synthesized (not selected): ${list}`);
  }
  if (report.absent.length > 0) {
    lines.push(
      `not in ${outdir} (not selected, never synthesized there): ${report.absent.join(", ")}; a full synth adds them`,
    );
  }
  const undeclared = report.removed.filter((r) => r.undeclared).map((r) => r.stack);
  if (undeclared.length > 0) {
    const envs = [...new Set(undeclared.map(environmentOfStack))];
    const which = envs.length === 1 ? `environment ${envs[0]} is` : `environments ${envs.join(", ")} are`;
    lines.push(
      `removed from ${outdir}: ${undeclared.join(", ")} (${which} not in ENVIRONMENTS, config/index.ts); this changes nothing in AWS, where resources stay until destroyed (docs/environments.md, "Remove an environment")`,
    );
  }
  const dropped = report.removed.filter((r) => !r.undeclared).map((r) => r.stack);
  if (dropped.length > 0) lines.push(`removed from ${outdir}: ${dropped.join(", ")} (no longer synthesized)`);
  return lines;
}
