import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import {
  S3BucketLifecycleConfiguration,
  type S3BucketLifecycleConfigurationRule,
} from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { dependable, type ITerraformDependable, type TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { policyDocument, type PolicyStatement } from "./iam-policy";
import { bucketGuardStatements, type StateStorageAdmins } from "./state-protection-statements";

/** An extra lifecycle step for current objects. */
export interface CurrentObjectLifecycle {
  /** Move current objects to Standard-IA after this many days. @default - never */
  readonly infrequentAccessAfterDays?: number;
  /** Delete current objects after this many days. @default - never */
  readonly expireAfterDays?: number;
}

/** Settings of a hardened S3 bucket. */
export interface SecureBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /**
   * KMS key ARN for default encryption (SSE-KMS with bucket keys).
   * @default - SSE-S3 (AES256): required for buckets that receive S3 server access logs
   */
  readonly kmsKeyArn?: string;
  /**
   * Send S3 server access logs to this bucket (one made with `receivesAccessLogsFromAccount`),
   * under `<bucket name>/`. @default - no access logs
   */
  readonly accessLogsBucket?: SecureBucket;
  /** Accept S3 server access logs from buckets of this account. @default false */
  readonly receivesAccessLogsFromAccount?: string;
  /** Accept the log files of this CloudTrail trail (its ARN), under AWSLogs/<its account>/. @default - none */
  readonly receivesTrailLogsFrom?: string;
  /** Non-current versions are deleted after this many days. */
  readonly noncurrentVersionExpireAfterDays: number;
  /** Lifecycle of current objects. @default - kept forever */
  readonly currentObjects?: CurrentObjectLifecycle;
  /**
   * Deny changing the bucket's policy or protection, deleting it or its object versions (and the
   * rest of `GUARDED_BUCKET_ACTIONS`) to every principal but these people's roles and the account
   * root, whatever IAM grants. @default - IAM policies alone decide
   */
  readonly onlyChangedBy?: StateStorageAdmins;
  /**
   * Its objects are evidence (log files): with `onlyChangedBy`, nobody else deletes them either.
   * @default false
   */
  readonly objectsAreEvidence?: boolean;
  /**
   * Keep the bucket when Terraform destroys the stack (state, audit data). False also empties it
   * on destroy (`force_destroy`, every object version included): a bucket that is not kept goes
   * with its objects, or the destroy would stop at BucketNotEmpty. @default true
   */
  readonly preventDestroy?: boolean;
}

/**
 * An S3 bucket as every bucket here should be: versioned, SSE-KMS encrypted, public access
 * blocked, ACLs disabled (bucket owner enforced), TLS-only, old versions and failed uploads cleaned up.
 *
 * Its sub-configurations are applied one after another, never together: S3 serialises
 * configuration writes on a bucket and answers a concurrent one with `OperationAborted`
 * ("A conflicting conditional operation is currently in progress"), which fails a first apply
 * now and then. Public access is blocked before any policy exists.
 */
export class SecureBucket extends Construct {
  /** Name of the bucket. */
  readonly bucketName: string;
  /** ARN of the bucket. */
  readonly arn: string;
  /**
   * The last of the bucket's configurations: depend on it to act on a bucket that is fully set up
   * (for example to send access logs to it only once its policy lets S3 deliver them).
   */
  readonly configured: ITerraformDependable;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const kept = props.preventDestroy ?? true;
    const bucket = new S3Bucket(this, "bucket", { bucket: props.bucketName, forceDestroy: !kept });
    if (kept) bucket.addOverride("lifecycle.prevent_destroy", true);
    this.bucketName = bucket.bucket;
    this.arn = bucket.arn;

