/**
 * What Terraform and AWS will do with a changed resource or module call, judged from the generated
 * table (scripts/review/schema/replacements.json: the provider source's ForceNew / RequiresReplace,
 * and where each module input goes) and from what AWS does on an in-place update (cited below).
 */
import { evaluateCondition } from "./schema/condition";
import type { InputConsumer, ModuleFlows } from "./schema/module-flow";
import { moduleFlowsOf, resourceReplacement } from "./schema/replacement-table";
import type { Json } from "./synth-output";

export type Action = "create" | "destroy" | "update" | "replace" | "roll" | "ignored";

/** One attribute that differs. */
export interface AttributeChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** What happens to one resource inside a module call. */
export interface ResourceEffect {
  /** Address inside the module, `["key"]` for the map entry that changed. */
  readonly resource: string;
  readonly type: string;
  readonly action: "replace" | "replace-if" | "roll" | "update" | "ignored";
  /** The resource's arguments that change. */
  readonly because: string[];
}

/** Resource types whose replacement or removal loses data or identity. */
export const STATEFUL_TYPES = new Set([
  "aws_db_instance",
  "aws_rds_cluster",
  "aws_elasticache_replication_group",
  "aws_s3_bucket",
  "aws_eks_cluster",
  "aws_kms_key",
  "aws_secretsmanager_secret",
  "aws_ecr_repository",
  "aws_cloudwatch_log_group",
  "aws_route53_zone",
  "random_id",
  "random_password",
  "kubernetes_namespace_v1",
  "helm_release",
]);

/**
 * Node group arguments EKS applies by replacing every node in a rolling update (new AMI release,
 * Kubernetes version, launch template version):
 * https://docs.aws.amazon.com/eks/latest/userguide/managed-node-update-behavior.html
 */
const NODE_ROLL_ARGUMENTS = ["release_version", "version", "launch_template"];

/** `values[0]{}.domainFilters[1]` -> `values` (the argument); `metadata.name` stays. */
export function argumentPath(path: string): string {
  return path
    .split("{}")[0]
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\.$/, "");
}

const covers = (a: string, b: string) => a === b || b.startsWith(`${a}.`) || a.startsWith(`${b}.`);

const isJson = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * random's `keepers` (random_id, random_password...): mapplanmodifiers.RequiresReplaceIfValuesNotNull
 * replaces the resource on any change of the map, except a key added with a null value, a key whose
 * value stays the same, or a map that was null and gets only null values. The synthesized value before
 * the change stands for the prior state.
 * https://github.com/hashicorp/terraform-provider-random/blob/v3.7.2/internal/planmodifiers/map/mapplanmodifiers.go
 */
function replacesUnlessNullValues(state: unknown, config: unknown): boolean {
  const configMap = isJson(config) ? config : {};
  if (state === undefined || state === null) return Object.values(configMap).some((v) => v !== null);
  const stateMap = isJson(state) ? state : {};
  const differs = ([key, value]: [string, unknown]) => {
    if (!(key in stateMap) && value === null) return false; // a new key with a null value
    return JSON.stringify(value) !== JSON.stringify(stateMap[key]);
  };
  return Object.entries(configMap).some(differs) || Object.keys(stateMap).some((key) => !(key in configMap));
}

/**
 * Conditional replacements whose rule is modelled here, by the provider's modifier and the digest of its
 * code the model was written from (scripts/review/schema/replacements.json holds the pinned version's):
 * another digest (a provider bump changed the modifier) leaves the verdict at "may be replaced".
 */
export const MODELLED_RULES: Record<
  string,
  { readonly digest: string; readonly replaces: (before: unknown, after: unknown) => boolean }
> = {
  "mapplanmodifiers.RequiresReplaceIfValuesNotNull": { digest: "f172a3f80f57e9fc", replaces: replacesUnlessNullValues },
};

/** The value at `path` (`keepers`, `a.b`) of a synthesized body; undefined through lists. */
function valueAt(body: Json, path: string): unknown {
  return path.split(".").reduce<unknown>((v, key) => (isJson(v) ? v[key] : undefined), body);
}

/**
 * kubernetes_manifest replaces on a change of apiVersion, kind, metadata.name or metadata.namespace (the
 * table's `replace`), and on any change under `manifest`/`object` only for a kind the cluster has no
 * OpenAPI schema for ("This custom resource does not have an associated OpenAPI schema. Updates to this
 * resource will cause a forced replacement.", manifest/provider/plan.go at v2.38.0:
 * https://github.com/hashicorp/terraform-provider-kubernetes/blob/v2.38.0/manifest/provider/plan.go).
 * Built-in kinds have one, and so does every custom resource of an apiextensions.k8s.io/v1 CRD, which
 * must declare a structural schema:
 * https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema
 * so a change of spec, data or labels is an update.
 */
