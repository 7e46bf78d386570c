/**
 * Finds each resource type's schema in a provider's source and reads it with SchemaReader: SDKv2
 * `ResourcesMap` entries, Plugin Framework resources (`Metadata` sets the type name), the AWS
 * provider's per-service registrations, and kubernetes_manifest's PlanResourceChange.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { AwsProviderIndex, GoTree } from "./go-code";
import { callExpression, compositeLiteral, keyAndValue, splitTopLevel } from "./go-source";
import type { GoFunction } from "./go-source";
import { SchemaReader, type GoCode, type ResourceReplacement } from "./provider-schema";

/** Where a resource type's schema is. */
type Registration =
  | { readonly kind: "sdk"; readonly factory: GoFunction }
  | { readonly kind: "framework"; readonly schema: GoFunction }
  | { readonly kind: "protocol"; readonly plan: GoFunction };

/** One provider read: per type what replaces it, and what the reader could not follow. */
export interface ProviderReading {
  readonly resources: Record<string, ResourceReplacement>;
  readonly problems: string[];
}

/**
 * Argument names of a resource type as the cdktf bindings (generated from the provider's schema at the
 * pinned version) write them: `names.AttrKMSKeyID` in the AWS source is `kms_key_id`.
 */
export function bindingArgumentNames(bindingsRoot: string, provider: string, type: string): Set<string> {
  const dir = path.join(bindingsRoot, "lib", type.replace(`${provider}_`, "").replace(/_/g, "-"));
  if (!fs.existsSync(dir)) return new Set();
  // Large resources keep their nested blocks in index-structs/*.js beside index.js.
  const files = fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".js"));
  const source = files.map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("\n");
  return new Set([...source.matchAll(/^\s+([a-z][a-z0-9_]*): (?:cdktf\.|\w+ToTerraform\()/gm)].map((m) => m[1]));
}

/** `names.AttrKMSKeyID` / `attrName` -> the argument whose name, without underscores, matches. */
function keyResolver(names: Set<string>) {
  const byLoose = new Map([...names].map((n) => [n.replace(/_/g, ""), n]));
  return (key: string) => {
    const bare = key
      .split(".")
      .pop()!
      .replace(/^[Aa]ttr/, "");
    // Computed-only attributes are not in the bindings: spell them as the AWS provider's names package
    // does (AttrOwnerID -> owner_id); they cannot change in a config, so a wrong guess changes nothing.
    const snake = bare
      .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
      .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
      .toLowerCase();
    // A package constant named for its argument with a prefix: routeDestinationCIDRBlock -> destination_cidr_block.
    const loose = bare.toLowerCase();
    const suffix = [...byLoose.keys()].filter((k) => loose.endsWith(k)).sort((a, b) => b.length - a.length)[0];
    return byLoose.get(loose) ?? (suffix ? byLoose.get(suffix) : undefined) ?? snake;
  };
}

function read(code: GoCode, registration: Registration, names: Set<string>) {
  const reader = new SchemaReader(code, keyResolver(names));
  if (registration.kind === "sdk") reader.sdkResource(registration.factory);
  else if (registration.kind === "framework") reader.frameworkResource(registration.schema);
  else reader.protocolRequiresReplace(registration.plan);
  return reader.result();
}

/** `"type": factory()` entries of an SDKv2 `ResourcesMap`. */
function sdkEntries(fn: GoFunction): [string, string][] {
  const at = fn.body.indexOf("ResourcesMap:");
  if (at < 0) return [];
  const literal = compositeLiteral(splitTopLevel(fn.body.slice(at + "ResourcesMap:".length), ",")[0]);
  if (!literal) return [];
  return splitTopLevel(literal.body).flatMap((element) => {
    const [key, value] = keyAndValue(element);
    const callee = callExpression(value)?.callee;
    return key && callee ? [[key.slice(1, -1), callee] as [string, string]] : [];
  });
}

/** Registrations of a provider checked out as a Go module (kubernetes, helm, random, github). */
function treeRegistrations(tree: GoTree): Map<string, Registration> {
  const out = new Map<string, Registration>();
  const packages = tree.packagePaths().map((p) => [p, tree.packageFunctions(p)] as const);
  let providerName = "";
  for (const [, functions] of packages) {
    for (const fn of functions.values()) {
      for (const [type, factory] of sdkEntries(fn)) {
        const target = functions.get(factory);
        if (target) out.set(type, { kind: "sdk", factory: target });
      }
      const literal = /\bTypeName\s*=\s*"([a-z0-9]+)"/.exec(fn.body);
      if (fn.name.endsWith(".Metadata") && literal) providerName = literal[1];
    }
  }
  for (const [, functions] of packages) {
    for (const fn of functions.values()) {
      const suffix = /\bTypeName\s*=\s*req\.ProviderTypeName\s*\+\s*"(\w+)"/.exec(fn.body)?.[1];
      const type = fn.name.split(".")[0];
      // A resource has Create and Delete; data sources and ephemeral resources (same names) do not.
      const isResource = functions.has(`${type}.Create`) && functions.has(`${type}.Delete`);
      const schema = functions.get(`${type}.Schema`);
      if (suffix && fn.name.endsWith(".Metadata") && isResource && schema) {
        out.set(`${providerName}${suffix}`, { kind: "framework", schema });
      }
      if (fn.name === "RawProviderServer.PlanResourceChange") {
        out.set(`${providerName || "kubernetes"}_manifest`, { kind: "protocol", plan: fn });
      }
    }
  }
  return out;
}