    const configurations: TerraformResource[] = [
      new S3BucketOwnershipControls(this, "ownership", {
        bucket: bucket.id,
        rule: { objectOwnership: "BucketOwnerEnforced" },
      }),
      new S3BucketPublicAccessBlock(this, "public-access-block", {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      }),
      new S3BucketPolicy(this, "tls-only", {
        bucket: bucket.id,
        policy: bucketPolicy(bucket.arn, props),
      }),
      new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
        bucket: bucket.id,
        rule: [
          {
            applyServerSideEncryptionByDefault: props.kmsKeyArn
              ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn }
              : { sseAlgorithm: "AES256" },
            bucketKeyEnabled: props.kmsKeyArn ? true : undefined,
          },
        ],
      }),
      new S3BucketVersioningA(this, "versioning", {
        bucket: bucket.id,
        versioningConfiguration: { status: "Enabled" },
      }),
    ];
    const logsTarget = props.accessLogsBucket;
    if (logsTarget) {
      // S3 checks at this call that the target's policy admits logging.s3.amazonaws.com
      // (InvalidTargetBucketForLogging otherwise): wait for the target to be fully configured.
      configurations.push(
        new S3BucketLoggingA(this, "access-logs", {
          bucket: bucket.id,
          targetBucket: logsTarget.bucketName,
          targetPrefix: `${props.bucketName}/`,
          dependsOn: [logsTarget.configured],
        }),
      );
    }
    configurations.push(
      new S3BucketLifecycleConfiguration(this, "lifecycle", { bucket: bucket.id, rule: lifecycleRules(props) }),
    );
    oneAfterAnother(bucket, configurations);
    this.configured = configurations[configurations.length - 1];
  }
}

/** Makes each resource wait for the one before it (the first waits for `first`). */
function oneAfterAnother(first: TerraformResource, resources: TerraformResource[]): void {
  resources.reduce((previous, resource) => {
    resource.dependsOn = [...(resource.dependsOn ?? []), dependable(previous)];
    return resource;
  }, first);
}

function bucketPolicy(bucketArn: string, props: SecureBucketProps): string {
  const logSourceAccount = props.receivesAccessLogsFromAccount;
  const statements: PolicyStatement[] = [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ];
  if (logSourceAccount) {
    statements.push({
      Sid: "S3ServerAccessLogsFromThisAccount",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${bucketArn}/*`,
      Condition: { StringEquals: { "aws:SourceAccount": logSourceAccount } },
    });
  }
  if (props.receivesTrailLogsFrom) statements.push(...trailDeliveryStatements(bucketArn, props.receivesTrailLogsFrom));
  if (props.onlyChangedBy) {
    statements.push(...bucketGuardStatements(bucketArn, props.onlyChangedBy, { evidence: props.objectsAreEvidence }));
  }
  return policyDocument(statements);
}

/** What CloudTrail needs to deliver one trail's log files, and nothing for any other trail. */
function trailDeliveryStatements(bucketArn: string, trailArn: string): PolicyStatement[] {
  const fromTheTrail = { StringEquals: { "aws:SourceArn": trailArn } };
  const trailAccount = trailArn.split(":")[4];
  return [
    {
      Sid: "CloudTrailChecksTheBucketAcl",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:GetBucketAcl",
      Resource: bucketArn,
      Condition: fromTheTrail,
    },
    {
      Sid: "CloudTrailWritesTheTrailsLogs",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${bucketArn}/AWSLogs/${trailAccount}/*`,
      Condition: {
        StringEquals: { ...fromTheTrail.StringEquals, "s3:x-amz-acl": "bucket-owner-full-control" },
      },
    },
  ];
}

function lifecycleRules(props: SecureBucketProps): S3BucketLifecycleConfigurationRule[] {
  const rules: S3BucketLifecycleConfigurationRule[] = [
    {
      id: "expire-noncurrent-versions-and-failed-uploads",
      status: "Enabled",
      filter: [{ prefix: "" }],
      noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpireAfterDays }],
      abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
    },
  ];
  const current = props.currentObjects;
  if (current?.infrequentAccessAfterDays !== undefined || current?.expireAfterDays !== undefined) {
    rules.push({
      id: "current-objects",
      status: "Enabled",
      filter: [{ prefix: "" }],
      transition:
        current.infrequentAccessAfterDays === undefined
          ? undefined
          : [{ days: current.infrequentAccessAfterDays, storageClass: "STANDARD_IA" }],
      expiration: current.expireAfterDays === undefined ? undefined : [{ days: current.expireAfterDays }],
    });
  }
  return rules;
}
