/**
 * Which arguments of a resource make Terraform replace it, read from the provider's Go source: SDKv2
 * `ForceNew: true` (and `customdiff.ForceNewIf...` / `d.ForceNew` in CustomizeDiff, which replace only
 * under a condition), Plugin Framework `RequiresReplace()` plan modifiers (`RequiresReplaceIf...`:
 * under a condition), and protocol-level `resp.RequiresReplace` paths (kubernetes_manifest). The
 * Terraform schema JSON the cdktf bindings are generated from does not carry this: only the source does.
 * https://developer.hashicorp.com/terraform/plugin/framework/migrating/attributes-blocks/force-new
 */
import { createHash } from "node:crypto";
import {
  callExpression,
  closingBracket,
  compositeFields,
  compositeLiteral,
  keyAndValue,
  localAssignment,
  returnedExpression,
  splitTopLevel,
  type GoFunction,
} from "./go-source";

/** What the provider does with a change of each argument of one resource type. */
export interface ResourceReplacement {
  /** Argument paths (nested blocks joined with `.`) whose change replaces the resource. */
  readonly replace: string[];
  /** Paths whose change replaces it only under a condition the provider checks at plan time. */
  readonly replaceIf: string[];
  /** Paths the provider marks sensitive: the review never prints their values. */
  readonly sensitive: string[];
  /**
   * Paths of `replaceIf` whose condition is a plan modifier of the provider's own source
   * (`mapplanmodifiers.RequiresReplaceIfValuesNotNull` for random's `keepers`), with a digest of that
   * modifier's code at the pinned tag: the review applies its rule only while the digest is the one
   * the rule was written from.
   */
  readonly replaceRules?: Record<string, ReplaceRule>;
}

/** A provider plan modifier that decides a conditional replacement. */
export interface ReplaceRule {
  /** As the source calls it: `mapplanmodifiers.RequiresReplaceIfValuesNotNull`. */
  readonly modifier: string;
  /** sha256 (first 16 hex digits) of its code, whitespace collapsed: the function and its PlanModify methods. */
  readonly digest: string;
}

/** Where the extractor finds functions: by package import path and name (`Type.Method` for methods). */
export interface GoCode {
  functionIn(packagePath: string, name: string): GoFunction | undefined;
}

/** Resolves a map key that is not a string literal (`names.AttrKMSKeyID`) to the argument name. */
export type KeyResolver = (key: string) => string | undefined;

interface Facts {
  replace: Set<string>;
  replaceIf: Set<string>;
  sensitive: Set<string>;
  rules: Map<string, ReplaceRule>;
  problems: string[];
}

/** The framework's plan modifier interfaces' methods, where a modifier type keeps its logic. */
const PLAN_MODIFY_METHODS = [
  "Bool",
  "Float64",
  "Int32",
  "Int64",
  "List",
  "Map",
  "Number",
  "Object",
  "Set",
  "String",
].map((kind) => `PlanModify${kind}`);

const join = (prefix: string, name: string) => (prefix ? `${prefix}.${name}` : name);
const unquote = (text: string) => (/^"[^"]*"$/.test(text) ? text.slice(1, -1) : undefined);

/** Reads one resource's schema out of Go functions. */
export class SchemaReader {
  private readonly facts: Facts = {
    replace: new Set(),
    replaceIf: new Set(),
    sensitive: new Set(),
    rules: new Map(),
    problems: [],
  };
  private depth = 0;

  constructor(
    private readonly code: GoCode,
    private readonly resolveKey: KeyResolver,
  ) {}

  /** The result, paths sorted; `problems` lists what the reader could not follow. */
  result(): ResourceReplacement & { problems: string[] } {
    // A nested argument under a block that is itself replaced or sensitive adds nothing.
    const covered = (p: string, by: Set<string>) => [...by].some((b) => p.startsWith(`${b}.`));
    const sorted = (s: Set<string>, by = s) => [...s].filter((p) => !covered(p, by)).sort();
    const replace = new Set(sorted(this.facts.replace));
    const replaceIf = sorted(this.facts.replaceIf).filter((p) => !replace.has(p) && !covered(p, replace));
    const rules = replaceIf.filter((p) => this.facts.rules.has(p)).map((p) => [p, this.facts.rules.get(p)!] as const);
    return {
      replace: [...replace],
      replaceIf,
      sensitive: sorted(this.facts.sensitive),
      ...(rules.length > 0 ? { replaceRules: Object.fromEntries(rules) } : {}),
      problems: this.facts.problems,
    };
  }

