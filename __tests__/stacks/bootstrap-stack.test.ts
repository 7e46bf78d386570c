import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { resourcesOf, synthEnvironment, type TerraformJson } from "../helpers";

/** The one resource of a type that belongs to the state bucket or key (construct ids state-*). */
function ofState(json: TerraformJson, type: string): Record<string, unknown> {
  const found = Object.entries(resourcesOf(json, type)).filter(([id]) => id.startsWith("state-"));
  if (found.length !== 1) throw new Error(`expected one state ${type}, found ${found.length}`);
  return found[0][1];
}

describe.each(["dev", "prod"])("%s-bootstrap", (env) => {
  const synth = synthEnvironment(env);
  const json = synth.json("bootstrap");
  const text = synth.text("bootstrap");
  const bucketName = `marketing-agents-tfstate-${env}-${synth.config.account.id}`;

  it("creates the state bucket named after environment and account, protected from destroy", () => {
    expect(ofState(json, "aws_s3_bucket")).toMatchObject({
      bucket: bucketName,
      lifecycle: { prevent_destroy: true },
    });
  });

  it("versions the bucket and expires non-current versions after the configured days", () => {
    expect(text).toHaveResourceWithProperties(S3BucketVersioningA, {
      versioning_configuration: { status: "Enabled" },
    });
    const lifecycle = ofState(json, "aws_s3_bucket_lifecycle_configuration") as {
      rule: Record<string, unknown>[];
    };
    expect(lifecycle.rule[0]).toMatchObject({
      status: "Enabled",
      noncurrent_version_expiration: [{ noncurrent_days: synth.config.state.noncurrentVersionExpirationDays }],
    });
  });

  it("encrypts with its own rotating KMS key whose alias the backends name", () => {
    expect(ofState(json, "aws_kms_key")).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(ofState(json, "aws_kms_alias")).toMatchObject({ name: `alias/marketing-agents-${env}-tfstate` });
    const sse = ofState(json, "aws_s3_bucket_server_side_encryption_configuration") as { rule: unknown[] };
    expect(sse.rule[0]).toMatchObject({
      apply_server_side_encryption_by_default: {
        sse_algorithm: "aws:kms",
        kms_master_key_id: expect.stringContaining("aws_kms_key"),
      },
      bucket_key_enabled: true,
    });
  });

  it("blocks every kind of public access and disables ACLs", () => {
    expect(ofState(json, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(ofState(json, "aws_s3_bucket_ownership_controls")).toMatchObject({
      rule: { object_ownership: "BucketOwnerEnforced" },
    });
  });

  it("denies any request that does not use TLS", () => {
    const policy = JSON.parse(ofState(json, "aws_s3_bucket_policy").policy as string);
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: "Deny",
        Action: "s3:*",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }),
    );
  });
});

describe("the trail of state reads (state.dataEventTrail)", () => {
  const prod = synthEnvironment("prod");
  const json = prod.json("bootstrap");
  const trailArn = "arn:aws:cloudtrail:us-east-1:333333333333:trail/marketing-agents-prod-state-access";
  const stateBucket = Object.keys(resourcesOf(json, "aws_s3_bucket")).find((id) => id.startsWith("state-bucket"));
  const auditBucket = Object.keys(resourcesOf(json, "aws_s3_bucket")).find((id) => id.startsWith("audit-bucket"));
  const policyOf = (body: Record<string, unknown>) => JSON.parse(body.policy as string).Statement as unknown[];

  it("records every read and write of the state objects, validated, KMS-encrypted, into the audit bucket", () => {
    const trail = Object.values(resourcesOf(json, "aws_cloudtrail"));
    expect(trail).toEqual([
      expect.objectContaining({
        name: "marketing-agents-prod-state-access",
        s3_bucket_name: `\${aws_s3_bucket.${auditBucket}.bucket}`,
        kms_key_id: expect.stringMatching(/^\$\{aws_kms_key\.state-key_\w+\.arn\}$/),
        enable_log_file_validation: true,
        is_multi_region_trail: true,
        advanced_event_selector: [
          expect.objectContaining({
            field_selector: [
              { field: "eventCategory", equals: ["Data"] },
              { field: "resources.type", equals: ["AWS::S3::Object"] },
              { field: "resources.ARN", starts_with: [`\${aws_s3_bucket.${stateBucket}.arn}/`] },
            ],
          }),
        ],
      }),
    ]);
  });

  it("keeps the audit bucket like the state bucket: versioned, encrypted with the state key, never destroyed", () => {
    expect(resourcesOf(json, "aws_s3_bucket")[auditBucket as string]).toMatchObject({
      bucket: "marketing-agents-audit-prod-333333333333",
      lifecycle: { prevent_destroy: true },
    });
  });

  it("lets CloudTrail write only this trail's logs into the audit bucket, and encrypt them with the key", () => {
    const bucketPolicy = Object.entries(resourcesOf(json, "aws_s3_bucket_policy")).find(([id]) =>
      id.startsWith("audit-bucket"),
    )?.[1] as Record<string, unknown>;
    expect(policyOf(bucketPolicy)).toContainEqual({
      Sid: "CloudTrailWritesTheTrailsLogs",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `\${aws_s3_bucket.${auditBucket}.arn}/AWSLogs/333333333333/*`,
      Condition: { StringEquals: { "aws:SourceArn": trailArn, "s3:x-amz-acl": "bucket-owner-full-control" } },
    });
    expect(policyOf(ofState(json, "aws_kms_key"))).toContainEqual(
      expect.objectContaining({
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: ["kms:GenerateDataKey*", "kms:DescribeKey"],
        Condition: expect.objectContaining({ StringEquals: { "aws:SourceArn": trailArn } }),
      }),
    );
  });

  it("is off where config turns it off (dev): no trail, no audit bucket, no CloudTrail in the key policy", () => {
    const dev = synthEnvironment("dev").json("bootstrap");
    expect(resourcesOf(dev, "aws_cloudtrail")).toEqual({});
    expect(Object.keys(resourcesOf(dev, "aws_s3_bucket")).filter((id) => id.startsWith("audit"))).toEqual([]);
    expect(JSON.stringify(ofState(dev, "aws_kms_key").policy)).not.toContain("cloudtrail");
  });
});
