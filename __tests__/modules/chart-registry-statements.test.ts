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
const chart = (repository: string, name = "x"): ChartSource => ({
  chart: name,
  repository,
  version: "1.0.0",
  namespace: "x",
});
const statementsOf = (sources: readonly ChartSource[]) =>
  chartRegistryStatements({ accountId: "111111111111", region: "us-east-1", ...chartRepositoriesOf(mirror, sources) });
const arn = (name: string) => `arn:aws:ecr:us-east-1:111111111111:repository/${name}`;

describe("chart repositories of the CI roles", () => {
  it("are each pinned chart's own repository: its upstream's cache, or the mirror", () => {
    const { cachedRepositories, mirroredRepositories } = chartRepositoriesOf(mirror, CHART_SOURCES);
    expect(cachedRepositories).toEqual(
      expect.arrayContaining([
        "dev-docker-hub/envoyproxy/gateway-helm",
        "dev-quay/jetstack/charts/cert-manager",
        "dev-ghcr/prometheus-community/charts/kube-prometheus-stack",
      ]),
    );
    expect(mirroredRepositories).toContain("dev-charts/metrics-server");
    // One repository per pinned chart, none under two names, every chart placed.
    expect(cachedRepositories.length + mirroredRepositories.length).toBe(CHART_SOURCES.length);
  });

  it("follow a chart to another upstream: a chart from registry.k8s.io gets its repository in that cache", () => {
    const { cachedRepositories } = chartRepositoriesOf(mirror, [chart("oci://registry.k8s.io/charts", "y")]);
    expect(cachedRepositories).toEqual([`${mirror.prefix("k8s")}/charts/y`]);
  });

  it("grant filling and pulling on the charts' repositories only, never a cache's whole prefix", () => {
    const statements = statementsOf(CHART_SOURCES);
    const resources = statements
      .filter((s) => s.Sid !== "LoginToTheRegistry")
      .flatMap((s) => [s.Resource ?? []].flat());
    expect(resources.filter((r) => r.includes("*"))).toEqual([]);
    expect(statements.find((s) => s.Sid === "FillTheChartCachesOnFirstPull")?.Resource).toContain(
      arn("dev-ghcr/external-secrets/charts/external-secrets"),
    );
  });

  it("grant no cache filling when every chart is mirrored (IAM refuses a statement without a resource)", () => {
    const statements = statementsOf([chart("https://charts.example.com")]);
    expect(statements.map((s) => s.Sid)).toEqual([
      "LoginToTheRegistry",
      "PullTheCharts",
      "MirrorTheChartsWithoutAnOciPublication",
    ]);
    expect(statements.find((s) => s.Sid === "PullTheCharts")?.Resource).toEqual([arn("dev-charts/x")]);
  });
});
