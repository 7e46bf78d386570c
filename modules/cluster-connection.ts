import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { Fn } from "cdktf";
import { Construct } from "constructs";

/** How a stack reaches its EKS cluster. */
export interface ClusterConnectionProps {
  /** Name of the cluster (a cross-stack reference to the cluster stack's output). */
  readonly clusterName: string;
  /** Region of the cluster. */
  readonly region: string;
  /** Configure the Helm provider. @default false */
  readonly helm?: boolean;
  /** Configure the Kubernetes provider. @default false */
  readonly kubernetes?: boolean;
}

/** What Helm add-ons and Kubernetes resources are told about the cluster. */
export interface ClusterRefs {
  /** Name of the cluster. */
  readonly name: string;
  /** Region of the cluster. */
  readonly region: string;
}

/**
 * Kubernetes and Helm providers for an EKS cluster found by name: endpoint and CA from the EKS
 * API at plan time, credentials from `aws eks get-token` at each run. No token ever passes
 * through outputs or state.
 */
export class ClusterConnection extends Construct {
  /** Name and region of the cluster. */
  readonly cluster: ClusterRefs;

  constructor(scope: Construct, id: string, props: ClusterConnectionProps) {
    super(scope, id);
    const cluster = new DataAwsEksCluster(this, "cluster", { name: props.clusterName });
    const host = cluster.endpoint;
    const clusterCaCertificate = Fn.base64decode(cluster.certificateAuthority.get(0).data);
    const exec = {
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", cluster.name, "--region", props.region],
    };
    if (props.kubernetes) new KubernetesProvider(this, "kubernetes", { host, clusterCaCertificate, exec: [exec] });
    if (props.helm) new HelmProvider(this, "helm", { kubernetes: { host, clusterCaCertificate, exec } });
    this.cluster = { name: cluster.name, region: props.region };
  }
}
