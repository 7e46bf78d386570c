/**
 * The stacks of one environment as cdktf synthesized them (manifest.json), grouped into waves:
 * every stack of a wave depends only on stacks of earlier waves, so a wave's stacks can run
 * together (data and platform both need only the cluster).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CONCERNS } from "../../config";
import { DeployError } from "./deploy-error";

/** One stack of the environment. */
export interface StackNode {
  /** `<env>-<concern>`. */
  readonly id: string;
  /** The concern part of the id (`network`, `app`...). */
  readonly concern: string;
  /** Stacks it reads outputs from or must follow. */
  readonly dependencies: readonly string[];
  /** Its Terraform working directory (holds cdk.tf.json). */
  readonly directory: string;
}

/** Reads the stacks of one environment from a synth output folder. */
export function loadStacks(outdir: string, environment: string): StackNode[] {
  const manifestFile = path.join(outdir, "manifest.json");
  if (!fs.existsSync(manifestFile)) throw new DeployError(`no synth output at ${manifestFile}`);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as {
    stacks: Record<string, { dependencies?: string[]; workingDirectory: string }>;
  };
  const prefix = `${environment}-`;
  return Object.entries(manifest.stacks)
    .filter(([id]) => id.startsWith(prefix))
    .map(([id, entry]) => ({
      id,
      concern: id.slice(prefix.length),
      dependencies: (entry.dependencies ?? []).filter((d) => d.startsWith(prefix)),
      directory: path.join(outdir, entry.workingDirectory),
    }));
}

/**
 * The stacks a command line names (`app`, or `dev-app`), or all of the environment's own (the
 * repository's GitHub settings only when named: they need a GitHub token). Unknown names are
 * refused with the list of known ones.
 */
export function selectStacks(stacks: StackNode[], environment: string, names: readonly string[]): StackNode[] {
  if (names.length === 0) return stacks.filter((s) => (CONCERNS as readonly string[]).includes(s.concern));
  const known = stacks.map((s) => s.concern);
  const wanted = names.map((n) => (n.startsWith(`${environment}-`) ? n.slice(environment.length + 1) : n));
  const unknown = wanted.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new DeployError(
      `environment "${environment}", stack "${unknown[0]}" does not exist; allowed: ${known.join(", ")}`,
    );
  }
  return stacks.filter((s) => wanted.includes(s.concern));
}

/**
 * Groups the selected stacks into waves. A dependency outside the selection is taken as already
 * deployed (preflight checks its state exists), so `app` alone is one wave of one stack.
 */
export function planWaves(selected: StackNode[]): StackNode[][] {
  const remaining = new Map(selected.map((s) => [s.id, s]));
  const waves: StackNode[][] = [];
  while (remaining.size > 0) {
    const ready = [...remaining.values()]
      .filter((s) => s.dependencies.every((d) => !remaining.has(d)))
      .sort((a, b) => a.id.localeCompare(b.id));
    if (ready.length === 0) {
      throw new DeployError(`dependency cycle between ${[...remaining.keys()].join(", ")}`);
    }
    ready.forEach((s) => remaining.delete(s.id));
    waves.push(ready);
  }
  return waves;
}

/** The dependencies of the selection that are not selected themselves (must already be deployed). */
export function outsideDependencies(selected: StackNode[]): string[] {
  const ids = new Set(selected.map((s) => s.id));
  return [...new Set(selected.flatMap((s) => s.dependencies).filter((d) => !ids.has(d)))].sort();
}

/** The waves as text, one line each; `--plan` prints it. */
export function describeWaves(waves: StackNode[][]): string[] {
  return waves.map((wave, i) => {
    const together = wave.length > 1 ? "  (together)" : "";
    return `  wave ${i + 1}: ${wave.map((s) => s.id).join(", ")}${together}`;
  });
}

/** Reader stack id -> the stack it reads from -> the names of that stack's outputs it reads. */
export type OutputReads = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

interface StackJson {
  terraform?: { backend?: { s3?: { bucket?: string; key?: string } } };
  data?: { terraform_remote_state?: Record<string, { backend?: string; config?: { bucket?: string; key?: string } }> };
}

const stateAddress = (bucket?: string, key?: string) => `s3://${bucket}/${key}`;

/**
 * Which outputs of which stacks each stack reads: a `terraform_remote_state` data source on
 * another stack's backend (same bucket and key), and the `data.terraform_remote_state.<name>.outputs.<output>`
 * expressions that name it. Only a dependency read this way can change a stack's plan by changing
 * an output; one it merely follows cannot.
 */
export function outputReads(stacks: readonly StackNode[]): OutputReads {
  const synthesized = stacks.map((stack) => {
    const text = fs.readFileSync(path.join(stack.directory, "cdk.tf.json"), "utf8");
    return { stack, text, json: JSON.parse(text) as StackJson };
  });
  const ownerOfState = new Map(
    synthesized.flatMap(({ stack, json }) => {
      const backend = json.terraform?.backend?.s3;
      return backend?.bucket && backend.key ? [[stateAddress(backend.bucket, backend.key), stack.id] as const] : [];
    }),
  );
  return new Map(
    synthesized.map(({ stack, text, json }) => {
      const read = new Map<string, string[]>();
      for (const [name, source] of Object.entries(json.data?.terraform_remote_state ?? {})) {
        const owner =
          source.backend === "s3"
            ? ownerOfState.get(stateAddress(source.config?.bucket, source.config?.key))
            : undefined;
        if (owner !== undefined && owner !== stack.id) read.set(owner, outputsNamed(text, name));
      }
      return [stack.id, read];
    }),
  );
}

/** The outputs a stack's JSON reads of one remote state, by name, sorted. */
function outputsNamed(text: string, remoteState: string): string[] {
  const escaped = remoteState.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const reference = new RegExp(`data\\.terraform_remote_state\\.${escaped}\\.outputs\\.([A-Za-z0-9_-]+)`, "g");
  return [...new Set([...text.matchAll(reference)].map((m) => m[1]))].sort();
}

/** cdktf names a cross-stack output `cross-stack-output-<construct path><attribute>`; shown without the prefix. */
export function outputLabel(name: string): string {
  return name.replace(/^cross-stack-output-/, "");
}

/** The stacks that read one output of a stack. */
export function readersOf(reads: OutputReads, stack: string, output: string): string[] {
  return [...reads.entries()]
    .filter(([, read]) => read.get(stack)?.includes(output))
    .map(([reader]) => reader)
    .sort();
}
