import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey as KmsKeyResource } from "@cdktf/provider-aws/lib/kms-key";
import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { keyGuardStatements, type StateStorageAdmins } from "./state-protection-statements";

/** Settings of a customer-managed KMS key. */
export interface KmsKeyProps {
  /** What the key protects (shown in the KMS console). */
  readonly description: string;
  /** Alias, including the `alias/` prefix. */
  readonly alias: string;
  /** The owning account: its IAM policies decide who may use the key. */
  readonly accountId: string;
  /** Region of the key (used in the CloudWatch Logs statement). */
  readonly region: string;
  /** Let CloudWatch Logs in this account and region encrypt log groups with the key. @default false */
  readonly allowCloudWatchLogs?: boolean;
  /** Let these services of this account publish to SNS topics encrypted with the key. @default [] */
  readonly allowNotificationsFrom?: readonly string[];
  /** Let this CloudTrail trail (its ARN) encrypt its log files with the key. @default - none */
  readonly allowCloudTrailFrom?: string;
  /** Refuse `terraform destroy` of the key (whatever it encrypted would be lost with it). @default false */
  readonly preventDestroy?: boolean;
  /**
   * Deny changing the key's policy, disabling, deleting or granting it (and the rest of
   * `GUARDED_KEY_ACTIONS`) to every principal but these people's roles and the account root,
   * whatever IAM grants. @default - IAM policies alone decide
   */
  readonly onlyChangedBy?: StateStorageAdmins;
  /** Days a scheduled deletion waits, so a mistaken delete can be cancelled. @default 30 */
  readonly deletionWindowDays?: number;
  /** The provider to create it with (another region's). @default the stack's */
  readonly provider?: TerraformProvider;
}

/**
 * A customer-managed KMS key with yearly rotation and an explicit key policy: the account root
 * (and thus IAM policies in the account) administers and uses it; nothing outside the account does.
 */
export class KmsKey extends Construct {
  /** ARN of the key. */
  readonly arn: string;
  /** Id of the key. */
  readonly keyId: string;

  constructor(scope: Construct, id: string, props: KmsKeyProps) {
    super(scope, id);
    const key = new KmsKeyResource(this, "key", {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowDays ?? 30,
      policy: JSON.stringify(keyPolicy(props)),
      provider: props.provider,
    });
    if (props.preventDestroy) key.addOverride("lifecycle.prevent_destroy", true);
    new KmsAlias(this, "alias", { name: props.alias, targetKeyId: key.keyId, provider: props.provider });
    this.arn = key.arn;
    this.keyId = key.keyId;
  }
}

function keyPolicy(props: KmsKeyProps): object {
  const statements: object[] = [
    {
      Sid: "AccountAdministersAndDelegatesThroughIam",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${props.accountId}:root` },
      Action: "kms:*",
      Resource: "*",
    },
  ];
  if (props.allowCloudWatchLogs) {
    statements.push({
      Sid: "CloudWatchLogsEncryptsThisAccountsLogGroups",
      Effect: "Allow",
      Principal: { Service: `logs.${props.region}.amazonaws.com` },
      Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
      Resource: "*",
      Condition: {
        ArnLike: {
          "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${props.region}:${props.accountId}:log-group:*`,
        },
      },
    });
  }
  if (props.allowNotificationsFrom?.length) {
    statements.push({
      Sid: "ServicesPublishToEncryptedTopics",
      Effect: "Allow",
      Principal: { Service: [...props.allowNotificationsFrom] },
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceAccount": props.accountId } },
    });
  }
  if (props.allowCloudTrailFrom) {
    statements.push({
      Sid: "CloudTrailEncryptsOneTrailsLogs",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: ["kms:GenerateDataKey*", "kms:DescribeKey"],
      Resource: "*",
      Condition: {
        StringEquals: { "aws:SourceArn": props.allowCloudTrailFrom },
        StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${props.accountId}:trail/*` },
      },
    });
  }
  if (props.onlyChangedBy) statements.push(...keyGuardStatements(props.onlyChangedBy));
  return { Version: "2012-10-17", Statement: statements };
}
