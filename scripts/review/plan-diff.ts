/**
 * What a change does, like a plan but from two synth outputs: resources and module calls added,
 * removed and changed, with the changed attributes (per key inside JSON and YAML documents, Helm values
 * and Kubernetes manifests included; sensitive values masked), flagged where they destroy or replace
 * stateful things. Replace, update and roll are judged as the pinned providers and modules would
 * (scripts/review/change-effects.ts, from the generated table in scripts/review/schema/).
 */
import { parse as parseYaml } from "yaml";
import {
  STATEFUL_TYPES,
  classifyModule,
  classifyResource,
  isSensitive,
  type Action,
  type AttributeChange,
  type ResourceEffect,
} from "./change-effects";
import type { Json, SynthOutput } from "./synth-output";

export type { Action, AttributeChange, ResourceEffect };

/** One resource or module call that changes. */
export interface PlannedChange {
  readonly stack: string;
  /** `aws_s3_bucket.logs_bucket_1234ABCD` or `module.postgres`. */
  readonly address: string;
  readonly action: Action;
  /** It holds data or identity that cannot come back (databases, buckets, clusters, keys...). */
  readonly stateful: boolean;
  readonly changes: AttributeChange[];
  /** Why it is a replacement or a roll, what AWS does on the update, or other advice. */
  readonly note?: string;
  /** For a module call: what happens to each resource inside it. */
  readonly effects?: ResourceEffect[];
}

/** Module sources that hold state worth a second look when the call is removed. */
const STATEFUL_MODULES = new Set([
  "terraform-aws-modules/rds/aws",
  "terraform-aws-modules/eks/aws",
  "terraform-aws-modules/vpc/aws",
]);

/** The value printed instead of a secret. */
export const MASKED = "(sensitive)";

/** Keys inside documents whose values are secrets (a Terraform reference to one is not). */
const SECRET_KEY = /(password|passwd|secret(?!Name|Ref|s?Store)|token|api[-_]?key|private[-_]?key|credential)/i;

const obj = (value: unknown): Json =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};

/**
 * A string holding a document: a JSON object or array (IAM policies, NetworkPolicy rules), or a YAML
 * mapping or sequence (Helm values files), parsed; undefined for any other string.
 */
