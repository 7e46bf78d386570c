/**
 * Where a registry module's inputs go: for each input (and each field of a map-of-objects input, such as
 * `eks_managed_node_groups.*.instance_types`), the resource arguments inside the module that are computed
 * from it, through locals, nested local modules (`./modules/...`), `for_each`/`each.value`, dynamic blocks
 * and other resources' configured arguments (`time_sleep.this[0].triggers["kubernetes_version"]`); and,
 * per resource, its lifecycle (`ignore_changes`, `create_before_destroy`) and the other resources it
 * reads. Read from the module's own `.tf` files (parsed with @cdktf/hcl2json) at the pinned tag.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "@cdktf/hcl2json";

/** A resource argument computed from a module input. */
export interface InputConsumer {
  /** Address inside the module: `module.eks_managed_node_group[*].aws_eks_node_group.this` (`[*]`: one per key). */
  readonly resource: string;
  readonly type: string;
  /** The argument, nested blocks joined with `.`: `scaling_config.desired_size`. */
  readonly attribute: string;
  /**
   * Conditions (HCL, in the root module's `var.*` and `each.value.*`) under which the argument takes
   * the input at all: `identifier_prefix = var.use_identifier_prefix ? "${var.identifier}-" : null`.
   */
  readonly when?: string[];
}

/** One resource of the module. */
export interface ModuleResource {
  readonly type: string;
  /** `lifecycle.ignore_changes`, as argument paths (`all` for all). */
  readonly ignoreChanges: string[];
  readonly createBeforeDestroy: boolean;
  /** Arguments computed from another resource of the module: they change when it is replaced. */
  readonly references: { readonly attribute: string; readonly target: string; readonly targetAttribute: string }[];
}

/** What `module-flow` found for one module version. */
export interface ModuleFlows {
  /** Input path (fields after `*` for map entries) -> the arguments computed from it. */
  readonly inputs: Record<string, InputConsumer[]>;
  readonly resources: Record<string, ModuleResource>;
  /** Defaults of the root variables the conditions read. */
  readonly defaults: Record<string, unknown>;
}

type Json = Record<string, unknown>;
type Ref =
  | { readonly kind: "input"; readonly key: string; readonly when: string[] }
  | { readonly kind: "resource"; readonly address: string; readonly attribute: string };

/** The variables, locals, resources, module calls and outputs of one module folder. */
interface Scope {
  readonly dir: string;
  /** Address prefix of the folder's resources: `` or `module.x[*].`. */
  readonly prefix: string;
  readonly variables: Map<string, { readonly type: string; readonly default?: unknown; readonly nullable: boolean }>;
  readonly locals: Map<string, unknown>;
  readonly resources: Map<string, { type: string; name: string; body: Json }>;
  readonly modules: Map<string, Json>;
  readonly outputs: Map<string, unknown>;
}

/** `each.value` and dynamic-block iterators in force where an expression is read: name -> input bases. */
interface Env {
  readonly each: string[];
  readonly iterators: ReadonlyMap<string, string[]>;
}

const META = new Set(["count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"]);
const NOT_RESOURCES = new Set(["var", "local", "each", "data", "module", "count", "path", "terraform", "self"]);

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v ?? null));

/** `.a["b"][0].c` -> `a.b.c` (indexes dropped, string keys kept). */
function normalizeSuffix(suffix: string): string {
  return suffix
    .replace(/\[\s*"([^"]+)"\s*\]/g, ".$1")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/^\./, "");
}

/** Input bases a `for_each` iterates: `[var.x]` is the object itself, `var.x` its entries (`x.*`). */
function iterationBases(forEach: unknown, scope: Scope, env: Env, flows: Tracer): string[] {
  const source = text(forEach);
  return flows
    .refs(source, scope, env)
    .flatMap((r) => (r.kind === "input" ? [r.key] : []))
    .filter((key) => /map|list|set|any|object/.test(scope.variables.get(key.split(".")[0])?.type ?? "any"))
    .map((key) =>
      new RegExp(`\\[\\s*var\\.${key.replace(/\./g, "\\.")}\\s*\\]`).test(source) || key.includes("*")
        ? key
        : `${key}.*`,
    );
}

