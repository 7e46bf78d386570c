import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { Construct } from "constructs";
import { GRAFANA_DASHBOARD_LABEL, GRAFANA_DATA_SOURCES } from "../addons/kube-prometheus-stack";

/** What the service's dashboard shows. */
export interface AppDashboardProps {
  /** Namespace of the ConfigMap (the sidecar watches every namespace). */
  readonly namespace: string;
  /** The app's namespace by name, as the metrics' `namespace` label carries it. */
  readonly appNamespace: string;
  /** Name of the app: dashboard uid and title, the HPA's name prefix. */
  readonly name: string;
  /** Name of the app's HorizontalPodAutoscaler. */
  readonly hpaName: string;
  /** Region of the database and cache (CloudWatch). */
  readonly region: string;
  /** RDS instance identifier. */
  readonly databaseIdentifier: string;
  /** ElastiCache node ids (`<replication group>-001`...). */
  readonly cacheNodeIds: string[];
}

type Target = Record<string, unknown>;

interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly source: keyof typeof GRAFANA_DATA_SOURCES;
  readonly targets: Target[];
}

/**
 * The service's Grafana dashboard as code: request rate, 5xx ratio, latency percentiles, replicas
 * against the HPA's bounds (Prometheus), and database and cache connections (CloudWatch), in a
 * ConfigMap Grafana's dashboard sidecar loads. Edits in the UI are not kept: change it here.
 */
export class AppDashboard extends Construct {
  /** The dashboard JSON (for tests and reviewers). */
  readonly dashboard: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: AppDashboardProps) {
    super(scope, id);
    this.dashboard = dashboardOf(props);
    new ConfigMapV1(this, "config-map", {
      metadata: { name: `${props.name}-dashboard`, namespace: props.namespace, labels: { ...GRAFANA_DASHBOARD_LABEL } },
      data: { [`${props.name}.json`]: JSON.stringify(this.dashboard) },
    });
  }
}

function dashboardOf(props: AppDashboardProps): Record<string, unknown> {
  const panels = panelsOf(props).map((panel, i) => ({
    id: i + 1,
    type: "timeseries",
    title: panel.title,
    datasource: GRAFANA_DATA_SOURCES[panel.source],
    gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
    fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
    targets: panel.targets.map((t, j) => ({
      refId: String.fromCharCode(65 + j),
      datasource: GRAFANA_DATA_SOURCES[panel.source],
      ...t,
    })),
  }));
  return {
    uid: props.name,
    title: props.name,
    tags: ["marketing-agents"],
    timezone: "utc",
    refresh: "1m",
    time: { from: "now-6h", to: "now" },
    schemaVersion: 39,
    panels,
  };
}

function panelsOf(props: AppDashboardProps): Panel[] {
  const app = `namespace="${props.appNamespace}"`;
  const hpa = `${app},horizontalpodautoscaler="${props.hpaName}"`;
  const latency = (q: number) => ({
    expr: `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${app}}[5m])))`,
    legendFormat: `p${Math.round(q * 100)}`,
  });
  const cloudwatch = (namespace: string, metricName: string, dimensions: Record<string, string>) => ({
    queryMode: "Metrics",
    region: props.region,
    namespace,
    metricName,
    dimensions,
    statistic: "Maximum",
    matchExact: true,
    period: "",
  });
  return [
    {
      title: "Requests per second, by status",
      unit: "reqps",
      source: "prometheus",
      targets: [{ expr: `sum by (status) (rate(http_requests_total{${app}}[5m]))`, legendFormat: "{{status}}" }],
    },
    {
      title: "5xx ratio",
      unit: "percentunit",
      source: "prometheus",
      targets: [
        {
          expr: `sum(rate(http_requests_total{${app},status=~"5.."}[5m])) / sum(rate(http_requests_total{${app}}[5m]))`,
          legendFormat: "5xx",
        },
      ],
    },
    { title: "Latency", unit: "s", source: "prometheus", targets: [latency(0.5), latency(0.95), latency(0.99)] },
    {
      title: "Replicas and autoscaler bounds",
      unit: "short",
      source: "prometheus",
      targets: [
        { expr: `kube_horizontalpodautoscaler_status_current_replicas{${hpa}}`, legendFormat: "current" },
        { expr: `kube_horizontalpodautoscaler_status_desired_replicas{${hpa}}`, legendFormat: "desired" },
        { expr: `kube_horizontalpodautoscaler_spec_min_replicas{${hpa}}`, legendFormat: "min" },
        { expr: `kube_horizontalpodautoscaler_spec_max_replicas{${hpa}}`, legendFormat: "max" },
      ],
    },
    {
      title: "Database connections",
      unit: "short",
      source: "cloudwatch",
      targets: [cloudwatch("AWS/RDS", "DatabaseConnections", { DBInstanceIdentifier: props.databaseIdentifier })],
    },
    {
      title: "Cache connections",
      unit: "short",
      source: "cloudwatch",
      targets: props.cacheNodeIds.map((node) =>
        cloudwatch("AWS/ElastiCache", "CurrConnections", { CacheClusterId: node }),
      ),
    },
  ];
}
