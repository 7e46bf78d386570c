/**
 * A reviewed plan, without its values: the SHA-256 of a plan's changes (addresses, actions,
 * before and after) and the list of what changes. Main's plan job records them; the apply job
 * re-plans and applies only when its plan has the same fingerprint. No plan file or value ever
 * leaves the job that made it (a saved plan holds secrets in clear text).
 */
import { createHash } from "node:crypto";

interface ResourceChange {
  readonly address: string;
  readonly change: {
    readonly actions: string[];
    readonly before?: unknown;
    readonly after?: unknown;
    readonly after_unknown?: unknown;
  };
}

/** What `terraform show -json <plan>` tells about a plan's changes. */
export interface PlanChanges {
  /** SHA-256 (hex) of the changes, stable for the same changes. */
  readonly fingerprint: string;
  /** One line per changed resource, `<actions> <address>` (no values). */
  readonly summary: string[];
}

/** JSON with object keys sorted, so equal values always serialize the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Reads the changes of a plan from its `terraform show -json` output. */
export function planChanges(showJson: string): PlanChanges {
  const plan = JSON.parse(showJson) as { resource_changes?: ResourceChange[] };
  const changes = (plan.resource_changes ?? [])
    .filter((r) => !(r.change.actions.length === 1 && r.change.actions[0] === "no-op"))
    .sort((a, b) => a.address.localeCompare(b.address));
  const material = changes.map((r) => ({
    address: r.address,
    actions: r.change.actions,
    before: r.change.before,
    after: r.change.after,
    after_unknown: r.change.after_unknown,
  }));
  return {
    fingerprint: createHash("sha256").update(canonical(material)).digest("hex"),
    summary: changes.map((r) => `${r.change.actions.join("/")} ${r.address}`),
  };
}
