import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  TERRAFORM_LOCK_FILE,
  lockFileOf,
  lockProblem,
  lockedVersions,
  pinnedProviders,
  registryAddress,
  writeProviderLocks,
} from "../../scripts/deploy/provider-locks";
import { loadStacks } from "../../scripts/deploy/stack-graph";
import { synthOutputCopy, writeMatchingLocks } from "./deploy-helpers";

const tempDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

describe("provider lock files", () => {
  const outdir = synthOutputCopy("dev");
  const stacks = loadStacks(outdir, "dev");
  const cluster = stacks.find((s) => s.concern === "cluster")!;

  it("reads the versions a lock file holds by registry address", () => {
    const text = [
      'provider "registry.terraform.io/hashicorp/aws" {',
      '  version     = "6.25.0"',
      '  constraints = "6.25.0"',
      "  hashes = [",
      '    "h1:abc=",',
      "  ]",
      "}",
      "",
      'provider "registry.terraform.io/hashicorp/tls" {',
      '  version = "4.1.0"',
      "}",
    ].join("\n");
    expect([...lockedVersions(text)]).toEqual([
      ["registry.terraform.io/hashicorp/aws", "6.25.0"],
      ["registry.terraform.io/hashicorp/tls", "4.1.0"],
    ]);
  });

  it.each([
    ["aws", "registry.terraform.io/hashicorp/aws"],
    ["hashicorp/tls", "registry.terraform.io/hashicorp/tls"],
    ["registry.terraform.io/cyrilgdn/postgresql", "registry.terraform.io/cyrilgdn/postgresql"],
  ])("names provider source %s as %s", (source, address) => {
    expect(registryAddress(source)).toBe(address);
  });

  it("reads what a stack pins from its synthesized JSON, the eks module's providers included", () => {
    expect(pinnedProviders(cluster.directory)).toEqual(
      new Map([
        ["registry.terraform.io/hashicorp/aws", "6.25.0"],
        ["registry.terraform.io/hashicorp/tls", "4.1.0"],
        ["registry.terraform.io/hashicorp/time", "0.13.1"],
        ["registry.terraform.io/hashicorp/cloudinit", "2.3.7"],
        ["registry.terraform.io/hashicorp/null", "3.2.4"],
      ]),
    );
  });

  it("accepts a lock that holds every pinned version", () => {
    const root = tempDir("locks-root-");
    writeMatchingLocks(outdir, root);
    expect(stacks.map((s) => lockProblem(root, s.concern, s.directory))).toEqual(stacks.map(() => undefined));
  });

  it("writes one lock per concern from a scratch copy: init without backend, then every platform's hashes", async () => {
    const root = tempDir("locks-root-");
    const scratch = tempDir("locks-scratch-");
    const calls: string[] = [];
    const written = await writeProviderLocks(stacks, root, scratch, async (directory, args) => {
      calls.push(`${path.basename(directory)}: ${args.join(" ")}`);
      if (args[0] === "providers") fs.writeFileSync(path.join(directory, TERRAFORM_LOCK_FILE), `# ${directory}\n`);
      return { code: 0, tail: [] };
    });
    expect(written.sort()).toEqual(
      ["app", "bootstrap", "cluster", "data", "network", "platform"].map(
        (c) => `terraform-locks/${c}.terraform.lock.hcl`,
      ),
    );
    expect(calls.filter((c) => c.startsWith("cluster:"))).toEqual([
      "cluster: init -backend=false -input=false -no-color",
      "cluster: providers lock -platform=linux_amd64 -platform=linux_arm64 -platform=darwin_amd64 -platform=darwin_arm64",
    ]);
    expect(fs.readFileSync(lockFileOf(root, "cluster"), "utf8")).toBe(`# ${path.join(scratch, "cluster")}\n`);
    // The synth output itself is left as it was.
    expect(fs.existsSync(path.join(cluster.directory, TERRAFORM_LOCK_FILE))).toBe(false);
  });

  it("refuses to write one lock for stacks of a concern that pin different providers", async () => {
    const prodOut = synthOutputCopy("prod");
    const prodCluster = loadStacks(prodOut, "prod").find((s) => s.concern === "cluster")!;
    const file = path.join(prodCluster.directory, "cdk.tf.json");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace('"version": "4.1.0"', '"version": "4.0.6"'));
    const run = jest.fn();
    await expect(writeProviderLocks([cluster, prodCluster], tempDir("r-"), tempDir("s-"), run)).rejects.toThrow(
      "dev-cluster and prod-cluster pin different providers: one lock file cannot serve both",
    );
    expect(run).not.toHaveBeenCalled();
  });

  it("says which step failed and why when the registry cannot be reached", async () => {
    const failing = async () => ({
      code: 1,
      tail: ["│ Error: Failed to query available provider packages", "│ could not connect to registry.terraform.io"],
    });
    await expect(writeProviderLocks([cluster], tempDir("r-"), tempDir("s-"), failing)).rejects.toThrow(
      "terraform init -backend=false failed for the cluster stacks: Error: Failed to query available provider packages (it needs registry.terraform.io)",
    );
  });
});
