import { Construct } from "constructs";
import { customResource } from "./custom-resource";

const ACME_SERVERS = {
  "letsencrypt-prod": "https://acme-v02.api.letsencrypt.org/directory",
  "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
} as const;

/** Name of a ClusterIssuer this construct can create. */
export type IssuerName = keyof typeof ACME_SERVERS;

/** Settings of the Let's Encrypt issuers. */
export interface ClusterIssuersProps {
  /** Email Let's Encrypt writes to about expiring certificates. */
  readonly acmeEmail: string;
  /** Also create `letsencrypt-staging` (untrusted certificates, generous rate limits). @default false */
  readonly staging?: boolean;
  /** The Gateway that answers HTTP-01 challenges (its HTTP listener). */
  readonly gateway: { readonly name: string; readonly namespace: string };
}

/** cert-manager ClusterIssuers for Let's Encrypt, solving HTTP-01 through the Gateway. */
export class ClusterIssuers extends Construct {
  /** The issuer certificates use: the seed's `letsencrypt-prod`. */
  readonly production: IssuerName = "letsencrypt-prod";

  constructor(scope: Construct, id: string, props: ClusterIssuersProps) {
    super(scope, id);
    const names: IssuerName[] = props.staging ? ["letsencrypt-prod", "letsencrypt-staging"] : ["letsencrypt-prod"];
    for (const name of names) {
      customResource(this, name, {
        apiVersion: "cert-manager.io/v1",
        kind: "ClusterIssuer",
        metadata: { name },
        spec: {
          acme: {
            email: props.acmeEmail,
            server: ACME_SERVERS[name],
            privateKeySecretRef: { name: `${name}-account-key` },
            solvers: [
              {
                http01: {
                  gatewayHTTPRoute: {
                    parentRefs: [
                      {
                        name: props.gateway.name,
                        namespace: props.gateway.namespace,
                        kind: "Gateway",
                        sectionName: "http",
                      },
                    ],
                  },
                },
              },
            ],
          },
        },
      });
    }
  }
}
