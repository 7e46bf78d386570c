import type { Release } from "@cdktf/provider-helm/lib/release";
import type { ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import type { ClusterRefs } from "../cluster-connection";
import type { ImageMirror } from "../image-mirror";
import { helmRelease, type ChartSource, type PlatformAddOn } from "./platform-addon";

/**
 * kubectl of the CRD upgrade Job by default: kubectl supports one minor either side of the API
 * server, so the platform stack passes the tag config pins for the cluster's minor.
 */
export const CRD_UPGRADE_KUBECTL_TAG = "v1.35.0";
/** busybox of that Job (unpacks the chart's CRD bundle): pinned, never the chart's default `latest`. */
export const CRD_UPGRADE_BUSYBOX_TAG = "1.37.0";

/**
 * prometheus-community publishes every chart as an OCI artifact on GitHub Container Registry
 * besides https://prometheus-community.github.io/helm-charts
 * (https://github.com/prometheus-community/helm-charts#usage): the environment's GitHub
 * pull-through cache serves it (modules/image-mirror.ts `chart`).
 */
export const KUBE_PROMETHEUS_STACK_CHART: ChartSource = {
  chart: "kube-prometheus-stack",
  repository: "oci://ghcr.io/prometheus-community/charts",
  version: "88.5.3",
  namespace: "monitoring",
};

/**
 * node-exporter's namespace: its pods read the host (hostNetwork, hostPID, hostPath), which only
 * Pod Security "privileged" admits; out of monitoring, which then enforces "restricted".
 */
export const NODE_EXPORTER_NAMESPACE = "node-exporter";

/** Grafana's data sources, by uid: the chart's Prometheus, and CloudWatch (added here). */
export const GRAFANA_DATA_SOURCES = {
  prometheus: { type: "prometheus", uid: "prometheus" },
  cloudwatch: { type: "cloudwatch", uid: "cloudwatch" },
} as const;

/** The label Grafana's dashboard sidecar loads ConfigMaps by, in every namespace (chart default). */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;

/** Settings of the monitoring stack. */
export interface KubePrometheusStackProps {
  /** Prometheus TSDB retention, e.g. 200h (the seed's compose file). */
  readonly retention: string;
  /** Prometheus volume (GiB). */
  readonly prometheusStorageGib: number;
  /** Grafana volume (GiB). */
  readonly grafanaStorageGib: number;
  /** StorageClass of both volumes. */
  readonly storageClassName: string;
  /** Secret (in the release namespace) with keys admin-user and admin-password for Grafana. */
  readonly grafanaAdminSecret: string;
  /** Alertmanager sends every alert (Watchdog excepted) to this SNS topic. */
  readonly alerts: {
    readonly topicArn: string;
    readonly region: string;
    /** Alertmanager's service account, bound to a role that may publish to the topic. */
    readonly serviceAccountName: string;
  };
  /** Grafana's service account, bound to a role that reads CloudWatch metrics (database, cache). */
  readonly grafanaServiceAccountName: string;
  /** Region of the CloudWatch data source. */
  readonly region: string;
  /** kubectl tag of the CRD upgrade Job, the cluster's minor. @default CRD_UPGRADE_KUBECTL_TAG */
  readonly crdUpgradeKubectlTag?: string;
  /** Where its chart and images are pulled from: the environment's ECR (pull-through cache, chart mirror). */
  readonly images: ImageMirror;
}

/**
 * Prometheus (with the operator and its CRDs, upgraded by the chart's CRD Job), Alertmanager and
 * Grafana (with a CloudWatch data source; dashboards from labelled ConfigMaps). Prometheus selects
 * every ServiceMonitor and PodMonitor in the cluster, not only the chart's own.
 */
export class KubePrometheusStackAddOn implements PlatformAddOn {
  readonly id = "kube-prometheus-stack";

  constructor(private readonly props: KubePrometheusStackProps) {}

  /** In-cluster URL of Prometheus (the release's service). */
  get prometheusUrl(): string {
    return `http://${this.id}-prometheus.${KUBE_PROMETHEUS_STACK_CHART.namespace}.svc`;
  }

  deploy(scope: Construct, _cluster: ClusterRefs, dependsOn?: ITerraformDependable[]): Release {
    const { props } = this;
    // The chart and its subcharts take `registry` and `repository` apart: both from the cache.
    const image = (upstream: string) => props.images.split(upstream);
    return helmRelease(
      scope,
      this.id,
      props.images.chart(KUBE_PROMETHEUS_STACK_CHART),
      {
        crds: {
          enabled: true,
          // Helm never upgrades CRDs from crds/: the chart's own pre-upgrade Job applies this
          // version's prometheus-operator CRDs (server-side), so a chart bump upgrades them.
          upgradeJob: {
            enabled: true,
            forceConflicts: true,
            image: {
              busybox: { ...image("docker.io/busybox"), tag: CRD_UPGRADE_BUSYBOX_TAG },
              kubectl: {
                ...image("registry.k8s.io/kubectl"),
                tag: props.crdUpgradeKubectlTag ?? CRD_UPGRADE_KUBECTL_TAG,
              },
            },
            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
          },
        },
        prometheusOperator: {
          image: image("quay.io/prometheus-operator/prometheus-operator"),
          // The operator writes this image into every Prometheus and Alertmanager pod.
          prometheusConfigReloader: { image: image("quay.io/prometheus-operator/prometheus-config-reloader") },
          admissionWebhooks: { patch: { image: image("ghcr.io/jkroepke/kube-webhook-certgen") } },
          // The operator's default for a Thanos sidecar (none runs here): from the cache too.
          thanosImage: image("quay.io/thanos/thanos"),
        },
        prometheus: {
          prometheusSpec: {
            image: image("quay.io/prometheus/prometheus"),
            retention: props.retention,
            serviceMonitorSelectorNilUsesHelmValues: false,
            podMonitorSelectorNilUsesHelmValues: false,
            ruleSelectorNilUsesHelmValues: false,
            storageSpec: {
              volumeClaimTemplate: {
                spec: {
                  storageClassName: props.storageClassName,
                  accessModes: ["ReadWriteOnce"],
                  resources: { requests: { storage: `${props.prometheusStorageGib}Gi` } },
                },
              },
            },
          },
        },
        alertmanager: {
          alertmanagerSpec: { image: image("quay.io/prometheus/alertmanager") },
          serviceAccount: { create: true, name: props.alerts.serviceAccountName },
          config: alertmanagerConfig(props.alerts.topicArn, props.alerts.region),
        },
        "prometheus-node-exporter": {
          namespaceOverride: NODE_EXPORTER_NAMESPACE,
          image: image("quay.io/prometheus/node-exporter"),
        },
        "kube-state-metrics": { image: image("registry.k8s.io/kube-state-metrics/kube-state-metrics") },
        // EKS runs the control plane: its scheduler, controller manager and etcd cannot be scraped,
        // and EKS's kube-proxy serves metrics on 127.0.0.1 only, so their targets would stay down
        // and the chart's absent() alerts (critical) would page from the first day.
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeEtcd: { enabled: false },
        kubeProxy: { enabled: false },
        grafana: {
          image: image("docker.io/grafana/grafana"),
          // The chown init container runs as root with CAP_CHOWN (refused by "restricted"); the
          // pod's fsGroup (472) already gives Grafana its volume.
          initChownData: { enabled: false },
          // No Alertmanager data source: alerts go to SNS, and Grafana may not reach Alertmanager
          // (the monitoring namespace's NetworkPolicies), so the provisioned source would only fail.
          sidecar: {
            image: image("quay.io/kiwigrid/k8s-sidecar"),
            datasources: { alertmanager: { enabled: false } },
          },
          serviceAccount: { create: true, name: props.grafanaServiceAccountName },
          additionalDataSources: [
            {
              name: "CloudWatch",
              ...GRAFANA_DATA_SOURCES.cloudwatch,
              access: "proxy",
              // The pod's Pod Identity credentials (the default AWS chain), read-only on metrics.
              jsonData: { authType: "default", defaultRegion: props.region },
            },
          ],
          admin: { existingSecret: props.grafanaAdminSecret, userKey: "admin-user", passwordKey: "admin-password" },
          persistence: {
            enabled: true,
            storageClassName: props.storageClassName,
            size: `${props.grafanaStorageGib}Gi`,
          },
        },
      },
      dependsOn,
    );
  }
}

/**
 * Every alert to the environment's SNS topic (signed with the pod's Pod Identity credentials),
 * resolved ones too; the chart's Watchdog, which fires always to prove the pipeline, goes nowhere.
 */
function alertmanagerConfig(topicArn: string, region: string): object {
  return {
    route: {
      receiver: "sns",
      group_by: ["namespace", "alertname"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "12h",
      routes: [{ receiver: "null", matchers: ['alertname = "Watchdog"'] }],
    },
    receivers: [
      { name: "null" },
      {
        name: "sns",
        sns_configs: [
          {
            topic_arn: topicArn,
            sigv4: { region },
            subject: "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.namespace }})",
            send_resolved: true,
          },
        ],
      },
    ],
  };
}
