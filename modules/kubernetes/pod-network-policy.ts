import { NetworkPolicyV1 } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { Construct } from "constructs";

/** A port of a flow: the pod's own (container) port, not a Service's. */
export interface FlowPort {
  readonly port: number;
  /** @default "TCP" */
  readonly protocol?: "TCP" | "UDP";
}

/**
 * One side of a flow: pods (by namespace, `"*"` for every namespace, and labels; no labels: every
 * pod of it), or addresses outside the pod network (the EKS control plane's interfaces, nodes,
 * AWS endpoints, the internet), as CIDRs.
 */
export type FlowPeer =
  | { readonly namespace: string; readonly podLabels?: Readonly<Record<string, string>> }
  | { readonly cidrs: readonly string[] };

/** Who a rule lets in (ingress) or out to (egress), and on which ports. */
export interface FlowRule {
  readonly peers: readonly FlowPeer[];
  readonly ports: readonly FlowPort[];
}

/** Settings of one workload's allow policy. */
export interface PodNetworkPolicyProps {
  /** Namespace of the pods (pass the namespace resource's name, so the policy waits for it). */
  readonly namespace: string;
  /** Policy name. */
  readonly name: string;
  /** Labels of the pods the policy opens (all of them must match). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** What may connect to the pods. */
  readonly ingress?: readonly FlowRule[];
  /** What the pods may connect to. */
  readonly egress?: readonly FlowRule[];
}

const NAMESPACE_NAME = "kubernetes.io/metadata.name";

/** The NetworkPolicy peer of a flow peer (every namespace: an `Exists` expression, never an empty selector). */
function peers(peer: FlowPeer): object[] {
  if ("cidrs" in peer) return peer.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  const namespaceSelector =
    peer.namespace === "*"
      ? { matchExpressions: [{ key: NAMESPACE_NAME, operator: "Exists" }] }
      : { matchLabels: { [NAMESPACE_NAME]: peer.namespace } };
  return [{ namespaceSelector, podSelector: { matchLabels: { ...(peer.podLabels ?? {}) } } }];
}

function ports(rule: FlowRule): object[] {
  return rule.ports.map((p) => ({ port: String(p.port), protocol: p.protocol ?? "TCP" }));
}

/**
 * A NetworkPolicy that opens, for the pods it selects, exactly the flows listed: each rule a set
 * of peers on a set of ports. In a namespace whose default-deny policy shuts everything, the
 * union of these policies is all a pod may do
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/).
 */
export class PodNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: PodNetworkPolicyProps) {
    super(scope, id);
    const policyTypes = [...(props.ingress ? ["Ingress"] : []), ...(props.egress ? ["Egress"] : [])];
    new NetworkPolicyV1(this, "policy", {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        podSelector: { matchLabels: { ...props.podLabels } },
        policyTypes,
        ingress: props.ingress?.map((rule) => ({ from: rule.peers.flatMap(peers), ports: ports(rule) })),
        egress: props.egress?.map((rule) => ({ to: rule.peers.flatMap(peers), ports: ports(rule) })),
      },
    });
  }
}
