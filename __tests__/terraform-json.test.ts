/**
 * The synthesized stacks are plain Terraform JSON: `terraform init` and `plan` in a stack folder need
 * its cdk.tf.json, the registry providers and modules it pins, and nothing from CDKTF (no Node, no
 * node_modules, no cdktf assets or generated bindings). This keeps the exit path docs/support.md
 * describes open now that CDKTF is archived upstream (December 2025).
 * Terraform's JSON syntax: https://developer.hashicorp.com/terraform/language/syntax/json
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App, AssetType, TerraformAsset, TerraformHclModule, TerraformOutput, TerraformStack } from "cdktf";
import { buildSync } from "esbuild";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { Id } from "@cdktf/provider-random/lib/id";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const root = path.resolve(__dirname, "..");

/** The top-level block types of the Terraform language (the JSON root's only other key is "//"). */
const TOP_LEVEL_BLOCKS = new Set([
  "terraform",
  "provider",
  "variable",
  "output",
  "locals",
  "module",
  "resource",
  "data",
  "ephemeral",
  "moved",
  "import",
  "removed",
  "check",
]);

/** Backends built into Terraform 1.x (https://developer.hashicorp.com/terraform/language/backend). */
const BUILT_IN_BACKENDS = new Set([
  "local",
  "remote",
  "azurerm",
  "consul",
  "cos",
  "gcs",
  "http",
  "kubernetes",
  "oss",
  "pg",
  "s3",
]);

/** The provider Terraform itself ships (terraform_remote_state, terraform_data). */
const BUILT_IN_PROVIDER = "terraform";

/**
 * Where a "//" property is a comment: the root and block bodies. In an object read as an expression
 * (a map such as `tags`) it would be an attribute named "//".
 */
const COMMENT_PLACES = [
  /^$/,
  /^terraform$/,
  /^(resource|data|ephemeral)\.[^.]+\.[^.]+$/,
  /^(module|output|variable|check)\.[^.]+$/,
  /^provider\.[^.]+(\[\d+\])?$/,
];

/** Registry addresses: `[registry.terraform.io/]namespace/type` for providers, `namespace/name/system` for modules. */
const REGISTRY_PROVIDER = /^(registry\.terraform\.io\/)?([a-z0-9-]+\/)?[a-z0-9-]+$/;
const REGISTRY_MODULE = /^(registry\.terraform\.io\/)?[a-z0-9-]+\/[a-z0-9-]+\/[a-z0-9]+$/;
const EXACT_VERSION = /^\d+\.\d+\.\d+$/;

