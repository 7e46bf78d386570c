import { NetworkPolicyV1 } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { Construct } from "constructs";
import { CLUSTER_DNS_EGRESS } from "./default-deny-network-policy";

/** EKS Pod Identity agent: where the AWS SDK fetches the pod's credentials. */
const POD_IDENTITY_AGENT = "169.254.170.23/32";

/** Settings of the app's network policy. */
export interface AppNetworkPolicyProps {
  /** Namespace of the app. */
  readonly namespace: string;
  /** Policy name. */
  readonly name: string;
  /** Labels of the app's pods. */
  readonly podLabels: Record<string, string>;
  /** The app's container port. */
  readonly port: number;
  /** Namespaces allowed in: the gateway's proxies and Prometheus. */
  readonly ingressNamespaces: string[];
  /** CIDRs of the database subnets (PostgreSQL and Redis). */
  readonly dataSubnetCidrs: string[];
}

/**
 * Ingress only from the gateway and monitoring namespaces to the app port; egress only to DNS,
 * PostgreSQL and Redis in the database subnets, the Pod Identity agent, and HTTPS (the LLM and
 * search APIs and AWS endpoints).
 */
export class AppNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: AppNetworkPolicyProps) {
    super(scope, id);
    const toData = (port: number) => ({
      to: props.dataSubnetCidrs.map((cidr) => ({ ipBlock: { cidr } })),
      ports: [{ port: String(port), protocol: "TCP" }],
    });
    new NetworkPolicyV1(this, "policy", {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        podSelector: { matchLabels: props.podLabels },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          {
            from: [
              {
                namespaceSelector: {
                  matchExpressions: [
                    { key: "kubernetes.io/metadata.name", operator: "In", values: props.ingressNamespaces },
                  ],
                },
              },
            ],
            ports: [{ port: String(props.port), protocol: "TCP" }],
          },
        ],
        egress: [
          CLUSTER_DNS_EGRESS,
          toData(5432),
          toData(6379),
          { to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT } }], ports: [{ port: "80", protocol: "TCP" }] },
          { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: "443", protocol: "TCP" }] },
        ],
      },
    });
  }
}
