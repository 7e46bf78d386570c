/** Our own rules: what checkov has no check for. */
import type { Finding, PolicyRule } from "./rule";
import {
  isTrue,
  list,
  modules,
  refersTo,
  resources,
  single,
  type Block,
  type JsonObject,
  type StackDocument,
} from "./terraform-json";

const SECRET_WORDS = /password|token|secret/i;
// Keys that name or point at a secret (secretName, secretKey, secretRef) rather than hold one.
const NAMES_A_SECRET = /(name|key|ref|arn|id)$/i;
// Values that are references or plain settings, not secret values.
const NOT_A_SECRET_VALUE = /^\$\{|^(true|false|required|optional|enabled|disabled)$|^arn:aws:/;

/** Every literal string stored under a key that names a password, token or secret. */
export function literalSecrets(value: unknown, path = ""): { path: string; value: string }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => literalSecrets(v, `${path}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  return (
    Object.entries(value as JsonObject)
      // "//" is cdktf's metadata; Kubernetes annotations and labels name things (their keys may say
      // "secret", as Reloader's does), they never hold a secret value.
      .filter(([key]) => key !== "//" && !/(^|\.)(annotations|labels)$/.test(path))
      .flatMap(([key, v]) => {
        const here = path ? `${path}.${key}` : key;
        const holdsSecret = SECRET_WORDS.test(key) && !NAMES_A_SECRET.test(key);
        if (typeof v === "string" && holdsSecret && !NOT_A_SECRET_VALUE.test(v)) return [{ path: here, value: v }];
        return literalSecrets(v, here);
      })
  );
}

const EXACT_VERSION = /^v?\d+\.\d+\.\d+$/;

/** The production data-protection settings a data store must keep. */
function productionDataProblems(doc: StackDocument): Finding[] {
  const findings: Finding[] = [];
  const problem = (address: string, detail: string) => findings.push({ address, detail });
  for (const db of [...modules(doc, "terraform-aws-modules/rds/aws"), ...resources(doc, "aws_db_instance")]) {
    if (db.body.deletion_protection !== true) problem(db.address, "deletion protection is off");
    if (db.body.skip_final_snapshot === true) problem(db.address, "no final snapshot");
    if (Number(db.body.backup_retention_period ?? 0) < 7) problem(db.address, "backups kept < 7 days");
    if (db.body.multi_az !== true) problem(db.address, "not Multi-AZ");
  }
  for (const vpc of modules(doc, "terraform-aws-modules/vpc/aws")) {
    const perZone = vpc.body.one_nat_gateway_per_az === true && vpc.body.single_nat_gateway !== true;
    if (vpc.body.enable_nat_gateway === true && !perZone) problem(vpc.address, "not one NAT gateway per zone");
  }
  for (const cache of resources(doc, "aws_elasticache_replication_group")) {
    if (Number(cache.body.snapshot_retention_limit ?? 0) < 1) problem(cache.address, "no snapshots");
    if (!isTrue(cache.body.automatic_failover_enabled)) problem(cache.address, "no automatic failover");
    if (!cache.body.final_snapshot_identifier) problem(cache.address, "no final snapshot");
  }
  for (const kept of resources(doc, "aws_kms_key", "aws_ecr_repository")) {
    if (single(kept.body.lifecycle).prevent_destroy !== true) problem(kept.address, "can be destroyed by a plan");
  }
  for (const bucket of resources(doc, "aws_s3_bucket")) {
    if (single(bucket.body.lifecycle).prevent_destroy !== true) problem(bucket.address, "bucket can be destroyed");
  }
  for (const bucket of stateBuckets(doc)) {
    if (!resources(doc, "aws_cloudtrail").some((trail) => recordsObjectAccess(trail, bucket))) {
      problem(bucket.address, "reads of the state are not recorded (no S3 data-event trail on it)");
    }
  }
  return findings;
}

/** The bucket this stack keeps its own state in, when the stack creates it (bootstrap). */
/** True when the stack holds a module or an AWS resource or data source (Terraform would give them a default AWS provider). */
function holdsAwsBlocks(doc: StackDocument): boolean {
  const types = [doc.json.resource, doc.json.data].flatMap((blocks) => Object.keys((blocks as JsonObject) ?? {}));
  return modules(doc).length > 0 || types.some((type) => type.startsWith("aws_"));
}

function stateBuckets(doc: StackDocument): Block[] {
  const backendBucket = single(single(single(doc.json.terraform).backend).s3).bucket;
  return resources(doc, "aws_s3_bucket").filter((b) => backendBucket !== undefined && b.body.bucket === backendBucket);
}

/** A trail with a data-event selector on the bucket's objects. */
function recordsObjectAccess(trail: Block, bucket: Block): boolean {
  return list(trail.body.advanced_event_selector).some((selector) => {
    const fields = list(single(selector).field_selector).map(single);
    const has = (field: string, key: string, test: (v: unknown) => boolean) =>
      fields.some((f) => f.field === field && list(f[key]).some(test));
    return (
      has("eventCategory", "equals", (v) => v === "Data") &&
      has("resources.ARN", "starts_with", (v) => refersTo(v, bucket))
    );
  });
}

export const PROJECT_RULES: PolicyRule[] = [
  {
    id: "OWN_NO_LITERAL_SECRETS",
    why: "the synthesized JSON is reviewed and stored in CI logs: it must hold no secret value",
    fix: "generate the value (random_password), let AWS manage it, or keep it in Secrets Manager and reference it",
    check: (doc) => literalSecrets(doc.json).map((s) => ({ address: s.path, detail: `literal value under ${s.path}` })),
  },
  {
    id: "OWN_PROD_DATA_PROTECTION",
    why: "production must survive a mistaken destroy and a zone failure, and keep a week of backups",
    fix: "keep deletion protection, final snapshots, >= 7 days of backups, Multi-AZ, a NAT gateway per zone, cache failover and snapshots, retained buckets, keys and image repositories, and a data-event trail on the state bucket",
    check: (doc) => (doc.production ? productionDataProblems(doc) : []),
  },
  {
    id: "OWN_MODULE_VERSION_PINNED",
    why: "a module version range can pull a release nobody reviewed (or one the pinned AWS provider rejects)",
    fix: "pin the module to an exact x.y.z in its wrapper's *_MODULE spec",
    check: (doc) =>
      modules(doc)
        .filter((m) => !EXACT_VERSION.test(String(m.body.version ?? "")))
        .map((m) => ({ address: m.address, detail: `version ${String(m.body.version)}` })),
  },
  {
    id: "OWN_HELM_CHART_PINNED",
    why: "a chart without an exact version changes under us, and its values were checked against one version",
    fix: "pin the chart version exactly in the add-on's ChartSource",
    check: (doc) =>
      resources(doc, "helm_release")
        .filter((r) => !EXACT_VERSION.test(String(r.body.version ?? "")))
        .map((r) => ({ address: r.address, detail: `version ${String(r.body.version)}` })),
  },
  {
    id: "OWN_ENVIRONMENT_TAG",
    why: "every AWS resource must say which environment it belongs to (cost, ownership, clean-up)",
    fix: "keep the Environment tag in the AWS provider's default_tags (EnvironmentStack does)",
    check: (doc) => {
      const providers = ((doc.json.provider as JsonObject | undefined)?.aws ?? []) as JsonObject[];
      const tagged = (p: JsonObject) => Boolean(single(single(p.default_tags).tags).Environment);
      // A stack of no AWS resource, data source or module (the GitHub settings) needs no AWS provider.
      if (providers.length === 0 && !holdsAwsBlocks(doc)) return [];
      return providers.length > 0 && providers.every(tagged) ? [] : [{ address: "provider.aws" }];
    },
  },
];