/** Index of `char` at bracket depth 0 outside strings, from `from`; -1 if none. */
function topLevelIndex(expr: string, char: string, from = 0): number {
  let depth = 0;
  for (let i = from; i < expr.length; i += 1) {
    const c = expr[i];
    if (c === '"') {
      for (i += 1; i < expr.length && expr[i] !== '"'; i += 1) if (expr[i] === "\\") i += 1;
      continue;
    }
    if ("([{".includes(c)) depth += 1;
    else if (")]}".includes(c)) depth -= 1;
    else if (depth === 0 && c === char) return i;
  }
  return -1;
}

/** `cond ? a : b` at the top level of an expression (the first `?`; its `:` after nested ones). */
function splitTernary(expr: string): { cond: string; then: string; otherwise: string } | undefined {
  const q = topLevelIndex(expr, "?");
  if (q < 0) return undefined;
  let nested = 0;
  for (let i = q + 1; i < expr.length; i += 1) {
    const next = Math.min(...["?", ":"].map((ch) => topLevelIndex(expr, ch, i)).map((n) => (n < 0 ? Infinity : n)));
    if (next === Infinity) return undefined;
    if (expr[next] === "?") nested += 1;
    else if (nested === 0)
      return {
        cond: expr.slice(0, q).trim(),
        then: expr.slice(q + 1, next).trim(),
        otherwise: expr.slice(next + 1).trim(),
      };
    else nested -= 1;
    i = next;
  }
  return undefined;
}

/** Top-level arguments of a call's argument text. */
function splitArgs(args: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let at = topLevelIndex(args, ","); at >= 0; at = topLevelIndex(args, ",", start)) {
    out.push(args.slice(start, at).trim());
    start = at + 1;
  }
  out.push(args.slice(start).trim());
  return out.filter(Boolean);
}

const bare = (value: unknown) => {
  const t = text(value);
  return /^\$\{([\s\S]*)\}$/.exec(t)?.[1] ?? JSON.stringify(value ?? null);
};

/** A condition with the folder's locals written out, so it can be read outside the folder. */
function inlineLocals(expr: string, scope: Scope, depth = 0): string {
  if (depth > 5) return expr;
  return expr.replace(/\blocal\.(\w+)/g, (_, name: string) =>
    scope.locals.has(name) ? `(${inlineLocals(bare(scope.locals.get(name)), scope, depth + 1)})` : `local.${name}`,
  );
}

/** A nested module's condition in its caller's terms: each `var.x` replaced by what the call passes (or the default). */
function liftCondition(condition: string, call: Json, sub: Scope, caller: Scope): string {
  return condition.replace(/\bvar\.(\w+)/g, (_, name: string) => {
    const variable = sub.variables.get(name);
    const fallback = JSON.stringify(variable?.default ?? null);
    if (call[name] === undefined) return `(${fallback})`;
    const value = inlineLocals(bare(call[name]), caller);
    // A variable with `nullable = false` takes its default when the caller passes null.
    return variable && !variable.nullable ? `nonnull((${value}), ${fallback})` : `(${value})`;
  });
}

async function loadScope(dir: string, prefix: string): Promise<Scope> {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".tf"))
    .sort();
  const scope: Scope = {
    dir,
    prefix,
    variables: new Map(),
    locals: new Map(),
    resources: new Map(),
    modules: new Map(),
    outputs: new Map(),
  };
  for (const file of files) {
    const json = (await parse(file, fs.readFileSync(path.join(dir, file), "utf8"))) as Json;
    for (const [name, blocks] of Object.entries((json.variable ?? {}) as Json)) {
      const block = (asArray(blocks)[0] ?? {}) as Json;
      scope.variables.set(name, {
        type: text(block.type ?? "any"),
        default: block.default,
        nullable: block.nullable !== false,
      });
    }
    for (const block of asArray(json.locals)) {
      for (const [name, value] of Object.entries(block as Json)) scope.locals.set(name, value);
    }
    for (const [type, byName] of Object.entries((json.resource ?? {}) as Json)) {
      for (const [name, blocks] of Object.entries(byName as Json)) {
        scope.resources.set(`${type}.${name}`, { type, name, body: asArray(blocks)[0] as Json });
      }
    }
    for (const [name, blocks] of Object.entries((json.module ?? {}) as Json)) {
      scope.modules.set(name, asArray(blocks)[0] as Json);
    }
    for (const [name, blocks] of Object.entries((json.output ?? {}) as Json)) {
      scope.outputs.set(name, (asArray(blocks)[0] as Json)?.value);
    }
  }
  return scope;
}

