/**
 * The synth command as users run it (`node dist/main.js`, what cdktf.json's app runs):
 * bad input exits non-zero with a readable message and writes nothing; good input is deterministic.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { build, type Plugin } from "esbuild";
import { CONCERNS, ENVIRONMENTS } from "../config";

const root = path.resolve(__dirname, "..");
const DECLARED = ENVIRONMENTS.map((e) => (e as { name: string }).name);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "cli-test-"));

/** Replaces `./dev` imported by config/index.ts with a fixture environment file. */
function devReplacedBy(fixture: string): Plugin {
  return {
    name: `dev-from-${fixture}`,
    setup(b) {
      b.onResolve({ filter: /^\.\/dev$/ }, (args) =>
        args.importer.endsWith(path.join("config", "index.ts"))
          ? { path: path.join(root, "__tests__", "fixtures", fixture) }
          : undefined,
      );
    },
  };
}

async function bundle(name: string, plugins: Plugin[] = []): Promise<string> {
  const outfile = path.join(work, `${name}.js`);
  await build({
    entryPoints: [path.join(root, "main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    logLevel: "silent",
    nodePaths: [path.join(root, "node_modules")],
    plugins,
  });
  return outfile;
}

function synth(script: string, outdir: string, environments?: string) {
  const env = { ...process.env, CDKTF_OUTDIR: outdir, ENVIRONMENTS: environments ?? "" };
  return spawnSync(process.execPath, [script], { cwd: work, env, encoding: "utf8" });
}

function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, full), fs.readFileSync(full, "utf8"));
  }
  return files;
}

interface Manifest {
  stacks: Record<string, { workingDirectory: string }>;
}

let good: string;
let broken: string;
let insecure: string;