/** Text that would make Terraform depend on the machine that synthesized: Node, cdktf's files, a local path. */
function machineReferences(synthDirectories: string[]): RegExp[] {
  const escaped = synthDirectories.map((d) => d.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return [
    /node_modules/,
    /cdktf\.out/,
    /(^|[/"'\s])assets\//,
    /(^|[/"'\s])\.gen\//,
    /\bnpx\b/,
    /\bcdktf (synth|deploy|get|diff)\b/,
    /\bnode\s+\S+\.(c|m)?js\b/,
    ...escaped.map((d) => new RegExp(d)),
  ];
}

/** Every string in the document with its path, "//" comments left out. */
function stringsOf(value: Json, at = ""): { at: string; text: string }[] {
  if (typeof value === "string") return [{ at, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, i) => stringsOf(item, `${at}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value)
    .filter(([key]) => key !== "//")
    .flatMap(([key, item]) => stringsOf(item, at === "" ? key : `${at}.${key}`));
}

/** The paths of every "//" property. */
function commentPaths(value: Json, at = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => commentPaths(item, `${at}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, item]) =>
    key === "//" ? [at] : commentPaths(item, at === "" ? key : `${at}.${key}`),
  );
}

const objectAt = (value: Json | undefined): JsonObject =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};

/**
 * What in one stack's folder Terraform could not read as plain Terraform, or would need CDKTF or
 * the synthesizing machine for; empty when the folder needs only Terraform, its providers and
 * registry modules.
 */
function cdktfDependencies(stackDirectory: string, synthDirectories: string[]): string[] {
  const problems: string[] = [];
  const files = fs.readdirSync(stackDirectory, { recursive: true }).map(String).sort();
  if (files.join() !== "cdk.tf.json") problems.push(`folder holds more than cdk.tf.json: ${files.join(", ")}`);

  const json = JSON.parse(fs.readFileSync(path.join(stackDirectory, "cdk.tf.json"), "utf8")) as JsonObject;
  for (const key of Object.keys(json)) {
    if (key !== "//" && !TOP_LEVEL_BLOCKS.has(key)) problems.push(`"${key}" is not a Terraform block type`);
  }
  for (const at of commentPaths(json)) {
    if (!COMMENT_PLACES.some((place) => place.test(at))) problems.push(`"//" inside an expression at ${at}`);
  }

  const terraform = objectAt(json.terraform);
  for (const [type] of Object.entries(objectAt(terraform.backend))) {
    if (!BUILT_IN_BACKENDS.has(type)) problems.push(`backend "${type}" is not built into Terraform`);
  }
  const requiredProviders = objectAt(terraform.required_providers);
  for (const [name, requirement] of Object.entries(requiredProviders)) {
    const { source, version } = objectAt(requirement);
    if (!REGISTRY_PROVIDER.test(String(source ?? name))) problems.push(`provider ${name} comes from ${source}`);
    if (!EXACT_VERSION.test(String(version))) problems.push(`provider ${name} is not pinned exactly: ${version}`);
  }

  for (const [name, call] of Object.entries(objectAt(json.module))) {
    const { source, version } = objectAt(call);
    if (!REGISTRY_MODULE.test(String(source))) problems.push(`module ${name} comes from ${source}, not the registry`);
    if (!EXACT_VERSION.test(String(version))) problems.push(`module ${name} is not pinned exactly: ${version}`);
  }

  // Terraform takes a resource type's provider from the type's first word, or from `provider`.
  for (const kind of ["resource", "data", "ephemeral"]) {
    for (const [type, blocks] of Object.entries(objectAt(json[kind]))) {
      for (const [name, body] of Object.entries(objectAt(blocks))) {
        const explicit = objectAt(body).provider;
        const provider = typeof explicit === "string" ? explicit.split(".")[0] : type.split("_")[0];
        if (provider !== BUILT_IN_PROVIDER && !(provider in requiredProviders)) {
          problems.push(`${kind} ${type}.${name} needs provider "${provider}", which required_providers does not pin`);
        }
      }
    }
  }
  for (const [name, body] of Object.entries(objectAt(objectAt(json.data).terraform_remote_state))) {
    const backend = String(objectAt(body).backend);
    if (!BUILT_IN_BACKENDS.has(backend)) problems.push(`remote state ${name} reads backend "${backend}"`);
  }

  const patterns = machineReferences(synthDirectories);
  for (const { at, text } of stringsOf(json)) {
    const pattern = patterns.find((p) => p.test(text));
    if (pattern) problems.push(`${at} refers to the synthesizing machine (${pattern}): ${text.slice(0, 120)}`);
  }
  return problems;
}

/** The stack folders of a synth output, from its manifest. */
function stackDirectories(outdir: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as {
    stacks: Record<string, { workingDirectory: string }>;
  };
  return Object.values(manifest.stacks).map((stack) => path.join(outdir, stack.workingDirectory));
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "terraform-json-"));
let synthesized: { outdir: string } | { error: string } | undefined;

/**
 * The app's output as `npm run synth` writes it (main.ts bundled and run), from a folder outside
 * the repository; synthesized once per file, on first use.
 */
function synthOutput(): string {
  if (synthesized === undefined) synthesized = synthesize();
  if ("error" in synthesized) throw new Error(synthesized.error);
  return synthesized.outdir;
}

function synthesize(): { outdir: string } | { error: string } {
  const script = path.join(work, "main.js");
  buildSync({
    entryPoints: [path.join(root, "main.ts")],
    outfile: script,
    bundle: true,
    platform: "node",
    format: "cjs",
    logLevel: "silent",
    nodePaths: [path.join(root, "node_modules")],
  });
  const outdir = path.join(work, "out");
  const synth = spawnSync(process.execPath, [script], {
    cwd: work,
    env: { ...process.env, CDKTF_OUTDIR: outdir, ENVIRONMENTS: "" },
    encoding: "utf8",
  });
  return synth.status === 0 ? { outdir } : { error: `synth failed: ${synth.stderr}` };
}

describe("the synthesized stacks need nothing from CDKTF at plan time", () => {
  it("every stack of every environment is plain Terraform JSON pinning registry providers and modules", () => {
    const stacks = stackDirectories(synthOutput());
    expect(stacks.length).toBeGreaterThan(10);
    for (const stack of stacks) {
      expect({ stack: path.basename(stack), problems: cdktfDependencies(stack, [root, work]) }).toEqual({
        stack: path.basename(stack),
        problems: [],
      });
    }
  });

  it("finds what would need CDKTF: an asset, a local module, an undeclared provider, a comment in a map, a foreign backend", () => {
    const negative = path.join(work, "negative");
    const app = new App({ outdir: negative, skipValidation: true });
    const stack = new TerraformStack(app, "needs-cdktf");
    new RandomProvider(stack, "random");
    const file = path.join(work, "payload.txt");
    fs.writeFileSync(file, "payload");
    const asset = new TerraformAsset(stack, "payload", { path: file, type: AssetType.FILE });
    new TerraformOutput(stack, "payload-path", { value: asset.path });
    new TerraformHclModule(stack, "local", { source: "./modules/local", skipAssetCreationFromLocalModules: true });
    const id = new Id(stack, "id", { byteLength: 4 });
    id.addOverride("keepers", { "//": "a map key, not a comment" });
    stack.addOverride("resource.null_resource.orphan", {});
    stack.addOverride("terraform.backend", { artifactory: {} });
    app.synth();
    const problems = cdktfDependencies(stackDirectories(negative)[0], [root, work]).join("\n");
    expect(problems).toMatch(/folder holds more than cdk.tf.json: assets/);
    expect(problems).toMatch(/output\.payload-path\.value refers to the synthesizing machine .*assets\//);
    expect(problems).toMatch(/module local comes from \.\/modules\/local, not the registry/);
    expect(problems).toMatch(/resource null_resource\.orphan needs provider "null"/);
    expect(problems).toMatch(/"\/\/" inside an expression at resource\.random_id\.id\.keepers/);
    expect(problems).toMatch(/backend "artifactory" is not built into Terraform/);
  });
});

/** `terraform` on PATH (this machine has one; `terraform init` cannot reach a registry here). */
const terraform = spawnSync("terraform", ["version", "-json"], { encoding: "utf8" });
const describeWithTerraform = terraform.status === 0 ? describe : describe.skip;

describeWithTerraform("Terraform itself reads each stack folder alone (no Node, no cdktf)", () => {
  /**
   * `terraform providers` loads the configuration, child modules included, without downloading
   * providers. Modules are stood in for by empty folders recorded as the registry source and
   * version the stack pins (what `terraform init` would record); the backend is left out because
   * its state would need the S3 bucket.
   */
  function providersOf(stack: string): { status: number | null; output: string } {
    const dir = fs.mkdtempSync(path.join(work, `tf-${path.basename(stack)}-`));
    const json = JSON.parse(fs.readFileSync(path.join(stack, "cdk.tf.json"), "utf8")) as JsonObject;
    delete objectAt(json.terraform).backend;
    fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(json));
    const modules = Object.entries(objectAt(json.module)).map(([key, call]) => {
      const { source, version } = objectAt(call);
      const moduleDir = path.join(".terraform", "modules", key);
      fs.mkdirSync(path.join(dir, moduleDir), { recursive: true });
      return { Key: key, Source: `registry.terraform.io/${source}`, Version: version, Dir: moduleDir };
    });
    fs.mkdirSync(path.join(dir, ".terraform", "modules"), { recursive: true });
    fs.writeFileSync(
      path.join(dir, ".terraform", "modules", "modules.json"),
      JSON.stringify({ Modules: [{ Key: "", Source: "", Dir: "." }, ...modules] }),
    );
    const run = spawnSync("terraform", ["providers", "-no-color"], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: work, TF_CLI_CONFIG_FILE: "/dev/null", CHECKPOINT_DISABLE: "1" },
      encoding: "utf8",
    });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  }

  it("loads every stack and finds only registry providers and Terraform's own", () => {
    for (const stack of stackDirectories(synthOutput())) {
      const { status, output } = providersOf(stack);
      expect({ stack: path.basename(stack), status, output }).toEqual({
        stack: path.basename(stack),
        status: 0,
        output: expect.stringContaining("Providers required by configuration:"),
      });
      const providers = [...output.matchAll(/provider\[([^\]]+)\]/g)].map((m) => m[1]);
      expect(providers.length).toBeGreaterThan(0);
      for (const provider of providers) {
        expect(provider).toMatch(
          /^(registry\.terraform\.io\/[a-z0-9-]+\/[a-z0-9-]+|terraform\.io\/builtin\/terraform)$/,
        );
      }
    }
  });
});