/** Every argument of a resource body with the expression that sets it and the iterators in force. */
function* leaves(body: Json, prefix: string, env: Env, scope: Scope, flows: Tracer): Generator<[string, string, Env]> {
  for (const [key, value] of Object.entries(body)) {
    if (META.has(key)) continue;
    if (key === "dynamic" && isObject(value)) {
      for (const [block, definitions] of Object.entries(value)) {
        for (const definition of asArray(definitions) as Json[]) {
          const iterator = typeof definition.iterator === "string" ? definition.iterator : block;
          const bases = iterationBases(definition.for_each, scope, env, flows);
          const inner: Env = { each: env.each, iterators: new Map([...env.iterators, [iterator, bases]]) };
          for (const content of asArray(definition.content) as Json[]) {
            yield* leaves(content, prefix ? `${prefix}.${block}` : block, inner, scope, flows);
          }
        }
      }
      continue;
    }
    const here = prefix ? `${prefix}.${key}` : key;
    const nested = asArray(value).filter(isObject);
    if (nested.length > 0 && (isObject(value) || nested.length === asArray(value).length)) {
      for (const block of nested) yield* leaves(block, here, env, scope, flows);
    } else {
      yield [here, text(value), env];
    }
  }
}

/** Follows the inputs of one module version through its folders. */
class Tracer {
  readonly inputs = new Map<string, InputConsumer[]>();
  readonly resources = new Map<string, ModuleResource>();
  private readonly scopes = new Map<string, Scope>();
  private readonly visiting = new Set<string>();

  /**
   * The references an expression makes, locals and configured arguments followed. An input read only in
   * one branch of `cond ? a : b`, or after the first argument of `coalesce(...)`, carries the condition.
   */
  refs(expression: string, scope: Scope, env: Env, when: string[] = []): Ref[] {
    const inner = /^\$\{([\s\S]*)\}$/.exec(expression.trim())?.[1];
    const single = inner !== undefined && !/\}[\s\S]*\$\{/.test(inner) ? inner.trim() : undefined;
    const ternary = single !== undefined ? splitTernary(single) : undefined;
    if (ternary) {
      const cond = inlineLocals(ternary.cond, scope);
      return [
        ...this.refs(`\${${ternary.cond}}`, scope, env, when),
        ...this.refs(`\${${ternary.then}}`, scope, env, [...when, cond]),
        ...this.refs(`\${${ternary.otherwise}}`, scope, env, [...when, `!(${cond})`]),
      ];
    }
    const coalesce = single !== undefined ? /^coalesce\(([\s\S]*)\)$/.exec(single) : null;
    if (coalesce) {
      const args = splitArgs(coalesce[1]);
      return args.flatMap((arg, i) =>
        this.refs(`\${${arg}}`, scope, env, [
          ...when,
          ...args.slice(0, i).map((before) => `(${inlineLocals(before, scope)}) == null`),
        ]),
      );
    }
    return this.plainRefs(expression, scope, env, when);
  }

