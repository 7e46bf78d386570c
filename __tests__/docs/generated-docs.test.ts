/**
 * The figures and tables of the docs that come from code are generated (`npm run docs`) and this
 * fails while any of them differs from what the code, config and a synth of every environment say
 * today: gate rules and fixes, waivers, checkov checks that are off, stacks and what they hold, Helm
 * releases, cost per environment, who can do what.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { build } from "esbuild";
import { ALL_RULES } from "../../modules/policy";
import { loadSynthOutput, type SynthOutput } from "../../scripts/review/synth-output";
import { blockOf, withBlock } from "../../scripts/docs/blocks";
import { estimates } from "../../scripts/docs/cost-tables";
import {
  GENERATED_BLOCKS,
  renderBlock,
  staleBlocks,
  unknownBlocks,
  type DocsInput,
} from "../../scripts/docs/generated-docs";
import { checkovSkips } from "../../scripts/docs/policy-tables";
import { REQUESTS } from "../security/who-can-do-what";

const root = path.resolve(__dirname, "..", "..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "generated-docs-"));
let input: DocsInput;

/** A synth of every environment, as `npm run synth` makes it (the app bundled from main.ts). */
async function synthEveryEnvironment(): Promise<SynthOutput> {
  const script = path.join(work, "main.js");
  await build({
    entryPoints: [path.join(root, "main.ts")],
    outfile: script,
    bundle: true,
    platform: "node",
    format: "cjs",
    logLevel: "silent",
    nodePaths: [path.join(root, "node_modules")],
  });
  const outdir = path.join(work, "cdktf.out");
  const run = spawnSync(process.execPath, [script], {
    cwd: work,
    env: { ...process.env, CDKTF_OUTDIR: outdir, ENVIRONMENTS: "" },
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(run.stderr);
  return loadSynthOutput(outdir);
}

beforeAll(async () => {
  input = { root, output: await synthEveryEnvironment() };
}, 120_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe("generated docs", () => {
  it("are up to date (run npm run docs)", async () => {
    const stale = await staleBlocks(input);
    expect(stale.map(({ block }) => `${block.file}: ${block.name}`)).toEqual([]);
  }, 60_000);

  it("hold no generated block that nothing generates", () => {
    expect(unknownBlocks(root)).toEqual([]);
  });

  it("notice a changed figure: a block with one number changed is stale", async () => {
    const block = GENERATED_BLOCKS.find((b) => b.name === "cost-summary");
    const file = path.join(root, block!.file);
    const text = fs.readFileSync(file, "utf8");
    const tampered = withBlock(text, "cost-summary", blockOf(text, "cost-summary", file).replace(/\$\d/, "$9"), file);
    expect(blockOf(tampered, "cost-summary", file)).not.toBe(await renderBlock(block!, input));
  });
});

describe("what the generated blocks say", () => {
  const rendered = (name: string) => {
    const block = GENERATED_BLOCKS.find((b) => b.name === name)!;
    return block.render(input);
  };

  it("gives every gate rule its why and its fix", () => {
    const text = rendered("gate-rules");
    for (const rule of ALL_RULES) expect(text).toContain(`| ${rule.id} | ${rule.why} | ${rule.fix} |`);
  });

  it("names every checkov check .checkov.yaml turns off, each with the reason its comment gives", () => {
    const skips = checkovSkips(root);
    expect(skips.length).toBeGreaterThan(0);
    expect(skips.filter((s) => s.reason.length < 20)).toEqual([]);
    expect(rendered("checkov-off")).toContain(`${skips.length} checks are off`);
  });

  it("prices every declared environment with review's cost model, every item priced", () => {
    for (const estimate of estimates(input.output)) {
      expect(estimate.unpriced).toEqual([]);
      expect(rendered("cost-summary")).toContain(
        `| ${estimate.environment} | ${estimate.region} | $${estimate.totalUsd.toFixed(2)} |`,
      );
    }
  });

  it("lists one who-can row per request the IAM evaluator checks", () => {
    const body = rendered("who-can")
      .split("\n")
      .filter((l) => l.startsWith("|"))
      .slice(2);
    expect(body).toHaveLength(REQUESTS.length);
  });

  it("counts the Helm releases the synth installs", () => {
    const releases = new Set(
      [...input.output.values()].flatMap((s) =>
        Object.values(
          (s.json.resource as Record<string, Record<string, { name: string }>> | undefined)?.helm_release ?? {},
        ).map((r) => r.name),
      ),
    );
    expect(rendered("helm-releases")).toMatch(new RegExp(`^${releases.size} Helm releases`));
  });
});
