import { NetworkPolicyV1 } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { Construct } from "constructs";

/** Egress to the cluster DNS (CoreDNS pods, `k8s-app: kube-dns` in kube-system), UDP and TCP 53. */
export const CLUSTER_DNS_EGRESS = {
  to: [
    {
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
      podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
    },
  ],
  ports: [
    { port: "53", protocol: "UDP" },
    { port: "53", protocol: "TCP" },
  ],
};

/** Settings of a namespace's default-deny policy. */
export interface DefaultDenyNetworkPolicyProps {
  /** The namespace (pass the namespace resource's name, so the policies wait for it). */
  readonly namespace: string;
}

/**
 * A namespace that starts closed: a NetworkPolicy selecting every pod for ingress and egress with
 * no rule (nothing in, nothing out), and one allow, DNS to CoreDNS. Every other flow is a
 * NetworkPolicy of the workload that needs it: policies add up, so a pod gets exactly the union
 * of what they allow (https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies).
 * On EKS the VPC CNI enforces NetworkPolicy only with its network policy agent on
 * (`enableNetworkPolicy` of the vpc-cni add-on, which the cluster stack sets).
 */
export class DefaultDenyNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: DefaultDenyNetworkPolicyProps) {
    super(scope, id);
    new NetworkPolicyV1(this, "deny-all", {
      metadata: { name: "default-deny", namespace: props.namespace },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    });
    new NetworkPolicyV1(this, "allow-dns", {
      metadata: { name: "allow-cluster-dns", namespace: props.namespace },
      spec: { podSelector: {}, policyTypes: ["Egress"], egress: [CLUSTER_DNS_EGRESS] },
    });
  }
}
