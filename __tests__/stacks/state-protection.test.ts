/**
 * State storage that protects itself (issue 21, point 3), decided by an IAM policy evaluator
 * (`@cloud-copilot/iam-simulate`, AWS's evaluation logic:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html) over
 * the synthesized bootstrap stack: its key policy, bucket policies, CI roles' policies and
 * permissions boundary, exactly as Terraform would create them. Each request row names who asks,
 * what, on which part of the state storage, and IAM's expected answer; positive controls show that
 * the people, Terraform and CloudTrail keep what they need, so the model cannot pass by denying all.
 *
 * The bootstrap stack is synthesized alone (it references no other stack).
 */
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { Testing } from "cdktf";
import {
  auditBucketName,
  ciRoleName,
  loadEnvironments,
  permissionsBoundaryName,
  resourcePrefix,
  stateBucketName,
  stateKey,
  stateKeyAlias,
  stateTrailName,
  type EnvironmentConfig,
} from "../../config";
import {
  GUARDED_BUCKET_ACTIONS,
  GUARDED_EVIDENCE_ACTIONS,
  GUARDED_KEY_ACTIONS,
  GUARDED_TRAIL_ACTIONS,
} from "../../modules/state-protection-statements";
import { BootstrapStack } from "../../stacks/bootstrap-stack";
import type { TerraformJson } from "../helpers";

type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";
type Body = Record<string, unknown>;
type Policy = { Version: string; Statement: unknown[] };

/**
 * AWS managed policies a role of the stack may carry, as AWS publishes them (their text is not in
 * the synth). PowerUserAccess v12:
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/PowerUserAccess.html;
 * AdministratorAccess (what the people's admin role is assumed to hold):
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AdministratorAccess.html
 */
const AWS_MANAGED_POLICIES: Record<string, Policy> = {
  "arn:aws:iam::aws:policy/PowerUserAccess": {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", NotAction: ["iam:*", "organizations:*", "account:*"], Resource: "*" },
      {
        Effect: "Allow",
        Action: [
          "account:GetAccountInformation",
          "account:GetGovCloudAccountInformation",
          "account:GetPrimaryEmail",
          "account:ListRegions",
          "iam:CreateServiceLinkedRole",
          "iam:DeleteServiceLinkedRole",
          "iam:ListRoles",
          "organizations:DescribeEffectivePolicy",
          "organizations:DescribeOrganization",
        ],
        Resource: "*",
      },
    ],
  },
  "arn:aws:iam::aws:policy/AdministratorAccess": {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
  },
};

/** The most any policy could grant: what a role the deploy role creates might carry. */
const EVERYTHING: Policy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

/** One environment's bootstrap stack, synthesized, with its references resolvable. */
class Bootstrap {
  readonly json: TerraformJson;
  readonly account: string;
  readonly region: string;

  constructor(readonly config: EnvironmentConfig) {
    const app = Testing.app();
    this.json = JSON.parse(Testing.synth(new BootstrapStack(app, { config }))) as TerraformJson;
    this.account = config.account.id;
    this.region = config.account.region;
  }

  resources(type: string): [string, Body][] {
    return Object.entries(this.json.resource?.[type] ?? {});
  }

  /** An identifier AWS assigns at apply (a key id) stands in as the Terraform logical id. */
  keyArn(logicalId = this.stateKeyId()): string {
    return `arn:aws:kms:${this.region}:${this.account}:key/${logicalId}`;
  }

  stateKeyId(): string {
    const [found] = this.resources("aws_kms_key").filter(([id]) => id.startsWith("state-key"));
    if (!found) throw new Error("no state key");
    return found[0];
  }

  /** A string with every `${type.id.attribute}` reference replaced by its value. */
  resolve(text: string): string {
    return text.replace(/\$\{(\w+)\.([\w-]+)\.(\w+)\}/g, (whole, type: string, id: string, attribute: string) => {
      const body = this.json.resource?.[type]?.[id];
      if (!body) throw new Error(`cannot resolve ${whole}`);
      const table: Record<string, Record<string, () => string>> = {
        aws_s3_bucket: {
          arn: () => `arn:aws:s3:::${String(body.bucket)}`,
          bucket: () => String(body.bucket),
          id: () => String(body.bucket),
        },
        aws_kms_key: { arn: () => this.keyArn(id), key_id: () => id, id: () => id },
        aws_iam_role: { name: () => String(body.name), id: () => String(body.name) },
        aws_iam_policy: { arn: () => `arn:aws:iam::${this.account}:policy/${String(body.name)}` },
      };
      const read = table[type]?.[attribute];
      if (!read) throw new Error(`cannot resolve ${whole}`);
      return read();
    });
  }