beforeAll(async () => {
  [good, broken, insecure] = await Promise.all([
    bundle("good"),
    bundle("broken", [devReplacedBy("broken-dev.ts")]),
    bundle("insecure", [devReplacedBy("insecure-dev.ts")]),
  ]);
}, 60_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe("synth command", () => {
  it("fails on an invalid environment file with every problem, exit 1, no stack trace and no output", () => {
    const outdir = path.join(work, "out-broken");
    const run = synth(broken, outdir);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('environment "dev", setting network.vpcCidr: must be a canonical IPv4 CIDR');
    expect(run.stderr).toContain('environment "dev", setting app.replicas: must satisfy minReplicas <= replicas');
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(fs.existsSync(outdir)).toBe(false);
  });

  it("fails the policy gate on insecure infrastructure, listing each violation, and writes nothing", () => {
    const outdir = path.join(work, "out-insecure");
    const run = synth(insecure, outdir);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("Policy check failed");
    expect(run.stderr).toContain(
      "dev-cluster module.eks CKV_AWS_38 a public API endpoint must be limited to known CIDRs. Fix: set cluster.endpointPublicAccessCidrs",
    );
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(fs.existsSync(outdir)).toBe(false);
    expect(fs.existsSync(`${outdir}.staging`)).toBe(false);
  });

  it("fails when an unknown environment is selected, and writes nothing", () => {
    const outdir = path.join(work, "out-unknown");
    // Not a name the schema accepts ("-"), so no environment added later can make it known.
    const run = synth(good, outdir, "prod,no-such-env");
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `the ENVIRONMENTS variable (shell): unknown environment "no-such-env"; declared: ${DECLARED.join(", ")}`,
    );
    expect(fs.existsSync(outdir)).toBe(false);
  });

  it("synthesizes only the selected environment", () => {
    const outdir = path.join(work, "out-prod");
    expect(synth(good, outdir, "prod").status).toBe(0);
    const stacks = fs.readdirSync(path.join(outdir, "stacks")).sort();
    expect(stacks).toEqual([
      "prod-app",
      "prod-bootstrap",
      "prod-cluster",
      "prod-data",
      // The repository's GitHub settings: one stack, kept with GITHUB_SETTINGS_ENVIRONMENT's.
      "prod-github",
      "prod-network",
      // The organization's guardrails: one stack, kept with ORGANIZATION_GUARDRAILS_ENVIRONMENT's.
      "prod-org-guardrails",
      "prod-platform",
    ]);
  });

  it("keeps the other environments' output when a selection is synthesized, and a refused run leaves it intact", () => {
    const outdir = path.join(work, "out-kept");
    expect(synth(good, outdir).status).toBe(0);
    const before = filesUnder(outdir);
    expect(synth(good, outdir, "prod").status).toBe(0);
    const after = filesUnder(outdir);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [file, content] of before) if (file.startsWith("stacks/dev-")) expect(after.get(file)).toBe(content);
    const manifest = JSON.parse(after.get("manifest.json") as string) as { stacks: Record<string, unknown> };
    // Every environment's stacks, the one GitHub settings stack and the one organization guardrails stack.
    expect(Object.keys(manifest.stacks)).toHaveLength(ENVIRONMENTS.length * CONCERNS.length + 2);
    expect(synth(broken, outdir).status).toBe(1);
    expect(filesUnder(outdir)).toEqual(after);
  });

  it("a full synth removes the stacks of an environment no longer declared, says so, and touches nothing else", () => {
    const outdir = path.join(work, "out-owned");
    expect(synth(good, outdir).status).toBe(0);
    // What an earlier synth with one more environment left ("Retired" can never be declared: the
    // schema takes lower-case names only), and what people or tools put beside the stacks.
    const manifestFile = path.join(outdir, "manifest.json");
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as Manifest;
    const synthesized = Object.keys(manifest.stacks);
    const [sample] = synthesized;
    fs.cpSync(path.join(outdir, "stacks", sample), path.join(outdir, "stacks", "Retired-app"), { recursive: true });
    manifest.stacks["Retired-app"] = { ...manifest.stacks[sample], workingDirectory: "stacks/Retired-app" };
    fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
    fs.writeFileSync(path.join(outdir, "notes.txt"), "mine\n");
    fs.mkdirSync(path.join(outdir, "stacks", sample, ".terraform"));
    fs.writeFileSync(path.join(outdir, "stacks", sample, ".terraform", "marker"), "init\n");
    fs.mkdirSync(path.join(outdir, "stacks", "not-a-stack"));
    fs.writeFileSync(path.join(outdir, "stacks", "not-a-stack", "readme.txt"), "mine\n");

    const run = synth(good, outdir);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      `removed from ${outdir}: Retired-app (environment Retired is not in ENVIRONMENTS, config/index.ts)`,
    );
    expect(fs.existsSync(path.join(outdir, "stacks", "Retired-app"))).toBe(false);
    const after = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as Manifest;
    expect(Object.keys(after.stacks)).toEqual(synthesized);
    expect(fs.readFileSync(path.join(outdir, "notes.txt"), "utf8")).toBe("mine\n");
    expect(fs.existsSync(path.join(outdir, "stacks", sample, ".terraform", "marker"))).toBe(true);
    expect(fs.existsSync(path.join(outdir, "stacks", "not-a-stack", "readme.txt"))).toBe(true);
  });

  it("a selected synth says which environments it kept as last synthesized, and which it has none of", () => {
    const fresh = path.join(work, "out-selected-fresh");
    const others = DECLARED.filter((n) => n !== "prod");
    expect(synth(good, fresh, "prod").stdout).toContain(
      `not in ${fresh} (not selected, never synthesized there): ${others.join(", ")}; a full synth adds them`,
    );
    const outdir = path.join(work, "out-selected");
    expect(synth(good, outdir).status).toBe(0);
    const full = Object.keys(
      (JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as Manifest).stacks,
    );
    const run = synth(good, outdir, "prod");
    expect(run.status).toBe(0);
    const kept = others.map((n) => `${n} (${full.filter((s) => s.startsWith(`${n}-`)).length} stacks)`).join(", ");
    expect(run.stdout).toContain(`kept in ${outdir} as last synthesized (not selected): ${kept}`);
  });

  it("writes byte-identical output when run twice", () => {
    const first = path.join(work, "out-1");
    const second = path.join(work, "out-2");
    expect(synth(good, first).status).toBe(0);
    expect(synth(good, second).status).toBe(0);
    const a = filesUnder(first);
    const b = filesUnder(second);
    expect(a.size).toBeGreaterThan(18);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [file, content] of a) expect(b.get(file)).toBe(content);
  });
});

describe("./help", () => {
  it("runs and lists the deploy command", () => {
    const run = spawnSync(path.join(root, "help"), [], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("npm run deploy -- dev --plan");
  });
});
