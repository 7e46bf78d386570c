import { Password } from "@cdktf/provider-random/lib/password";
import { Construct } from "constructs";
import { ManagedSecret } from "./managed-secret";

/** Settings of a generated database login. */
export interface DatabaseLoginSecretProps {
  /** Secret name, e.g. marketing-agents/dev/database-app. */
  readonly name: string;
  /** Who logs in with it, and who creates the login. */
  readonly description: string;
  /** The login's user name. */
  readonly username: string;
  /**
   * Rotation counter: a new value generates a new password (a `keepers` entry of the
   * random_password), so a rotation is a reviewed change, not a `terraform apply -replace`.
   */
  readonly rotation: number;
  /** KMS key ARN that encrypts the secret. */
  readonly kmsKeyArn: string;
  /** Days a deleted secret can be restored (0 deletes at once). */
  readonly recoveryWindowDays: number;
}

/**
 * A database login whose password Terraform generates (random_password, kept in the encrypted
 * state only) and stores with the user name in a KMS-encrypted secret, as `username` and
 * `password`, the shape of RDS's own master secret.
 */
export class DatabaseLoginSecret extends Construct {
  /** ARN of the secret. */
  readonly arn: string;
  /** Name of the secret. */
  readonly name: string;
  /** Id of the secret's current value: changes when the password does. */
  readonly versionId: string;

  constructor(scope: Construct, id: string, props: DatabaseLoginSecretProps) {
    super(scope, id);
    // Letters and digits only: no character needs escaping in a connection URL or in SQL.
    const password = new Password(this, "password", {
      length: 48,
      special: false,
      keepers: { rotation: String(props.rotation) },
    });
    const secret = new ManagedSecret(this, "secret", {
      name: props.name,
      description: props.description,
      kmsKeyArn: props.kmsKeyArn,
      recoveryWindowDays: props.recoveryWindowDays,
      values: { username: props.username, password: password.result },
    });
    this.arn = secret.arn;
    this.name = secret.name;
    this.versionId = secret.versionId as string;
  }
}
