/** Rules on AWS resources and on the inputs of the registry modules (checkov cannot see inside modules). */
import { EKS_MODULE } from "../eks-module";
import { RDS_MODULE } from "../rds-module";
import { VPC_MODULE } from "../vpc-module";
import { eachBlock, type Finding, type PolicyRule } from "./rule";
import {
  isSet,
  isTrue,
  list,
  modules,
  refersTo,
  resources,
  single,
  type Block,
  type StackDocument,
} from "./terraform-json";

const rds = (doc: StackDocument): Block[] => [...modules(doc, RDS_MODULE.source), ...resources(doc, "aws_db_instance")];
const eks = (doc: StackDocument) => modules(doc, EKS_MODULE.source);
const vpc = (doc: StackDocument) => modules(doc, VPC_MODULE.source);
const caches = (doc: StackDocument) => resources(doc, "aws_elasticache_replication_group");
const buckets = (doc: StackDocument) => resources(doc, "aws_s3_bucket");

/** Bucket rules: each bucket needs a companion resource (its `bucket` argument) that satisfies `complies`. */
function bucketCompanion(type: string, complies: (companion: Block) => boolean = () => true) {
  return (doc: StackDocument): Finding[] =>
    buckets(doc)
      .filter((bucket) => !resources(doc, type).some((c) => refersTo(c.body.bucket, bucket) && complies(c)))
      .map((bucket) => ({ address: bucket.address }));
}

const publicAccessFlag = (flag: string) =>
  bucketCompanion("aws_s3_bucket_public_access_block", (c) => c.body[flag] === true);

/** Ingress rules of every kind, normalised to CIDRs and a port range. */
function ingressRules(doc: StackDocument) {
  const inline = resources(doc, "aws_security_group").flatMap((g) =>
    list(g.body.ingress).map((r) => ({ address: g.address, rule: single(r) })),
  );
  const separate = resources(doc, "aws_vpc_security_group_ingress_rule", "aws_security_group_rule")
    .filter((r) => r.body.type === undefined || r.body.type === "ingress")
    .map((r) => ({ address: r.address, rule: r.body }));
  return [...inline, ...separate].map(({ address, rule }) => ({
    address,
    cidrs: [...list(rule.cidr_blocks), ...list(rule.cidr_ipv4)] as string[],
    from: Number(rule.from_port ?? 0),
    to: Number(rule.to_port ?? 65535),
    protocol: String(rule.ip_protocol ?? rule.protocol ?? "tcp"),
  }));
}

function openToInternet(port: number | "all") {
  return (doc: StackDocument): Finding[] =>
    ingressRules(doc)
      .filter((r) => r.cidrs.includes("0.0.0.0/0"))
      .filter((r) =>
        port === "all"
          ? r.protocol === "-1" || (r.from <= 0 && r.to >= 65535)
          : r.protocol === "-1" || (r.from <= port && port <= r.to),
      )
      .map((r) => ({ address: r.address }));
}

const CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

