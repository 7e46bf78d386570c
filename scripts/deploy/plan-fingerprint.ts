/**
 * A reviewed plan, without its values: the SHA-256 of what a plan will change and the list of
 * what changes. Main's plan job records them; the apply job re-plans and applies only when its
 * plan has the same fingerprint. No plan file or value ever leaves the job that made it (a saved
 * plan holds secrets in clear text).
 *
 * What is hashed, per resource change of `terraform show -json` (Terraform's JSON output format,
 * https://developer.hashicorp.com/terraform/internals/json-format, "Plan Representation" and
 * "Change Representation"): `address`, `action_reason`, and of `change`: `actions`,
 * `replace_paths`, `after_unknown`, and the values of `after` that differ from `before`.
 * `before` itself is never hashed: it is the refreshed remote object, so it drifts between the
 * review and the apply without any change being planned (an RDS instance's
 * `latest_restorable_time`, a Deployment's `resource_version` and `generation` moved by the HPA
 * or Reloader, a node group's `desired_size` moved by cluster-autoscaler). Nor is the part of
 * `after` equal to `before`: for an update the provider copies those same drifting values into
 * `after` (a computed attribute it does not recompute, an attribute under `ignore_changes`).
 * Whatever will be written is still bound: a create hashes all of `after`, an update each
 * changed value at its path, a value that starts or stops changing changes the fingerprint.
 *
 * Apart from the fingerprint, it names the root outputs the plan changes: `output_changes` maps
 * each root output's name straight to a change representation whose actions are `no-op`,
 * `create`, `update` or `delete` (same page, "Plan Representation"; the page's pseudo-JSON wraps it
 * in a `change` key that the real output has not: `MarshalOutputChanges` in
 * https://github.com/hashicorp/terraform/blob/v1.10.5/internal/command/jsonplan/plan.go). A stack
 * that reads such an output through remote state was planned against its old value.
 */
import { createHash } from "node:crypto";

interface ResourceChange {
  readonly address: string;
  /** Why Terraform chose the action (`replace_because_cannot_update`, ...); absent for most. */
  readonly action_reason?: string;
  readonly change: {
    readonly actions: string[];
    readonly before?: unknown;
    readonly after?: unknown;
    readonly after_unknown?: unknown;
    /** Paths into the object whose change forces the replacement. */
    readonly replace_paths?: unknown;
  };
}

/** A root output the plan changes (no value: an output may hold a secret). */
export interface OutputChange {
  readonly name: string;
  /** `create`, `update` or `delete`. */
  readonly actions: readonly string[];
}

/** What `terraform show -json` tells about a plan's changes. */
export interface PlanChanges {
  /** SHA-256 (hex) of what the plan will change, stable for the same changes. */
  readonly fingerprint: string;
  /** One line per changed resource, `<actions> <address>` (no values). */
  readonly summary: string[];
  /** The root outputs whose value the plan changes, by name. */
  readonly outputs: OutputChange[];
}

type Path = (string | number)[];

/** JSON with object keys sorted, so equal values always serialize the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

const isNoOp = (actions: readonly string[]) => actions.length === 1 && actions[0] === "no-op";

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * The values `after` will write where it differs from `before`, each with its path: walks objects
 * key by key and lists of the same length item by item; anything else that differs is taken whole.
 */
function writtenValues(before: unknown, after: unknown, path: Path = []): { path: Path; after: unknown }[] {
  if (canonical(before) === canonical(after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => writtenValues(before[key], after[key], [...path, key]));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return after.flatMap((item, index) => writtenValues(before[index], item, [...path, index]));
  }
  return [{ path, after: after ?? null }];
}

/** Reads the changes of a plan from its `terraform show -json` output. */
export function planChanges(showJson: string): PlanChanges {
  const plan = JSON.parse(showJson) as {
    resource_changes?: ResourceChange[];
    output_changes?: Record<string, { actions: string[] }>;
  };
  const changes = (plan.resource_changes ?? [])
    .filter((r) => !isNoOp(r.change.actions))
    .sort((a, b) => a.address.localeCompare(b.address));
  const material = changes.map((r) => ({
    address: r.address,
    action_reason: r.action_reason ?? null,
    actions: r.change.actions,
    writes: writtenValues(r.change.before ?? null, r.change.after ?? null),
    after_unknown: r.change.after_unknown ?? null,
    replace_paths: r.change.replace_paths ?? null,
  }));
  return {
    fingerprint: createHash("sha256").update(canonical(material)).digest("hex"),
    summary: changes.map((r) => `${r.change.actions.join("/")} ${r.address}`),
    outputs: Object.entries(plan.output_changes ?? {})
      .filter(([, change]) => !isNoOp(change.actions))
      .map(([name, change]) => ({ name, actions: change.actions }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}
