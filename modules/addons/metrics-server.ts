import type { Release } from "@cdktf/provider-helm/lib/release";
import type { ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import type { ClusterRefs } from "../cluster-connection";
import type { ImageMirror } from "../image-mirror";
import { helmRelease, type ChartSource, type PlatformAddOn } from "./platform-addon";

/**
 * Published only in an HTTPS chart repository (https://github.com/kubernetes-sigs/metrics-server/issues/1527
 * asks for OCI): deploy mirrors it into the environment's `<env>-charts/metrics-server`.
 */
export const METRICS_SERVER_CHART: ChartSource = {
  chart: "metrics-server",
  repository: "https://kubernetes-sigs.github.io/metrics-server/",
  version: "3.13.1",
  namespace: "kube-system",
};

/** Settings of metrics-server. */
export interface MetricsServerProps {
  /** Replicas (2+ keeps `kubectl top` and the HPA's CPU/memory metrics up during node drains). @default 1 */
  readonly replicas?: number;
  /** Where its chart and images are pulled from: the environment's ECR (pull-through cache, chart mirror). */
  readonly images: ImageMirror;
}

/** metrics-server: the resource metrics (CPU, memory) the HorizontalPodAutoscaler reads. */
export class MetricsServerAddOn implements PlatformAddOn {
  readonly id = "metrics-server";

  constructor(private readonly props: MetricsServerProps) {}

  deploy(scope: Construct, _cluster: ClusterRefs, dependsOn?: ITerraformDependable[]): Release {
    const replicas = this.props.replicas ?? 1;
    return helmRelease(
      scope,
      this.id,
      this.props.images.chart(METRICS_SERVER_CHART),
      {
        image: { repository: this.props.images.image("registry.k8s.io/metrics-server/metrics-server") },
        replicas,
        podDisruptionBudget: { enabled: replicas > 1, minAvailable: 1 },
      },
      dependsOn,
    );
  }
}