  policy(body: Body, attribute = "policy"): Policy {
    return JSON.parse(this.resolve(String(body[attribute]))) as Policy;
  }

  /** The resource policy of a bucket (by name) or of the state key. */
  bucketPolicy(bucketName: string): Policy | undefined {
    const found = this.resources("aws_s3_bucket_policy").filter(
      ([, b]) => this.resolve(String(b.bucket)) === bucketName,
    );
    if (found.length > 1) throw new Error(`${bucketName} has ${found.length} bucket policies`);
    return found[0] && this.policy(found[0][1]);
  }

  keyPolicy(): Policy {
    return this.policy(this.json.resource?.aws_kms_key?.[this.stateKeyId()] as Body);
  }

  /** Identity policies of a role of the stack: inline ones and attached ones. */
  identityPolicies(roleName: string): { name: string; policy: Policy }[] {
    const ofRole = (b: Body) => this.resolve(String(b.role)) === roleName;
    const inline = this.resources("aws_iam_role_policy")
      .filter(([, b]) => ofRole(b))
      .map(([id, b]) => ({ name: id, policy: this.policy(b) }));
    const attached = this.resources("aws_iam_role_policy_attachment")
      .filter(([, b]) => ofRole(b))
      .map(([id, b]) => ({ name: id, policy: this.managedPolicy(this.resolve(String(b.policy_arn))) }));
    if (inline.length + attached.length === 0) throw new Error(`no policy of role ${roleName}`);
    return [...inline, ...attached];
  }

  managedPolicy(arn: string): Policy {
    const aws = AWS_MANAGED_POLICIES[arn];
    if (aws) return aws;
    const [found] = this.resources("aws_iam_policy").filter(
      ([, b]) => `arn:aws:iam::${this.account}:policy/${String(b.name)}` === arn,
    );
    if (!found) throw new Error(`the policy ${arn} is neither in the stack nor a modelled AWS managed policy`);
    return this.policy(found[1]);
  }

  boundary(): Policy {
    return this.managedPolicy(`arn:aws:iam::${this.account}:policy/${permissionsBoundaryName(this.config)}`);
  }

  roleBoundary(roleName: string): { name: string; policy: Policy }[] {
    const [role] = this.resources("aws_iam_role").filter(([, b]) => b.name === roleName);
    if (!role) throw new Error(`the stack creates no role ${roleName}`);
    const arn = role[1].permissions_boundary;
    return arn ? [{ name: "boundary", policy: this.managedPolicy(this.resolve(String(arn))) }] : [];
  }
}

/** Who asks: a role session (with its policies) or an AWS service. */
interface Caller {
  readonly label: string;
  readonly principal: string;
  readonly identity: { name: string; policy: Policy }[];
  readonly boundary: { name: string; policy: Policy }[];
  readonly context: Record<string, string | string[]>;
}

/** A session of a role: `aws:PrincipalArn` is the role's ARN, whatever the session (IAM docs, condition-keys-principalarn). */
function roleSession(
  stack: Bootstrap,
  label: string,
  roleName: string,
  identity: Caller["identity"],
  boundary: Caller["boundary"] = [],
): Caller {
  return {
    label,
    principal: `arn:aws:sts::${stack.account}:assumed-role/${roleName}/session`,
    identity,
    boundary,
    context: {
      "aws:PrincipalArn": `arn:aws:iam::${stack.account}:role/${roleName}`,
      "aws:PrincipalAccount": stack.account,
      "aws:PrincipalType": "AssumedRole",
      "aws:SecureTransport": "true",
    },
  };
}

function callers(stack: Bootstrap) {
  const { config } = stack;
  const [admin] = config.state.adminRoleNames;
  const deployRole = ciRoleName(config, "deploy");
  return {
    deploy: roleSession(
      stack,
      "the deploy role",
      deployRole,
      stack.identityPolicies(deployRole),
      stack.roleBoundary(deployRole),
    ),
    admin: roleSession(stack, "the people's admin role", admin, [
      { name: "AdministratorAccess", policy: AWS_MANAGED_POLICIES["arn:aws:iam::aws:policy/AdministratorAccess"] },
    ]),
    // A role the deploy role creates: it must carry the boundary, and may carry any policy.
    bounded: roleSession(
      stack,
      "a role CI creates (any policy, the boundary)",
      `${resourcePrefix(config)}-made-by-ci`,
      [{ name: "anything", policy: EVERYTHING }],
      [{ name: "boundary", policy: stack.boundary() }],
    ),
  };
}

