import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { TerraformResource, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { DefaultDenyNetworkPolicy } from "./default-deny-network-policy";
import { podSecurityLabels, type PodSecurityLevel } from "./pod-security-labels";
import { PodNetworkPolicy, type PodNetworkPolicyProps } from "./pod-network-policy";

/** One workload's flows in a platform namespace (the namespace is the construct's). */
export type WorkloadFlows = Omit<PodNetworkPolicyProps, "namespace">;

/** Settings of a namespace the platform's Helm releases install into. */
export interface PlatformNamespaceProps {
  /** Namespace name. */
  readonly name: string;
  /** Pod Security level the API server enforces: the strictest every pod of the namespace passes. */
  readonly enforce: PodSecurityLevel;
  /** The flows each workload needs, opened on top of the default deny. */
  readonly workloads: readonly WorkloadFlows[];
}

/**
 * A namespace the platform owns, not Helm (`create_namespace` would leave it unlabelled): Pod
 * Security labels (enforce its level, warn and audit at restricted), a default-deny NetworkPolicy
 * (DNS only), and one policy per workload opening the flows it needs. Releases wait for `ready`, so
 * their pods (hooks included) never start before their flows are open.
 */
export class PlatformNamespace extends Construct {
  /** The namespace's name (a reference: what uses it waits for the namespace). */
  readonly name: string;
  /** The namespace and every policy of it. */
  readonly ready: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: PlatformNamespaceProps) {
    super(scope, id);
    const namespace = new NamespaceV1(this, "namespace", {
      metadata: { name: props.name, labels: { name: props.name, ...podSecurityLabels(props.enforce) } },
    });
    this.name = namespace.metadata.name;
    new DefaultDenyNetworkPolicy(this, "default-deny", { namespace: this.name });
    for (const workload of props.workloads)
      new PodNetworkPolicy(this, workload.name, { ...workload, namespace: this.name });
    this.ready = this.node.findAll().filter((c): c is TerraformResource => c instanceof TerraformResource);
  }
}
