/**
 * Which ECR repositories the plan and deploy roles get for the Helm charts, derived from the pinned
 * chart sources through ImageMirror.chart (what each role may then do is evaluated in
 * __tests__/security/who-can-do-what.test.ts).
 */
import { CHART_SOURCES } from "../../modules/addons/chart-sources";
import type { ChartSource } from "../../modules/addons/platform-addon";
import { chartRegistryStatements, chartRepositoriesOf } from "../../modules/ci-role-policies";
import { ImageMirror } from "../../modules/image-mirror";

const mirror = new ImageMirror({ registryHost: "111111111111.dkr.ecr.us-east-1.amazonaws.com", prefixStart: "dev" });
const chart = (repository: string): ChartSource => ({ chart: "x", repository, version: "1.0.0", namespace: "x" });

describe("chart repositories of the CI roles", () => {
  it("are the caches the pinned charts' OCI upstreams come through, and the mirror", () => {
    expect(chartRepositoriesOf(mirror, CHART_SOURCES)).toEqual({
      cachePrefixes: [mirror.prefix("docker-hub"), mirror.prefix("quay"), mirror.prefix("ghcr")],
      mirrorPrefix: mirror.chartMirrorPrefix(),
    });
  });

  it("follow a chart to another upstream: a chart from registry.k8s.io adds its cache, not another", () => {
    const { cachePrefixes } = chartRepositoriesOf(mirror, [chart("oci://registry.k8s.io/charts")]);
    expect(cachePrefixes).toEqual([mirror.prefix("k8s")]);
  });

  it("grant no cache filling when every chart is mirrored (IAM refuses a statement without a resource)", () => {
    const repositories = chartRepositoriesOf(mirror, [chart("https://charts.example.com")]);
    const statements = chartRegistryStatements({ accountId: "111111111111", region: "us-east-1", ...repositories });
    expect(statements.map((s) => s.Sid)).toEqual([
      "LoginToTheRegistry",
      "PullTheCharts",
      "MirrorTheChartsWithoutAnOciPublication",
    ]);
    expect(statements.find((s) => s.Sid === "PullTheCharts")?.Resource).toEqual([
      "arn:aws:ecr:us-east-1:111111111111:repository/dev-charts/*",
    ]);
  });
});
