/**
 * The committed table `npm run review` judges changes by (scripts/review/schema/replacements.json,
 * written by `npm run review:tables`): per pinned provider, the arguments that replace each resource
 * type; per pinned registry module, where its inputs go.
 */
import type { ModuleFlows } from "./module-flow";
import type { ResourceReplacement } from "./provider-schema";
import TABLE from "./replacements.json";

export const TABLE_FILE = "scripts/review/schema/replacements.json";

/** Which repository, tag and commit a part of the table was read from. */
export interface TableSource {
  readonly repository: string;
  readonly tag: string;
  readonly commit: string;
}

/** A module's flows as stored: consumers as `resource#attribute`, references as `attribute=target#attribute`. */
export interface StoredModuleFlows {
  readonly version: string;
  readonly source: TableSource;
  readonly inputs: Record<string, (string | { readonly to: string; readonly when: string[] })[]>;
  readonly resources: Record<
    string,
    { readonly ignoreChanges?: string[]; readonly createBeforeDestroy?: boolean; readonly references?: string[] }
  >;
  readonly defaults: Record<string, unknown>;
}

export interface ReplacementTable {
  readonly "//": string;
  readonly providers: Record<
    string,
    {
      readonly registry: string;
      readonly version: string;
      readonly source: TableSource;
      readonly resources: Record<string, ResourceReplacement>;
    }
  >;
  readonly modules: Record<string, StoredModuleFlows>;
}

export const REPLACEMENTS = TABLE as unknown as ReplacementTable;

/** `module.x[*].aws_eks_node_group.this` -> `aws_eks_node_group`. */
export const typeOfAddress = (address: string) => address.split(".").slice(-2)[0];

/** The compact form written to the table (empty parts left out). */
export function storeFlows(flows: ModuleFlows, version: string, source: TableSource): StoredModuleFlows {
  const inputs = Object.fromEntries(
    Object.entries(flows.inputs).map(([key, consumers]) => {
      const entries = consumers.map((c) => {
        const to = `${c.resource}#${c.attribute}`;
        const when = [...new Set(c.when ?? [])];
        return when.length ? { to, when } : to;
      });
      const unique = [...new Map(entries.map((e) => [JSON.stringify(e), e])).values()];
      return [key, unique.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))];
    }),
  );
  const resources = Object.fromEntries(
    Object.entries(flows.resources).map(([address, r]) => {
      const references = [...new Set(r.references.map((x) => `${x.attribute}=${x.target}#${x.targetAttribute}`))];
      return [
        address,
        {
          ...(r.ignoreChanges.length ? { ignoreChanges: r.ignoreChanges } : {}),
          ...(r.createBeforeDestroy ? { createBeforeDestroy: true } : {}),
          ...(references.length ? { references: references.sort() } : {}),
        },
      ];
    }),
  );
  return { version, source, inputs, resources, defaults: flows.defaults };
}

function loadFlows(stored: StoredModuleFlows): ModuleFlows {
  const split = (text: string) => {
    const at = text.lastIndexOf("#");
    return [text.slice(0, at), text.slice(at + 1)];
  };
  const inputs = Object.fromEntries(
    Object.entries(stored.inputs).map(([key, list]) => [
      key,
      list.map((entry) => {
        const [resource, attribute] = split(typeof entry === "string" ? entry : entry.to);
        const when = typeof entry === "string" ? [] : entry.when;
        return { resource, type: typeOfAddress(resource), attribute, when };
      }),
    ]),
  );
  const resources = Object.fromEntries(
    Object.entries(stored.resources).map(([address, r]) => [
      address,
      {
        type: typeOfAddress(address),
        ignoreChanges: r.ignoreChanges ?? [],
        createBeforeDestroy: r.createBeforeDestroy ?? false,
        references: (r.references ?? []).map((entry) => {
          const [attribute, rest] = [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)];
          const [target, targetAttribute] = split(rest);
          return { attribute, target, targetAttribute };
        }),
      },
    ]),
  );
  return { inputs, resources, defaults: stored.defaults ?? {} };
}

/** What the provider does with changes to a resource type's arguments, or undefined when the table lacks the type. */
export function resourceReplacement(type: string): ResourceReplacement | undefined {
  const provider = type.split("_")[0];
  return REPLACEMENTS.providers[provider]?.resources[type];
}

const flowsCache = new Map<string, ModuleFlows>();

/** The traced inputs of a module call, or undefined when the table lacks that source at that version. */
export function moduleFlowsOf(source: string, version: string): ModuleFlows | undefined {
  const stored = REPLACEMENTS.modules[source];
  if (!stored || stored.version !== version) return undefined;
  if (!flowsCache.has(source)) flowsCache.set(source, loadFlows(stored));
  return flowsCache.get(source);
}