/** What is asked for: the target's ARN, its resource policy and the context keys it brings. */
interface Target {
  readonly label: string;
  readonly arn: string;
  readonly policy?: Policy;
  readonly context: Record<string, string | string[]>;
}

function targets(stack: Bootstrap): Record<string, Target> {
  const { config } = stack;
  const bucket = stateBucketName(config);
  const audit = auditBucketName(config);
  const stateBucket = { policy: stack.bucketPolicy(bucket), context: {} };
  const auditBucket = { policy: stack.bucketPolicy(audit), context: {} };
  return {
    key: {
      label: "the state key",
      arn: stack.keyArn(),
      policy: stack.keyPolicy(),
      context: { "kms:ResourceAliases": [stateKeyAlias(config)] },
    },
    bucket: { label: "the state bucket", arn: `arn:aws:s3:::${bucket}`, ...stateBucket },
    state: { label: "a state object", arn: `arn:aws:s3:::${bucket}/${stateKey(config, "data")}`, ...stateBucket },
    lock: {
      label: "a state lock file",
      arn: `arn:aws:s3:::${bucket}/${stateKey(config, "data")}.tflock`,
      ...stateBucket,
    },
    auditBucket: { label: "the audit bucket", arn: `arn:aws:s3:::${audit}`, ...auditBucket },
    auditLog: {
      label: "a trail log file",
      arn: `arn:aws:s3:::${audit}/AWSLogs/${stack.account}/CloudTrail/${config.account.region}/2026/01/01/log.json.gz`,
      ...auditBucket,
    },
    // A trail has no resource policy: identity policies and boundaries alone decide.
    trail: {
      label: "the state-access trail",
      arn: `arn:aws:cloudtrail:${config.account.region}:${stack.account}:trail/${stateTrailName(config)}`,
      context: {},
    },
  };
}

