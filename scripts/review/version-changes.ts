/**
 * Every version a change moves, per environment, in the order an upgrade must take: the EKS
 * control plane first, then the add-ons (EKS add-ons and Helm charts), then the nodes (AWS's
 * upgrade order: https://docs.aws.amazon.com/eks/latest/best-practices/cluster-upgrades.html).
 * Data stores upgrade on their own and are listed last. It also says where one apply would not
 * keep that order: the eks module (terraform-aws-eks v21.11.0 main.tf) updates the add-ons
 * without `before_compute` only after its node groups, so nodes changed with them roll first.
 */
import type { Json, SynthOutput, SynthStack } from "./synth-output";

/** The upgrade steps, in order. */
export const UPGRADE_STEPS = ["control plane", "add-ons", "nodes", "data stores"] as const;
export type UpgradeStep = (typeof UPGRADE_STEPS)[number];

/** One version that changes. */
export interface VersionChange {
  /** 1-based position of its step in UPGRADE_STEPS. */
  readonly order: number;
  readonly step: UpgradeStep;
  /** What moves, in words: "Kubernetes", "kube-proxy", "helm cluster-autoscaler", "node group spot AMI". */
  readonly what: string;
  readonly from: string;
  readonly to: string;
  /** Stack and address of the setting. */
  readonly where: string;
}

/** One environment's version changes, in upgrade order, and why one apply would break that order. */
export interface EnvironmentVersionChanges {
  readonly environment: string;
  readonly changes: VersionChange[];
  readonly warnings: string[];
}

const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const text = (v: unknown) => (v === undefined || v === null ? "(none)" : String(v));

type Found = Omit<VersionChange, "order">;

function moduleOf(stacks: SynthStack[], source: string): { stack: string; name: string; body: Json } | undefined {
  for (const stack of stacks) {
    for (const [name, body] of Object.entries(obj(stack.json.module))) {
      if (obj(body).source === source) return { stack: stack.id, name, body: obj(body) };
    }
  }
  return undefined;
}

function helmReleases(stacks: SynthStack[]): Map<string, { stack: string; version: unknown }> {
  const releases = new Map<string, { stack: string; version: unknown }>();
  for (const stack of stacks) {
    for (const release of Object.values(obj(obj(stack.json.resource).helm_release)).map(obj)) {
      releases.set(String(release.name), { stack: stack.id, version: release.version });
    }
  }
  return releases;
}

/** A value that exists on both sides and differs (a created or destroyed thing is not an upgrade). */
function moved(before: unknown, after: unknown): boolean {
  return before !== undefined && after !== undefined && JSON.stringify(before) !== JSON.stringify(after);
}

function clusterChanges(before: SynthStack[], after: SynthStack[]): Found[] {
  const old = moduleOf(before, "terraform-aws-modules/eks/aws");
  const now = moduleOf(after, "terraform-aws-modules/eks/aws");
  if (!old || !now) return [];
  const where = (path: string) => `${now.stack} module.${now.name} ${path}`;
  const found: Found[] = [];
  if (moved(old.body.kubernetes_version, now.body.kubernetes_version)) {
    const [from, to] = [old.body.kubernetes_version, now.body.kubernetes_version].map(text);
    found.push({ step: "control plane", what: "Kubernetes", from, to, where: where("kubernetes_version") });
  }
  // No policy is EKS's default, EXTENDED: naming it changes nothing.
  const policy = (body: Json) => obj(body.upgrade_policy).support_type ?? "EXTENDED";
  if (moved(policy(old.body), policy(now.body))) {
    found.push({
      step: "control plane",
      what: "EKS upgrade policy",
      from: text(policy(old.body)),
      to: text(policy(now.body)),
      where: where("upgrade_policy.support_type"),
    });
  }
  // The add-ons the module installs before the nodes (networking, identity) first, as it applies them.
  const addons = Object.entries(obj(now.body.addons)).sort(
    ([, a], [, b]) => Number(obj(b).before_compute === true) - Number(obj(a).before_compute === true),
  );
  for (const [name, addon] of addons) {
    const previous = obj(obj(old.body.addons)[name]).addon_version;
    if (moved(previous, obj(addon).addon_version)) {
      const to = text(obj(addon).addon_version);
      found.push({ step: "add-ons", what: name, from: text(previous), to, where: where(`addons.${name}`) });
    }
  }
  for (const [name, group] of Object.entries(obj(now.body.eks_managed_node_groups))) {
    const previous = obj(obj(old.body.eks_managed_node_groups)[name]);
    for (const [field, label] of [
      ["kubernetes_version", "Kubernetes"],
      ["ami_release_version", "AMI"],
    ] as const) {
      if (moved(previous[field], obj(group)[field])) {
        found.push({
          step: "nodes",
          what: `node group ${name} ${label}`,
          from: text(previous[field]),
          to: text(obj(group)[field]),
          where: where(`eks_managed_node_groups.${name}.${field}`),
        });
      }
    }
  }
  return found;
}

