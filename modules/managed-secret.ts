import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { Fn } from "cdktf";
import { Construct } from "constructs";

/** Settings of a Secrets Manager secret. */
export interface ManagedSecretProps {
  /** Secret name, e.g. marketing-agents/dev/redis. */
  readonly name: string;
  /** What the secret holds and who sets it. */
  readonly description: string;
  /** KMS key ARN that encrypts the secret. */
  readonly kmsKeyArn: string;
  /** Days a deleted secret can be restored (0 deletes at once). */
  readonly recoveryWindowDays: number;
  /**
   * Key/value pairs stored as the secret's JSON. Values must be Terraform references
   * (random_password, resource attributes), never literals: the synthesized JSON is not secret.
   * @default - no value: people set it outside Terraform (docs/runbook.md, first deploy)
   */
  readonly values?: Record<string, string>;
}

/** A KMS-encrypted Secrets Manager secret, created with a value from Terraform references or empty. */
export class ManagedSecret extends Construct {
  /** ARN of the secret. */
  readonly arn: string;
  /** Name of the secret. */
  readonly name: string;
  /** Id of the value Terraform wrote. @default - undefined when people set the value */
  readonly versionId?: string;

  constructor(scope: Construct, id: string, props: ManagedSecretProps) {
    super(scope, id);
    const secret = new SecretsmanagerSecret(this, "secret", {
      name: props.name,
      description: props.description,
      kmsKeyId: props.kmsKeyArn,
      recoveryWindowInDays: props.recoveryWindowDays,
    });
    if (props.values) {
      const version = new SecretsmanagerSecretVersion(this, "value", {
        secretId: secret.id,
        // jsonencode at apply time: a generated value may hold characters JSON must escape.
        secretString: Fn.jsonencode(props.values),
      });
      this.versionId = version.versionId;
    }
    this.arn = secret.arn;
    this.name = secret.name;
  }
}