async function decide(
  caller: Caller,
  action: string,
  target: Target,
  extra: Record<string, string> = {},
): Promise<Decision> {
  const [service] = action.split(":");
  const simulation: Simulation = {
    request: {
      principal: caller.principal,
      action,
      resource: {
        resource: target.arn,
        accountId: target.arn.split(":")[4] || caller.context["aws:PrincipalAccount"].toString(),
      },
      contextVariables: { ...caller.context, ...(service === "kms" ? target.context : {}), ...extra },
    },
    identityPolicies: caller.identity,
    permissionBoundaryPolicies: caller.boundary,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: target.policy,
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === "error") throw new Error(`${caller.label} ${action}: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}

type Who = "deploy" | "admin" | "bounded";
type What = keyof ReturnType<typeof targets>;
type Row = [Who, string, What, Decision];

/** Nobody but the people changes or destroys the key, the buckets or their history. */
const KEY_AND_BUCKET_ROWS: Row[] = [
  ["deploy", "kms:PutKeyPolicy", "key", "ExplicitlyDenied"],
  ["deploy", "kms:ScheduleKeyDeletion", "key", "ExplicitlyDenied"],
  ["deploy", "kms:DisableKey", "key", "ExplicitlyDenied"],
  ["deploy", "kms:CreateGrant", "key", "ExplicitlyDenied"],
  ["deploy", "kms:DeleteAlias", "key", "ExplicitlyDenied"],
  ["deploy", "s3:PutBucketPolicy", "bucket", "ExplicitlyDenied"],
  ["deploy", "s3:DeleteBucketPolicy", "bucket", "ExplicitlyDenied"],
  ["deploy", "s3:DeleteBucket", "bucket", "ExplicitlyDenied"],
  ["deploy", "s3:PutBucketVersioning", "bucket", "ExplicitlyDenied"],
  ["deploy", "s3:PutLifecycleConfiguration", "bucket", "ExplicitlyDenied"],
  ["deploy", "s3:PutEncryptionConfiguration", "bucket", "ExplicitlyDenied"],
  ["deploy", "s3:PutBucketPublicAccessBlock", "bucket", "ExplicitlyDenied"],
  ["deploy", "s3:PutReplicationConfiguration", "bucket", "ExplicitlyDenied"],
  ["deploy", "s3:DeleteObjectVersion", "state", "ExplicitlyDenied"],
  ["bounded", "kms:PutKeyPolicy", "key", "ExplicitlyDenied"],
  ["bounded", "kms:ScheduleKeyDeletion", "key", "ExplicitlyDenied"],
  ["bounded", "s3:PutBucketPolicy", "bucket", "ExplicitlyDenied"],
  ["bounded", "s3:DeleteObjectVersion", "state", "ExplicitlyDenied"],
  // Positive controls: the people keep every right; Terraform keeps reading and writing state
  // (S3 asks KMS for a data key on a write and a decrypt on a read, in the caller's name).
  ["admin", "kms:PutKeyPolicy", "key", "Allowed"],
  ["admin", "kms:ScheduleKeyDeletion", "key", "Allowed"],
  ["admin", "s3:PutBucketPolicy", "bucket", "Allowed"],
  ["admin", "s3:DeleteBucketPolicy", "bucket", "Allowed"],
  ["admin", "s3:DeleteObjectVersion", "state", "Allowed"],
  ["deploy", "kms:Decrypt", "key", "Allowed"],
  ["deploy", "kms:GenerateDataKey", "key", "Allowed"],
  ["deploy", "kms:DescribeKey", "key", "Allowed"],
  ["deploy", "s3:ListBucket", "bucket", "Allowed"],
  ["deploy", "s3:GetObject", "state", "Allowed"],
  ["deploy", "s3:PutObject", "state", "Allowed"],
  ["deploy", "s3:PutObject", "lock", "Allowed"],
  ["deploy", "s3:DeleteObject", "lock", "Allowed"],
];

/** Nobody but the people silences the trail or touches its evidence. */
const TRAIL_ROWS: Row[] = [
  ["deploy", "cloudtrail:StopLogging", "trail", "ExplicitlyDenied"],
  ["deploy", "cloudtrail:DeleteTrail", "trail", "ExplicitlyDenied"],
  ["deploy", "cloudtrail:UpdateTrail", "trail", "ExplicitlyDenied"],
  ["deploy", "cloudtrail:PutEventSelectors", "trail", "ExplicitlyDenied"],
  ["deploy", "s3:PutBucketPolicy", "auditBucket", "ExplicitlyDenied"],
  ["deploy", "s3:PutLifecycleConfiguration", "auditBucket", "ExplicitlyDenied"],
  ["deploy", "s3:DeleteObject", "auditLog", "ExplicitlyDenied"],
  ["deploy", "s3:DeleteObjectVersion", "auditLog", "ExplicitlyDenied"],
  // The boundary is an allow-list with no CloudTrail action: nothing to deny explicitly.
  ["bounded", "cloudtrail:StopLogging", "trail", "ImplicitlyDenied"],
  ["bounded", "cloudtrail:DeleteTrail", "trail", "ImplicitlyDenied"],
  ["bounded", "s3:DeleteObject", "auditLog", "ExplicitlyDenied"],
  ["admin", "cloudtrail:StopLogging", "trail", "Allowed"],
  ["admin", "cloudtrail:DeleteTrail", "trail", "Allowed"],
  ["admin", "s3:DeleteObject", "auditLog", "Allowed"],
];

const environments = loadEnvironments();
const byName = (name: string) => environments.find((c) => c.name === name) as EnvironmentConfig;
const synthesized = new Map<string, Bootstrap>();
const bootstrapOf = (name: string) => {
  if (!synthesized.has(name)) synthesized.set(name, new Bootstrap(byName(name)));
  return synthesized.get(name) as Bootstrap;
};

describe.each(["dev", "prod"])("%s state key and bucket (evaluated)", (env) => {
  it.each(KEY_AND_BUCKET_ROWS)("%s: %s on %s is %s", async (who, action, what, expected) => {
    const stack = bootstrapOf(env);
    await expect(decide(callers(stack)[who], action, targets(stack)[what])).resolves.toBe(expected);
  });
});

describe("prod state-access trail and its audit bucket (evaluated)", () => {
  it.each(TRAIL_ROWS)("%s: %s on %s is %s", async (who, action, what, expected) => {
    const stack = bootstrapOf("prod");
    await expect(decide(callers(stack)[who], action, targets(stack)[what])).resolves.toBe(expected);
  });

  /** CloudTrail delivers as a service principal: no `aws:PrincipalArn`, so every guard applies to it. */
  const cloudTrail = (stack: Bootstrap): Caller => ({
    label: "CloudTrail",
    principal: "cloudtrail.amazonaws.com",
    identity: [],
    boundary: [],
    context: {
      "aws:SecureTransport": "true",
      "aws:SourceAccount": stack.account,
      "aws:PrincipalAccount": stack.account,
    },
  });
  const fromTheTrail = (stack: Bootstrap) => ({ "aws:SourceArn": targets(stack).trail.arn });

  it("CloudTrail still checks the audit bucket's ACL and writes the trail's log files into it", async () => {
    const stack = bootstrapOf("prod");
    const { auditBucket, auditLog } = targets(stack);
    await expect(decide(cloudTrail(stack), "s3:GetBucketAcl", auditBucket, fromTheTrail(stack))).resolves.toBe(
      "Allowed",
    );
    await expect(
      decide(cloudTrail(stack), "s3:PutObject", auditLog, {
        ...fromTheTrail(stack),
        "s3:x-amz-acl": "bucket-owner-full-control",
      }),
    ).resolves.toBe("Allowed");
  });

  it("no guard stands between CloudTrail and the data keys it encrypts log files with", async () => {
    // The key policy's CloudTrail grant also requires `kms:EncryptionContext:aws:cloudtrail:arn`, a
    // context key the evaluator does not take (bootstrap-stack.test.ts checks that statement), so
    // this row shows only that no deny applies: the decision is the absence of an allow, not a deny.
    const stack = bootstrapOf("prod");
    for (const action of ["kms:GenerateDataKey", "kms:DescribeKey"]) {
      await expect(decide(cloudTrail(stack), action, targets(stack).key, fromTheTrail(stack))).resolves.not.toBe(
        "ExplicitlyDenied",
      );
    }
    await expect(decide(cloudTrail(stack), "kms:PutKeyPolicy", targets(stack).key, fromTheTrail(stack))).resolves.toBe(
      "ExplicitlyDenied",
    );
  });
});

describe("every guarded action (evaluated, so a misspelt one fails: the evaluator knows AWS's actions)", () => {
  const OBJECT_ACTIONS = ["s3:DeleteObjectVersion", "s3:DeleteObject"];
  const rows: [string, What][] = [
    ...GUARDED_KEY_ACTIONS.map((a): [string, What] => [a, "key"]),
    ...GUARDED_BUCKET_ACTIONS.map((a): [string, What] => [a, OBJECT_ACTIONS.includes(a) ? "state" : "bucket"]),
    ...GUARDED_EVIDENCE_ACTIONS.map((a): [string, What] => [a, "auditLog"]),
    ...GUARDED_TRAIL_ACTIONS.map((a): [string, What] => [a, "trail"]),
  ];
  it.each(rows)("%s on %s is refused to the deploy role and allowed to the people", async (action, what) => {
    const stack = bootstrapOf("prod");
    const { deploy, admin } = callers(stack);
    await expect(decide(deploy, action, targets(stack)[what])).resolves.toBe("ExplicitlyDenied");
    await expect(decide(admin, action, targets(stack)[what])).resolves.toBe("Allowed");
  });
});

describe("who the state storage exempts (evaluated)", () => {
  it("an administrator role the config does not name is refused like CI", async () => {
    const stack = bootstrapOf("prod");
    const other = roleSession(stack, "another administrator", "SomeOtherAdmin", [
      { name: "AdministratorAccess", policy: AWS_MANAGED_POLICIES["arn:aws:iam::aws:policy/AdministratorAccess"] },
    ]);
    await expect(decide(other, "kms:PutKeyPolicy", targets(stack).key)).resolves.toBe("ExplicitlyDenied");
    await expect(decide(other, "s3:PutBucketPolicy", targets(stack).bucket)).resolves.toBe("ExplicitlyDenied");
    await expect(decide(other, "kms:Decrypt", targets(stack).key)).resolves.toBe("Allowed");
  });

  it("the account root still manages the key (break-glass: KMS has no other way back)", async () => {
    const stack = bootstrapOf("prod");
    const root: Caller = {
      label: "the account root",
      principal: `arn:aws:iam::${stack.account}:root`,
      // The root user may do anything in its account that no explicit deny (or SCP) refuses:
      // the evaluator takes no implicit rights, so they are given as an all-allowing policy.
      identity: [{ name: "root's implicit rights", policy: EVERYTHING }],
      boundary: [],
      context: {
        "aws:PrincipalArn": `arn:aws:iam::${stack.account}:root`,
        "aws:PrincipalAccount": stack.account,
        "aws:PrincipalType": "Account",
        "aws:SecureTransport": "true",
      },
    };
    await expect(decide(root, "kms:PutKeyPolicy", targets(stack).key)).resolves.toBe("Allowed");
  });
});
