import * as fs from "node:fs";
import * as path from "node:path";
import { WAIVER_RULES, waiversFor } from "../../config/waivers";
import { ALL_RULES, evaluatePolicy, formatViolation, type StackDocument, type Waiver } from "../../modules/policy";
import { literalSecrets } from "../../modules/policy/project-rules";
import { loadEnvironments } from "../../config";

type Json = Record<string, unknown>;
const KEY = "${aws_kms_key.k.arn}";
const BUCKET = "${aws_s3_bucket.b.id}";

const BOUNDARY = "arn:aws:iam::1:policy/x-boundary";
const policy = (...Statement: Json[]) => JSON.stringify({ Version: "2012-10-17", Statement });
/** A trust policy for GitHub's OIDC tokens of exactly one subject. */
const githubTrust = (subject: string, match = "StringEquals") =>
  policy({
    Effect: "Allow",
    Principal: { Federated: "${aws_iam_openid_connect_provider.p.arn}" },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition:
      match === "StringEquals"
        ? {
            StringEquals: {
              "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
              "token.actions.githubusercontent.com:sub": [subject],
            },
          }
        : {
            StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
            StringLike: { "token.actions.githubusercontent.com:sub": [subject] },
          },
  });

/** One of everything the rules look at, every setting compliant. */
function compliantStack(): Json {
  return {
    // Bucket "b" holds this stack's own state (as the bootstrap stack's bucket does).
    terraform: { backend: { s3: { bucket: "b" } } },
    provider: { aws: [{ default_tags: [{ tags: { Environment: "test" } }] }] },
    module: {
      postgres: {
        source: "terraform-aws-modules/rds/aws",
        version: "6.13.1",
        storage_encrypted: true,
        publicly_accessible: false,
        deletion_protection: true,
        skip_final_snapshot: false,
        backup_retention_period: 7,
        multi_az: true,
        monitoring_interval: 60,
        enabled_cloudwatch_logs_exports: ["postgresql"],
        iam_database_authentication_enabled: true,
        performance_insights_enabled: true,
        performance_insights_kms_key_id: KEY,
        auto_minor_version_upgrade: true,
        create_cloudwatch_log_group: true,
        cloudwatch_log_group_kms_key_id: KEY,
      },
      eks: {
        source: "terraform-aws-modules/eks/aws",
        version: "21.11.0",
        enabled_log_types: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        endpoint_public_access: false,
        encryption_config: { provider_key_arn: KEY, resources: ["secrets"] },
        cloudwatch_log_group_kms_key_id: KEY,
        iam_role_permissions_boundary: BOUNDARY,
        eks_managed_node_groups: {
          spot: { metadata_options: { http_tokens: "required" }, iam_role_permissions_boundary: BOUNDARY },
        },
      },
      vpc: {
        source: "terraform-aws-modules/vpc/aws",
        version: "6.5.1",
        enable_flow_log: true,
        create_flow_log_cloudwatch_log_group: true,
        flow_log_cloudwatch_log_group_kms_key_id: KEY,
        manage_default_security_group: true,
        default_security_group_ingress: [],
        default_security_group_egress: [],
      },
    },
    resource: {
      aws_kms_key: { k: { enable_key_rotation: true, lifecycle: { prevent_destroy: true } } },
      aws_elasticache_replication_group: {
        c: {
          at_rest_encryption_enabled: "true",
          transit_encryption_enabled: true,
          auth_token: "${random_password.t.result}",
          kms_key_id: KEY,
          snapshot_retention_limit: 1,
          automatic_failover_enabled: true,
          final_snapshot_identifier: "c-final",
        },
      },
      aws_s3_bucket: { b: { bucket: "b", lifecycle: { prevent_destroy: true } } },
      aws_cloudtrail: {
        t: {
          advanced_event_selector: [
            {
              field_selector: [
                { field: "eventCategory", equals: ["Data"] },
                { field: "resources.type", equals: ["AWS::S3::Object"] },
                { field: "resources.ARN", starts_with: ["${aws_s3_bucket.b.arn}/"] },
              ],
            },
          ],
        },
      },
      aws_s3_bucket_versioning: { v: { bucket: BUCKET, versioning_configuration: { status: "Enabled" } } },
      aws_s3_bucket_public_access_block: {
        p: {
          bucket: BUCKET,
          block_public_acls: true,
          block_public_policy: true,
          ignore_public_acls: true,
          restrict_public_buckets: true,
        },
      },
      aws_s3_bucket_server_side_encryption_configuration: {
        e: {
          bucket: BUCKET,
          rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: KEY } }],
        },
      },
      aws_s3_bucket_logging: { l: { bucket: BUCKET, target_bucket: "logs" } },
      aws_s3_bucket_lifecycle_configuration: { lc: { bucket: BUCKET, rule: [] } },
      aws_security_group: {
        sg: { ingress: [{ cidr_blocks: ["10.0.0.0/8"], from_port: 0, to_port: 65535, protocol: "-1" }] },
      },
      aws_vpc_security_group_ingress_rule: {
        r: { cidr_ipv4: "0.0.0.0/0", from_port: 443, to_port: 443, ip_protocol: "tcp" },
      },
      aws_cloudwatch_log_group: { g: { kms_key_id: KEY } },
      aws_secretsmanager_secret: { s: { kms_key_id: KEY } },
      aws_ecr_repository: {
        r: {
          image_tag_mutability: "IMMUTABLE",
          lifecycle: { prevent_destroy: true },
          image_scanning_configuration: { scan_on_push: true },
          encryption_configuration: [{ encryption_type: "KMS", kms_key: KEY }],
        },
      },
      aws_iam_role_policy_attachment: { a: { policy_arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" } },
      aws_iam_role: {
        deploy: { name: "x-deploy", assume_role_policy: githubTrust("repo:o/infra:environment:prod") },
        pr: { name: "x-pr-plan", assume_role_policy: githubTrust("repo:o/infra:pull_request") },
        svc: {
          name: "x-svc",
          assume_role_policy: policy({
            Effect: "Allow",
            Principal: { Service: "pods.eks.amazonaws.com" },
            Action: "sts:AssumeRole",
          }),
          permissions_boundary: BOUNDARY,
        },
      },
      aws_iam_role_policy: {
        deploy: {
          role: "${aws_iam_role.deploy.name}",
          policy: policy(
            {
              Effect: "Allow",
              Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"],
              Resource: "arn:aws:iam::1:role/x-*",
              Condition: { StringEquals: { "iam:PermissionsBoundary": BOUNDARY } },
            },
            {
              Effect: "Deny",
              Action: ["iam:Put*", "iam:Attach*"],
              Resource: ["arn:aws:iam::1:role/x-deploy", BOUNDARY],
            },
          ),
        },
        pr: {
          role: "${aws_iam_role.pr.name}",
          policy: policy(
            { Effect: "Deny", Action: ["secretsmanager:GetSecretValue"], Resource: "*" },
            { Effect: "Deny", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::state/env/data.tfstate"] },
          ),
        },
      },
      helm_release: { h: { chart: "x", version: "v1.2.3" } },
      kubernetes_deployment_v1: {
        d: {
          metadata: { name: "app", namespace: "app" },
          spec: {
            template: {
              spec: {
                security_context: { seccomp_profile: { type: "RuntimeDefault" } },
                container: [
                  {
                    name: "app",
                    image: "123.dkr.ecr.us-east-1.amazonaws.com/app:1.4.2",
                    liveness_probe: { http_get: { path: "/health" } },
                    readiness_probe: { http_get: { path: "/ready" } },
                    resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "500m", memory: "1Gi" } },
                    security_context: {
                      privileged: false,
                      allow_privilege_escalation: false,
                      read_only_root_filesystem: true,
                      capabilities: { drop: ["ALL"] },
                    },
                  },
                ],
              },
            },
          },
        },
      },
    },
  };
}

