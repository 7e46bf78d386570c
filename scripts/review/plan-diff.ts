/**
 * What a change does, like a plan but from two synth outputs: resources and module calls added,
 * removed and changed, with the changed attributes, flagged where they destroy or replace
 * stateful things. Replacement is judged from a list of arguments known to force it.
 */
import type { Json, SynthOutput } from "./synth-output";

export type Action = "create" | "destroy" | "update" | "replace";

/** One attribute that differs. */
export interface AttributeChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** One resource or module call that changes. */
export interface PlannedChange {
  readonly stack: string;
  /** `aws_s3_bucket.logs_bucket_1234ABCD` or `module.postgres`. */
  readonly address: string;
  readonly action: Action;
  /** It holds data or identity that cannot come back (databases, buckets, clusters, keys...). */
  readonly stateful: boolean;
  readonly changes: AttributeChange[];
  /** Why it is a replacement, or other advice. */
  readonly note?: string;
}

/** Resource types and module sources that hold state worth a second look. */
const STATEFUL = new Set([
  "aws_db_instance",
  "aws_rds_cluster",
  "aws_elasticache_replication_group",
  "aws_s3_bucket",
  "aws_eks_cluster",
  "aws_eks_node_group",
  "aws_kms_key",
  "aws_secretsmanager_secret",
  "aws_ecr_repository",
  "random_id",
  "random_password",
  "kubernetes_namespace_v1",
  "helm_release",
  "terraform-aws-modules/rds/aws",
  "terraform-aws-modules/eks/aws",
  "terraform-aws-modules/vpc/aws",
]);

/** Arguments whose change makes Terraform destroy and re-create (path prefixes, `*` = any key). */
const FORCES_REPLACEMENT: Record<string, string[]> = {
  aws_s3_bucket: ["bucket"],
  aws_elasticache_replication_group: [
    "replication_group_id",
    "at_rest_encryption_enabled",
    "kms_key_id",
    "subnet_group_name",
    "port",
  ],
  aws_kms_key: ["multi_region", "customer_master_key_spec", "key_usage"],
  aws_secretsmanager_secret: ["name"],
  aws_ecr_repository: ["name", "encryption_configuration"],
  random_id: ["byte_length", "keepers", "prefix"],
  random_password: ["length", "special", "override_special", "keepers"],
  kubernetes_namespace_v1: ["metadata.name"],
  "terraform-aws-modules/rds/aws": [
    "identifier",
    "engine",
    "kms_key_id",
    "storage_encrypted",
    "db_name",
    "username",
    "port",
  ],
  "terraform-aws-modules/eks/aws": [
    "name",
    "encryption_config",
    "eks_managed_node_groups.*.name",
    "eks_managed_node_groups.*.instance_types",
    "eks_managed_node_groups.*.capacity_type",
    "eks_managed_node_groups.*.ami_type",
    "eks_managed_node_groups.*.subnet_ids",
  ],
  "terraform-aws-modules/vpc/aws": ["cidr", "azs"],
};

const obj = (value: unknown): Json =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};

/** A string holding a JSON object or array (IAM policies, NetworkPolicy rules, Helm values), parsed. */
function jsonDocument(value: unknown): Json | unknown[] | undefined {
  if (typeof value !== "string" || !/^\s*[[{]/.test(value)) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed && typeof parsed === "object" ? (parsed as Json | unknown[]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `{a: {b: 1}, c: [1]}` -> `a.b = 1`, `c = [1]` (lists compared whole, `//` metadata left out).
 * A JSON document held in a string is opened up, lists included (`policy{}.Statement[1].Action`),
 * so a change inside a policy shows as the statement and key that changed, not as two long strings.
 */
function flatten(
  value: unknown,
  prefix = "",
  out = new Map<string, string>(),
  inDocument = false,
): Map<string, string> {
  const document = jsonDocument(value);
  if (document !== undefined) return flatten(document, `${prefix}{}`, out, true);
  if (inDocument && Array.isArray(value) && value.length > 0) {
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out, true));
    return out;
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

function attributeChanges(before: Json, after: Json): AttributeChange[] {
  const a = flatten(before);
  const b = flatten(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths
    .filter((p) => a.get(p) !== b.get(p))
    .map((p) => ({
      path: p,
      before: a.has(p) ? JSON.parse(a.get(p) as string) : undefined,
      after: b.has(p) ? JSON.parse(b.get(p) as string) : undefined,
    }));
}

function matchesPrefix(path: string, pattern: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split("*")
      .map((s) => s.replace(/[.]/g, "\\."))
      .join("[^.]+")}(\\.|$)`,
  );
  return regex.test(path);
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

function classify(kind: string, changes: AttributeChange[]): { action: Action; note?: string } {
  const forcing = (FORCES_REPLACEMENT[kind] ?? []).flatMap((pattern) =>
    changes.filter((c) => matchesPrefix(c.path, pattern)).map((c) => c.path),
  );
  const removedNodeGroups = changes.filter(
    (c) => /^eks_managed_node_groups\.[^.]+\./.test(c.path) && c.after === undefined,
  );
  if (forcing.length > 0)
    return { action: "replace", note: `replaced because ${[...new Set(forcing)].join(", ")} changed` };
  if (kind === "terraform-aws-modules/eks/aws" && removedNodeGroups.length > 0) {
    return { action: "replace", note: "a node group is removed: its nodes are drained and destroyed" };
  }
  const upgrades = kind === "terraform-aws-modules/eks/aws" ? clusterUpgrades(changes) : [];
  return upgrades.length > 0 ? { action: "update", note: upgrades.join("; ") } : { action: "update" };
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

/** The changes from `before` to `after`, stack by stack. */
export function planDiff(before: SynthOutput, after: SynthOutput): PlannedChange[] {
  const stacks = [...new Set([...before.keys(), ...after.keys()])].sort();
  return stacks.flatMap((stack) => {
    const a = blocks(before.get(stack)?.json ?? {});
    const b = blocks(after.get(stack)?.json ?? {});
    const addresses = [...new Set([...a.keys(), ...b.keys()])].sort();
    return addresses.flatMap((address): PlannedChange[] => {
      const old = a.get(address);
      const now = b.get(address);
      const kind = (now ?? old)?.kind ?? "";
      const stateful = STATEFUL.has(kind);
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
      const changes = attributeChanges(old?.body ?? {}, now?.body ?? {});
      if (changes.length === 0) return [];
      return [{ stack, address, stateful, changes, ...classify(kind, changes) }];
    });
  });
}

/** Changes that lose data or identity: a stateful thing destroyed or replaced. */
export function dangerous(changes: PlannedChange[]): PlannedChange[] {
  return changes.filter((c) => c.stateful && (c.action === "destroy" || c.action === "replace"));
}
