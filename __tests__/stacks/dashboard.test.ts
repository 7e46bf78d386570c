/**
 * The service's Grafana dashboard as code: what it plots, from which data source, and the wiring
 * that makes Grafana load it (sidecar label) and read CloudWatch (data source, Pod Identity role).
 */
import { GRAFANA_DATA_SOURCES } from "../../modules/addons/kube-prometheus-stack";
import { resourcesOf, synthEnvironment } from "../helpers";

type Json = Record<string, unknown>;
type Panel = { title: string; datasource: Json; targets: Json[]; gridPos: Json };

describe.each([
  ["dev", ["marketing-agents-dev-001"]],
  ["prod", ["marketing-agents-prod-001", "marketing-agents-prod-002"]],
])("the dashboard in %s", (name, cacheNodes) => {
  const env = synthEnvironment(name);
  const [configMap] = Object.values(resourcesOf(env.json("app"), "kubernetes_config_map_v1")).filter(
    (c) => (c.metadata as Json).name === "marketing-agents-dashboard",
  );
  const dashboard = JSON.parse(String(Object.values(configMap.data as Json)[0])) as { uid: string; panels: Panel[] };
  const panel = (title: string) => dashboard.panels.find((p) => p.title === title) as Panel;
  const exprs = (title: string) => panel(title).targets.map((t) => t.expr);

  it("is a ConfigMap Grafana's sidecar loads (its label), in the app's namespace", () => {
    expect(configMap.metadata).toMatchObject({
      labels: { grafana_dashboard: "1" },
      namespace: expect.stringMatching(/^\$\{kubernetes_namespace_v1\.namespace\.metadata\[0\]\.name\}$/),
    });
    expect(Object.keys(configMap.data as Json)).toEqual(["marketing-agents.json"]);
    expect(dashboard.uid).toBe("marketing-agents");
  });

  it("plots request rate, 5xx ratio and latency percentiles of the app's own metrics", () => {
    const app = 'namespace="marketing-agents"';
    expect(exprs("Requests per second, by status")).toEqual([
      `sum by (status) (rate(http_requests_total{${app}}[5m]))`,
    ]);
    expect(exprs("5xx ratio")[0]).toContain(`http_requests_total{${app},status=~"5.."}`);
    expect(exprs("Latency")).toEqual(
      [0.5, 0.95, 0.99].map(
        (q) => `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${app}}[5m])))`,
      ),
    );
  });

  it("plots the replicas against the HPA's bounds", () => {
    const series = exprs("Replicas and autoscaler bounds");
    for (const metric of [
      "status_current_replicas",
      "status_desired_replicas",
      "spec_min_replicas",
      "spec_max_replicas",
    ]) {
      expect(series).toContain(
        `kube_horizontalpodautoscaler_${metric}{namespace="marketing-agents",horizontalpodautoscaler="marketing-agents-hpa"}`,
      );
    }
  });

  it("reads database and cache connections from CloudWatch, for this environment's instance and each cache node", () => {
    const database = panel("Database connections");
    expect(database.datasource).toEqual(GRAFANA_DATA_SOURCES.cloudwatch);
    expect(database.targets).toEqual([
      expect.objectContaining({
        namespace: "AWS/RDS",
        metricName: "DatabaseConnections",
        region: "us-east-1",
        dimensions: {
          DBInstanceIdentifier: expect.stringMatching(/cross-stack-output-modulepostgresdb_instance_identifier\}$/),
        },
      }),
    ]);
    const cache = panel("Cache connections").targets;
    expect(cache.map((t) => (t.dimensions as Json).CacheClusterId)).toEqual(cacheNodes);
    expect(cache.map((t) => t.refId)).toEqual(cacheNodes.map((_, i) => String.fromCharCode(65 + i)));
  });

  it("lays the panels out two to a row without overlap", () => {
    const cells = dashboard.panels.map((p) => `${p.gridPos.x},${p.gridPos.y}`);
    expect(new Set(cells).size).toBe(dashboard.panels.length);
  });

  it("gives Grafana the CloudWatch data source the panels name, read through its own role", () => {
    const release = resourcesOf(env.json("platform"), "helm_release")["kube-prometheus-stack"];
    const grafana = (JSON.parse((release.values as string[])[0]) as { grafana: Json }).grafana;
    expect(grafana).toMatchObject({
      serviceAccount: { create: true, name: "grafana" },
      additionalDataSources: [
        expect.objectContaining({
          ...GRAFANA_DATA_SOURCES.cloudwatch,
          jsonData: { authType: "default", defaultRegion: "us-east-1" },
        }),
      ],
    });
    const cluster = env.json("cluster");
    const association = Object.values(resourcesOf(cluster, "aws_eks_pod_identity_association")).find(
      (a) => a.service_account === "grafana",
    );
    expect(association).toMatchObject({ namespace: "monitoring" });
    const policy = Object.values(resourcesOf(cluster, "aws_iam_role_policy")).find(
      (p) => p.name === `marketing-agents-${name}-grafana`,
    );
    const statements = JSON.parse(String(policy?.policy)).Statement as Json[];
    expect(
      statements.flatMap((s) => s.Action as string[]).every((a) => /^cloudwatch:(Get|List|Describe)/.test(a)),
    ).toBe(true);
  });
});