const SCHEMALESS_ONLY: Record<string, string[]> = { kubernetes_manifest: ["manifest", "object"] };

/** A value Terraform knows only at plan time (`${...}` references): the rule cannot be evaluated from the synth. */
const hasReference = (value: unknown) => JSON.stringify(value ?? null).includes("${");

/**
 * What the provider does with a change of these arguments of `type`: replace, maybe replace, or update.
 * With the bodies before and after, a conditional replacement whose rule is modelled is decided.
 */
export function providerVerdict(
  type: string,
  args: string[],
  bodies?: { readonly before: Json; readonly after: Json },
): { replace: string[]; replaceIf: string[]; known: boolean } {
  const table = resourceReplacement(type);
  if (!table) return { replace: [], replaceIf: [], known: false };
  const hits = (paths: string[]) => [...new Set(args.filter((a) => paths.some((p) => covers(p, a))))];
  const replace = hits(table.replace);
  const replaceIf: string[] = [];
  for (const path of table.replaceIf) {
    if (SCHEMALESS_ONLY[type]?.includes(path)) continue;
    const changed = hits([path]);
    if (changed.length === 0) continue;
    const rule = table.replaceRules?.[path];
    const model = rule && MODELLED_RULES[rule.modifier];
    const values = bodies && [valueAt(bodies.before, path), valueAt(bodies.after, path)];
    if (!model || model.digest !== rule.digest || !values || values.some(hasReference)) replaceIf.push(...changed);
    else if (model.replaces(values[0], values[1])) replace.push(...changed);
  }
  return { replace: [...new Set(replace)], replaceIf: [...new Set(replaceIf)], known: true };
}

/** True when the provider marks the argument at `path` sensitive (its values are never printed). */
export function isSensitive(type: string, path: string): boolean {
  const table = resourceReplacement(type);
  const arg = argumentPath(path);
  return (table?.sensitive ?? []).some((s) => arg === s || arg.startsWith(`${s}.`));
}

/** `lifecycle.ignore_changes` of a synthesized resource covers every changed argument. */
function ignoredByLifecycle(body: Json, args: string[]): boolean {
  const lifecycle = (body.lifecycle ?? {}) as Json;
  const ignore = lifecycle.ignore_changes;
  if (ignore === "all") return true;
  const list = Array.isArray(ignore) ? ignore.map((p) => argumentPath(String(p))) : [];
  return args.length > 0 && args.every((a) => list.some((i) => a === i || a.startsWith(`${i}.`)));
}

/** Major version of an engine version string: `15.7` -> `15`, `5.7.44` -> `5.7`, `8.0.35` -> `8.0`. */
const majorVersion = (v: unknown) => {
  const parts = String(v ?? "").split(".");
  return Number(parts[0]) >= 10 ? parts[0] : parts.slice(0, 2).join(".");
};

/**
 * A replaced DB instance is created empty, or from the backup its restore arguments name (the
 * provider restores on create from `snapshot_identifier` or `restore_to_point_in_time`):
 * https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/db_instance
 */
function databaseReplacement(changes: AttributeChange[]): string {
  const set = (name: string) => changes.find((c) => argumentPath(c.path).split(".")[0] === name && c.after != null);
  const snapshot = set("snapshot_identifier");
  const source = snapshot
    ? `snapshot ${String(snapshot.after)}`
    : set("restore_to_point_in_time")
      ? "a point in time (restore_to_point_in_time)"
      : undefined;
  return source
    ? `restored from ${source}: the current instance is deleted and a new one is created from that backup; what was written after it is lost`
    : "a new, empty database: the data is lost unless restored from a snapshot";
}

