import { Construct } from "constructs";
import { customResource } from "./custom-resource";

/** Settings of the secret store. */
export interface ClusterSecretStoreProps {
  /** Store name ExternalSecrets refer to. */
  readonly name: string;
  /** Region of the environment's Secrets Manager. */
  readonly region: string;
  /** The only namespaces whose ExternalSecrets may use the store (the app's). */
  readonly namespaces: string[];
}

/**
 * A ClusterSecretStore on this environment's Secrets Manager. No credentials here:
 * external-secrets' own Pod Identity role decides what it may read. Its `conditions` name the
 * namespaces allowed to use it: external-secrets refuses an ExternalSecret of any other namespace
 * that refers to it, so no other namespace can copy the app's secrets into a Secret it can read
 * (https://external-secrets.io/latest/api/clustersecretstore/, `spec.conditions`).
 */
export class ClusterSecretStore extends Construct {
  /** Name of the store. */
  readonly name: string;

  constructor(scope: Construct, id: string, props: ClusterSecretStoreProps) {
    super(scope, id);
    if (props.namespaces.length === 0) throw new Error(`ClusterSecretStore ${props.name}: name at least one namespace`);
    this.name = props.name;
    customResource(this, "store", {
      apiVersion: "external-secrets.io/v1",
      kind: "ClusterSecretStore",
      metadata: { name: props.name },
      spec: {
        provider: { aws: { service: "SecretsManager", region: props.region } },
        conditions: [{ namespaces: [...props.namespaces] }],
      },
    });
  }
}