  private plainRefs(written: string, scope: Scope, env: Env, when: string[]): Ref[] {
    const out: Ref[] = [];
    // `lookup(x.value, "field", default)` reads one field: `x.value["field"]` (the default keeps its own refs).
    const expression = written.replace(
      /\blookup\(\s*([A-Za-z_][\w.]*(?:\[[^\]]*\])*)\s*,\s*"([^"]+)"/g,
      'lookup($1["$2"]',
    );
    const path = `(?:\\.\\w+|\\[[^\\]]*\\])*`;
    for (const m of expression.matchAll(new RegExp(`\\bvar\\.(\\w+)(${path})`, "g"))) {
      out.push({ kind: "input", key: [m[1], normalizeSuffix(m[2])].filter(Boolean).join("."), when });
    }
    for (const m of expression.matchAll(/\blocal\.(\w+)/g)) out.push(...this.follow(`local.${m[1]}`, scope, env, when));
    for (const m of expression.matchAll(new RegExp(`\\b(\\w+)\\.value(${path})`, "g"))) {
      const bases = m[1] === "each" ? env.each : env.iterators.get(m[1]);
      for (const base of bases ?? []) {
        out.push({ kind: "input", key: [base, normalizeSuffix(m[2])].filter(Boolean).join("."), when });
      }
    }
    for (const m of expression.matchAll(new RegExp(`\\b([a-z][a-z0-9]*_[a-z0-9_]+)\\.(\\w+)(${path})`, "g"))) {
      if (NOT_RESOURCES.has(m[1]) || !scope.resources.has(`${m[1]}.${m[2]}`)) continue;
      const attribute = normalizeSuffix(m[3]);
      out.push({ kind: "resource", address: `${scope.prefix}${m[1]}.${m[2]}`, attribute });
      out.push(...this.follow(`${m[1]}.${m[2]}|${attribute}`, scope, env, when));
    }
    for (const m of expression.matchAll(/\bmodule\.(\w+)(?:\[[^\]]*\])?\.(\w+)/g)) {
      out.push(...this.moduleOutput(m[1], m[2], scope));
    }
    return out;
  }

  /** A local's expression, or a resource's configured argument, read in its own place (cycles cut). */
  private follow(key: string, scope: Scope, env: Env, when: string[]): Ref[] {
    const id = `${scope.prefix}${key}`;
    if (this.visiting.has(id)) return [];
    this.visiting.add(id);
    try {
      if (key.startsWith("local.")) return this.refs(text(scope.locals.get(key.slice(6))), scope, env, when);
      const [address, attribute] = key.split("|");
      const resource = scope.resources.get(address);
      if (!resource || !attribute) return [];
      const own = this.resourceEnv(resource.body, scope);
      return [...leaves(resource.body, "", own, scope, this)]
        .filter(([p]) => p === attribute || p.startsWith(`${attribute}.`) || attribute.startsWith(`${p}.`))
        .flatMap(([, expression, leafEnv]) => this.refs(expression, scope, leafEnv, when));
    } finally {
      this.visiting.delete(id);
    }
  }

  /** A nested module's output: the resources behind it (a replacement there changes the value). */
  private moduleOutput(module: string, output: string, scope: Scope): Ref[] {
    const sub = this.scopes.get(`${scope.prefix}module.${module}`);
    if (!sub) return [];
    return this.refs(text(sub.outputs.get(output)), sub, { each: [], iterators: new Map() }).filter(
      (r) => r.kind === "resource",
    );
  }

  private resourceEnv(body: Json, scope: Scope): Env {
    const env: Env = { each: [], iterators: new Map() };
    return body.for_each === undefined ? env : { ...env, each: iterationBases(body.for_each, scope, env, this) };
  }

  private consume(key: string, consumer: InputConsumer): void {
    const list = this.inputs.get(key) ?? [];
    const same = (c: InputConsumer) =>
      c.resource === consumer.resource &&
      c.attribute === consumer.attribute &&
      String(c.when) === String(consumer.when);
    if (!list.some(same)) list.push(consumer);
    this.inputs.set(key, list);
  }

  /** Root variables' defaults (read by conditions when a call leaves them out). */
  rootDefaults = new Map<string, unknown>();

  /** Loads a folder and its local module calls, then records every resource argument's inputs. */
  async trace(dir: string, prefix = ""): Promise<Map<string, InputConsumer[]>> {
    const scope = await loadScope(dir, prefix);
    if (prefix === "")
      for (const [name, v] of scope.variables) if (v.default !== undefined) this.rootDefaults.set(name, v.default);
    const own = new Map<string, InputConsumer[]>();
    for (const [name, call] of scope.modules) {
      const source = String(call.source ?? "");
      if (!source.startsWith("./") && !source.startsWith("../")) continue;
      const subPrefix = `${prefix}module.${name}${call.for_each !== undefined ? "[*]" : ""}.`;
      const sub = await new Tracer().withScopes(this).trace(path.join(dir, source), subPrefix);
      const subScope = await loadScope(path.join(dir, source), subPrefix);
      this.scopes.set(`${prefix}module.${name}`, subScope);
      const env = this.resourceEnv(call, scope);
      for (const [subKey, consumers] of sub) {
        const argument = subKey.split(".")[0];
        if (call[argument] === undefined) continue;
        for (const ref of this.refs(text(call[argument]), scope, env)) {
          for (const c of consumers) {
            if (ref.kind === "input") {
              const key = ref.key + subKey.slice(argument.length);
              const lifted = {
                ...c,
                when: [...ref.when, ...(c.when ?? []).map((w) => liftCondition(w, call, subScope, scope))],
              };
              own.set(key, [...(own.get(key) ?? []), lifted]);
              this.consume(key, lifted);
            } else this.reference(c.resource, c.type, c.attribute, ref);
          }
        }
      }
    }
    for (const [address, resource] of scope.resources) {
      const fullAddress = `${prefix}${address}`;
      this.describe(fullAddress, resource.type, resource.body);
      for (const [attribute, expression, env] of leaves(
        resource.body,
        "",
        this.resourceEnv(resource.body, scope),
        scope,
        this,
      )) {
        for (const ref of this.refs(expression, scope, env)) {
          const consumer = {
            resource: fullAddress,
            type: resource.type,
            attribute,
            when: ref.kind === "input" ? ref.when : [],
          };
          if (ref.kind === "input") {
            own.set(ref.key, [...(own.get(ref.key) ?? []), consumer]);
            if (prefix === "") this.consume(ref.key, consumer);
          } else this.reference(fullAddress, resource.type, attribute, ref);
        }
      }
    }
    return own;
  }

  private withScopes(parent: Tracer): this {
    for (const [k, v] of parent.scopes) this.scopes.set(k, v);
    (this as { resources: Map<string, ModuleResource> }).resources = parent.resources;
    return this;
  }

  private describe(address: string, type: string, body: Json): void {
    if (this.resources.has(address)) return;
    const lifecycle = (asArray(body.lifecycle)[0] ?? {}) as Json;
    const ignore = asArray(lifecycle.ignore_changes).flatMap((v) => {
      const raw = text(v).replace(/^\$\{\[?|\]?\}$/g, "");
      return raw.split(",").map((p) => normalizeSuffix(`.${p.trim()}`));
    });
    this.resources.set(address, {
      type,
      ignoreChanges: ignore.filter(Boolean),
      createBeforeDestroy: lifecycle.create_before_destroy === true,
      references: [],
    });
  }

  private reference(address: string, type: string, attribute: string, ref: Ref & { kind: "resource" }): void {
    if (ref.address === address) return;
    const resource = this.resources.get(address) ?? {
      type,
      ignoreChanges: [],
      createBeforeDestroy: false,
      references: [],
    };
    this.resources.set(address, resource);
    const entry = { attribute, target: ref.address, targetAttribute: ref.attribute };
    if (!resource.references.some((r) => JSON.stringify(r) === JSON.stringify(entry))) resource.references.push(entry);
  }
}

/** Traces a module checked out in `dir` (its root folder). */
export async function moduleFlows(dir: string): Promise<ModuleFlows> {
  const tracer = new Tracer();
  await tracer.trace(dir);
  const sortedRecord = <T>(map: Map<string, T>) =>
    Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b))) as Record<string, T>;
  const read = new Set(
    [...tracer.inputs.values()].flatMap((list) =>
      list.flatMap((c) => (c.when ?? []).flatMap((w) => [...w.matchAll(/\bvar\.(\w+)/g)].map((m) => m[1]))),
    ),
  );
  const defaults = new Map([...tracer.rootDefaults].filter(([name]) => read.has(name)));
  return {
    inputs: sortedRecord(tracer.inputs),
    resources: sortedRecord(tracer.resources),
    defaults: sortedRecord(defaults),
  };
}
