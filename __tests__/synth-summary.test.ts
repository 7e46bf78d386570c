/**
 * `npm run synth` says what it made: one line per environment with its stacks, resources, module
 * calls and the policy gate's result, counted from the synthesized output itself.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { build } from "esbuild";
import { loadEnvironments } from "../config";
import type { StackDocument } from "../modules/policy";
import { summarizeSynth } from "../scripts/synth-summary";

const root = path.resolve(__dirname, "..");

const stack = (id: string, json: object): StackDocument => ({ stack: id, production: false, json }) as StackDocument;
const waived = (stackId: string) => ({
  violation: { stack: stackId, address: "a", rule: "R", why: "w", fix: "f" },
  waiver: { stack: stackId, address: "a", rule: "R", reason: "a reason long enough" },
});

describe("summarizeSynth", () => {
  it("counts each environment's stacks, resources and module calls, and its waived findings", () => {
    const stacks = [
      stack("dev-network", { resource: { aws_vpc: { a: {} }, aws_subnet: { b: {}, c: {} } }, module: { vpc: {} } }),
      stack("dev-app", { resource: { kubernetes_namespace_v1: { n: {} } } }),
      stack("prod-network", { resource: { aws_vpc: { a: {} } } }),
      stack("prod-github", { resource: { github_repository_environment: { e: {}, f: {} } } }),
    ];
    expect(summarizeSynth(stacks, { waived: [waived("dev-network"), waived("dev-app")] }, ["dev", "prod"])).toEqual([
      "dev: 2 stacks, 4 resources, 1 module call; policy gate passed, 2 findings waived (config/waivers.ts)",
      "prod: 2 stacks, 3 resources, 0 module calls; policy gate passed",
    ]);
  });

  it("says nothing of an environment that was not synthesized", () => {
    expect(summarizeSynth([stack("prod-app", {})], { waived: [] }, ["dev", "prod"])).toEqual([
      "prod: 1 stack, 0 resources, 0 module calls; policy gate passed",
    ]);
  });
});

describe("npm run synth's output", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "synth-summary-"));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it("prints one line per environment, with the counts of what it wrote", async () => {
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
    const outdir = path.join(work, "out");
    const run = spawnSync(process.execPath, [script], {
      cwd: work,
      env: { ...process.env, CDKTF_OUTDIR: outdir, ENVIRONMENTS: "" },
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    for (const { name } of loadEnvironments()) {
      const dirs = fs.readdirSync(path.join(outdir, "stacks")).filter((d) => d.startsWith(`${name}-`));
      const docs = dirs.map((d) => JSON.parse(fs.readFileSync(path.join(outdir, "stacks", d, "cdk.tf.json"), "utf8")));
      const resources = docs.reduce(
        (n, doc) =>
          n +
          Object.values((doc.resource ?? {}) as Record<string, object>).reduce((m, r) => m + Object.keys(r).length, 0),
        0,
      );
      const modules = docs.reduce((n, doc) => n + Object.keys(doc.module ?? {}).length, 0);
      const line = run.stdout.split("\n").find((l) => l.startsWith(`${name}: `));
      expect(line).toMatch(
        new RegExp(
          `^${name}: ${dirs.length} stacks, ${resources} resources, ${modules} module calls; policy gate passed`,
        ),
      );
    }
  }, 60_000);
});