export const AWS_RULES: PolicyRule[] = [
  {
    id: "CKV_AWS_16",
    why: "RDS storage must be encrypted at rest",
    fix: "set storageEncrypted: true (and kmsKeyId) on the RDS module",
    check: eachBlock(rds, (b) => b.body.storage_encrypted === true),
  },
  {
    id: "CKV_AWS_17",
    why: "an RDS instance must not be publicly accessible",
    fix: "set publiclyAccessible: false",
    check: eachBlock(rds, (b) => b.body.publicly_accessible !== true),
  },
  {
    id: "CKV_AWS_293",
    why: "RDS deletion protection stops a mistaken destroy from deleting the database",
    fix: "set database.deletionProtection: true in the environment's config",
    check: eachBlock(rds, (b) => b.body.deletion_protection === true),
  },
  {
    id: "CKV_AWS_157",
    why: "a single-AZ database goes down with its zone",
    fix: "set database.multiAz: true in the environment's config",
    check: eachBlock(rds, (b) => b.body.multi_az === true),
  },
  {
    id: "CKV_AWS_118",
    why: "Enhanced Monitoring shows OS-level metrics when the database misbehaves",
    fix: "set monitoringInterval > 0 and createMonitoringRole: true",
    check: eachBlock(rds, (b) => Number(b.body.monitoring_interval ?? 0) > 0),
  },
  {
    id: "CKV_AWS_129",
    why: "database logs must reach CloudWatch to be searched and kept",
    fix: 'set enabledCloudwatchLogsExports: ["postgresql", "upgrade"]',
    check: eachBlock(rds, (b) => list(b.body.enabled_cloudwatch_logs_exports).length > 0),
  },
  {
    id: "CKV_AWS_161",
    why: "IAM database authentication allows short-lived credentials instead of shared passwords",
    fix: "set iamDatabaseAuthenticationEnabled: true",
    check: eachBlock(rds, (b) => b.body.iam_database_authentication_enabled === true),
  },
  {
    id: "CKV_AWS_353",
    why: "Performance Insights is how slow queries are found in production",
    fix: "set database.performanceInsights: true (needs a medium or larger class)",
    check: eachBlock(rds, (b) => b.body.performance_insights_enabled === true),
  },
  {
    id: "CKV_AWS_354",
    why: "Performance Insights data holds query text and must be encrypted with our key",
    fix: "set performanceInsightsKmsKeyId when Performance Insights is on",
    check: eachBlock(
      rds,
      (b) => b.body.performance_insights_enabled !== true || isSet(b.body.performance_insights_kms_key_id),
    ),
  },
  {
    id: "CKV_AWS_226",
    why: "minor engine upgrades carry security fixes",
    fix: "set autoMinorVersionUpgrade: true",
    check: eachBlock(rds, (b) => b.body.auto_minor_version_upgrade !== false),
  },
  {
    id: "CKV_AWS_29",
    why: "cache data must be encrypted at rest",
    fix: 'set atRestEncryptionEnabled: "true" on the replication group',
    check: eachBlock(caches, (b) => isTrue(b.body.at_rest_encryption_enabled)),
  },
  {
    id: "CKV_AWS_30",
    why: "cache traffic must be encrypted in transit",
    fix: "set transitEncryptionEnabled: true",
    check: eachBlock(caches, (b) => isTrue(b.body.transit_encryption_enabled)),
  },
  {
    id: "CKV_AWS_31",
    why: "a cache reachable without AUTH trusts anyone on the network",
    fix: "set authToken (from random_password) with transit encryption",
    check: eachBlock(caches, (b) => isTrue(b.body.transit_encryption_enabled) && isSet(b.body.auth_token)),
  },
  {
    id: "CKV_AWS_191",
    why: "cache encryption should use the environment's customer-managed key",
    fix: "set kmsKeyId on the replication group",
    check: eachBlock(caches, (b) => isSet(b.body.kms_key_id)),
  },
  {
    id: "CKV_AWS_134",
    why: "without snapshots a lost cache cannot be restored",
    fix: "set cache.snapshotRetentionDays >= 1",
    check: eachBlock(caches, (b) => Number(b.body.snapshot_retention_limit ?? 0) > 0),
  },
  {
    id: "CKV_AWS_21",
    why: "versioning keeps overwritten and deleted objects recoverable",
    fix: "use SecureBucket (it adds aws_s3_bucket_versioning with status Enabled)",
    check: bucketCompanion(
      "aws_s3_bucket_versioning",
      (c) => single(c.body.versioning_configuration).status === "Enabled",
    ),
  },
  {
    id: "CKV2_AWS_6",
    why: "every bucket needs a public access block",
    fix: "use SecureBucket (it adds aws_s3_bucket_public_access_block)",
    check: bucketCompanion("aws_s3_bucket_public_access_block"),
  },
  {
    id: "CKV_AWS_53",
    why: "public ACLs must be blocked",
    fix: "set blockPublicAcls: true",
    check: publicAccessFlag("block_public_acls"),
  },
  {
    id: "CKV_AWS_54",
    why: "public bucket policies must be blocked",
    fix: "set blockPublicPolicy: true",
    check: publicAccessFlag("block_public_policy"),
  },
  {
    id: "CKV_AWS_55",
    why: "public ACLs must be ignored",
    fix: "set ignorePublicAcls: true",
    check: publicAccessFlag("ignore_public_acls"),
  },
  {
    id: "CKV_AWS_56",
    why: "public access through policies must be restricted",
    fix: "set restrictPublicBuckets: true",
    check: publicAccessFlag("restrict_public_buckets"),
  },
  {
    id: "CKV_AWS_145",
    why: "bucket contents should be encrypted with a customer-managed KMS key",
    fix: "give SecureBucket a kmsKeyArn",
    check: bucketCompanion("aws_s3_bucket_server_side_encryption_configuration", (c) =>
      list(c.body.rule).some(
        (r) => single(single(r).apply_server_side_encryption_by_default).sse_algorithm === "aws:kms",
      ),
    ),
  },
  {
    id: "CKV_AWS_18",
    why: "S3 access logs show who read or changed what",
    fix: "give SecureBucket an accessLogsBucket",
    check: bucketCompanion("aws_s3_bucket_logging"),
  },
  {
    id: "CKV2_AWS_61",
    why: "without a lifecycle, old versions and failed uploads pile up forever",
    fix: "use SecureBucket (it adds a lifecycle configuration)",
    check: bucketCompanion("aws_s3_bucket_lifecycle_configuration"),
  },
  {
    id: "CKV_AWS_37",
    why: "control-plane logs are the audit trail of the cluster",
    fix: `set enabledLogTypes to ${CONTROL_PLANE_LOGS.join(", ")}`,
    check: eachBlock(eks, (b) => CONTROL_PLANE_LOGS.every((t) => list(b.body.enabled_log_types).includes(t))),
  },
  {
    id: "CKV_AWS_38",
    why: "a public API endpoint must be limited to known CIDRs",
    fix: "set cluster.endpointPublicAccessCidrs to the operators' and CI's ranges",
    check: eachBlock(eks, (b) => {
      if (b.body.endpoint_public_access !== true) return true;
      const cidrs = list(b.body.endpoint_public_access_cidrs);
      return cidrs.length > 0 && !cidrs.includes("0.0.0.0/0");
    }),
  },
  {
    id: "CKV_AWS_39",
    why: "a public API endpoint is reachable from the internet",
    fix: "set endpointPublicAccess: false and reach the API through the VPC",
    check: eachBlock(eks, (b) => b.body.endpoint_public_access !== true),
  },
  {
    id: "CKV_AWS_58",
    why: "Kubernetes secrets must be envelope-encrypted with KMS",
    fix: 'set encryptionConfig { provider_key_arn, resources: ["secrets"] }',
    check: eachBlock(eks, (b) => {
      const config = single(b.body.encryption_config);
      return (
        list(config.resources).includes("secrets") &&
        (isSet(config.provider_key_arn) || b.body.create_kms_key !== false)
      );
    }),
  },
  {
    id: "CKV_AWS_79",
    why: "IMDSv1 lets any request forger on a node read its credentials",
    fix: 'set metadata_options.http_tokens: "required" on every node group and launch template',
    check: (doc) => {
      const groups = eks(doc).flatMap((b) =>
        Object.entries((b.body.eks_managed_node_groups ?? {}) as Record<string, unknown>).map(([name, g]) => ({
          address: `${b.address}.eks_managed_node_groups.${name}`,
          tokens: single(single(g).metadata_options).http_tokens,
        })),
      );
      const templates = resources(doc, "aws_launch_template", "aws_instance").map((b) => ({
        address: b.address,
        tokens: single(b.body.metadata_options).http_tokens,
      }));
      return [...groups, ...templates].filter((x) => x.tokens !== "required").map((x) => ({ address: x.address }));
    },
  },
  {
    id: "CKV2_AWS_11",
    why: "VPC flow logs are needed to investigate network incidents",
    fix: "set enableFlowLog: true on the VPC module",
    check: eachBlock(vpc, (b) => b.body.enable_flow_log === true),
  },
  {
    id: "CKV2_AWS_12",
    why: "the default security group lets every member talk to every other",
    fix: "set manageDefaultSecurityGroup: true with empty ingress and egress",
    check: eachBlock(
      vpc,
      (b) =>
        b.body.manage_default_security_group === true &&
        list(b.body.default_security_group_ingress).length === 0 &&
        list(b.body.default_security_group_egress).length === 0,
    ),
  },
  {
    id: "CKV_AWS_158",
    why: "log groups hold sensitive data and must be encrypted with our key",
    fix: "pass the environment key to every log group (flow logs, EKS, RDS, aws_cloudwatch_log_group)",
    check: (doc) => {
      const missing = (address: string, creates: boolean, key: unknown) =>
        creates && !isSet(key) ? [{ address }] : [];
      return [
        ...vpc(doc).flatMap((b) =>
          missing(
            b.address,
            b.body.enable_flow_log === true && b.body.create_flow_log_cloudwatch_log_group === true,
            b.body.flow_log_cloudwatch_log_group_kms_key_id,
          ),
        ),
        ...eks(doc).flatMap((b) =>
          missing(b.address, b.body.create_cloudwatch_log_group !== false, b.body.cloudwatch_log_group_kms_key_id),
        ),
        ...modules(doc, RDS_MODULE.source).flatMap((b) =>
          missing(b.address, b.body.create_cloudwatch_log_group === true, b.body.cloudwatch_log_group_kms_key_id),
        ),
        ...resources(doc, "aws_cloudwatch_log_group").flatMap((b) => missing(b.address, true, b.body.kms_key_id)),
      ];
    },
  },
  {
    id: "CKV_AWS_24",
    why: "SSH must not be open to the internet",
    fix: "remove the 0.0.0.0/0 rule on port 22 (use SSM Session Manager)",
    check: openToInternet(22),
  },
  {
    id: "CKV_AWS_25",
    why: "RDP must not be open to the internet",
    fix: "remove the 0.0.0.0/0 rule on port 3389",
    check: openToInternet(3389),
  },
  {
    id: "CKV_AWS_260",
    why: "port 80 must not be open to the internet on a security group",
    fix: "expose HTTP only through the load balancer the Gateway creates",
    check: openToInternet(80),
  },
  {
    id: "CKV_AWS_277",
    why: "no security group may admit all traffic from the internet",
    fix: "replace the rule with one port from a referenced security group",
    check: openToInternet("all"),
  },
  {
    id: "CKV_AWS_7",
    why: "KMS keys must rotate",
    fix: "set enableKeyRotation: true (KmsKey does)",
    check: eachBlock(
      (doc) => resources(doc, "aws_kms_key"),
      (b) => b.body.enable_key_rotation === true,
    ),
  },
  {
    id: "CKV_AWS_149",
    why: "secrets should be encrypted with the environment's customer-managed key",
    fix: "give ManagedSecret the environment's kmsKeyArn",
    check: eachBlock(
      (doc) => resources(doc, "aws_secretsmanager_secret"),
      (b) => isSet(b.body.kms_key_id),
    ),
  },
  {
    id: "CKV_AWS_136",
    why: "images should be encrypted with the environment's customer-managed key",
    fix: 'set encryptionConfiguration { encryptionType: "KMS", kmsKey }',
    check: eachBlock(
      (doc) => resources(doc, "aws_ecr_repository"),
      (b) => single(b.body.encryption_configuration).encryption_type === "KMS",
    ),
  },
  {
    id: "CKV_AWS_51",
    why: "a mutable tag can be overwritten, so a deploy may run something never reviewed",
    fix: 'set imageTagMutability: "IMMUTABLE"',
    check: eachBlock(
      (doc) => resources(doc, "aws_ecr_repository"),
      (b) => b.body.image_tag_mutability === "IMMUTABLE",
    ),
  },
  {
    id: "CKV_AWS_163",
    why: "images must be scanned for known vulnerabilities when pushed",
    fix: "set imageScanningConfiguration { scanOnPush: true }",
    check: eachBlock(
      (doc) => resources(doc, "aws_ecr_repository"),
      (b) => single(b.body.image_scanning_configuration).scan_on_push === true,
    ),
  },
  {
    id: "CKV_AWS_274",
    why: "AdministratorAccess gives a role everything, including IAM itself",
    fix: "attach a narrower policy (the CI roles use explicit allow-lists of their stacks' resource types)",
    check: eachBlock(
      (doc) => resources(doc, "aws_iam_role_policy_attachment"),
      (b) => !String(b.body.policy_arn).endsWith(":policy/AdministratorAccess"),
    ),
  },
];