  /** An SDKv2 resource from the function that returns its `*schema.Resource`. */
  sdkResource(factory: GoFunction): this {
    const resource = this.resolve(returnedExpression(factory.body) ?? "", factory);
    const literal = resource && compositeLiteral(resource.expr);
    if (!resource || !literal) return this.problem(`${factory.name}: no schema.Resource literal returned`);
    const fields = compositeFields(literal.body);
    const schema = fields.get("Schema") ?? fields.get("SchemaFunc");
    if (schema) this.sdkSchemaMap(schema, resource.fn, "");
    else this.problem(`${factory.name}: no Schema or SchemaFunc`);
    const customizeDiff = fields.get("CustomizeDiff");
    if (customizeDiff) this.customizeDiff(customizeDiff, resource.fn);
    return this;
  }

  /** A Plugin Framework resource from its `Schema` method. */
  frameworkResource(schemaMethod: GoFunction): this {
    const match = /\b(?:response|resp|res|r)\.Schema\s*=\s*/.exec(schemaMethod.body);
    const assigned = match ? schemaMethod.body.slice(match.index + match[0].length) : undefined;
    const expr = assigned ? splitTopLevel(assigned, "\n")[0] : undefined;
    const schema = expr ? this.resolve(expr, schemaMethod) : undefined;
    const literal = schema && compositeLiteral(schema.expr);
    if (!schema || !literal) return this.problem(`${schemaMethod.name}: no schema.Schema assigned`);
    this.frameworkObject(literal.body, schema.fn, "");
    return this;
  }

