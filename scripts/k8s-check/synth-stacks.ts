/**
 * The stacks of a synth output as the local checks read them (k8s-check, chart-check): each
 * stack's id and its synthesized JSON, from cdktf.out's manifest.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Json } from "./api-objects";

/** One synthesized stack. */
export interface SynthStack {
  readonly id: string;
  readonly json: Json;
}

/** The stacks of `outdir`; undefined when it holds no synth output (the caller says so its way). */
export function readSynthStacks(outdir: string): SynthStack[] | undefined {
  const manifestFile = path.join(outdir, "manifest.json");
  if (!fs.existsSync(manifestFile)) return undefined;
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as {
    stacks: Record<string, { synthesizedStackPath: string }>;
  };
  return Object.entries(manifest.stacks).map(([id, entry]) => ({
    id,
    json: JSON.parse(fs.readFileSync(path.join(outdir, entry.synthesizedStackPath), "utf8")) as Json,
  }));
}
