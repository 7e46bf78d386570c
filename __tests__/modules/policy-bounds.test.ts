/**
 * Each branch of each AWS rule of the policy gate, on the smallest document that reaches it: the
 * value just inside passes, the one just outside is found. (policy.test.ts has one compliant
 * stack and one break per rule; this file covers the other branches.)
 */
import { ALL_RULES, type StackDocument } from "../../modules/policy";

type Json = Record<string, unknown>;
const KEY = "${aws_kms_key.k.arn}";

function findings(ruleId: string, json: Json): string[] {
  const rule = ALL_RULES.find((r) => r.id === ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  const doc: StackDocument = { stack: "s", production: false, json };
  return rule.check(doc).map((f) => f.address);
}

const rds = (body: Json) => ({ module: { db: { source: "terraform-aws-modules/rds/aws", ...body } } });
const eks = (body: Json) => ({ module: { eks: { source: "terraform-aws-modules/eks/aws", ...body } } });
const vpc = (body: Json) => ({ module: { vpc: { source: "terraform-aws-modules/vpc/aws", ...body } } });
const cache = (body: Json) => ({ resource: { aws_elasticache_replication_group: { c: body } } });
const resource = (type: string, body: Json) => ({ resource: { [type]: { r: body } } });
const withBucket = (type: string, body: Json) => ({
  resource: { aws_s3_bucket: { b: { bucket: "b" } }, [type]: { x: { bucket: "${aws_s3_bucket.b.id}", ...body } } },
});
const ingress = (type: string, body: Json) => ({ resource: { [type]: { i: body } } });

/** [rule, what, document, the addresses found] */
const CASES: [string, string, Json, string[]][] = [
  ["CKV_AWS_118", "monitoring every second", rds({ monitoring_interval: 1 }), []],
  ["CKV_AWS_118", "no monitoring interval", rds({}), ["module.db"]],
  ["CKV_AWS_118", "monitoring off", rds({ monitoring_interval: 0 }), ["module.db"]],
  ["CKV_AWS_129", "one log export", rds({ enabled_cloudwatch_logs_exports: ["postgresql"] }), []],
  ["CKV_AWS_129", "no log exports", rds({}), ["module.db"]],
  ["CKV_AWS_354", "Performance Insights off, no key", rds({ performance_insights_enabled: false }), []],
  [
    "CKV_AWS_354",
    "Performance Insights with a key",
    rds({ performance_insights_enabled: true, performance_insights_kms_key_id: KEY }),
    [],
  ],
  ["CKV_AWS_354", "Performance Insights without a key", rds({ performance_insights_enabled: true }), ["module.db"]],
  ["CKV_AWS_226", "minor upgrades by default", rds({}), []],
  ["CKV_AWS_226", "minor upgrades off", rds({ auto_minor_version_upgrade: false }), ["module.db"]],
  ["CKV_AWS_16", "an aws_db_instance unencrypted", resource("aws_db_instance", {}), ["aws_db_instance.r"]],
  ["CKV_AWS_17", "an aws_db_instance private by default", resource("aws_db_instance", {}), []],
  ["CKV_AWS_29", "encryption at rest as a boolean", cache({ at_rest_encryption_enabled: true }), []],
  [
    "CKV_AWS_29",
    'encryption at rest "false"',
    cache({ at_rest_encryption_enabled: "false" }),
    ["aws_elasticache_replication_group.c"],
  ],
  ["CKV_AWS_30", 'transit encryption "true"', cache({ transit_encryption_enabled: "true" }), []],
  ["CKV_AWS_30", "no transit encryption", cache({}), ["aws_elasticache_replication_group.c"]],
  [
    "CKV_AWS_31",
    "AUTH without transit encryption",
    cache({ auth_token: "${random_password.t.result}" }),
    ["aws_elasticache_replication_group.c"],
  ],
  [
    "CKV_AWS_31",
    "transit encryption without AUTH",
    cache({ transit_encryption_enabled: true }),
    ["aws_elasticache_replication_group.c"],
  ],
  [
    "CKV_AWS_31",
    "an empty AUTH token",
    cache({ transit_encryption_enabled: true, auth_token: "" }),
    ["aws_elasticache_replication_group.c"],
  ],
  ["CKV_AWS_191", "a cache without its key", cache({}), ["aws_elasticache_replication_group.c"]],
  ["CKV_AWS_134", "one day of snapshots", cache({ snapshot_retention_limit: 1 }), []],
  ["CKV_AWS_134", "no snapshots", cache({ snapshot_retention_limit: 0 }), ["aws_elasticache_replication_group.c"]],
  ["CKV_AWS_134", "snapshots unset", cache({}), ["aws_elasticache_replication_group.c"]],
  [
    "CKV_AWS_21",
    "versioning suspended",
    withBucket("aws_s3_bucket_versioning", { versioning_configuration: { status: "Suspended" } }),
    ["aws_s3_bucket.b"],
  ],
  [
    "CKV_AWS_21",
    "versioning of another bucket",
    {
      resource: {
        aws_s3_bucket: { b: { bucket: "b" } },
        aws_s3_bucket_versioning: {
          v: { bucket: "${aws_s3_bucket.other.id}", versioning_configuration: { status: "Enabled" } },
        },
      },
    },
    ["aws_s3_bucket.b"],
  ],
  [
    "CKV_AWS_21",
    "versioning written as a list",
    withBucket("aws_s3_bucket_versioning", { versioning_configuration: [{ status: "Enabled" }] }),
    [],
  ],
  [
    "CKV2_AWS_6",
    "a bucket without a public access block",
    { resource: { aws_s3_bucket: { b: { bucket: "b" } } } },
    ["aws_s3_bucket.b"],
  ],
  [
    "CKV_AWS_53",
    "public ACLs not blocked",
    withBucket("aws_s3_bucket_public_access_block", {
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    }),
    ["aws_s3_bucket.b"],
  ],
  [
    "CKV_AWS_54",
    "public policies not blocked",
    withBucket("aws_s3_bucket_public_access_block", {
      block_public_acls: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    }),
    ["aws_s3_bucket.b"],
  ],
  [
    "CKV_AWS_55",
    "public ACLs not ignored",
    withBucket("aws_s3_bucket_public_access_block", {
      block_public_acls: true,
      block_public_policy: true,
      restrict_public_buckets: true,
    }),
    ["aws_s3_bucket.b"],
  ],
  [
    "CKV_AWS_56",
    "public buckets not restricted",
    withBucket("aws_s3_bucket_public_access_block", {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
    }),
    ["aws_s3_bucket.b"],
  ],
  [
    "CKV_AWS_56",
    "public buckets restricted",
    withBucket("aws_s3_bucket_public_access_block", { restrict_public_buckets: true }),
    [],
  ],
  [
    "CKV_AWS_145",
    "SSE-S3",
    withBucket("aws_s3_bucket_server_side_encryption_configuration", {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
    }),
    ["aws_s3_bucket.b"],
  ],
  [
    "CKV_AWS_145",
    "SSE-KMS in a second rule",
    withBucket("aws_s3_bucket_server_side_encryption_configuration", {
      rule: [
        { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } },
        { apply_server_side_encryption_by_default: [{ sse_algorithm: "aws:kms" }] },
      ],
    }),
    [],
  ],
  ["CKV_AWS_18", "access logging", withBucket("aws_s3_bucket_logging", {}), []],
  ["CKV2_AWS_61", "a lifecycle", withBucket("aws_s3_bucket_lifecycle_configuration", {}), []],
  ["CKV2_AWS_61", "no lifecycle", { resource: { aws_s3_bucket: { b: { bucket: "b" } } } }, ["aws_s3_bucket.b"]],
  [
    "CKV_AWS_37",
    "every control-plane log",
    eks({ enabled_log_types: ["scheduler", "api", "audit", "authenticator", "controllerManager"] }),
    [],
  ],
  [
    "CKV_AWS_37",
    "a control-plane log missing",
    eks({ enabled_log_types: ["api", "audit", "authenticator", "controllerManager"] }),
    ["module.eks"],
  ],
  ["CKV_AWS_38", "a private endpoint without CIDRs", eks({ endpoint_public_access: false }), []],
  [
    "CKV_AWS_38",
    "a public endpoint for known CIDRs",
    eks({ endpoint_public_access: true, endpoint_public_access_cidrs: ["198.18.0.0/24"] }),
    [],
  ],
  ["CKV_AWS_38", "a public endpoint without CIDRs", eks({ endpoint_public_access: true }), ["module.eks"]],
  [
    "CKV_AWS_38",
    "a public endpoint for everyone",
    eks({ endpoint_public_access: true, endpoint_public_access_cidrs: ["198.18.0.0/24", "0.0.0.0/0"] }),
    ["module.eks"],
  ],
  ["CKV_AWS_58", "secrets with the module's own key", eks({ encryption_config: { resources: ["secrets"] } }), []],
  [
    "CKV_AWS_58",
    "secrets with no key at all",
    eks({ encryption_config: { resources: ["secrets"] }, create_kms_key: false }),
    ["module.eks"],
  ],
  [
    "CKV_AWS_58",
    "our key for secrets",
    eks({ encryption_config: { resources: ["secrets"], provider_key_arn: KEY }, create_kms_key: false }),
    [],
  ],
  [
    "CKV_AWS_58",
    "our key for nothing",
    eks({ encryption_config: { resources: [], provider_key_arn: KEY } }),
    ["module.eks"],
  ],
  [
    "CKV_AWS_79",
    "a node group allowing IMDSv1",
    eks({
      eks_managed_node_groups: {
        a: { metadata_options: { http_tokens: "required" } },
        b: { metadata_options: { http_tokens: "optional" } },
      },
    }),
    ["module.eks.eks_managed_node_groups.b"],
  ],
  [
    "CKV_AWS_79",
    "a launch template allowing IMDSv1",
    resource("aws_launch_template", { metadata_options: { http_tokens: "optional" } }),
    ["aws_launch_template.r"],
  ],
  [
    "CKV_AWS_79",
    "an instance requiring IMDSv2",
    resource("aws_instance", { metadata_options: [{ http_tokens: "required" }] }),
    [],
  ],
  ["CKV_AWS_79", "an instance without metadata options", resource("aws_instance", {}), ["aws_instance.r"]],
  ["CKV2_AWS_11", "no flow logs", vpc({}), ["module.vpc"]],
  ["CKV2_AWS_12", "the default group unmanaged", vpc({}), ["module.vpc"]],
  [
    "CKV2_AWS_12",
    "the default group with an ingress rule",
    vpc({ manage_default_security_group: true, default_security_group_ingress: [{ self: true }] }),
    ["module.vpc"],
  ],
  [
    "CKV2_AWS_12",
    "the default group with an egress rule",
    vpc({ manage_default_security_group: true, default_security_group_egress: [{ self: true }] }),
    ["module.vpc"],
  ],
  ["CKV2_AWS_12", "the default group emptied", vpc({ manage_default_security_group: true }), []],
  [
    "CKV_AWS_158",
    "flow logs to a group without our key",
    vpc({ enable_flow_log: true, create_flow_log_cloudwatch_log_group: true }),
    ["module.vpc"],
  ],
  ["CKV_AWS_158", "flow logs to a destination the module does not create", vpc({ enable_flow_log: true }), []],
  ["CKV_AWS_158", "no flow logs but a group setting", vpc({ create_flow_log_cloudwatch_log_group: true }), []],
  ["CKV_AWS_158", "EKS creating its log group without our key", eks({}), ["module.eks"]],
  ["CKV_AWS_158", "EKS not creating its log group", eks({ create_cloudwatch_log_group: false }), []],
  [
    "CKV_AWS_158",
    "RDS creating its log group without our key",
    rds({ create_cloudwatch_log_group: true }),
    ["module.db"],
  ],
  ["CKV_AWS_158", "RDS not creating a log group", rds({}), []],
  ["CKV_AWS_158", "a log group with our key", resource("aws_cloudwatch_log_group", { kms_key_id: KEY }), []],
  [
    "CKV_AWS_158",
    "a log group without our key",
    resource("aws_cloudwatch_log_group", {}),
    ["aws_cloudwatch_log_group.r"],
  ],
  [
    "CKV_AWS_24",
    "SSH inside a range open to the internet",
    ingress("aws_security_group_rule", { type: "ingress", cidr_blocks: ["0.0.0.0/0"], from_port: 20, to_port: 22 }),
    ["aws_security_group_rule.i"],
  ],
  [
    "CKV_AWS_24",
    "a range open to the internet that stops before SSH",
    ingress("aws_security_group_rule", { type: "ingress", cidr_blocks: ["0.0.0.0/0"], from_port: 20, to_port: 21 }),
    [],
  ],
  [
    "CKV_AWS_24",
    "a range open to the internet that starts after SSH",
    ingress("aws_security_group_rule", { cidr_blocks: ["0.0.0.0/0"], from_port: 23, to_port: 25 }),
    [],
  ],
  [
    "CKV_AWS_24",
    "an egress rule to the internet on 22",
    ingress("aws_security_group_rule", { type: "egress", cidr_blocks: ["0.0.0.0/0"], from_port: 22, to_port: 22 }),
    [],
  ],
  [
    "CKV_AWS_24",
    "SSH from a private range",
    ingress("aws_vpc_security_group_ingress_rule", {
      cidr_ipv4: "10.0.0.0/8",
      from_port: 22,
      to_port: 22,
      ip_protocol: "tcp",
    }),
    [],
  ],
  [
    "CKV_AWS_24",
    "every protocol from the internet",
    ingress("aws_vpc_security_group_ingress_rule", { cidr_ipv4: "0.0.0.0/0", ip_protocol: "-1" }),
    ["aws_vpc_security_group_ingress_rule.i"],
  ],
  [
    "CKV_AWS_25",
    "RDP inline from the internet",
    {
      resource: {
        aws_security_group: {
          g: { ingress: [{ cidr_blocks: ["0.0.0.0/0"], from_port: 3389, to_port: 3389, protocol: "tcp" }] },
        },
      },
    },
    ["aws_security_group.g"],
  ],
  [
    "CKV_AWS_260",
    "HTTP from the internet",
    ingress("aws_vpc_security_group_ingress_rule", {
      cidr_ipv4: "0.0.0.0/0",
      from_port: 80,
      to_port: 80,
      ip_protocol: "tcp",
    }),
    ["aws_vpc_security_group_ingress_rule.i"],
  ],
  [
    "CKV_AWS_260",
    "HTTPS from the internet",
    ingress("aws_vpc_security_group_ingress_rule", {
      cidr_ipv4: "0.0.0.0/0",
      from_port: 443,
      to_port: 443,
      ip_protocol: "tcp",
    }),
    [],
  ],
  [
    "CKV_AWS_277",
    "every port from the internet",
    ingress("aws_security_group_rule", { cidr_blocks: ["0.0.0.0/0"], from_port: 0, to_port: 65535, protocol: "tcp" }),
    ["aws_security_group_rule.i"],
  ],
  [
    "CKV_AWS_277",
    "all but port 0 from the internet",
    ingress("aws_security_group_rule", { cidr_blocks: ["0.0.0.0/0"], from_port: 1, to_port: 65535, protocol: "tcp" }),
    [],
  ],
  [
    "CKV_AWS_277",
    "all but the last port from the internet",
    ingress("aws_security_group_rule", { cidr_blocks: ["0.0.0.0/0"], from_port: 0, to_port: 65534, protocol: "tcp" }),
    [],
  ],
  [
    "CKV_AWS_277",
    "a rule without ports (all of them)",
    ingress("aws_security_group_rule", { cidr_blocks: ["0.0.0.0/0"] }),
    ["aws_security_group_rule.i"],
  ],
  ["CKV_AWS_7", "a key that does not rotate", resource("aws_kms_key", {}), ["aws_kms_key.r"]],
  [
    "CKV_AWS_149",
    "a secret without our key",
    resource("aws_secretsmanager_secret", {}),
    ["aws_secretsmanager_secret.r"],
  ],
  [
    "CKV_AWS_136",
    "a repository with AES256",
    resource("aws_ecr_repository", { encryption_configuration: [{ encryption_type: "AES256" }] }),
    ["aws_ecr_repository.r"],
  ],
  [
    "CKV_AWS_51",
    "mutable tags",
    resource("aws_ecr_repository", { image_tag_mutability: "MUTABLE" }),
    ["aws_ecr_repository.r"],
  ],
  [
    "CKV_AWS_163",
    "no scan on push",
    resource("aws_ecr_repository", { image_scanning_configuration: { scan_on_push: false } }),
    ["aws_ecr_repository.r"],
  ],
  [
    "CKV_AWS_274",
    "AdministratorAccess attached",
    resource("aws_iam_role_policy_attachment", { policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess" }),
    ["aws_iam_role_policy_attachment.r"],
  ],
  [
    "CKV_AWS_274",
    "a policy whose name only contains it",
    resource("aws_iam_role_policy_attachment", { policy_arn: "arn:aws:iam::1:policy/AdministratorAccessReview" }),
    [],
  ],
];

describe("AWS rules, branch by branch", () => {
  it.each(CASES)("%s: %s", (rule, _what, json, found) => {
    expect(findings(rule, json)).toEqual(found);
  });
});

const GITHUB = "token.actions.githubusercontent.com";
const doc = (statement: Json) => JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
const trust = (condition: Json) =>
  doc({
    Effect: "Allow",
    Principal: { Federated: "${aws_iam_openid_connect_provider.p.arn}" },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: condition,
  });
const exact = (sub: string) => ({ StringEquals: { [`${GITHUB}:aud`]: "sts.amazonaws.com", [`${GITHUB}:sub`]: [sub] } });
/** A role `r` named `x-r` with a trust policy, inline statements and managed policies. */
const role = (assume: string, statements: Json[] = [], managed: string[] = [], extra: Json = {}) => ({
  resource: {
    aws_iam_role: { r: { name: "x-r", assume_role_policy: assume, ...extra } },
    ...(statements.length
      ? {
          aws_iam_role_policy: {
            p: { role: "${aws_iam_role.r.name}", policy: JSON.stringify({ Statement: statements }) },
          },
        }
      : {}),
    ...(managed.length
      ? {
          aws_iam_role_policy_attachment: Object.fromEntries(
            managed.map((m, i) => [`a${i}`, { role: "x-r", policy_arn: m }]),
          ),
        }
      : {}),
  },
});
const ENV = "repo:o/infra:environment:prod";
const PR = "repo:o/infra:pull_request";
const BOUNDED = { StringEquals: { "iam:PermissionsBoundary": "arn:aws:iam::1:policy/b" } };
const SELF_DENY = {
  Effect: "Deny",
  Action: ["iam:PutRolePolicy", "iam:AttachRolePolicy"],
  Resource: "arn:aws:iam::1:role/x-r",
};
const PR_DENIES = [
  { Effect: "Deny", Action: "secretsmanager:GetSecretValue", Resource: "*" },
  { Effect: "Deny", Action: "s3:GetObject", Resource: "arn:aws:s3:::state/prod/data.tfstate" },
];
const details = (ruleId: string, json: Json) => {
  const rule = ALL_RULES.find((r) => r.id === ruleId);
  return rule?.check({ stack: "s", production: false, json }).map((f) => f.detail) ?? [];
};

const IAM_CASES: [string, string, Json, string[]][] = [
  ["OWN_GITHUB_TRUST_EXACT", "an exact subject and audience", role(trust(exact(ENV))), []],
  [
    "OWN_GITHUB_TRUST_EXACT",
    "no audience",
    role(trust({ StringEquals: { [`${GITHUB}:sub`]: ENV } })),
    ["audience not pinned to sts.amazonaws.com"],
  ],
  [
    "OWN_GITHUB_TRUST_EXACT",
    "another audience",
    role(trust({ StringEquals: { [`${GITHUB}:aud`]: "x", [`${GITHUB}:sub`]: ENV } })),
    ["audience not pinned to sts.amazonaws.com"],
  ],
  [
    "OWN_GITHUB_TRUST_EXACT",
    "subjects as patterns",
    role(
      trust({
        StringEquals: { [`${GITHUB}:aud`]: "sts.amazonaws.com" },
        StringLike: { [`${GITHUB}:sub`]: "repo:o/infra:*" },
      }),
    ),
    ["subjects matched as patterns (StringLike)", "wildcard subject repo:o/infra:*"],
  ],
  [
    "OWN_GITHUB_TRUST_EXACT",
    "no subject",
    role(trust({ StringEquals: { [`${GITHUB}:aud`]: "sts.amazonaws.com" } })),
    ["no subject condition: any repository could assume it"],
  ],
  [
    "OWN_GITHUB_TRUST_EXACT",
    "a role for a service",
    role(doc({ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: "sts:AssumeRole" })),
    [],
  ],
  ["OWN_GITHUB_TRUST_EXACT", "a trust policy that is not JSON", role("not json"), []],
  [
    "OWN_DEPLOY_TRUST_ENVIRONMENT_ONLY",
    "PowerUserAccess from an environment",
    role(trust(exact(ENV)), [], ["arn:aws:iam::aws:policy/PowerUserAccess"]),
    [],
  ],
  [
    "OWN_DEPLOY_TRUST_ENVIRONMENT_ONLY",
    "PowerUserAccess from a branch",
    role(trust(exact("repo:o/infra:ref:refs/heads/main")), [], ["arn:aws:iam::aws:policy/PowerUserAccess"]),
    ["deploy rights trusted outside a reviewed GitHub environment: repo:o/infra:ref:refs/heads/main"],
  ],
  [
    "OWN_DEPLOY_TRUST_ENVIRONMENT_ONLY",
    "IAM writes from a branch",
    role(trust(exact("repo:o/infra:ref:refs/heads/main")), [{ Effect: "Allow", Action: "iam:*", Resource: "*" }]),
    ["deploy rights trusted outside a reviewed GitHub environment: repo:o/infra:ref:refs/heads/main"],
  ],
  [
    "OWN_DEPLOY_TRUST_ENVIRONMENT_ONLY",
    "read-only from a branch",
    role(trust(exact("repo:o/infra:ref:refs/heads/main")), [], ["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
    [],
  ],
  [
    "OWN_PULL_REQUEST_NO_SECRETS",
    "a pull-request role with both denies",
    role(trust(exact(PR)), PR_DENIES, ["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
    [],
  ],
  [
    "OWN_PULL_REQUEST_NO_SECRETS",
    "a pull-request role that reads secrets",
    role(trust(exact(PR)), [...PR_DENIES, { Effect: "Allow", Action: "secretsmanager:Get*", Resource: "*" }]),
    ["may read secret values"],
  ],
  [
    "OWN_PULL_REQUEST_NO_SECRETS",
    "a pull-request role with SecretsManagerReadWrite",
    role(trust(exact(PR)), PR_DENIES, ["arn:aws:iam::aws:policy/SecretsManagerReadWrite"]),
    ["may read secret values"],
  ],
  [
    "OWN_PULL_REQUEST_NO_SECRETS",
    "a pull-request role without the secrets deny",
    role(trust(exact(PR)), [PR_DENIES[1]]),
    ["no explicit deny of secretsmanager:GetSecretValue"],
  ],
  [
    "OWN_PULL_REQUEST_NO_SECRETS",
    "a pull-request role without the state deny",
    role(trust(exact(PR)), [PR_DENIES[0]]),
    ["no explicit deny of the state that holds secrets (s3:GetObject)"],
  ],
  ["OWN_PULL_REQUEST_NO_SECRETS", "an environment role without denies", role(trust(exact(ENV))), []],
  [
    "OWN_DEPLOY_ROLE_BOUNDED",
    "bounded grants and a deny on itself",
    role(trust(exact(ENV)), [
      { Effect: "Allow", Action: "iam:CreateRole", Resource: "*", Condition: BOUNDED },
      SELF_DENY,
    ]),
    [],
  ],
  [
    "OWN_DEPLOY_ROLE_BOUNDED",
    "unbounded grants",
    role(trust(exact(ENV)), [{ Effect: "Allow", Action: "iam:PutRolePolicy", Resource: "*" }, SELF_DENY]),
    ["creates or grants roles without requiring the permissions boundary"],
  ],
  [
    "OWN_DEPLOY_ROLE_BOUNDED",
    "everything but IAM (NotAction)",
    role(trust(exact(ENV)), [{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }]),
    [],
  ],
  [
    "OWN_DEPLOY_ROLE_BOUNDED",
    "NotAction that leaves IAM allowed",
    role(trust(exact(ENV)), [{ Effect: "Allow", NotAction: "s3:*", Resource: "*" }, SELF_DENY]),
    ["creates or grants roles without requiring the permissions boundary"],
  ],
  [
    "OWN_DEPLOY_ROLE_BOUNDED",
    "a deny on another role",
    role(trust(exact(ENV)), [
      { Effect: "Allow", Action: "iam:CreateRole", Resource: "*", Condition: BOUNDED },
      { ...SELF_DENY, Resource: "arn:aws:iam::1:role/x-other" },
    ]),
    ["no explicit deny of IAM writes on its own role x-r"],
  ],
  [
    "OWN_DEPLOY_ROLE_BOUNDED",
    "a deny of one write only",
    role(trust(exact(ENV)), [
      { Effect: "Allow", Action: "iam:CreateRole", Resource: "*", Condition: BOUNDED },
      { ...SELF_DENY, Action: "iam:PutRolePolicy" },
    ]),
    ["no explicit deny of IAM writes on its own role x-r"],
  ],
  [
    "OWN_DEPLOY_ROLE_BOUNDED",
    "IAMFullAccess attached",
    role(trust(exact(ENV)), [SELF_DENY], ["arn:aws:iam::aws:policy/IAMFullAccess"]),
    [],
  ],
  [
    "OWN_DEPLOY_ROLE_BOUNDED",
    "IAMFullAccess without the deny",
    role(trust(exact(ENV)), [], ["arn:aws:iam::aws:policy/IAMFullAccess"]),
    ["no explicit deny of IAM writes on its own role x-r"],
  ],
  [
    "OWN_IAM_BOUNDARY",
    "a service role with a boundary",
    role(doc({ Effect: "Allow", Principal: { Service: "x" }, Action: "sts:AssumeRole" }), [], [], {
      permissions_boundary: "b",
    }),
    [],
  ],
  [
    "OWN_IAM_BOUNDARY",
    "a service role without",
    role(doc({ Effect: "Allow", Principal: { Service: "x" }, Action: "sts:AssumeRole" })),
    ["role x-r has no permissions boundary"],
  ],
  ["OWN_IAM_BOUNDARY", "a GitHub role without (made by people)", role(trust(exact(ENV))), []],
];

describe("IAM rules, branch by branch", () => {
  it.each(IAM_CASES)("%s: %s", (rule, _what, json, found) => {
    expect(details(rule, json)).toEqual(found);
  });

  it.each([
    ["the cluster role", { source: "terraform-aws-modules/eks/aws" }, "the cluster role has no permissions boundary"],
    [
      "a node group's role",
      {
        source: "terraform-aws-modules/eks/aws",
        iam_role_permissions_boundary: "b",
        eks_managed_node_groups: { spot: {} },
      },
      "node group spot's role has no permissions boundary",
    ],
    [
      "the flow-log role",
      { source: "terraform-aws-modules/vpc/aws", create_flow_log_cloudwatch_iam_role: true },
      "the flow-log role has no permissions boundary",
    ],
    [
      "the monitoring role",
      { source: "terraform-aws-modules/rds/aws", create_monitoring_role: true },
      "the monitoring role has no permissions boundary",
    ],
  ])("asks a boundary of %s a module creates", (_what, module, detail) => {
    expect(details("OWN_IAM_BOUNDARY", { module: { m: module } })).toEqual([detail]);
  });

  it.each([
    ["a VPC without a flow-log role", { source: "terraform-aws-modules/vpc/aws" }],
    ["an RDS without a monitoring role", { source: "terraform-aws-modules/rds/aws" }],
    ["another module", { source: "x/y/aws" }],
  ])("asks nothing of %s", (_what, module) => {
    expect(details("OWN_IAM_BOUNDARY", { module: { m: module } })).toEqual([]);
  });
});

const pod = (container: Json, podSpec: Json = {}, type = "kubernetes_deployment_v1") => ({
  resource: {
    [type]: {
      w: {
        metadata: { namespace: "app" },
        spec: { template: { spec: { ...podSpec, container: [{ name: "c", ...container }] } } },
      },
    },
  },
});

const KUBERNETES_CASES: [string, string, Json, number][] = [
  ["CKV_K8S_14", "an image by digest", pod({ image: "r/app@sha256:abc" }), 0],
  ["CKV_K8S_14", "an image without a tag", pod({ image: "r/app" }), 1],
  ["CKV_K8S_14", "an image tagged latest", pod({ image: "r/app:latest" }), 1],
  ["CKV_K8S_14", "a registry port but no tag", pod({ image: "registry:5000/app" }), 1],
  ["CKV_K8S_14", "a registry port and a tag", pod({ image: "registry:5000/app:1.2.3" }), 0],
  ["CKV_K8S_14", "an empty tag", pod({ image: "r/app:" }), 1],
  ["CKV_K8S_14", "no image", pod({}), 1],
  ["CKV_K8S_28", "NET_RAW dropped", pod({ security_context: { capabilities: { drop: ["NET_RAW"] } } }), 0],
  ["CKV_K8S_28", "nothing dropped", pod({}), 1],
  ["CKV_K8S_37", "NET_RAW dropped but not ALL", pod({ security_context: { capabilities: { drop: ["NET_RAW"] } } }), 1],
  [
    "CKV_K8S_31",
    "seccomp on the container",
    pod({ security_context: { seccomp_profile: { type: "RuntimeDefault" } } }),
    0,
  ],
  ["CKV_K8S_31", "an unconfined pod", pod({}, { security_context: { seccomp_profile: { type: "Unconfined" } } }), 1],
  ["CKV_K8S_16", "not privileged by default", pod({}), 0],
  ["CKV_K8S_16", "privileged", pod({ security_context: { privileged: true } }), 1],
  ["CKV_K8S_20", "escalation unset", pod({}), 1],
  ["CKV_K8S_22", "a writable root unset", pod({}), 1],
  ["CKV_K8S_8", "an empty liveness probe", pod({ liveness_probe: {} }), 1],
  [
    "CKV_K8S_10",
    "a CPU request in a stateful set",
    pod({ resources: { requests: { cpu: "1" } } }, {}, "kubernetes_stateful_set_v1"),
    0,
  ],
  [
    "CKV_K8S_11",
    "no CPU limit in a daemon set",
    pod({ resources: { requests: { cpu: "1" } } }, {}, "kubernetes_daemon_set_v1"),
    1,
  ],
  ["CKV_K8S_12", "a memory request as a list", pod({ resources: [{ requests: [{ memory: "1Gi" }] }] }), 0],
  ["CKV_K8S_13", "no memory limit", pod({ resources: { limits: { cpu: "1" } } }), 1],
];

describe("Kubernetes rules, branch by branch", () => {
  it.each(KUBERNETES_CASES)("%s: %s", (rule, _what, json, count) => {
    expect(findings(rule, json)).toHaveLength(count);
  });

  it.each([
    ["a namespaced object in default", { kubernetes_service_v1: { s: { metadata: { namespace: "default" } } } }, 1],
    ["a namespaced object without a namespace", { kubernetes_config_map_v1: { c: { metadata: { name: "x" } } } }, 1],
    [
      "a namespaced object in its namespace",
      { kubernetes_config_map_v1: { c: { metadata: { namespace: "app" } } } },
      0,
    ],
    ["a namespace", { kubernetes_namespace_v1: { n: { metadata: { name: "app" } } } }, 0],
    ["a storage class", { kubernetes_storage_class_v1: { s: { metadata: { name: "gp3" } } } }, 0],
    ["a manifest", { kubernetes_manifest: { m: { manifest: {} } } }, 0],
    ["an AWS resource", { aws_s3_bucket: { b: {} } }, 0],
  ])("CKV_K8S_21: %s", (_what, resources, count) => {
    expect(findings("CKV_K8S_21", { resource: resources })).toHaveLength(count);
  });
});

const productionFindings = (json: Json) =>
  ALL_RULES.find((r) => r.id === "OWN_PROD_DATA_PROTECTION")
    ?.check({ stack: "s", production: true, json })
    .map((f) => `${f.address}: ${f.detail}`) ?? [];
const SAFE_DB = { deletion_protection: true, skip_final_snapshot: false, backup_retention_period: 7, multi_az: true };
const SAFE_CACHE = { snapshot_retention_limit: 1, automatic_failover_enabled: "true", final_snapshot_identifier: "f" };

describe("the production floor of the gate, branch by branch", () => {
  it.each([
    ["a database keeping 7 days of backups", rds(SAFE_DB), []],
    ["a database keeping 6", rds({ ...SAFE_DB, backup_retention_period: 6 }), ["module.db: backups kept < 7 days"]],
    [
      "a database with no backup setting",
      rds({ ...SAFE_DB, backup_retention_period: undefined }),
      ["module.db: backups kept < 7 days"],
    ],
    [
      "a database skipping its final snapshot",
      rds({ ...SAFE_DB, skip_final_snapshot: true }),
      ["module.db: no final snapshot"],
    ],
    [
      "an unprotected aws_db_instance",
      resource("aws_db_instance", { ...SAFE_DB, deletion_protection: false }),
      ["aws_db_instance.r: deletion protection is off"],
    ],
    ["a VPC without NAT", vpc({}), []],
    ["NAT per zone", vpc({ enable_nat_gateway: true, one_nat_gateway_per_az: true }), []],
    [
      "NAT per zone and single",
      vpc({ enable_nat_gateway: true, one_nat_gateway_per_az: true, single_nat_gateway: true }),
      ["module.vpc: not one NAT gateway per zone"],
    ],
    ["NAT, mode unset", vpc({ enable_nat_gateway: true }), ["module.vpc: not one NAT gateway per zone"]],
    ["a safe cache", cache(SAFE_CACHE), []],
    [
      "a cache without snapshots",
      cache({ ...SAFE_CACHE, snapshot_retention_limit: 0 }),
      ["aws_elasticache_replication_group.c: no snapshots"],
    ],
    [
      "a cache without failover",
      cache({ ...SAFE_CACHE, automatic_failover_enabled: false }),
      ["aws_elasticache_replication_group.c: no automatic failover"],
    ],
    [
      "a cache with an empty final snapshot name",
      cache({ ...SAFE_CACHE, final_snapshot_identifier: "" }),
      ["aws_elasticache_replication_group.c: no final snapshot"],
    ],
    ["a retained key", resource("aws_kms_key", { lifecycle: { prevent_destroy: true } }), []],
    ["a retained key written as a list", resource("aws_kms_key", { lifecycle: [{ prevent_destroy: true }] }), []],
    ["a bucket a plan can destroy", resource("aws_s3_bucket", {}), ["aws_s3_bucket.r: bucket can be destroyed"]],
    ["a secret (not protected by this rule)", resource("aws_secretsmanager_secret", {}), []],
  ])("%s", (_what, json, found) => {
    expect(productionFindings(json)).toEqual(found);
  });

  it("asks nothing of a stack whose backend is not S3", () => {
    const json = {
      terraform: { backend: { local: { path: "x" } } },
      resource: { aws_s3_bucket: { b: { bucket: "x", lifecycle: { prevent_destroy: true } } } },
    };
    expect(productionFindings(json)).toEqual([]);
  });
});

const projectFindings = (ruleId: string, json: Json) => findings(ruleId, json);

describe("project rules, branch by branch", () => {
  it.each([
    ["a password literal", { resource: { x: { y: { password: "hunter2hunter2" } } } }, ["resource.x.y.password"]],
    [
      "a token in a list",
      { resource: { x: { y: { items: [{ token: "abc123abc123" }] } } } },
      ["resource.x.y.items[0].token"],
    ],
    ["a reference", { resource: { x: { y: { password: "${random_password.p.result}" } } } }, []],
    ["a secret's name", { resource: { x: { y: { secretName: "app-secrets", secret_key: "k", secretRef: "r" } } } }, []],
    ["a flag under a secret-like key", { resource: { x: { y: { secret: "true", token: "required" } } } }, []],
    ["an ARN", { resource: { x: { y: { secret: "arn:aws:secretsmanager:us-east-1:1:secret:x" } } } }, []],
    ["cdktf metadata", { resource: { x: { y: { "//": { password: "p4ssword1234" } } } } }, []],
    ["a label key", { resource: { x: { y: { metadata: { labels: { token: "visible-value" } } } } } }, []],
    ["a number under a secret key", { resource: { x: { y: { password: 1234 } } } }, []],
  ])("OWN_NO_LITERAL_SECRETS: %s", (_what, json, found) => {
    expect(projectFindings("OWN_NO_LITERAL_SECRETS", json)).toEqual(found);
  });

  it.each([
    ["1.2.3", 0],
    ["v1.2.3", 0],
    ["~> 1.2", 1],
    ["1.2", 1],
    [">= 1.2.3", 1],
    ["1.2.3-rc1", 1],
  ])("OWN_MODULE_VERSION_PINNED and OWN_HELM_CHART_PINNED: version %s", (version, count) => {
    expect(projectFindings("OWN_MODULE_VERSION_PINNED", { module: { m: { source: "a/b/c", version } } })).toHaveLength(
      count,
    );
    expect(projectFindings("OWN_HELM_CHART_PINNED", { resource: { helm_release: { h: { version } } } })).toHaveLength(
      count,
    );
  });

  it.each([
    ["no AWS provider, an AWS resource", { provider: {}, resource: { aws_s3_bucket: { b: {} } } }, 1],
    ["no AWS provider, an AWS data source", { provider: {}, data: { aws_region: { r: {} } } }, 1],
    ["no AWS provider, a module", { provider: {}, module: { vpc: { source: "a/b/c" } } }, 1],
    ["no AWS provider and nothing of AWS (the GitHub settings)", { provider: { github: [{}] } }, 0],
    ["a provider without tags", { provider: { aws: [{}] } }, 1],
    [
      "an alias without the tag",
      { provider: { aws: [{ default_tags: [{ tags: { Environment: "p" } }] }, { alias: "x" }] } },
      1,
    ],
    ["every provider tagged", { provider: { aws: [{ default_tags: { tags: { Environment: "p" } } }] } }, 0],
  ])("OWN_ENVIRONMENT_TAG: %s", (_what, json, count) => {
    expect(projectFindings("OWN_ENVIRONMENT_TAG", json)).toHaveLength(count);
  });
});