/** What AWS does when the change is applied, for the resource types where it matters. */
function awsBehaviour(type: string, action: string, changes: AttributeChange[], args: string[]): string[] {
  const notes: string[] = [];
  const changed = (name: string) => changes.find((c) => argumentPath(c.path) === name);
  if (type === "aws_route53_zone" && action === "replace") {
    // https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/migrate-dns-domain-in-use.html
    notes.push(
      "a new hosted zone with new name servers: the parent's NS records must change, and resolvers keep the old ones until their TTL ends",
    );
  }
  if (type === "aws_db_instance" && action === "replace") notes.push(databaseReplacement(changes));
  if (type === "aws_db_instance" && action !== "replace") {
    // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.DBInstance.Modifying.html
    const klass = changed("instance_class");
    if (klass)
      notes.push(
        `instance class ${String(klass.before)} -> ${String(klass.after)}: modified in place, the instance restarts (Multi-AZ: a failover)`,
      );
    const engine = changed("engine_version");
    if (engine) {
      // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Upgrading.html
      const major = majorVersion(engine.before) !== majorVersion(engine.after);
      notes.push(
        major
          ? `major engine upgrade ${String(engine.before)} -> ${String(engine.after)}: in place with downtime; needs allow_major_version_upgrade and a parameter group of the new family`
          : `minor engine upgrade ${String(engine.before)} -> ${String(engine.after)}: in place, the instance restarts`,
      );
    }
    // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_RenameInstance.html
    if (changed("identifier")) notes.push("renamed in place: the data stays, the endpoint address changes");
  }
  if (type === "aws_eks_cluster" && action !== "replace" && changed("version")) {
    // https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html
    const v = changed("version")!;
    notes.push(`control-plane upgrade ${String(v.before)} -> ${String(v.after)} (one minor version at a time)`);
  }
  if (type === "aws_eks_node_group" && action === "replace") {
    notes.push("a new node group replaces it: its nodes are drained and their pods move (nodes hold no data)");
  }
  if (
    type === "aws_eks_node_group" &&
    action === "update" &&
    args.some((a) => NODE_ROLL_ARGUMENTS.some((r) => covers(r, a)))
  ) {
    notes.push("EKS replaces every node of the group in a rolling update");
  }
  return notes;
}

/** Replace, update or roll for a changed resource of the synth. */
export function classifyResource(
  type: string,
  before: Json,
  after: Json,
  changes: AttributeChange[],
): { action: Action; note?: string } {
  const args = [...new Set(changes.map((c) => argumentPath(c.path)))];
  if (ignoredByLifecycle(after, args))
    return { action: "ignored", note: "lifecycle ignore_changes: Terraform leaves it as it is" };
  const verdict = providerVerdict(type, args, { before, after });
  const notes: string[] = [];
  let action: Action = "update";
  if (!verdict.known)
    notes.push(`${type} is not in the replacement table (npm run review:tables): judged as an update`);
  if (verdict.replace.length > 0) {
    action = "replace";
    notes.push(`replaced because ${verdict.replace.join(", ")} changed`);
  } else if (verdict.replaceIf.length > 0) {
    notes.push(`may be replaced: the provider decides at plan time for ${verdict.replaceIf.join(", ")}`);
  }
  notes.push(...awsBehaviour(type, action, changes, args));
  if (type.startsWith("random_") && action === "replace") notes.push("a new random value is generated");
  if (type === "aws_eks_node_group" && (action === "replace" || notes.some((n) => n.includes("rolling update"))))
    action = "roll";
  return { action, note: notes.length ? notes.join("; ") : undefined };
}

/**
 * `eks_managed_node_groups.*.instance_types` against `eks_managed_node_groups.baseline.instance_types`,
 * or `parameters.*.value` against `parameters[name=rds.force_ssl].value`: the keys `*` stood for. A list
 * index where the pattern names no `*` (`var.x[0].y` is traced as `x.y`) is passed over.
 */
function matchInput(pattern: string, path: string): string[] | undefined {
  const p = pattern.split(".");
  const c = [...path.split("{}")[0].matchAll(/\[([^\]]*)\]|([^.[\]]+)/g)].map((m) => ({
    name: m[1] ?? m[2],
    index: m[1] !== undefined,
  }));
  const keys: string[] = [];
  let i = 0;
  for (const segment of c) {
    if (i >= p.length) break;
    if (p[i] === "*") keys.push(segment.name);
    else if (segment.index) continue;
    else if (p[i] !== segment.name) return undefined;
    i += 1;
  }
  return keys;
}

/** The module call's value for a condition: `var.x` from the call (or the module's default), `each.value.x` from the entry. */
function lookupIn(body: Json, flows: ModuleFlows, mapInput: string | undefined, key: string | undefined) {
  return (path: string[]): unknown => {
    if (path[0] === "var") {
      const value = body[path[1]] !== undefined ? body[path[1]] : flows.defaults[path[1]];
      return path.slice(2).reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Json)[k] : undefined), value);
    }
    const entry = mapInput && key ? ((body[mapInput] ?? {}) as Json)[key] : undefined;
    return path.slice(2).reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Json)[k] : undefined), entry);
  };
}

function applies(consumer: InputConsumer, lookups: ((path: string[]) => unknown)[]): boolean {
  const when = consumer.when ?? [];
  // It applies unless every condition is known false before and after the change.
  return lookups.some((lookup) => when.every((w) => evaluateCondition(w, lookup) !== false));
}