function document(value: unknown): Json | unknown[] | undefined {
  if (typeof value !== "string") return undefined;
  try {
    if (/^\s*[[{]/.test(value)) {
      const parsed: unknown = JSON.parse(value);
      return parsed && typeof parsed === "object" ? (parsed as Json | unknown[]) : undefined;
    }
    if (!/\n/.test(value.trim()) || !/^\s*(- |[\w.-]+:(\s|$))/m.test(value)) return undefined;
    const parsed: unknown = parseYaml(value);
    return parsed && typeof parsed === "object" ? (parsed as Json | unknown[]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `[name=https]` for a list of objects that all have a distinct `name` (listeners, containers, ports),
 * `[Sid=ReadLogs]` for IAM statements that all have a distinct Sid, else `[i]`: inserting one entry
 * does not shift the others.
 */
function listKeys(list: unknown[]): string[] {
  for (const field of ["name", "Sid"]) {
    const names = list.map((v) => obj(v)[field]);
    const named = names.every((n) => typeof n === "string") && new Set(names).size === names.length;
    if (named) return names.map((n) => `[${field}=${String(n)}]`);
  }
  return list.map((_, i) => `[${i}]`);
}

/** IAM policy elements that are sets: order carries no meaning, and a single string is a set of one. */
const IAM_SETS = /(^|\.)(Not)?(Action|Resource)$/;

/** `Action: ["s3:GetObject"]` -> `Action[s3:GetObject]`: an added or removed action is one change, whatever its position. */
function flattenSet(value: unknown, prefix: string, out: Map<string, string>): boolean {
  const items = typeof value === "string" ? [value] : Array.isArray(value) ? value : undefined;
  if (!items || !items.every((v) => typeof v === "string")) return false;
  for (const item of items as string[]) out.set(`${prefix}[${item}]`, JSON.stringify(item));
  return true;
}

/** Compares paths with numbers as numbers: `[2]` before `[10]`. */
export function naturalOrder(a: string, b: string): number {
  const chunks = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const x = chunks(a);
  const y = chunks(b);
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    if (x[i] === y[i]) continue;
    const numbers = /^\d/.test(x[i]) && /^\d/.test(y[i]);
    if (numbers && Number(x[i]) !== Number(y[i])) return Number(x[i]) - Number(y[i]);
    return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length;
}

/**
 * `{a: {b: 1}, c: [1]}` -> `a.b = 1`, `c = [1]` (`//` metadata left out). Lists of objects are opened
 * (`spec.listeners[name=https].port`), so are documents held in strings (`values[0]{}.domainFilters`,
 * `policy{}.Statement[1].Action[2]`, lists included); a list of plain values is compared whole.
 */
function flatten(
  value: unknown,
  prefix = "",
  out = new Map<string, string>(),
  inDocument = false,
): Map<string, string> {
  const parsed = document(value);
  if (parsed !== undefined) return flatten(parsed, `${prefix}{}`, out, true);
  if (inDocument && /Statement/.test(prefix) && IAM_SETS.test(prefix) && flattenSet(value, prefix, out)) return out;
  if (Array.isArray(value) && value.length > 0) {
    const opens = inDocument || value.some((v) => (v && typeof v === "object") || document(v) !== undefined);
    if (opens) {
      const keys = listKeys(value);
      value.forEach((v, i) => flatten(v, `${prefix}${keys[i]}`, out, inDocument));
      return out;
    }
  }
  const o = obj(value);
  if (value && typeof value === "object" && !Array.isArray(value) && Object.keys(o).length > 0) {
    for (const [key, v] of Object.entries(o)) {
      if (key !== "//") flatten(v, prefix ? `${prefix}.${key}` : key, out, inDocument);
    }
  } else {
    out.set(prefix, JSON.stringify(value));
  }
  return out;
}

const isReference = (v: unknown) => typeof v === "string" && /^\$\{[^}]*\}$/.test(v);

/** A changed value shown as MASKED when the provider marks it sensitive or a document key names a secret. */
function masked(kind: string, path: string, value: unknown): unknown {
  if (value === undefined) return undefined;
  const key = path.split(/[.{}]/).filter(Boolean).pop() ?? "";
  const inDocument = path.includes("{}");
  if (isSensitive(kind, path) || (inDocument && SECRET_KEY.test(key) && !isReference(value))) return MASKED;
  return value;
}

function attributeChanges(kind: string, before: Json, after: Json): AttributeChange[] {
  const a = flatten(before);
  const b = flatten(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort(naturalOrder);
  const value = (m: Map<string, string>, p: string) => (m.has(p) ? JSON.parse(m.get(p) as string) : undefined);
  return paths
    .filter((p) => a.get(p) !== b.get(p))
    .map((p) => ({ path: p, before: masked(kind, p, value(a, p)), after: masked(kind, p, value(b, p)) }));
}

/** Every resource and module call of a stack, by address, with its kind (type or module source). */
function blocks(json: Json): Map<string, { kind: string; body: Json }> {
  const out = new Map<string, { kind: string; body: Json }>();
  for (const [type, byName] of Object.entries(obj(json.resource))) {
    for (const [name, body] of Object.entries(obj(byName))) out.set(`${type}.${name}`, { kind: type, body: obj(body) });
  }
  for (const [name, body] of Object.entries(obj(json.module))) {
    out.set(`module.${name}`, { kind: String(obj(body).source), body: obj(body) });
  }
  return out;
}

/** Action and note of a changed block: a resource by its provider's schema, a module call by where its inputs go. */
function classify(
  kind: string,
  before: Json,
  after: Json,
  changes: AttributeChange[],
): { action: Action; note?: string; effects?: ResourceEffect[] } {
  if (!kind.includes("/")) return classifyResource(kind, before, after, changes);
  const verdict = classifyModule(kind, before, after, changes);
  const removedNodeGroups = changes.filter(
    (c) => /^eks_managed_node_groups\.[^.]+\./.test(c.path) && c.after === undefined,
  );
  const upgrades = kind === "terraform-aws-modules/eks/aws" ? clusterUpgrades(changes) : [];
  const notes = [...upgrades, ...(verdict.note ? [verdict.note] : [])];
  if (removedNodeGroups.length > 0) notes.unshift("a node group is removed: its nodes are drained and destroyed");
  return { action: verdict.action, effects: verdict.effects, note: notes.length ? notes.join("; ") : undefined };
}

/**
 * What a pinned-version change does on apply, so a reviewer sees it before approving: a new AMI
 * release replaces every node of its group; a new add-on version updates it in place.
 */
function clusterUpgrades(changes: AttributeChange[]): string[] {
  return changes.flatMap((c) => {
    const node = /^eks_managed_node_groups\.([^.]+)\.ami_release_version$/.exec(c.path);
    if (node) {
      return c.before === undefined
        ? [`node AMI pinned: ${node[1]} to ${String(c.after)} (nodes running another release are replaced)`]
        : [`node roll: every ${node[1]} node is replaced (AMI ${String(c.before)} -> ${String(c.after)})`];
    }
    const addon = /^addons\.([^.]+)\.addon_version$/.exec(c.path);
    if (addon) {
      return c.before === undefined
        ? [`add-on pinned: ${addon[1]} to ${String(c.after)} (a running add-on of another version is updated)`]
        : [`add-on update: ${addon[1]} ${String(c.before)} -> ${String(c.after)}`];
    }
    return [];
  });
}

/** The changes from `before` to `after`, stack by stack, with what replacements change in the stacks that read them. */
export function planDiff(before: SynthOutput, after: SynthOutput): PlannedChange[] {
  return followReplacements(after, blockChanges(before, after));
}

function blockChanges(before: SynthOutput, after: SynthOutput): PlannedChange[] {
  const stacks = [...new Set([...before.keys(), ...after.keys()])].sort();
  return stacks.flatMap((stack) => {
    const a = blocks(before.get(stack)?.json ?? {});
    const b = blocks(after.get(stack)?.json ?? {});
    const addresses = [...new Set([...a.keys(), ...b.keys()])].sort();
    return addresses.flatMap((address): PlannedChange[] => {
      const old = a.get(address);
      const now = b.get(address);
      const kind = (now ?? old)?.kind ?? "";
      const stateful = STATEFUL_TYPES.has(kind) || STATEFUL_MODULES.has(kind);
      if (!old && now) return [{ stack, address, action: "create", stateful, changes: [] }];
      if (old && !now) {
        const renamed = [...b.keys()].some((x) => !a.has(x) && b.get(x)?.kind === kind);
        return [
          {
            stack,
            address,
            action: "destroy",
            stateful,
            changes: [],
            note: renamed ? "a new block of the same type appears: if this is a rename, add a moved block" : undefined,
          },
        ];
      }
      const changes = attributeChanges(kind, old?.body ?? {}, now?.body ?? {});
      if (changes.length === 0) return [];
      return [{ stack, address, stateful, changes, ...classify(kind, old?.body ?? {}, now?.body ?? {}, changes) }];
    });
  });
}

/** Changes that lose data or identity: a stateful thing destroyed or replaced. */
export function dangerous(changes: PlannedChange[]): PlannedChange[] {
  return changes.filter((c) => c.stateful && (c.action === "destroy" || c.action === "replace"));
}

/**
 * A cross-stack read: CDKTF passes a value between stacks as an output of the producer, read by the
 * consumer through `data.terraform_remote_state.cross-stack-reference-input-<producer>.outputs.<name>`.
 */
const REMOTE_OUTPUT = /data\.terraform_remote_state\.cross-stack-reference-input-([\w-]+)\.outputs\.([\w-]+)/g;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * It gets a new identity on apply: replaced itself (for a module call: a stateful resource inside it), or a
 * module call that replaces one of its own top-level resources (a node group inside a nested module is not
 * taken as changing the module's outputs).
 */
const replaces = (c: PlannedChange) =>
  c.action === "replace" || (c.effects ?? []).some((e) => e.action === "replace" && !e.resource.startsWith("module."));

/**
 * The outputs of `stack` whose value a replacement changes, name -> expression. A module's outputs are
 * taken to change whenever it replaces any resource (the table does not trace a module's outputs).
 */
function changedOutputs(output: SynthOutput, stack: string, replaced: string[]): Map<string, string> {
  const outputs = obj(output.get(stack)?.json.output);
  const found = new Map<string, string>();
  for (const [name, body] of Object.entries(outputs)) {
    const value = JSON.stringify(obj(body).value ?? "");
    const hit = replaced.some((address) => new RegExp(`(^|[^\\w.-])${escapeRegExp(address)}\\.`).test(value));
    if (hit) found.set(name, String(obj(body).value).replace(/^\$\{(.*)\}$/, "$1"));
  }
  return found;
}

/** The arguments of a consumer's block that read the changing outputs, as changes to a value known after apply. */
function readsOf(body: Json, producer: string, outputs: Map<string, string>): AttributeChange[] {
  const changes: AttributeChange[] = [];
  for (const [path, text] of flatten(body)) {
    const read = [...text.matchAll(REMOTE_OUTPUT)].filter((m) => m[1] === producer && outputs.has(m[2]));
    const names = [...new Set(read.map((m) => outputs.get(m[2]) as string))];
    if (names.length > 0)
      changes.push({ path, before: `(${producer}: ${names.join(", ")})`, after: "(known after apply)" });
  }
  return changes;
}

/** Risk order of the changes table: stateful destroy/replace first, then replace and destroy, roll, update, create, ignored. */
export function riskRank(c: PlannedChange): number {
  const loses = c.action === "destroy" || c.action === "replace";
  if (loses && c.stateful) return 0;
  return loses ? 1 : (({ roll: 2, update: 3, create: 4, ignored: 5 } as Record<string, number>)[c.action] ?? 6);
}

/**
 * Follows replacements into the stacks that read them through remote state: the outputs a replaced
 * resource or module feeds change, so each consumer block reading one is judged as a change of those
 * arguments (by the same provider and module tables), and so on down the chain of stacks.
 */
function followReplacements(after: SynthOutput, changes: PlannedChange[]): PlannedChange[] {
  const result = [...changes];
  const done = new Set<string>();
  for (let i = 0; i < result.length; i += 1) {
    const producer = result[i].stack;
    if (done.has(producer)) continue;
    const replaced = result.filter((c) => c.stack === producer && replaces(c)).map((c) => c.address);
    if (replaced.length === 0) continue;
    done.add(producer);
    const outputs = changedOutputs(after, producer, replaced);
    if (outputs.size === 0) continue;
    const consumers = [...after.keys()].filter((s) => s !== producer).sort();
    for (const consumer of consumers) {
      for (const [address, { kind, body }] of blocks(after.get(consumer)?.json ?? {})) {
        const reads = readsOf(body, producer, outputs);
        if (reads.length === 0) continue;
        const names = [...new Set(reads.map((r) => String(r.before).replace(/^\([^:]*: |\)$/g, "")))];
        const note = `reads outputs of ${producer} that a replacement changes: ${names.join(", ")}`;
        const verdict = classify(kind, body, body, reads);
        const at = result.findIndex((c) => c.stack === consumer && c.address === address);
        const stateful = STATEFUL_TYPES.has(kind) || STATEFUL_MODULES.has(kind);
        const fresh: PlannedChange = { stack: consumer, address, stateful, changes: reads, ...verdict };
        const old = result[at];
        if (!old) {
          result.push({ ...fresh, note: [note, verdict.note].filter(Boolean).join("; ") });
          continue;
        }
        const worse = riskRank(fresh) < riskRank(old) ? fresh : old;
        result[at] = {
          ...old,
          action: worse.action,
          effects: worse.effects,
          // A path the direct change already lists (a Job name that reads the producer's id) is shown once.
          changes: [...old.changes, ...reads.filter((r) => !old.changes.some((c) => c.path === r.path))],
          note: [old.note, note, worse === fresh ? verdict.note : undefined].filter(Boolean).join("; "),
        };
      }
    }
  }
  return result;
}
