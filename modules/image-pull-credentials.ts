import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { Construct } from "constructs";
import {
  CREDENTIALED_UPSTREAMS,
  PULL_THROUGH_SECRET_PREFIX,
  UPSTREAM_REGISTRIES,
  type UpstreamName,
} from "./image-mirror";

/** Settings of the registry credentials. */
export interface ImagePullCredentialsProps {
  /** Middle of each secret's name: `ecr-pullthroughcache/<namePrefix>/<upstream>`. */
  readonly namePrefix: string;
  /** Days a deleted secret can be restored (0 deletes at once). */
  readonly recoveryWindowDays: number;
}

/**
 * The Secrets Manager secrets holding the Docker Hub and GitHub Container Registry credentials the
 * pull-through cache rules use, created empty: people put `{"username": ..., "accessToken": ...}`
 * into each (`aws secretsmanager put-secret-value`), so no credential is ever in Terraform or the
 * synthesized JSON. ECR reads the value when it creates a rule, so the secrets live in a stack
 * applied before the rules' (network, then cluster). They use Secrets Manager's own key
 * (aws/secretsmanager): ECR cannot read one encrypted with a customer-managed key
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-creating-secret.html).
 */
export class ImagePullCredentials extends Construct {
  /** ARN of each credential's secret, by upstream. */
  readonly arns: Partial<Record<UpstreamName, string>> = {};
  /** Name of each credential's secret, by upstream. */
  readonly names: Partial<Record<UpstreamName, string>> = {};

  constructor(scope: Construct, id: string, props: ImagePullCredentialsProps) {
    super(scope, id);
    for (const upstream of CREDENTIALED_UPSTREAMS) {
      const name = `${PULL_THROUGH_SECRET_PREFIX}${props.namePrefix}/${upstream}`;
      const secret = new SecretsmanagerSecret(this, upstream, {
        name,
        description: `Credential ECR's pull-through cache uses for ${UPSTREAM_REGISTRIES[upstream].url}: {"username","accessToken"}, set by people`,
        recoveryWindowInDays: props.recoveryWindowDays,
      });
      this.arns[upstream] = secret.arn;
      this.names[upstream] = name;
    }
  }
}