function chartChanges(before: SynthStack[], after: SynthStack[]): Found[] {
  const old = helmReleases(before);
  return [...helmReleases(after)].flatMap(([name, now]) => {
    const previous = old.get(name)?.version;
    if (!moved(previous, now.version)) return [];
    const where = `${now.stack} helm_release ${name}`;
    return [{ step: "add-ons" as const, what: `helm ${name}`, from: text(previous), to: text(now.version), where }];
  });
}

function dataStoreChanges(before: SynthStack[], after: SynthStack[]): Found[] {
  const found: Found[] = [];
  const oldDb = moduleOf(before, "terraform-aws-modules/rds/aws");
  const db = moduleOf(after, "terraform-aws-modules/rds/aws");
  if (oldDb && db && moved(oldDb.body.engine_version, db.body.engine_version)) {
    const [from, to] = [oldDb.body.engine_version, db.body.engine_version].map(text);
    found.push({
      step: "data stores",
      what: "PostgreSQL",
      from,
      to,
      where: `${db.stack} module.${db.name} engine_version`,
    });
  }
  const caches = (stacks: SynthStack[]) =>
    stacks.flatMap((s) =>
      Object.entries(obj(obj(s.json.resource).aws_elasticache_replication_group)).map(([name, body]) => ({
        key: name,
        stack: s.id,
        version: `${text(obj(body).engine)} ${text(obj(body).engine_version)}`,
      })),
    );
  const oldCaches = new Map(caches(before).map((c) => [c.key, c.version]));
  for (const cache of caches(after)) {
    const previous = oldCaches.get(cache.key);
    if (moved(previous, cache.version)) {
      const where = `${cache.stack} aws_elasticache_replication_group.${cache.key}`;
      found.push({ step: "data stores", what: "cache engine", from: text(previous), to: cache.version, where });
    }
  }
  return found;
}

/** Add-ons the eks module updates after its node groups (no `before_compute`). */
function afterNodeAddons(after: SynthStack[]): Set<string> {
  const eks = moduleOf(after, "terraform-aws-modules/eks/aws");
  const addons = Object.entries(obj(eks?.body.addons)).filter(([, a]) => obj(a).before_compute !== true);
  return new Set(addons.map(([name]) => name));
}

function orderWarnings(changes: VersionChange[], after: SynthStack[]): string[] {
  const warnings: string[] = [];
  const nodes = changes.filter((c) => c.step === "nodes");
  const late = afterNodeAddons(after);
  const lateAddons = changes.filter((c) => c.step === "add-ons" && late.has(c.what)).map((c) => c.what);
  if (nodes.length > 0 && lateAddons.length > 0) {
    warnings.push(
      `one apply rolls the nodes before ${lateAddons.join(", ")} (the eks module updates them after its node groups): apply the control plane and add-ons first, the nodes in a second change (docs/day-2.md, "Kubernetes itself")`,
    );
  }
  const plane = changes.find((c) => c.what === "Kubernetes" && c.step === "control plane");
  if (plane) {
    const minor = (v: string) => Number(v.split(".")[1]);
    if (minor(plane.to) - minor(plane.from) > 1) {
      warnings.push(`Kubernetes ${plane.from} -> ${plane.to} skips a minor: EKS upgrades one minor at a time`);
    }
  }
  return warnings;
}

/** The version changes between two synth outputs, per environment present in both, in upgrade order. */
export function versionChanges(baseline: SynthOutput, current: SynthOutput): EnvironmentVersionChanges[] {
  const byEnvironment = (output: SynthOutput) => {
    const groups = new Map<string, SynthStack[]>();
    for (const stack of output.values())
      groups.set(stack.environment, [...(groups.get(stack.environment) ?? []), stack]);
    return groups;
  };
  const before = byEnvironment(baseline);
  return [...byEnvironment(current)]
    .filter(([environment]) => before.has(environment))
    .map(([environment, after]) => {
      const old = before.get(environment) ?? [];
      const found = [...clusterChanges(old, after), ...chartChanges(old, after), ...dataStoreChanges(old, after)];
      const changes = found
        .map((c) => ({ order: UPGRADE_STEPS.indexOf(c.step) + 1, ...c }))
        .sort((a, b) => a.order - b.order);
      return { environment, changes, warnings: orderWarnings(changes, after) };
    });
}

/** The review's Markdown section. */
export function versionChangesMarkdown(environments: EnvironmentVersionChanges[]): string[] {
  const lines = [
    `## Version changes, in upgrade order (${UPGRADE_STEPS.slice(0, 3).join(", then ")}; data stores apart)`,
    "",
  ];
  for (const env of environments) {
    if (env.changes.length === 0) {
      lines.push(`- ${env.environment}: no version changes`);
      continue;
    }
    lines.push(`- ${env.environment}:`);
    for (const c of env.changes) lines.push(`  ${c.order}. ${c.step}: ${c.what} ${c.from} -> ${c.to} (${c.where})`);
    for (const w of env.warnings) lines.push(`  - warning: ${w}`);
  }
  return lines;
}