/** `{ Factory: f, TypeName: "aws_x" }` entries of one AWS service package's registration method. */
function awsEntries(index: AwsProviderIndex, packagePath: string, method: string): [string, string][] {
  const fn = index.functionIn(packagePath, `servicePackage.${method}`);
  if (!fn) return [];
  return [...fn.body.matchAll(/\{\s*Factory:\s*(\w+),\s*TypeName:\s*"(\w+)"/g)].map((m) => [m[2], m[1]]);
}

/** The struct a framework factory returns (`&securityGroupIngressRuleResource{...}`), then its Schema method. */
function frameworkSchema(index: AwsProviderIndex, packagePath: string, factory: GoFunction): GoFunction | undefined {
  for (const m of factory.body.matchAll(/&(\w+)\{/g)) {
    const own = index.functionIn(packagePath, `${m[1]}.Schema`);
    if (own) return own;
    // The Schema method may belong to an embedded struct: `type x struct { securityGroupRuleResource }`.
    const typeFile = path.join(
      index.root,
      "index",
      packagePath.slice(AwsProviderIndex.MODULE.length + 1),
      `type.${m[1]}.goindex`,
    );
    const declaration = fs.existsSync(typeFile) ? fs.readFileSync(typeFile, "utf8") : "";
    const struct = /struct\s*\{([^}]*)\}/.exec(declaration)?.[1] ?? "";
    for (const embedded of struct.split("\n").map((l) => l.trim().replace(/^\*/, ""))) {
      const method = /^\w+$/.test(embedded) ? index.functionIn(packagePath, `${embedded}.Schema`) : undefined;
      if (method) return method;
    }
  }
  return undefined;
}

function awsRegistrations(index: AwsProviderIndex, types: ReadonlySet<string>): Map<string, Registration> {
  const out = new Map<string, Registration>();
  for (const { package_path: pkg } of index.manifest().services) {
    for (const [type, factory] of awsEntries(index, pkg, "SDKResources")) {
      const fn = types.has(type) ? index.functionIn(pkg, factory) : undefined;
      if (fn) out.set(type, { kind: "sdk", factory: fn });
    }
    for (const [type, factory] of awsEntries(index, pkg, "FrameworkResources")) {
      const fn = types.has(type) ? index.functionIn(pkg, factory) : undefined;
      const schema = fn && frameworkSchema(index, pkg, fn);
      if (schema) out.set(type, { kind: "framework", schema });
    }
  }
  return out;
}

/** Reads the given resource types of one provider from its source (`aws`: the symbol index folder). */
export function readProvider(
  provider: string,
  sourceRoot: string,
  bindingsRoot: string,
  types: ReadonlySet<string>,
): ProviderReading {
  const code: GoCode & { root: string } =
    provider === "aws" ? new AwsProviderIndex(sourceRoot) : new GoTree(sourceRoot);
  const registrations =
    code instanceof AwsProviderIndex ? awsRegistrations(code, types) : treeRegistrations(code as GoTree);
  const resources: Record<string, ResourceReplacement> = {};
  const problems: string[] = [];
  for (const type of [...types].sort()) {
    const registration = registrations.get(type);
    if (!registration) {
      problems.push(`${type}: not registered in the provider source`);
      continue;
    }
    const names = bindingArgumentNames(bindingsRoot, provider, type);
    const { problems: own, ...facts } = read(code, registration, names);
    const dynamic = registration.kind === "protocol"; // kubernetes_manifest: any object under `manifest`
    const unknown = [...facts.replace, ...facts.replaceIf].filter(
      (p) => !dynamic && p.split(".").some((segment) => names.size > 0 && !names.has(segment)),
    );
    problems.push(
      ...own.map((p) => `${type}: ${p}`),
      ...unknown.map((p) => `${type}: ${p} is not an argument of the bindings`),
    );
    resources[type] = facts;
  }
  return { resources, problems };
}

/** Every resource type a provider registers (for the small providers, the table holds them all). */
export function registeredTypes(provider: string, sourceRoot: string): string[] {
  if (provider === "aws") return [];
  return [...treeRegistrations(new GoTree(sourceRoot)).keys()].sort();
}
