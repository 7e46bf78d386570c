/**
 * An executable model of Kubernetes NetworkPolicy semantics
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
 * - a pod is isolated for egress (ingress) when a policy of its namespace selects it with
 *   `Egress` (`Ingress`) in its policyTypes; an isolated pod may only do what the union of those
 *   policies' rules allows, and a connection needs both the source's egress and the target's ingress;
 * - a rule peer is a podSelector (the policy's namespace), a namespaceSelector (every pod of the
 *   namespaces it selects), both (pods of those namespaces), or an ipBlock (cluster-external
 *   addresses: pods here have none, so only selectors reach them);
 * - a rule without ports allows every port; a port without protocol is TCP; an empty selector
 *   selects everything; matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist) all hold.
 * Policies are the API objects (camelCase) of the synthesized stacks.
 */
type Json = Record<string, unknown>;
type Labels = Readonly<Record<string, string>>;

/** A pod (namespace and labels) or an address outside the pod network. */
export type Endpoint = { readonly namespace: string; readonly labels: Labels } | { readonly ip: string };

interface Selector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: string[] }[];
}

function selects(selector: Selector | undefined, labels: Labels): boolean {
  if (!selector) return true;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case "In":
        return key in labels && values.includes(labels[key]);
      case "NotIn":
        return !(key in labels) || !values.includes(labels[key]);
      case "Exists":
        return key in labels;
      case "DoesNotExist":
        return !(key in labels);
      default:
        throw new Error(`unknown selector operator ${operator}`);
    }
  });
  return byLabels && byExpressions;
}

function ipOf(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, prefix] = cidr.split("/");
  const size = 2 ** (32 - Number(prefix));
  return Math.floor(ipOf(ip) / size) === Math.floor(ipOf(base) / size);
}

/** The labels a namespace has: the API server always sets kubernetes.io/metadata.name. */
const namespaceLabels = (name: string): Labels => ({ "kubernetes.io/metadata.name": name });

function peerMatches(peer: Json, endpoint: Endpoint, policyNamespace: string): boolean {
  const ipBlock = peer.ipBlock as { cidr: string; except?: string[] } | undefined;
  if (ipBlock) {
    return (
      "ip" in endpoint &&
      inCidr(endpoint.ip, ipBlock.cidr) &&
      !(ipBlock.except ?? []).some((c) => inCidr(endpoint.ip, c))
    );
  }
  if ("ip" in endpoint) return false;
  const namespaceSelector = peer.namespaceSelector as Selector | undefined;
  const inNamespaces = namespaceSelector
    ? selects(namespaceSelector, namespaceLabels(endpoint.namespace))
    : endpoint.namespace === policyNamespace;
  return inNamespaces && selects(peer.podSelector as Selector | undefined, endpoint.labels);
}

function portMatches(ports: Json[] | undefined, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some(
    (p) => (p.port === undefined || Number(p.port) === port) && ((p.protocol as string) ?? "TCP") === protocol,
  );
}

/** Whether the policies let `from` open a connection to `to` on a port. */
export function connectionAllowed(
  policies: readonly Json[],
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol: "TCP" | "UDP" = "TCP",
): boolean {
  const side = (pod: Endpoint, type: "Egress" | "Ingress", peer: Endpoint): boolean => {
    if ("ip" in pod) return true; // outside the pod network: no NetworkPolicy applies
    const isolating = policies.filter((p) => {
      const metadata = p.metadata as Json;
      const spec = p.spec as Json;
      return (
        metadata.namespace === pod.namespace &&
        ((spec.policyTypes as string[] | undefined) ?? ["Ingress"]).includes(type) &&
        selects(spec.podSelector as Selector, pod.labels)
      );
    });
    if (isolating.length === 0) return true;
    return isolating.some((p) => {
      const rules = ((p.spec as Json)[type === "Egress" ? "egress" : "ingress"] ?? []) as Json[];
      return rules.some((rule) => {
        const peers = rule[type === "Egress" ? "to" : "from"] as Json[] | undefined;
        const peerOk =
          !peers ||
          peers.length === 0 ||
          peers.some((x) => peerMatches(x, peer, String((p.metadata as Json).namespace)));
        return peerOk && portMatches(rule.ports as Json[] | undefined, port, protocol);
      });
    });
  };
  return side(from, "Egress", to) && side(to, "Ingress", from);
}
