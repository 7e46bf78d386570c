import type { Construct } from "constructs";
import { stateBucketName, stateKeyAlias } from "../config";
import { KmsKey } from "../modules/kms-key";
import { SecureBucket } from "../modules/secure-bucket";
import { EnvironmentStack, type EnvironmentStackProps } from "./environment-stack";

/**
 * `<env>-bootstrap`: the bucket (and its KMS key) that holds the Terraform state of every
 * other stack of the environment. Its own state stays local: it must exist before any bucket does.
 */
export class BootstrapStack extends EnvironmentStack {
  /** Name of the state bucket. */
  readonly stateBucketName: string;

  constructor(scope: Construct, props: EnvironmentStackProps) {
    super(scope, "bootstrap", props);
    const { config } = this;
    const key = new KmsKey(this, "state-key", {
      description: `Terraform state of ${config.name}`,
      alias: stateKeyAlias(config),
      accountId: config.account.id,
      region: config.account.region,
    });
    const bucket = new SecureBucket(this, "state-bucket", {
      bucketName: stateBucketName(config),
      kmsKeyArn: key.arn,
      noncurrentVersionExpireAfterDays: config.state.noncurrentVersionExpirationDays,
    });
    this.stateBucketName = bucket.bucketName;
  }
}
