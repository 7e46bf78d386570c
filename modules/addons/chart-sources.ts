/**
 * Every pinned chart the platform installs, as its project publishes it (the upstream; the
 * releases pull it through the environment's ECR, modules/image-mirror.ts `chart`). Scripts find a
 * chart's upstream here by name (the deploy command fills the mirror from it), and the cluster
 * stack creates a mirror repository for each chart ECR cannot cache.
 */
import { isMirroredChart } from "../image-mirror";
import { chartDigestKey, parseChartDigestFile, type ChartDigestPin } from "./chart-digest-pins";
import CHART_DIGESTS from "./chart-digests.json";
import { AWS_FOR_FLUENT_BIT_CHART } from "./aws-for-fluent-bit";
import { CERT_MANAGER_CHART } from "./cert-manager";
import { CLUSTER_AUTOSCALER_CHART } from "./cluster-autoscaler";
import { ENVOY_GATEWAY_CHART, GATEWAY_CRDS_CHART } from "./envoy-gateway";
import { EXTERNAL_DNS_CHART } from "./external-dns";
import { EXTERNAL_SECRETS_CHART } from "./external-secrets";
import { KUBE_PROMETHEUS_STACK_CHART } from "./kube-prometheus-stack";
import { METRICS_SERVER_CHART } from "./metrics-server";
import type { ChartSource } from "./platform-addon";
import { PROMETHEUS_ADAPTER_CHART } from "./prometheus-adapter";
import { RELOADER_CHART } from "./reloader";

export {
  AWS_FOR_FLUENT_BIT_CHART,
  CERT_MANAGER_CHART,
  CLUSTER_AUTOSCALER_CHART,
  ENVOY_GATEWAY_CHART,
  EXTERNAL_DNS_CHART,
  EXTERNAL_SECRETS_CHART,
  GATEWAY_CRDS_CHART,
  KUBE_PROMETHEUS_STACK_CHART,
  METRICS_SERVER_CHART,
  PROMETHEUS_ADAPTER_CHART,
  RELOADER_CHART,
};

/** Every pinned chart source, one per chart name (the mirror keeps one repository per name). */
export const CHART_SOURCES: readonly ChartSource[] = [
  ENVOY_GATEWAY_CHART,
  GATEWAY_CRDS_CHART,
  CERT_MANAGER_CHART,
  EXTERNAL_SECRETS_CHART,
  KUBE_PROMETHEUS_STACK_CHART,
  PROMETHEUS_ADAPTER_CHART,
  RELOADER_CHART,
  METRICS_SERVER_CHART,
  EXTERNAL_DNS_CHART,
  CLUSTER_AUTOSCALER_CHART,
  AWS_FOR_FLUENT_BIT_CHART,
];

/** The charts published only in an HTTPS chart repository: mirrored into `<env>-charts/<chart>`. */
export const MIRRORED_CHART_SOURCES: readonly ChartSource[] = CHART_SOURCES.filter(isMirroredChart);

/** The pinned source of a chart, by name; undefined for a chart the platform does not install. */
export function chartSource(chart: string): ChartSource | undefined {
  return CHART_SOURCES.find((source) => source.chart === chart);
}

/** The pins, read once. */
let pins: Readonly<Record<string, ChartDigestPin>> | undefined;

/**
 * The digest pinned in git for a chart version (modules/addons/chart-digests.json, written by
 * `npm run chart-digests -- --write`): of its archive for a mirrored chart, of its upstream
 * manifest for a cached one. Undefined when the version has no pin. The file is checked on first
 * use, so a broken one fails the deploy that reads it, not every synth.
 */
export function pinnedChartDigest(chart: string, version: string): ChartDigestPin | undefined {
  pins ??= parseChartDigestFile(CHART_DIGESTS).charts;
  return pins[chartDigestKey(chart, version)];
}