/** Sets a value at a path of keys and list indexes. */
function set(doc: Json, path: (string | number)[], value: unknown): void {
  let node = doc as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
}

const M = (...p: (string | number)[]) => ["module", ...p];
const R = (...p: (string | number)[]) => ["resource", ...p];
const CONTAINER = R("kubernetes_deployment_v1", "d", "spec", "template", "spec", "container", 0);
const POD = R("kubernetes_deployment_v1", "d", "spec", "template", "spec");

/** For each rule: the one change that breaks it. */
const BREAK: Record<string, (doc: Json) => void> = {
  CKV_AWS_16: (d) => set(d, M("postgres", "storage_encrypted"), false),
  CKV_AWS_17: (d) => set(d, M("postgres", "publicly_accessible"), true),
  CKV_AWS_293: (d) => set(d, M("postgres", "deletion_protection"), false),
  CKV_AWS_157: (d) => set(d, M("postgres", "multi_az"), false),
  CKV_AWS_118: (d) => set(d, M("postgres", "monitoring_interval"), 0),
  CKV_AWS_129: (d) => set(d, M("postgres", "enabled_cloudwatch_logs_exports"), []),
  CKV_AWS_161: (d) => set(d, M("postgres", "iam_database_authentication_enabled"), false),
  CKV_AWS_353: (d) => set(d, M("postgres", "performance_insights_enabled"), false),
  CKV_AWS_354: (d) => set(d, M("postgres", "performance_insights_kms_key_id"), undefined),
  CKV_AWS_226: (d) => set(d, M("postgres", "auto_minor_version_upgrade"), false),
  CKV_AWS_29: (d) => set(d, R("aws_elasticache_replication_group", "c", "at_rest_encryption_enabled"), "false"),
  CKV_AWS_30: (d) => set(d, R("aws_elasticache_replication_group", "c", "transit_encryption_enabled"), false),
  CKV_AWS_31: (d) => set(d, R("aws_elasticache_replication_group", "c", "auth_token"), undefined),
  CKV_AWS_191: (d) => set(d, R("aws_elasticache_replication_group", "c", "kms_key_id"), undefined),
  CKV_AWS_134: (d) => set(d, R("aws_elasticache_replication_group", "c", "snapshot_retention_limit"), 0),
  CKV_AWS_21: (d) => set(d, R("aws_s3_bucket_versioning", "v", "versioning_configuration"), { status: "Suspended" }),
  CKV2_AWS_6: (d) => set(d, R("aws_s3_bucket_public_access_block"), {}),
  CKV_AWS_53: (d) => set(d, R("aws_s3_bucket_public_access_block", "p", "block_public_acls"), false),
  CKV_AWS_54: (d) => set(d, R("aws_s3_bucket_public_access_block", "p", "block_public_policy"), false),
  CKV_AWS_55: (d) => set(d, R("aws_s3_bucket_public_access_block", "p", "ignore_public_acls"), false),
  CKV_AWS_56: (d) => set(d, R("aws_s3_bucket_public_access_block", "p", "restrict_public_buckets"), false),
  CKV_AWS_145: (d) =>
    set(d, R("aws_s3_bucket_server_side_encryption_configuration", "e", "rule"), [
      { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } },
    ]),
  CKV_AWS_18: (d) => set(d, R("aws_s3_bucket_logging", "l", "bucket"), "${aws_s3_bucket.other.id}"),
  CKV2_AWS_61: (d) => set(d, R("aws_s3_bucket_lifecycle_configuration"), {}),
  CKV_AWS_37: (d) => set(d, M("eks", "enabled_log_types"), ["api", "audit"]),
  CKV_AWS_38: (d) => {
    set(d, M("eks", "endpoint_public_access"), true);
    set(d, M("eks", "endpoint_public_access_cidrs"), ["0.0.0.0/0"]);
  },
  CKV_AWS_39: (d) => {
    set(d, M("eks", "endpoint_public_access"), true);
    set(d, M("eks", "endpoint_public_access_cidrs"), ["203.0.113.0/24"]);
  },
  CKV_AWS_58: (d) => set(d, M("eks", "encryption_config"), { resources: [] }),
  CKV_AWS_79: (d) => set(d, M("eks", "eks_managed_node_groups", "spot", "metadata_options", "http_tokens"), "optional"),
  CKV2_AWS_11: (d) => set(d, M("vpc", "enable_flow_log"), false),
  CKV2_AWS_12: (d) => set(d, M("vpc", "default_security_group_ingress"), [{ self: "true" }]),
  CKV_AWS_158: (d) => set(d, R("aws_cloudwatch_log_group", "g", "kms_key_id"), undefined),
  CKV_AWS_24: (d) =>
    set(d, R("aws_vpc_security_group_ingress_rule", "r"), {
      cidr_ipv4: "0.0.0.0/0",
      from_port: 22,
      to_port: 22,
      ip_protocol: "tcp",
    }),
  CKV_AWS_25: (d) =>
    set(d, R("aws_vpc_security_group_ingress_rule", "r"), {
      cidr_ipv4: "0.0.0.0/0",
      from_port: 3389,
      to_port: 3389,
      ip_protocol: "tcp",
    }),
  CKV_AWS_260: (d) =>
    set(d, R("aws_vpc_security_group_ingress_rule", "r"), {
      cidr_ipv4: "0.0.0.0/0",
      from_port: 80,
      to_port: 80,
      ip_protocol: "tcp",
    }),
  CKV_AWS_277: (d) => set(d, R("aws_security_group", "sg", "ingress", 0, "cidr_blocks"), ["0.0.0.0/0"]),
  CKV_AWS_7: (d) => set(d, R("aws_kms_key", "k", "enable_key_rotation"), false),
  CKV_AWS_149: (d) => set(d, R("aws_secretsmanager_secret", "s", "kms_key_id"), undefined),
  CKV_AWS_136: (d) => set(d, R("aws_ecr_repository", "r", "encryption_configuration"), [{ encryption_type: "AES256" }]),
  CKV_AWS_51: (d) => set(d, R("aws_ecr_repository", "r", "image_tag_mutability"), "MUTABLE"),
  CKV_AWS_163: (d) => set(d, R("aws_ecr_repository", "r", "image_scanning_configuration"), { scan_on_push: false }),
  CKV_AWS_274: (d) =>
    set(d, R("aws_iam_role_policy_attachment", "a", "policy_arn"), "arn:aws:iam::aws:policy/AdministratorAccess"),
  CKV_K8S_8: (d) => set(d, [...CONTAINER, "liveness_probe"], undefined),
  CKV_K8S_9: (d) => set(d, [...CONTAINER, "readiness_probe"], undefined),
  CKV_K8S_10: (d) => set(d, [...CONTAINER, "resources", "requests"], { memory: "512Mi" }),
  CKV_K8S_11: (d) => set(d, [...CONTAINER, "resources", "limits"], { memory: "1Gi" }),
  CKV_K8S_12: (d) => set(d, [...CONTAINER, "resources", "requests"], { cpu: "250m" }),
  CKV_K8S_13: (d) => set(d, [...CONTAINER, "resources", "limits"], { cpu: "500m" }),
  CKV_K8S_14: (d) => set(d, [...CONTAINER, "image"], "123.dkr.ecr.us-east-1.amazonaws.com/app:latest"),
  CKV_K8S_16: (d) => set(d, [...CONTAINER, "security_context", "privileged"], true),
  CKV_K8S_20: (d) => set(d, [...CONTAINER, "security_context", "allow_privilege_escalation"], true),
  CKV_K8S_22: (d) => set(d, [...CONTAINER, "security_context", "read_only_root_filesystem"], false),
  CKV_K8S_28: (d) => set(d, [...CONTAINER, "security_context", "capabilities"], { drop: ["SYS_ADMIN"] }),
  CKV_K8S_37: (d) => set(d, [...CONTAINER, "security_context", "capabilities"], { drop: ["NET_RAW"] }),
  CKV_K8S_31: (d) => set(d, [...POD, "security_context"], {}),
  CKV_K8S_21: (d) => set(d, R("kubernetes_deployment_v1", "d", "metadata", "namespace"), "default"),
  OWN_NO_LITERAL_SECRETS: (d) => set(d, R("aws_elasticache_replication_group", "c", "auth_token"), "hunter2hunter2"),
  OWN_PROD_DATA_PROTECTION: (d) => set(d, M("postgres", "backup_retention_period"), 1),
  OWN_MODULE_VERSION_PINNED: (d) => set(d, M("vpc", "version"), "~> 6.5"),
  OWN_HELM_CHART_PINNED: (d) => set(d, R("helm_release", "h", "version"), ">= 1.0"),
  OWN_ENVIRONMENT_TAG: (d) => set(d, ["provider", "aws"], [{ default_tags: [{ tags: { Project: "x" } }] }]),
  OWN_GITHUB_TRUST_EXACT: (d) =>
    set(d, R("aws_iam_role", "pr", "assume_role_policy"), githubTrust("repo:o/*:pull_request", "StringLike")),
  OWN_DEPLOY_TRUST_ENVIRONMENT_ONLY: (d) =>
    set(d, R("aws_iam_role", "deploy", "assume_role_policy"), githubTrust("repo:o/infra:ref:refs/heads/main")),
  OWN_PULL_REQUEST_NO_SECRETS: (d) =>
    set(
      d,
      R("aws_iam_role_policy", "pr", "policy"),
      policy({ Effect: "Allow", Action: "secretsmanager:Get*", Resource: "*" }),
    ),
  OWN_DEPLOY_ROLE_BOUNDED: (d) =>
    set(
      d,
      R("aws_iam_role_policy", "deploy", "policy"),
      policy({ Effect: "Allow", Action: "iam:CreateRole", Resource: "arn:aws:iam::1:role/x-*" }),
    ),
  OWN_ACCOUNT_TRUST_NARROWED: (d) =>
    set(
      d,
      R("aws_iam_role", "pr", "assume_role_policy"),
      policy({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "sts:AssumeRole" }),
    ),
  OWN_IAM_BOUNDARY: (d) => set(d, M("eks", "eks_managed_node_groups", "spot", "iam_role_permissions_boundary"), ""),
};

