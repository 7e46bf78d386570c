/**
 * What a destroy of one stack will do, read before anything is deleted: which resources it keeps
 * (Terraform forgets them, AWS keeps them), which AWS deletes only after a waiting period, and
 * what would make AWS refuse the deletion halfway. Read from the synthesized stack and from its
 * `terraform plan -destroy` (`terraform show -json`: the `before` of each change is the object as
 * it is in AWS, https://developer.hashicorp.com/terraform/internals/json-format), never a value of
 * a secret: only names, ids and the settings listed here.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** Terraform merges this file over cdk.tf.json: it lifts `prevent_destroy` so a destroy can be planned. */
export const DESTROY_OVERRIDE_FILE = "destroy_override.tf.json";

/**
 * Types a destroy always keeps: an AWS Backup vault holds the database's recovery points, which
 * only a person deletes (AWS refuses to delete a vault that still has any).
 */
export const ALWAYS_KEPT_TYPES: readonly string[] = ["aws_backup_vault"];

/** A resource the destroy keeps: removed from the state, left in the account. */
export interface KeptResource {
  /** Its top-level address without an index (`aws_ecr_repository.image-repository_repository_AB12`). */
  readonly address: string;
  readonly type: string;
  /** Why: `prevent_destroy` (config keeps it) or what it holds. */
  readonly why: string;
}

/** The resources of a synthesized stack its destroy keeps. */
export function keptResources(stackDirectory: string): KeptResource[] {
  const json = readStack(stackDirectory);
  return Object.entries(json.resource ?? {}).flatMap(([type, resources]) =>
    Object.entries(resources).flatMap(([name, body]) => {
      const address = `${type}.${name}`;
      if (ALWAYS_KEPT_TYPES.includes(type)) return [{ address, type, why: "holds the database's recovery points" }];
      if (preventsDestroy(body)) return [{ address, type, why: "prevent_destroy (config keeps it)" }];
      return [];
    }),
  );
}

/**
 * Writes the override that lets `terraform plan -destroy` plan the kept resources (it refuses a
 * plan that would delete a `prevent_destroy` resource, and says nothing of the rest): the plan
 * then shows them as deletions, which the summary lists as kept, and the apply removes them from
 * the state before it plans again, so they are never deleted.
 */
export function writeDestroyOverride(stackDirectory: string, kept: readonly KeptResource[]): void {
  const overrides: Record<string, Record<string, object>> = {};
  for (const { address, type } of kept) {
    const name = address.slice(type.length + 1);
    (overrides[type] ??= {})[name] = { lifecycle: { prevent_destroy: false } };
  }
  const file = path.join(stackDirectory, DESTROY_OVERRIDE_FILE);
  if (kept.length === 0) fs.rmSync(file, { force: true });
  else fs.writeFileSync(file, JSON.stringify({ resource: overrides }, null, 2));
}

/** Removes the override (the stack's synthesized JSON is as cdktf wrote it again). */
export function removeDestroyOverride(stackDirectory: string): void {
  fs.rmSync(path.join(stackDirectory, DESTROY_OVERRIDE_FILE), { force: true });
}

/** The addresses of the state (`terraform state list`) that belong to a kept resource. */
export function keptInState(kept: readonly KeptResource[], stateAddresses: readonly string[]): string[] {
  return stateAddresses.filter((entry) => kept.some((k) => entry === k.address || entry.startsWith(`${k.address}[`)));
}

/** Something AWS deletes only after a waiting period, during which it can be brought back. */
export interface DelayedDeletion {
  readonly address: string;
  /** `KMS key 1234abcd-...`, `secret marketing-agents/dev/api-keys`. */
  readonly what: string;
  readonly days: number;
  /** How to bring it back within the window. */
  readonly undo: string;
}

/** A reason AWS would refuse the destroy halfway: the run stops before deleting anything. */
export interface DestroyBlocker {
  readonly address: string;
  readonly reason: string;
}

/** What the destroy plan of one stack holds. */
export interface DestroyPlan {
  /** Resources it deletes (kept ones excluded). */
  readonly deletes: number;
  /** Kept resources, with the id AWS knows them by (what `terraform import` takes). */
  readonly kept: { readonly resource: KeptResource; readonly id: string }[];
  readonly delayed: DelayedDeletion[];
  /** Final snapshots AWS takes as it deletes (they stay until a person deletes them). */
  readonly finalSnapshots: string[];
  readonly blockers: DestroyBlocker[];
}

interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly change: { readonly actions: string[]; readonly before?: Record<string, unknown> | null };
}