  /** Paths a protocol-level PlanResourceChange appends to `resp.RequiresReplace` (kubernetes_manifest). */
  protocolRequiresReplace(planFunction: GoFunction): this {
    const body = planFunction.body;
    for (const match of body.matchAll(/RequiresReplace\s*=\s*(append\(|\[\][^{]*\{)/g)) {
      const open = (match.index ?? 0) + match[0].length - 1;
      const statement = body.slice(open, closingBracket(body, open));
      // `= append(...)` adds paths on every plan of a managed object; `= []...{}` replaces the list for
      // custom resources without an OpenAPI schema only.
      const always = match[1].startsWith("append");
      for (const part of statement.split("tftypes.NewAttributePath()").slice(1)) {
        const path = [...part.matchAll(/WithAttributeName\("([^"]+)"\)/g)].map((m) => m[1]).join(".");
        if (path) (always ? this.facts.replace : this.facts.replaceIf).add(path);
      }
    }
    return this;
  }

  private problem(text: string): this {
    this.facts.problems.push(text);
    return this;
  }

  /** Follows calls, function literals and local variables to the literal an expression stands for. */
  private resolve(expr: string, fn: GoFunction): { expr: string; fn: GoFunction } | undefined {
    const trimmed = expr.trim();
    if (this.depth > 12) return undefined;
    if (compositeLiteral(trimmed)) return { expr: trimmed, fn };
    const literalFn = /^func\s*\([^)]*\)[^{]*\{/.exec(trimmed);
    if (literalFn) {
      const body = trimmed.slice(literalFn[0].length, trimmed.lastIndexOf("}"));
      return this.nested(returnedExpression(body), { ...fn, body });
    }
    const call = callExpression(trimmed);
    if (call) {
      const target = this.lookup(call.callee, fn);
      if (target) return this.nested(returnedExpression(target.body), target);
      // A wrapper from outside the source (`sync.OnceValue(func() *schema.Schema {...})`): read what it wraps.
      for (const arg of call.args.filter((a) => /^(func\s*\(|&?[\w.]+[{(])/.test(a))) {
        const inner = this.nested(arg, fn);
        if (inner) return inner;
      }
      return undefined;
    }
    if (/^[A-Za-z_]\w*$/.test(trimmed)) {
      const assigned = localAssignment(fn.body, trimmed);
      if (assigned) return this.nested(assigned, fn);
      const global = this.lookup(trimmed, fn);
      return global ? this.nested(returnedExpression(global.body), global) : undefined;
    }
    return undefined;
  }

  private nested(expr: string | undefined, fn: GoFunction) {
    if (expr === undefined) return undefined;
    this.depth += 1;
    try {
      return this.resolve(expr, fn);
    } finally {
      this.depth -= 1;
    }
  }

  /** `name` in the function's own package, `alias.Name` in an imported one. */
  private lookup(callee: string, fn: GoFunction): GoFunction | undefined {
    const [head, ...rest] = callee.split(".");
    if (rest.length === 0) return this.code.functionIn(fn.packagePath, head);
    const path = fn.imports.get(head);
    return path && rest.length === 1 ? this.code.functionIn(path, rest[0]) : undefined;
  }

  private key(text: string, where: string): string | undefined {
    // `compute_config.0.node_role_arn` (a CustomizeDiff key) is the argument path without list indexes.
    const name = (unquote(text) ?? this.resolveKey(text))?.replace(/\.\d+(?=\.|$)/g, "");
    if (name === undefined) this.problem(`${where}: cannot resolve key ${text}`);
    return name;
  }

  /** `map[string]*schema.Schema{...}` (or what yields one): every argument, nested blocks included. */
  private sdkSchemaMap(expr: string, fn: GoFunction, prefix: string): void {
    const resolved = this.resolve(expr, fn);
    const literal = resolved && compositeLiteral(resolved.expr);
    if (!resolved || !literal || !literal.type.startsWith("map[")) {
      this.problem(`${fn.name}: schema map not followed at ${prefix || "top"}: ${expr.slice(0, 60)}`);
      return;
    }
    for (const element of splitTopLevel(literal.body)) {
      const [keyText, value] = keyAndValue(element);
      const name = keyText && this.key(keyText, resolved.fn.name);
      if (!name) continue;
      this.sdkAttribute(value, resolved.fn, join(prefix, name));
    }
    // A map held in a variable may get more entries afterwards: `fields["namespace"] = &schema.Schema{...}`.
    const variable = /^[A-Za-z_]\w*$/.test(expr.trim()) ? expr.trim() : undefined;
    const assignedIn = variable ? [fn] : [];
    const call = callExpression(expr);
    const callee = call && this.lookup(call.callee, fn);
    const returned = callee && returnedExpression(callee.body);
    if (callee && returned && /^[A-Za-z_]\w*$/.test(returned)) assignedIn.push({ ...callee, name: returned });
    for (const scope of assignedIn) {
      const name = scope === fn ? variable : scope.name;
      for (const m of scope.body.matchAll(new RegExp(`\\b${name}\\[("[^"]+")\\]\\s*=\\s*`, "g"))) {
        const rest = scope.body.slice((m.index ?? 0) + m[0].length);
        this.sdkAttribute(splitTopLevel(rest, "\n")[0], scope, join(prefix, m[1].slice(1, -1)));
      }
    }
  }

  private sdkAttribute(value: string, fn: GoFunction, path: string): void {
    // A wrapper that sets ForceNew on the schema it is given and returns it: `metadataSchemaForceNew(s)`.
    const call = callExpression(value);
    const wrapper = call && this.lookup(call.callee, fn);
    const returnedParam = wrapper && wrapper.params.indexOf(returnedExpression(wrapper.body) ?? "");
    if (call && wrapper && returnedParam !== undefined && returnedParam >= 0 && call.args[returnedParam]) {
      const param = wrapper.params[returnedParam];
      if (new RegExp(`\\b${param}\\.ForceNew\\s*=\\s*true`).test(wrapper.body)) this.facts.replace.add(path);
      this.sdkAttribute(call.args[returnedParam], fn, path);
      return;
    }
    const resolved = this.resolve(value.startsWith("{") ? `schema.Schema${value}` : value, fn);
    const literal = resolved && compositeLiteral(resolved.expr);
    if (!resolved || !literal) {
      this.problem(`${fn.name}: attribute ${path} not followed: ${value.slice(0, 60)}`);
      return;
    }
    const fields = compositeFields(literal.body);
    if (fields.get("ForceNew") === "true") this.facts.replace.add(path);
    if (fields.get("Sensitive") === "true") this.facts.sensitive.add(path);
    const elem = fields.get("Elem");
    if (!elem) return;
    const element = this.resolve(elem, resolved.fn);
    const elementLiteral = element && compositeLiteral(element.expr);
    if (elementLiteral && /(^|\.)Resource$/.test(elementLiteral.type)) {
      const nested = compositeFields(elementLiteral.body);
      const schema = nested.get("Schema") ?? nested.get("SchemaFunc");
      if (schema) this.sdkSchemaMap(schema, element.fn, path);
    }
  }

  /** CustomizeDiff functions that force replacement only when their condition holds. */
  private customizeDiff(expr: string, fn: GoFunction): void {
    const text = [expr, ...this.referencedBodies(expr, fn)].join("\n");
    // Only named arguments: `d.ForceNew(k)` inside a loop over keys cannot be read without running it.
    for (const match of text.matchAll(/ForceNew(?:IfChange|If)?\(\s*("[^"]+"|names\.\w+)/g)) {
      const name = this.key(match[1], `${fn.name} CustomizeDiff`);
      if (name && !this.facts.replace.has(name)) this.facts.replaceIf.add(name);
    }
  }

  /** Bodies of same-package functions an expression names (one level). */
  private referencedBodies(expr: string, fn: GoFunction): string[] {
    const names = [...expr.matchAll(/\b([a-z]\w*)\b/g)].map((m) => m[1]);
    return [...new Set(names)].flatMap((name) => this.code.functionIn(fn.packagePath, name)?.body ?? []);
  }

  /**
   * The provider's own modifier among `modifiers` that decides a conditional replacement
   * (`mapplanmodifiers.RequiresReplaceIfValuesNotNull()`, or the function handed to the framework's
   * `RequiresReplaceIf`), with a digest of its code; undefined when it is the framework's or inline.
   */
  private replaceRule(modifiers: string, fn: GoFunction): ReplaceRule | undefined {
    for (const m of modifiers.matchAll(/\b([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)\(/g)) {
      if (!/RequiresReplace/.test(m[1])) continue;
      const modifier = this.lookup(m[1], fn);
      if (!modifier) continue;
      // A modifier type keeps its logic in its PlanModify method: `return requiresReplaceIfValuesNotNullModifier{}`.
      const type = compositeLiteral(returnedExpression(modifier.body) ?? "")?.type;
      const methods = type
        ? PLAN_MODIFY_METHODS.flatMap((name) => this.code.functionIn(modifier.packagePath, `${type}.${name}`) ?? [])
        : [];
      const code = [modifier, ...methods].map((f) => f.body.replace(/\s+/g, " ").trim()).join("\n");
      return { modifier: m[1], digest: createHash("sha256").update(code).digest("hex").slice(0, 16) };
    }
    return undefined;
  }

  /** A framework schema or nested object: its `Attributes` and `Blocks`. */
  private frameworkObject(body: string, fn: GoFunction, prefix: string): void {
    const fields = compositeFields(body);
    for (const field of ["Attributes", "Blocks"]) {
      const map = fields.get(field);
      if (!map) continue;
      const resolved = this.resolve(map, fn);
      const literal = resolved && compositeLiteral(resolved.expr);
      if (!resolved || !literal) {
        this.problem(`${fn.name}: ${field} not followed at ${prefix || "top"}`);
        continue;
      }
      for (const element of splitTopLevel(literal.body)) {
        const [keyText, value] = keyAndValue(element);
        const name = keyText && this.key(keyText, resolved.fn.name);
        if (name) this.frameworkMember(value, resolved.fn, join(prefix, name));
      }
    }
  }

  private frameworkMember(value: string, fn: GoFunction, path: string): void {
    const resolved = this.resolve(value, fn);
    const literal = resolved && compositeLiteral(resolved.expr);
    if (!resolved || !literal) {
      this.problem(`${fn.name}: ${path} not followed: ${value.slice(0, 60)}`);
      return;
    }
    const fields = compositeFields(literal.body);
    const modifiers = fields.get("PlanModifiers") ?? "";
    if (/\bRequiresReplace(IfConfigured)?\(\)/.test(modifiers)) this.facts.replace.add(path);
    else if (/RequiresReplace/.test(modifiers)) {
      this.facts.replaceIf.add(path);
      const rule = this.replaceRule(modifiers, resolved.fn);
      if (rule) this.facts.rules.set(path, rule);
    }
    if (fields.get("Sensitive") === "true") this.facts.sensitive.add(path);
    const nested = fields.get("NestedObject");
    const object = nested ? this.resolve(nested, resolved.fn) : resolved;
    const objectLiteral = object && compositeLiteral(object.expr);
    if (object && objectLiteral) this.frameworkObject(objectLiteral.body, object.fn, path);
  }
}
