/**
 * Terraform dependency lock files, one per stack concern under version control
 * (terraform-locks/<concern>.terraform.lock.hcl): every environment's copy of a stack runs the
 * same provider builds, checked against their hashes. `npm run providers-lock` writes them; the
 * deploy command copies each into its stack and inits with `-lockfile=readonly`, so a provider
 * that is not locked, or a pin that moved without re-locking, stops the run instead of
 * downloading whatever is newest.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Folder of the lock files, under the repository root. */
export const LOCK_DIRECTORY = "terraform-locks";
/** The name terraform looks for in a working directory. */
export const TERRAFORM_LOCK_FILE = ".terraform.lock.hcl";
/** Platforms the locks hold hashes for: CI and the in-VPC runner, and operators' machines. */
export const LOCK_PLATFORMS = ["linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64"] as const;

/** The committed lock file of a concern. */
export function lockFileOf(root: string, concern: string): string {
  return path.join(root, LOCK_DIRECTORY, `${concern}${TERRAFORM_LOCK_FILE}`);
}

/** `aws` -> `registry.terraform.io/hashicorp/aws`; `hashicorp/tls` -> `registry.terraform.io/hashicorp/tls`. */
export function registryAddress(source: string): string {
  const parts = source.split("/");
  if (parts.length === 3) return source;
  return parts.length === 2 ? `registry.terraform.io/${source}` : `registry.terraform.io/hashicorp/${source}`;
}

/** The provider versions a stack pins, by registry address (from its cdk.tf.json). */
export function pinnedProviders(stackDirectory: string): Map<string, string> {
  const json = JSON.parse(fs.readFileSync(path.join(stackDirectory, "cdk.tf.json"), "utf8")) as {
    terraform?: { required_providers?: Record<string, { source: string; version: string }> };
  };
  const required = Object.values(json.terraform?.required_providers ?? {});
  return new Map(required.map((p) => [registryAddress(p.source), p.version]));
}

/** The versions a lock file holds, by registry address. */
export function lockedVersions(lockText: string): Map<string, string> {
  const locked = new Map<string, string>();
  for (const match of lockText.matchAll(/provider\s+"([^"]+)"\s*\{[^}]*?\bversion\s*=\s*"([^"]+)"/g)) {
    locked.set(match[1], match[2]);
  }
  return locked;
}

/** Why a stack cannot init from its concern's lock file, or undefined when it can. */
export function lockProblem(root: string, concern: string, stackDirectory: string): string | undefined {
  const file = lockFileOf(root, concern);
  const relative = path.relative(root, file);
  if (!fs.existsSync(file)) return `${relative} is missing`;
  const locked = lockedVersions(fs.readFileSync(file, "utf8"));
  for (const [address, version] of pinnedProviders(stackDirectory)) {
    const lockedVersion = locked.get(address);
    if (lockedVersion === undefined) return `${relative} does not lock ${address} ${version}`;
    if (lockedVersion !== version) return `${relative} locks ${address} ${lockedVersion}, the stack pins ${version}`;
  }
  return undefined;
}

/** Puts a concern's lock file into a stack's working directory, where `terraform init` reads it. */
export function installLockFile(root: string, concern: string, stackDirectory: string): void {
  fs.copyFileSync(lockFileOf(root, concern), path.join(stackDirectory, TERRAFORM_LOCK_FILE));
}

/** A stack to lock: its concern and its synthesized working directory. */
export interface LockableStack {
  readonly id: string;
  readonly concern: string;
  readonly directory: string;
}

/** Runs one terraform command in a directory; resolves to its exit code and last lines. */
export type RunTerraform = (
  directory: string,
  args: readonly string[],
) => Promise<{ readonly code: number; readonly tail: readonly string[] }>;

/**
 * Writes terraform-locks/<concern>.terraform.lock.hcl for each concern, from a scratch copy of
 * one of its stacks (init without a backend, then hashes for every platform). Every environment's
 * stack of a concern must pin the same providers, or one lock could not serve them all.
 */
export async function writeProviderLocks(
  stacks: readonly LockableStack[],
  root: string,
  scratch: string,
  terraform: RunTerraform,
): Promise<string[]> {
  const written: string[] = [];
  for (const concern of [...new Set(stacks.map((s) => s.concern))]) {
    const ofConcern = stacks.filter((s) => s.concern === concern);
    assertSamePins(ofConcern);
    const directory = path.join(scratch, concern);
    fs.cpSync(ofConcern[0].directory, directory, { recursive: true });
    await mustSucceed(terraform, directory, ["init", "-backend=false", "-input=false", "-no-color"]);
    await mustSucceed(terraform, directory, ["providers", "lock", ...LOCK_PLATFORMS.map((p) => `-platform=${p}`)]);
    fs.mkdirSync(path.join(root, LOCK_DIRECTORY), { recursive: true });
    fs.copyFileSync(path.join(directory, TERRAFORM_LOCK_FILE), lockFileOf(root, concern));
    written.push(path.relative(root, lockFileOf(root, concern)));
  }
  return written;
}

function assertSamePins(stacks: readonly LockableStack[]): void {
  const [first, ...others] = stacks;
  const expected = JSON.stringify([...pinnedProviders(first.directory)].sort());
  const differing = others.find((s) => JSON.stringify([...pinnedProviders(s.directory)].sort()) !== expected);
  if (differing) {
    throw new Error(`${first.id} and ${differing.id} pin different providers: one lock file cannot serve both`);
  }
}

async function mustSucceed(terraform: RunTerraform, directory: string, args: string[]): Promise<void> {
  const run = await terraform(directory, args);
  if (run.code !== 0) {
    const error = run.tail.map((l) => l.replace(/^[│\s]+/, "")).find((l) => l.startsWith("Error:"));
    throw new Error(
      `terraform ${args.slice(0, 2).join(" ")} failed for the ${path.basename(directory)} stacks: ${error ?? "see the log"} (it needs registry.terraform.io)`,
    );
  }
}
