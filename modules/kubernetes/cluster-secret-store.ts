import { Construct } from "constructs";
import { customResource } from "./custom-resource";

/** Settings of the secret store. */
export interface ClusterSecretStoreProps {
  /** Store name ExternalSecrets refer to. */
  readonly name: string;
  /** Region of the environment's Secrets Manager. */
  readonly region: string;
}

/**
 * A ClusterSecretStore on this environment's Secrets Manager. No credentials here:
 * external-secrets' own Pod Identity role decides what it may read.
 */
export class ClusterSecretStore extends Construct {
  /** Name of the store. */
  readonly name: string;

  constructor(scope: Construct, id: string, props: ClusterSecretStoreProps) {
    super(scope, id);
    this.name = props.name;
    customResource(this, "store", {
      apiVersion: "external-secrets.io/v1",
      kind: "ClusterSecretStore",
      metadata: { name: props.name },
      spec: { provider: { aws: { service: "SecretsManager", region: props.region } } },
    });
  }
}
