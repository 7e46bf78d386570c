import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { Construct } from "constructs";
import type { SecureBucket } from "./secure-bucket";

/** Settings of a trail that records object access in one bucket. */
export interface S3DataEventTrailProps {
  /** Trail name. */
  readonly trailName: string;
  /** ARN of the bucket whose object reads and writes are recorded. */
  readonly watchedBucketArn: string;
  /** Where the log files go: a bucket made with `receivesTrailLogsFrom` this trail's ARN. */
  readonly logBucket: SecureBucket;
  /** KMS key the log files are encrypted with (its policy must admit this trail: `allowCloudTrailFrom`). */
  readonly kmsKeyArn: string;
}

/**
 * A CloudTrail trail of S3 data events (GetObject, PutObject, DeleteObject...) on one bucket only,
 * with log file validation, so a digest proves the record was not altered. Management events
 * stay with the account's own trail; this one answers "who read this bucket, and when".
 */
export class S3DataEventTrail extends Construct {
  /** ARN of the trail. */
  readonly arn: string;

  constructor(scope: Construct, id: string, props: S3DataEventTrailProps) {
    super(scope, id);
    const trail = new Cloudtrail(this, "trail", {
      name: props.trailName,
      s3BucketName: props.logBucket.bucketName,
      kmsKeyId: props.kmsKeyArn,
      enableLogFileValidation: true,
      // Object access from any region is recorded (AWS requires global service events with it).
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      advancedEventSelector: [
        {
          name: "Object reads and writes of the watched bucket",
          fieldSelector: [
            { field: "eventCategory", equalTo: ["Data"] },
            { field: "resources.type", equalTo: ["AWS::S3::Object"] },
            { field: "resources.ARN", startsWith: [`${props.watchedBucketArn}/`] },
          ],
        },
      ],
      // CloudTrail checks at creation that the bucket policy lets it write.
      dependsOn: [props.logBucket.configured],
    });
    this.arn = trail.arn;
  }
}
