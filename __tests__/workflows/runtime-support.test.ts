/**
 * The Node.js CI runs and the one package.json asks for: one supported LTS line, the same in every
 * workflow and in `engines`; the bundles stay runnable on the oldest Node the code still meets (this
 * machine kind's); docs/support.md states every pinned tool's version as the code pins it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { EKS_MODULE } from "../../modules/eks-module";
import { RDS_MODULE } from "../../modules/rds-module";
import { VPC_MODULE } from "../../modules/vpc-module";
import { NODE_SCHEDULE_SOURCE, isSupportedOn, nodeReleaseLine } from "./node-releases";

interface Step {
  readonly uses?: string;
  readonly with?: Record<string, unknown>;
}
interface Job {
  readonly env?: Record<string, string>;
  readonly steps?: Step[];
}
interface Workflow {
  readonly env?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

const root = path.resolve(__dirname, "..", "..");
const workflowsDir = path.join(root, ".github", "workflows");
const workflowFiles = fs.readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f));
const workflowOf = (file: string) => parse(fs.readFileSync(path.join(workflowsDir, file), "utf8")) as Workflow;
const packageJson = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  engines: { node: string };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** A step's value with `${{ env.NAME }}` read from the job's env, then the workflow's (as GitHub does). */
function resolveEnv(value: unknown, job: Job, workflow: Workflow): string {
  const text = String(value);
  const name = /^\$\{\{\s*env\.(\w+)\s*\}\}$/.exec(text)?.[1];
  if (name === undefined) return text;
  return job.env?.[name] ?? workflow.env?.[name] ?? `<env.${name} is not set>`;
}

/** Every actions/setup-node step's node-version, resolved, with where it is. */
const nodeVersions = workflowFiles.flatMap((file) => {
  const workflow = workflowOf(file);
  return Object.entries(workflow.jobs).flatMap(([name, job]) =>
    (job.steps ?? [])
      .filter((step) => step.uses?.startsWith("actions/setup-node@"))
      .map((step) => ({ where: `${file}:${name}`, version: resolveEnv(step.with?.["node-version"], job, workflow) })),
  );
});
const majorOf = (version: string) => Number(/^v?(\d+)(\.|$)/.exec(version)?.[1] ?? NaN);

/** Every Terraform version a workflow installs (hashicorp/setup-terraform's terraform_version). */
const terraformVersions = new Set(
  workflowFiles.flatMap((file) => {
    const workflow = workflowOf(file);
    return Object.values(workflow.jobs).flatMap((job) =>
      (job.steps ?? [])
        .filter((step) => step.uses?.startsWith("hashicorp/setup-terraform@"))
        .map((step) => resolveEnv(step.with?.terraform_version, job, workflow)),
    );
  }),
);

/**
 * The esbuild steps of scripts/npm-steps.mjs (the npm scripts that run several steps), each with its
 * `--target`: written in the step, or in an array of options the step spreads (`...ESBUILD_NODE`).
 * The file runs its command line when loaded, so it is read as text.
 */
function npmStepsEsbuildTargets(source: string): { where: string; target: string | undefined }[] {
  const optionArrays = new Map(
    [...source.matchAll(/const (\w+) = \[([^\]]*)\]/g)].map(([, name, items]) => [name, items] as const),
  );
  return [...source.matchAll(/\[\s*"esbuild",([^\]]*)\]/g)].map(([, items]) => {
    const spread = [...items.matchAll(/\.\.\.(\w+)/g)].map(([, name]) => optionArrays.get(name) ?? "");
    const target = [items, ...spread].map((text) => /"--target=([^"]+)"/.exec(text)?.[1]).find(Boolean);
    const entry = /"([^"-][^"]*\.[cm]?[jt]s)"/.exec(items)?.[1];
    return { where: `scripts/npm-steps.mjs: esbuild ${entry ?? "?"}`, target };
  });
}

/**
 * The esbuild `--target` of each package.json script that bundles, of each esbuild step of
 * scripts/npm-steps.mjs, and scripts/build.mjs's target.
 */
function esbuildTargets(): { where: string; target: string | undefined }[] {
  const scripts = Object.entries(packageJson.scripts)
    .filter(([, command]) => /\besbuild\b/.test(command))
    .flatMap(([name, command]) =>
      command
        .split("&&")
        .filter((part) => /\besbuild\b/.test(part))
        .map((part) => ({ where: `npm run ${name}`, target: /--target=(\S+)/.exec(part)?.[1] })),
    );
  const steps = npmStepsEsbuildTargets(fs.readFileSync(path.join(root, "scripts", "npm-steps.mjs"), "utf8"));
  const build = fs.readFileSync(path.join(root, "scripts", "build.mjs"), "utf8");
  return [...scripts, ...steps, { where: "scripts/build.mjs", target: /\btarget:\s*"([^"]+)"/.exec(build)?.[1] }];
}

