import type { Release } from "@cdktf/provider-helm/lib/release";
import type { ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import type { ClusterRefs } from "../cluster-connection";
import type { ImageMirror } from "../image-mirror";
import { helmRelease, type ChartSource, type PlatformAddOn } from "./platform-addon";

/**
 * 9.59.0 runs cluster-autoscaler 1.35.0, whose minor must match the cluster's: the platform stack
 * passes the chart config pins for the cluster's minor (config/versions.ts KUBERNETES_MINOR_PINS).
 * Published only in an HTTPS chart repository (https://github.com/kubernetes/autoscaler/issues/7086
 * asks for OCI): deploy mirrors it into the environment's `<env>-charts/cluster-autoscaler`.
 */
export const CLUSTER_AUTOSCALER_CHART: ChartSource = {
  chart: "cluster-autoscaler",
  repository: "https://kubernetes.github.io/autoscaler",
  version: "9.59.0",
  namespace: "kube-system",
};

/** Settings of cluster-autoscaler. */
export interface ClusterAutoscalerProps {
  /** Service account name: must match the Pod Identity association of the cluster stack. */
  readonly serviceAccountName: string;
  /** Chart version, whose autoscaler minor is the cluster's. @default CLUSTER_AUTOSCALER_CHART.version */
  readonly chartVersion?: string;
  /** Where its chart and images are pulled from: the environment's ECR (pull-through cache, chart mirror). */
  readonly images: ImageMirror;
}

/**
 * cluster-autoscaler for AWS: discovers this cluster's node groups by the tags EKS puts on their
 * Auto Scaling groups, and adds nodes when pods cannot be scheduled.
 */
export class ClusterAutoscalerAddOn implements PlatformAddOn {
  readonly id = "cluster-autoscaler";

  constructor(private readonly props: ClusterAutoscalerProps) {}

  deploy(scope: Construct, cluster: ClusterRefs, dependsOn?: ITerraformDependable[]): Release {
    return helmRelease(
      scope,
      this.id,
      this.props.images.chart({
        ...CLUSTER_AUTOSCALER_CHART,
        version: this.props.chartVersion ?? CLUSTER_AUTOSCALER_CHART.version,
      }),
      {
        cloudProvider: "aws",
        image: { repository: this.props.images.image("registry.k8s.io/autoscaling/cluster-autoscaler") },
        awsRegion: cluster.region,
        autoDiscovery: { clusterName: cluster.name },
        rbac: { serviceAccount: { create: true, name: this.props.serviceAccountName } },
        extraArgs: {
          "balance-similar-node-groups": true,
          "skip-nodes-with-system-pods": false,
          expander: "least-waste",
        },
      },
      dependsOn,
    );
  }
}