type Before = Record<string, unknown>;

/**
 * Types whose deletion AWS refuses while they hold something, unless a flag in the state says to
 * delete the contents too: the flag must be in AWS's last applied state, not just in the code.
 */
const CONTENTS_FLAGS: Record<string, { flag: string; holds: string }> = {
  aws_s3_bucket: { flag: "force_destroy", holds: "objects" },
  aws_ecr_repository: { flag: "force_delete", holds: "images" },
};

/** Types AWS refuses to delete while their deletion protection is on. */
const PROTECTED_TYPES = ["aws_db_instance", "aws_eks_cluster"];

/** Reads `terraform show -json` of a stack's destroy plan. */
export function readDestroyPlan(showJson: string, kept: readonly KeptResource[]): DestroyPlan {
  const plan = JSON.parse(showJson) as { resource_changes?: ResourceChange[] };
  const deletions = (plan.resource_changes ?? []).filter((r) => r.change.actions.includes("delete"));
  const keptOf = (r: ResourceChange) =>
    kept.find((k) => r.address === k.address || r.address.startsWith(`${k.address}[`));
  const result = { deletes: 0, kept: [], delayed: [], finalSnapshots: [], blockers: [] } as {
    deletes: number;
    kept: DestroyPlan["kept"];
    delayed: DelayedDeletion[];
    finalSnapshots: string[];
    blockers: DestroyBlocker[];
  };
  for (const change of deletions) {
    const before: Before = change.change.before ?? {};
    const keptResource = keptOf(change);
    if (keptResource) {
      result.kept.push({ resource: keptResource, id: String(before.id ?? "") });
      continue;
    }
    result.deletes++;
    const delayed = delayedDeletion(change, before);
    if (delayed) result.delayed.push(delayed);
    const snapshot = finalSnapshot(change.type, before);
    if (snapshot) result.finalSnapshots.push(snapshot);
    result.blockers.push(...blockers(change, before));
  }
  return result;
}

function delayedDeletion(change: ResourceChange, before: Before): DelayedDeletion | undefined {
  const { address, type } = change;
  if (type === "aws_kms_key") {
    const id = String(before.key_id ?? before.id);
    return {
      address,
      what: `KMS key ${id}`,
      days: Number(before.deletion_window_in_days ?? 30),
      undo: `aws kms cancel-key-deletion --key-id ${id}`,
    };
  }
  if (type === "aws_secretsmanager_secret") {
    const days = Number(before.recovery_window_in_days ?? 30);
    if (days === 0) return undefined;
    const name = String(before.name);
    return { address, what: `secret ${name}`, days, undo: `aws secretsmanager restore-secret --secret-id ${name}` };
  }
  return undefined;
}

function finalSnapshot(type: string, before: Before): string | undefined {
  if (type === "aws_db_instance" && before.skip_final_snapshot === false) {
    return `RDS snapshot ${String(before.final_snapshot_identifier)}`;
  }
  const cacheSnapshot = before.final_snapshot_identifier;
  if (type === "aws_elasticache_replication_group" && typeof cacheSnapshot === "string" && cacheSnapshot !== "") {
    return `ElastiCache snapshot ${cacheSnapshot}`;
  }
  return undefined;
}

function blockers(change: ResourceChange, before: Before): DestroyBlocker[] {
  const { address, type } = change;
  const contents = CONTENTS_FLAGS[type];
  if (contents && before[contents.flag] !== true) {
    return [
      {
        address,
        reason: `${contents.flag} is off in AWS, so its deletion fails while it holds ${contents.holds}: the code turns it on where config does not keep the resource; apply the stack first`,
      },
    ];
  }
  if (PROTECTED_TYPES.includes(type) && before.deletion_protection === true) {
    return [{ address, reason: "deletion protection is on in AWS: set it false in config and apply the stack first" }];
  }
  return [];
}

function preventsDestroy(body: unknown): boolean {
  const lifecycle = (body as { lifecycle?: unknown }).lifecycle;
  const blocks = Array.isArray(lifecycle) ? lifecycle : [lifecycle];
  return blocks.some((b) => (b as { prevent_destroy?: unknown } | undefined)?.prevent_destroy === true);
}

function readStack(stackDirectory: string): { resource?: Record<string, Record<string, unknown>> } {
  return JSON.parse(fs.readFileSync(path.join(stackDirectory, "cdk.tf.json"), "utf8")) as {
    resource?: Record<string, Record<string, unknown>>;
  };
}
