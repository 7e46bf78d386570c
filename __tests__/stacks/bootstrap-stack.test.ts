import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { onlyResource, synthEnvironment } from "../helpers";

describe.each(["dev", "prod"])("%s-bootstrap", (env) => {
  const synth = synthEnvironment(env);
  const json = synth.json("bootstrap");
  const text = synth.text("bootstrap");
  const bucketName = `marketing-agents-tfstate-${env}-${synth.config.account.id}`;

  it("creates the state bucket named after environment and account, protected from destroy", () => {
    expect(onlyResource(json, "aws_s3_bucket")).toMatchObject({
      bucket: bucketName,
      lifecycle: { prevent_destroy: true },
    });
  });

  it("versions the bucket and expires non-current versions after the configured days", () => {
    expect(text).toHaveResourceWithProperties(S3BucketVersioningA, {
      versioning_configuration: { status: "Enabled" },
    });
    const lifecycle = onlyResource(json, "aws_s3_bucket_lifecycle_configuration") as {
      rule: Record<string, unknown>[];
    };
    expect(lifecycle.rule[0]).toMatchObject({
      status: "Enabled",
      noncurrent_version_expiration: [{ noncurrent_days: synth.config.state.noncurrentVersionExpirationDays }],
    });
  });

  it("encrypts with its own rotating KMS key whose alias the backends name", () => {
    expect(onlyResource(json, "aws_kms_key")).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(onlyResource(json, "aws_kms_alias")).toMatchObject({ name: `alias/marketing-agents-${env}-tfstate` });
    const sse = onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration") as { rule: unknown[] };
    expect(sse.rule[0]).toMatchObject({
      apply_server_side_encryption_by_default: {
        sse_algorithm: "aws:kms",
        kms_master_key_id: expect.stringContaining("aws_kms_key"),
      },
      bucket_key_enabled: true,
    });
  });

  it("blocks every kind of public access and disables ACLs", () => {
    expect(onlyResource(json, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(onlyResource(json, "aws_s3_bucket_ownership_controls")).toMatchObject({
      rule: { object_ownership: "BucketOwnerEnforced" },
    });
  });

  it("denies any request that does not use TLS", () => {
    const policy = JSON.parse(onlyResource(json, "aws_s3_bucket_policy").policy as string);
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: "Deny",
        Action: "s3:*",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }),
    );
  });
});