describe("the Node.js CI runs and package.json asks for", () => {
  it("is one major version in every workflow that sets up Node", () => {
    expect(nodeVersions.length).toBeGreaterThan(0);
    const majors = new Set(nodeVersions.map(({ version }) => majorOf(version)));
    expect([...majors]).toHaveLength(1);
    expect(Number.isInteger([...majors][0])).toBe(true);
  });

  it("is the major package.json's engines asks for (>=N, N the CI major)", () => {
    const minimum = /^>=\s*(\d+)(\.\d+){0,2}$/.exec(packageJson.engines.node)?.[1];
    expect({ engines: packageJson.engines.node, major: Number(minimum) }).toEqual({
      engines: packageJson.engines.node,
      major: majorOf(nodeVersions[0].version),
    });
  });

  it(`is an LTS line still supported today, by the release schedule's end-of-life dates (${NODE_SCHEDULE_SOURCE})`, () => {
    const today = new Date();
    for (const { where, version } of nodeVersions) {
      const line = nodeReleaseLine(majorOf(version));
      const verdict =
        line === undefined
          ? `Node ${version} is not in __tests__/workflows/node-releases.ts: add it from ${NODE_SCHEDULE_SOURCE}`
          : isSupportedOn(line, today)
            ? "supported"
            : `Node ${line.major} is not a supported LTS on ${today.toISOString().slice(0, 10)} (LTS ${line.lts}, end of life ${line.end})`;
      expect({ where, verdict }).toEqual({ where, verdict: "supported" });
    }
  });
});

describe("the code stays runnable on the oldest Node it supports (this machine kind runs Node 20)", () => {
  const targets = esbuildTargets();
  const typesMajor = majorOf(packageJson.devDependencies["@types/node"]);

  it("every esbuild bundle names its target, one target for all, matching the @types/node the code is checked against", () => {
    expect(targets.length).toBeGreaterThan(1);
    expect(targets.filter((t) => t.where.startsWith("scripts/npm-steps.mjs")).length).toBeGreaterThan(0);
    for (const { where, target } of targets) expect({ where, target }).toEqual({ where, target: `node${typesMajor}` });
  });

  it("that target is no newer than the Node running these tests, nor than CI's", () => {
    const running = majorOf(process.versions.node);
    expect(typesMajor).toBeLessThanOrEqual(running);
    expect(typesMajor).toBeLessThanOrEqual(majorOf(nodeVersions[0].version));
  });
});

describe("README.md", () => {
  it("states CI's Node line, its end of life, and the oldest Node the code still runs on", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8").replace(/\s+/g, " ");
    const line = nodeReleaseLine(majorOf(nodeVersions[0].version));
    expect(readme).toContain(`Node.js ${line?.major}`);
    expect(readme).toContain(`supported until ${line?.end}`);
    expect(readme).toContain(`runs on Node.js ${majorOf(packageJson.devDependencies["@types/node"])}`);
  });
});

describe("docs/support.md", () => {
  let doc = "";
  beforeAll(() => {
    doc = fs.readFileSync(path.join(root, "docs", "support.md"), "utf8");
  });
  const pinned = (name: string) => packageJson.dependencies[name] ?? packageJson.devDependencies[name];

  it("states CI's Node line and its end of life from the schedule", () => {
    const line = nodeReleaseLine(majorOf(nodeVersions[0].version));
    expect(doc).toContain(`Node.js ${line?.major}`);
    expect(doc).toContain(line?.end);
    expect(doc).toContain(`\`engines\`: \`${packageJson.engines.node}\``);
  });

  it("states the Terraform version the workflows install", () => {
    expect(terraformVersions.size).toBeGreaterThan(0);
    for (const version of terraformVersions) expect(doc).toContain(`Terraform ${version}`);
  });

  it.each([VPC_MODULE, EKS_MODULE, RDS_MODULE].map((m) => [m.source, m]))(
    "states the version of registry module %s the code pins",
    (_, module) => {
      const name = module.source.split("/")[1];
      expect(doc).toContain(`${name} ${module.version}`);
    },
  );

  it.each(["cdktf", "cdktf-cli"])("states the %s version package.json pins", (name) => {
    expect(doc).toContain(`\`${name}\` ${pinned(name)}`);
  });

  it.each(Object.keys(packageJson.dependencies).filter((name) => name.startsWith("@cdktf/provider-")))(
    "states the %s version package.json pins and the Terraform provider version it binds",
    (name) => {
      const bound = (
        JSON.parse(fs.readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")) as {
          cdktf: { provider: { name: string; version: string } };
        }
      ).cdktf.provider;
      expect(doc).toContain(`\`${name}\` ${pinned(name)}`);
      expect(doc).toContain(`${bound.name.replace("registry.terraform.io/", "")} ${bound.version}`);
    },
  );
});
