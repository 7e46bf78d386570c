import type { Release } from "@cdktf/provider-helm/lib/release";
import type { ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import type { ClusterRefs } from "../cluster-connection";
import type { ImageMirror } from "../image-mirror";
import { helmRelease, type ChartSource, type PlatformAddOn } from "./platform-addon";

/**
 * Published as an OCI artifact on GitHub Container Registry like every prometheus-community chart
 * (https://github.com/prometheus-community/helm-charts#usage): through the GitHub pull-through cache.
 */
export const PROMETHEUS_ADAPTER_CHART: ChartSource = {
  chart: "prometheus-adapter",
  repository: "oci://ghcr.io/prometheus-community/charts",
  version: "5.3.0",
  namespace: "monitoring",
};

/** Settings of prometheus-adapter. */
export interface PrometheusAdapterProps {
  /** In-cluster URL of Prometheus, without port. */
  readonly prometheusUrl: string;
  /** The app's request counter as Prometheus scrapes it. @default "http_requests_total" */
  readonly requestCounter?: string;
  /** Name of the Pods metric the HPA reads. @default "requests_per_second" */
  readonly metricName?: string;
  /** Replicas (the custom metrics API is down while none runs). @default 1 */
  readonly replicas?: number;
  /** Where its chart and images are pulled from: the environment's ECR (pull-through cache, chart mirror). */
  readonly images: ImageMirror;
}

/** One prometheus-adapter rule (chart `rules.custom` item). */
export interface AdapterRule {
  readonly seriesQuery: string;
  readonly resources: { readonly overrides: Record<string, { readonly resource: string }> };
  readonly name: { readonly matches: string; readonly as: string };
  readonly metricsQuery: string;
}

/** The rule turning a per-pod request counter into a per-pod request rate. */
export function requestRateRule(counter: string, metricName: string): AdapterRule {
  return {
    seriesQuery: `${counter}{namespace!="",pod!=""}`,
    resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
    name: { matches: `^${counter}$`, as: metricName },
    metricsQuery: "sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)",
  };
}

/**
 * prometheus-adapter serving the custom metrics API: the app's request rate per pod becomes the
 * Pods metric `requests_per_second` that the seed's HPA rule targets. Resource metrics stay with
 * metrics-server.
 */
export class PrometheusAdapterAddOn implements PlatformAddOn {
  readonly id = "prometheus-adapter";

  constructor(private readonly props: PrometheusAdapterProps) {}

  deploy(scope: Construct, _cluster: ClusterRefs, dependsOn?: ITerraformDependable[]): Release {
    const { props } = this;
    const replicas = props.replicas ?? 1;
    return helmRelease(
      scope,
      this.id,
      this.props.images.chart(PROMETHEUS_ADAPTER_CHART),
      {
        image: { repository: props.images.image("registry.k8s.io/prometheus-adapter/prometheus-adapter") },
        replicas,
        // The chart defaults maxUnavailable: 1 and writes both fields, which the API refuses
        // ("minAvailable and maxUnavailable cannot be both set"): null removes its default.
        podDisruptionBudget: { enabled: replicas > 1, minAvailable: 1, maxUnavailable: null },
        prometheus: { url: props.prometheusUrl, port: 9090 },
        rules: {
          default: false,
          custom: [
            requestRateRule(props.requestCounter ?? "http_requests_total", props.metricName ?? "requests_per_second"),
          ],
        },
      },
      dependsOn,
    );
  }
}
