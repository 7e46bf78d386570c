import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import {
  defaultTags,
  imageMirrorNames,
  stackId,
  stateBucketName,
  stateKey,
  stateKeyAlias,
  type Concern,
  type EnvironmentConfig,
} from "../config";
import { ImageMirror } from "../modules/image-mirror";

/** What every environment stack is given. */
export interface EnvironmentStackProps {
  /** The validated settings of the environment. */
  readonly config: EnvironmentConfig;
}

/**
 * A stack of one environment and one concern (`<env>-<concern>`): the AWS provider locked to
 * the environment's account and region with its default tags, and the concern's own state in
 * the environment's bucket, locked with an S3 lock file (Terraform >= 1.10). Bootstrap's state
 * too: the deploy command applies bootstrap once with a local backend (the bucket does not exist
 * yet), then moves that state into the bucket it created (`scripts/deploy/bootstrap-state.ts`).
 */
export abstract class EnvironmentStack extends TerraformStack {
  /** The validated settings of the environment. */
  readonly config: EnvironmentConfig;
  /** Which concern this stack holds. */
  readonly concern: Concern;

  protected constructor(scope: Construct, concern: Concern, props: EnvironmentStackProps) {
    super(scope, stackId(props.config, concern));
    this.config = props.config;
    this.concern = concern;
    new AwsProvider(this, "aws", {
      region: props.config.account.region,
      allowedAccountIds: [props.config.account.id],
      defaultTags: [{ tags: defaultTags(props.config, concern) }],
    });
    this.useRemoteState();
  }

  /**
   * Where this environment's public images are pulled from: its ECR registry's pull-through cache
   * (the cluster stack creates the rules, the platform and app stacks rewrite their images to it).
   */
  protected imageMirror(): ImageMirror {
    return new ImageMirror(imageMirrorNames(this.config));
  }

  /** Declares outputs by name, for people and CI (other stacks read cross-stack references instead). */
  protected addOutputs(outputs: Record<string, string>): void {
    for (const [name, value] of Object.entries(outputs)) new TerraformOutput(this, name, { value });
  }

  private useRemoteState(): void {
    const { config } = this;
    const backend = new S3Backend(this, {
      bucket: stateBucketName(config),
      key: stateKey(config, this.concern),
      region: config.account.region,
      encrypt: true,
      kmsKeyId: `arn:aws:kms:${config.account.region}:${config.account.id}:${stateKeyAlias(config)}`,
    });
    // cdktf 0.21's S3Backend has no field for S3-native locking (Terraform >= 1.10).
    backend.addOverride("use_lockfile", true);
  }
}