/** The map input whose entries a `module.x[*]` prefix iterates (the input its `x.*.y` keys come from). */
function entryInput(flows: ModuleFlows, resource: string): string | undefined {
  const prefix = resource.slice(0, resource.indexOf("[*]") + 3);
  if (!resource.includes("[*]")) return undefined;
  for (const [input, consumers] of Object.entries(flows.inputs)) {
    if (/^\w+\.\*\.\w/.test(input) && consumers.some((c) => c.resource.startsWith(prefix))) return input.split(".")[0];
  }
  return undefined;
}

/** The entry keys to expand `[*]` with: every key of the map before and after (or none when there is no `[*]`). */
function entriesOf(mapInput: string | undefined, before: Json, after: Json, resource: string): (string | undefined)[] {
  if (!resource.includes("[*]") || !mapInput) return [undefined];
  const keys = [before, after].flatMap((body) => Object.keys((body[mapInput] ?? {}) as Json));
  return [...new Set(keys)].sort();
}

interface Touch {
  readonly type: string;
  readonly args: Set<string>;
  readonly changes: AttributeChange[];
}

/** The resources inside the module a change of its inputs reaches, with the arguments it changes there. */
function touchedResources(flows: ModuleFlows, before: Json, after: Json, changes: AttributeChange[]) {
  const touched = new Map<string, Touch>();
  const untraced: string[] = [];
  for (const change of changes) {
    let found = false;
    for (const [input, consumers] of Object.entries(flows.inputs)) {
      // `x.*.*` is a whole map entry passed on (a for_each over it): it names no argument of its own.
      if (input.includes("*.*")) continue;
      const keys = matchInput(input, change.path);
      if (!keys) continue;
      for (const consumer of consumers) {
        // An input without a map key (kubernetes_version) reaches every entry of the map the nested module iterates.
        const mapInput = input.includes(".*") ? input.split(".")[0] : entryInput(flows, consumer.resource);
        const entryKeys = keys.length > 0 ? keys.slice(0, 1) : entriesOf(mapInput, before, after, consumer.resource);
        for (const key of entryKeys) {
          const lookups = [before, after].map((body) => lookupIn(body, flows, mapInput, key));
          if (!applies(consumer, lookups)) continue;
          found = true;
          const address = key === undefined ? consumer.resource : consumer.resource.replace("[*]", `["${key}"]`);
          const touch = touched.get(address) ?? { type: consumer.type, args: new Set(), changes: [] };
          touch.args.add(consumer.attribute);
          touch.changes.push({ ...change, path: consumer.attribute });
          touched.set(address, touch);
        }
      }
    }
    if (!found) untraced.push(change.path);
  }
  return { touched, untraced };
}

const pattern = (address: string) => address.replace(/\["[^"]+"\]/g, "[*]");

/** A replaced resource changes the identifiers others read from it; a launch template update, its version. */
function cascade(flows: ModuleFlows, touched: Map<string, Touch>, replaced: (address: string) => boolean): void {
  const queue = [...touched.keys()];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const target = queue.shift()!;
    if (seen.has(target)) continue;
    seen.add(target);
    const key = /\["([^"]+)"\]/.exec(target)?.[1];
    for (const [address, resource] of Object.entries(flows.resources)) {
      for (const ref of resource.references.filter((r) => r.target === pattern(target))) {
        // Other passed-through values (time_sleep triggers) are already inputs with their conditions.
        const moves = replaced(target) || /^(latest|default)_version$/.test(ref.targetAttribute);
        if (!moves) continue;
        const concrete = key ? address.replace("[*]", `["${key}"]`) : address;
        const touch = touched.get(concrete) ?? { type: resource.type, args: new Set(), changes: [] };
        if (touch.args.has(ref.attribute)) continue;
        touch.args.add(ref.attribute);
        touch.changes.push({ path: ref.attribute, before: `(${target}.${ref.targetAttribute})`, after: "(new value)" });
        touched.set(concrete, touch);
        queue.push(concrete);
      }
    }
  }
}

/**
 * A module resource's changed arguments as bodies before and after, each holding the value of the input
 * that sets it (`keepers.snapshot_identifier`: null -> "rds:..."), for the modelled replacement rules.
 */
function argumentBodies(changes: AttributeChange[]): { before: Json; after: Json } {
  const bodies = { before: {} as Json, after: {} as Json };
  for (const change of changes) {
    for (const side of ["before", "after"] as const) {
      const keys = change.path.split(".");
      const parent = keys.slice(0, -1).reduce<Json>((o, k) => {
        if (!isJson(o[k])) o[k] = {};
        return o[k] as Json;
      }, bodies[side]);
      if (change[side] !== undefined) parent[keys[keys.length - 1]] = change[side];
    }
  }
  return bodies;
}