const doc = (json: Json, production = true): StackDocument => ({ stack: "test-stack", production, json });

describe("policy rules", () => {
  it("has at least 30 rules, each with a distinct id", () => {
    const ids = ALL_RULES.map((r) => r.id);
    expect(ids.length).toBeGreaterThanOrEqual(30);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("has a failing fixture for every rule", () => {
    expect(Object.keys(BREAK).sort()).toEqual(ALL_RULES.map((r) => r.id).sort());
  });

  it.each(ALL_RULES.map((r) => [r.id, r] as const))(
    "%s passes the compliant fixture and fails its broken one",
    (_id, rule) => {
      expect(rule.check(doc(compliantStack()))).toEqual([]);
      const broken = compliantStack();
      BREAK[rule.id](broken);
      expect(rule.check(doc(broken)).length).toBeGreaterThan(0);
    },
  );

  it("applies production-only rules to production stacks only", () => {
    const broken = compliantStack();
    BREAK.OWN_PROD_DATA_PROTECTION(broken);
    const rule = ALL_RULES.find((r) => r.id === "OWN_PROD_DATA_PROTECTION");
    expect(rule?.check(doc(broken, false))).toEqual([]);
  });

  it.each([
    ["a single-AZ database", (d: Json) => set(d, M("postgres", "multi_az"), false), /not Multi-AZ/],
    [
      "one NAT gateway for every zone",
      (d: Json) => {
        set(d, M("vpc", "enable_nat_gateway"), true);
        set(d, M("vpc", "single_nat_gateway"), true);
      },
      /not one NAT gateway per zone/,
    ],
    [
      "a cache without a final snapshot",
      (d: Json) => set(d, R("aws_elasticache_replication_group", "c", "final_snapshot_identifier"), null),
      /no final snapshot/,
    ],
    [
      "a KMS key a plan can destroy",
      (d: Json) => set(d, R("aws_kms_key", "k", "lifecycle"), {}),
      /can be destroyed by a plan/,
    ],
    [
      "a state bucket without a trail of its object reads",
      (d: Json) => set(d, ["resource", "aws_cloudtrail"], {}),
      /reads of the state are not recorded/,
    ],
    [
      "a trail of the state bucket that records management events only",
      (d: Json) =>
        set(d, R("aws_cloudtrail", "t", "advanced_event_selector", 0, "field_selector", 0, "equals"), ["Management"]),
      /reads of the state are not recorded/,
    ],
    [
      "a trail of another bucket's objects",
      (d: Json) =>
        set(d, R("aws_cloudtrail", "t", "advanced_event_selector", 0, "field_selector", 2, "starts_with"), [
          "${aws_s3_bucket.other.arn}/",
        ]),
      /reads of the state are not recorded/,
    ],
    [
      "an image repository a plan can destroy",
      (d: Json) => set(d, R("aws_ecr_repository", "r", "lifecycle"), {}),
      /can be destroyed by a plan/,
    ],
  ])("holds the production floor on its own: fails %s in production only", (_name, breakIt, detail) => {
    const broken = compliantStack();
    breakIt(broken);
    const rule = ALL_RULES.find((r) => r.id === "OWN_PROD_DATA_PROTECTION");
    expect(rule?.check(doc(broken)).map((f) => f.detail)).toEqual([expect.stringMatching(detail)]);
    expect(rule?.check(doc(broken, false))).toEqual([]);
  });

  it("asks a data-event trail only of the bucket that holds the stack's state", () => {
    const json = compliantStack();
    set(json, ["resource", "aws_cloudtrail"], {});
    set(json, ["terraform", "backend", "s3", "bucket"], "a-bucket-of-another-stack");
    const rule = ALL_RULES.find((r) => r.id === "OWN_PROD_DATA_PROTECTION");
    expect(rule?.check(doc(json))).toEqual([]);
  });

  it("finds literal secrets, but not in Kubernetes annotation and label keys that only name one", () => {
    expect(literalSecrets({ spec: { password: "hunter2hunter2" } })).toEqual([
      { path: "spec.password", value: "hunter2hunter2" },
    ]);
    expect(
      literalSecrets({ metadata: { annotations: { "secret.reloader.stakater.com/reload": "app-secrets" } } }),
    ).toEqual([]);
  });

  it("reads module inputs, not only resources", () => {
    const broken = compliantStack();
    BREAK.CKV_AWS_16(broken);
    expect(evaluatePolicy([doc(broken)], []).violations.map((v) => `${v.address} ${v.rule}`)).toEqual([
      "module.postgres CKV_AWS_16",
    ]);
  });
});

describe("policy gate", () => {
  const broken = () => {
    const json = compliantStack();
    BREAK.CKV_AWS_39(json);
    return doc(json);
  };
  const waiver = (over: Partial<Waiver> = {}): Waiver => ({
    stack: "test-stack",
    address: "module.eks",
    rule: "CKV_AWS_39",
    reason: "reached from known CIDRs only",
    ...over,
  });

  it("reports a violation as <stack> <address> <RULE-ID> <why> <how to fix>", () => {
    const [violation] = evaluatePolicy([broken()], []).violations;
    expect(formatViolation(violation)).toBe(
      "test-stack module.eks CKV_AWS_39 a public API endpoint is reachable from the internet. Fix: set endpointPublicAccess: false and reach the API through the VPC.",
    );
  });

  it("accepts a violation covered by a waiver with a reason", () => {
    const report = evaluatePolicy([broken()], [waiver()]);
    expect(report.violations).toEqual([]);
    expect(report.waived).toHaveLength(1);
    expect(report.waiverProblems).toEqual([]);
  });

  it("matches waiver addresses with * for construct hashes", () => {
    expect(evaluatePolicy([broken()], [waiver({ address: "module.e*" })]).violations).toEqual([]);
    expect(evaluatePolicy([broken()], [waiver({ address: "*.eks" })]).violations).toEqual([]);
  });

  it.each([
    ["another address", { address: "module.rds" }],
    ["an address the violation only starts with", { address: "module.ek" }],
    ["an address with more after it", { address: "module.eks.x" }],
    ["a pattern whose dot is literal", { address: "module-eks" }],
    ["another stack", { stack: "other-stack" }],
    ["another rule", { rule: "CKV_AWS_38" }],
  ])("does not cover a violation with a waiver for %s", (_name, over) => {
    const report = evaluatePolicy([broken()], [waiver(over)]);
    expect(report.violations.map((v) => `${v.address} ${v.rule}`)).toEqual(["module.eks CKV_AWS_39"]);
    expect(report.waived).toEqual([]);
  });

  it("does not call a waiver of a stack outside this evaluation unused", () => {
    const report = evaluatePolicy([broken()], [waiver(), waiver({ stack: "prod-cluster" })]);
    expect(report.waiverProblems).toEqual([]);
  });

  it("reports, for each waiver, exactly the problems it has", () => {
    const report = evaluatePolicy(
      [broken()],
      [waiver(), waiver({ rule: "NOT_A_RULE", reason: "short" }), waiver({ reason: "a reason long enough" })],
    );
    expect(report.waiverProblems).toEqual([
      "waiver test-stack module.eks NOT_A_RULE: a waiver needs a reason",
      "waiver test-stack module.eks NOT_A_RULE: no such rule",
      "waiver test-stack module.eks NOT_A_RULE: matches no violation any more; remove it",
      "waiver test-stack module.eks CKV_AWS_39: matches no violation any more; remove it",
    ]);
    expect(report.waived.map((w) => w.waiver.reason)).toEqual(["reached from known CIDRs only"]);
  });

  it("accepts a reason of 10 characters and refuses one of 9 (spaces around do not count)", () => {
    expect(evaluatePolicy([broken()], [waiver({ reason: "  ten chars!  " })]).waiverProblems).toEqual([]);
    expect(evaluatePolicy([broken()], [waiver({ reason: " nine char " })]).waiverProblems).toEqual([
      "waiver test-stack module.eks CKV_AWS_39: a waiver needs a reason",
    ]);
  });

  it("fails on a waiver without a reason", () => {
    expect(evaluatePolicy([broken()], [waiver({ reason: "" })]).waiverProblems).toEqual([
      "waiver test-stack module.eks CKV_AWS_39: a waiver needs a reason",
    ]);
  });

  it("fails on a waiver that no longer matches anything, or names no rule", () => {
    const compliant = doc(compliantStack());
    expect(evaluatePolicy([compliant], [waiver(), waiver({ rule: "CKV_NOPE" })]).waiverProblems).toEqual([
      "waiver test-stack module.eks CKV_NOPE: no such rule",
      "waiver test-stack module.eks CKV_AWS_39: matches no violation any more; remove it",
      "waiver test-stack module.eks CKV_NOPE: matches no violation any more; remove it",
    ]);
  });
});

describe("policy documentation", () => {
  // Prettier pads table cells; compare with runs of spaces collapsed.
  const squeeze = (text: string) => text.replace(/ +/g, " ");
  const policyDoc = squeeze(fs.readFileSync(path.join(__dirname, "../../docs/policy.md"), "utf8"));

  it("lists every rule in docs/policy.md", () => {
    for (const rule of ALL_RULES) expect(policyDoc).toContain(squeeze(`| ${rule.id} | ${rule.why} |`));
  });

  it("lists every waiver with when it applies and its reason in docs/policy.md", () => {
    for (const w of WAIVER_RULES)
      expect(policyDoc).toContain(squeeze(`| ${w.concern} | \`${w.address}\` | ${w.rule} | ${w.when} | ${w.reason} |`));
  });

  it("derives waivers from settings, never from an environment's name", () => {
    const names = waiversFor(loadEnvironments()).map((w) => `${w.stack} ${w.rule}`);
    expect(names).toContain("dev-data CKV_AWS_157");
    expect(names).not.toContain("prod-data CKV_AWS_157");
    expect(names).not.toContain("prod-cluster CKV_AWS_39");
  });
});
