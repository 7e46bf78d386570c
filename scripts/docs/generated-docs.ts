/**
 * Every generated block of the docs, where it lives and what renders it. `npm run docs` writes them;
 * __tests__/docs/generated-docs.test.ts fails while any differs from what the code says today.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { SynthOutput } from "../review/synth-output";
import { whoCanTable } from "../who-can-table";
import { blockNames, blockOf, withBlock } from "./blocks";
import { costSummaryTable, costTables } from "./cost-tables";
import { guardrailsAdminPolicyBlock } from "./guardrails-admin-policy";
import { checkovSkipsTable, gateRulesTable, waiversTable } from "./policy-tables";
import { helmReleasesTable, stacksTables } from "./stack-tables";

/** What the blocks are rendered from: the repository and a synth of every environment. */
export interface DocsInput {
  readonly root: string;
  readonly output: SynthOutput;
}

export interface GeneratedBlock {
  /** Path from the repository root. */
  readonly file: string;
  readonly name: string;
  readonly render: (input: DocsInput) => string;
}

export const GENERATED_BLOCKS: readonly GeneratedBlock[] = [
  { file: "README.md", name: "cost-summary", render: ({ output }) => costSummaryTable(output) },
  { file: "docs/cost.md", name: "cost", render: ({ output }) => costTables(output) },
  { file: "docs/policy.md", name: "gate-rules", render: () => gateRulesTable() },
  { file: "docs/policy.md", name: "waivers", render: () => waiversTable() },
  { file: "docs/policy.md", name: "checkov-off", render: ({ root }) => checkovSkipsTable(root) },
  { file: "docs/stacks.md", name: "stacks", render: ({ output }) => stacksTables(output) },
  { file: "docs/platform.md", name: "helm-releases", render: ({ output }) => helmReleasesTable(output) },
  { file: "docs/who-can.md", name: "who-can", render: () => whoCanTable() },
  {
    file: "docs/organization-guardrails.md",
    name: "guardrails-admin-policy",
    render: () => guardrailsAdminPolicyBlock(),
  },
];

/**
 * The block as prettier writes it in its file (its config, its parser), so `prettier --check` and
 * this agree. Prettier runs as its own process: its API loads plugins with a dynamic import, which
 * jest's module system refuses.
 */
export async function renderBlock(block: GeneratedBlock, input: DocsInput): Promise<string> {
  const prettier = path.join(input.root, "node_modules", "prettier", "bin", "prettier.cjs");
  const run = spawnSync(process.execPath, [prettier, "--stdin-filepath", path.join(input.root, block.file)], {
    cwd: input.root,
    input: block.render(input),
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`prettier refused ${block.file}'s block ${block.name}: ${run.stderr.trim()}`);
  return run.stdout.trim();
}

/** Each generated block whose file content differs from what it renders to now. */
export async function staleBlocks(input: DocsInput): Promise<{ block: GeneratedBlock; expected: string }[]> {
  const stale: { block: GeneratedBlock; expected: string }[] = [];
  for (const block of GENERATED_BLOCKS) {
    const text = fs.readFileSync(path.join(input.root, block.file), "utf8");
    const expected = await renderBlock(block, input);
    if (blockOf(text, block.name, block.file) !== expected) stale.push({ block, expected });
  }
  return stale;
}

/** Writes every stale block into its file; returns the files changed. */
export async function writeDocs(input: DocsInput): Promise<string[]> {
  const changed = new Set<string>();
  for (const { block, expected } of await staleBlocks(input)) {
    const file = path.join(input.root, block.file);
    fs.writeFileSync(file, withBlock(fs.readFileSync(file, "utf8"), block.name, expected, block.file));
    changed.add(block.file);
  }
  return [...changed];
}

/** Blocks a document holds that no generator writes (a renamed or removed block). */
export function unknownBlocks(root: string): string[] {
  const files = [...new Set(GENERATED_BLOCKS.map((b) => b.file))];
  return files.flatMap((file) =>
    blockNames(fs.readFileSync(path.join(root, file), "utf8"))
      .filter((name) => !GENERATED_BLOCKS.some((b) => b.file === file && b.name === name))
      .map((name) => `${file}: ${name}`),
  );
}