function effectOf(flows: ModuleFlows, address: string, touch: Touch): ResourceEffect {
  const args = [...touch.args].sort();
  const ignore = flows.resources[pattern(address)]?.ignoreChanges ?? [];
  const live = args.filter((a) => !ignore.some((i) => i === "all" || a === i || a.startsWith(`${i}.`)));
  if (live.length === 0) return { resource: address, type: touch.type, action: "ignored", because: args };
  const verdict = providerVerdict(touch.type, live, argumentBodies(touch.changes));
  const rolls = touch.type === "aws_eks_node_group" && live.some((a) => NODE_ROLL_ARGUMENTS.some((r) => covers(r, a)));
  const action = verdict.replace.length
    ? "replace"
    : rolls
      ? "roll"
      : verdict.replaceIf.length
        ? "replace-if"
        : "update";
  return { resource: address, type: touch.type, action, because: action === "replace" ? verdict.replace : live };
}

const VERB = {
  replace: "replaces",
  "replace-if": "may replace",
  roll: "rolls",
  update: "updates",
  ignored: "leaves",
} as const;

function effectNote(flows: ModuleFlows, e: ResourceEffect, changes: AttributeChange[]): string {
  if (e.action === "ignored") {
    return `${e.resource}: ${e.because.join(", ")} ignored after creation (lifecycle ignore_changes in the module)`;
  }
  const cbd = flows.resources[pattern(e.resource)]?.createBeforeDestroy
    ? ", the new one first (create_before_destroy)"
    : "";
  const behaviour = awsBehaviour(e.type, e.action === "roll" ? "update" : e.action, changes, e.because);
  const extra = e.type === "aws_eks_node_group" && e.action === "replace" ? [] : behaviour;
  const rollNote =
    e.type === "aws_eks_node_group" && e.action === "replace" ? awsBehaviour(e.type, "replace", [], []) : [];
  return `${VERB[e.action]} ${e.resource} (${e.because.join(", ")}${e.action === "replace" ? cbd : ""})${[...rollNote, ...extra].map((n) => `: ${n}`).join("")}`;
}

/** Replace, update, roll or ignored for a changed module call, with what happens inside it. */
export function classifyModule(
  source: string,
  before: Json,
  after: Json,
  changes: AttributeChange[],
): { action: Action; note?: string; effects: ResourceEffect[] } {
  const version = String(after.version ?? before.version);
  const flows = moduleFlowsOf(source, version);
  if (!flows) {
    return {
      action: "update",
      effects: [],
      note: `${source}@${version} is not in the replacement table (npm run review:tables): judged as an update`,
    };
  }
  const inputChanges = changes.filter((c) => c.path !== "version" && c.path !== "source");
  const { touched, untraced } = touchedResources(flows, before, after, inputChanges);
  const replacedNow = (address: string) => {
    const touch = touched.get(address);
    return touch !== undefined && effectOf(flows, address, touch).action === "replace";
  };
  cascade(flows, touched, replacedNow);
  const effects = [...touched]
    .map(([address, touch]) => effectOf(flows, address, touch))
    .sort((a, b) => a.resource.localeCompare(b.resource));
  const changesOf = (e: ResourceEffect) => touched.get(e.resource)?.changes ?? [];
  // A roll for a new AMI release only: the caller words it from the input (node roll: AMI x -> y).
  const amiOnly = (e: ResourceEffect) => e.action === "roll" && e.because.join() === "release_version";
  const notes = effects
    .filter((e) => !amiOnly(e))
    .filter((e) => e.action !== "update" || awsBehaviour(e.type, "update", changesOf(e), e.because).length > 0)
    .map((e) => effectNote(flows, e, changesOf(e)));
  if (untraced.length > 0) notes.push(`not traced into the module: ${untraced.join(", ")}`);
  if (before.version !== after.version)
    notes.push(`module version ${String(before.version)} -> ${String(after.version)}: read its changelog`);
  const has = (test: (e: ResourceEffect) => boolean) => effects.some(test);
  const action: Action = has((e) => e.action === "replace" && STATEFUL_TYPES.has(e.type))
    ? "replace"
    : has((e) => e.type === "aws_eks_node_group" && (e.action === "replace" || e.action === "roll"))
      ? "roll"
      : has((e) => e.action !== "ignored") || untraced.length > 0 || before.version !== after.version
        ? "update"
        : "ignored";
  return { action, effects, note: notes.length ? notes.join("; ") : undefined };
}
