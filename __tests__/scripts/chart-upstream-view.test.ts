/**
 * check:helm checks the shared tool's "repository is where the chart is published" against the
 * upstream our ECR repository stands for, and only when it is the environment's own rewrite of it.
 */
import { ecrRegistryHost, loadEnvironments } from "../../config";
import { CHART_SOURCES } from "../../modules/addons/chart-sources";
import { expectedRepository, mapToUpstreams, type StackWithReleases } from "../../scripts/chart-upstream-view/view";

const [dev, other] = loadEnvironments();
const upstreamOf = (chart: string) => CHART_SOURCES.find((s) => s.chart === chart)?.repository;
const release = (chart: string, repository: string) => ({ chart, repository });

describe("chart upstream view", () => {
  it("puts back the upstream of a cached and of a mirrored chart pulled through the environment's ECR", () => {
    const stack: StackWithReleases = {
      resource: {
        helm_release: {
          cached: release(
            "kube-prometheus-stack",
            `oci://${ecrRegistryHost(dev)}/${dev.name}-ghcr/prometheus-community/charts`,
          ),
          mirrored: release("metrics-server", `oci://${ecrRegistryHost(dev)}/${dev.name}-charts`),
        },
      },
    };
    expect(mapToUpstreams(stack, dev)).toEqual({ mapped: 2, releases: 2 });
    expect(stack.resource?.helm_release).toEqual({
      cached: release("kube-prometheus-stack", "oci://ghcr.io/prometheus-community/charts"),
      mirrored: release("metrics-server", upstreamOf("metrics-server") as string),
    });
  });

  it("leaves as synthesized a public repository, another environment's prefix and a chart it does not pin", () => {
    const releases = {
      public: release("cert-manager", "https://charts.jetstack.io"),
      elsewhere: release("metrics-server", `oci://${ecrRegistryHost(dev)}/${other.name}-charts`),
      unknown: release("not-a-pinned-chart", `oci://${ecrRegistryHost(dev)}/${dev.name}-charts`),
    };
    const stack: StackWithReleases = { resource: { helm_release: structuredClone(releases) } };
    expect(mapToUpstreams(stack, dev)).toEqual({ mapped: 0, releases: 3 });
    expect(stack.resource?.helm_release).toEqual(releases);
  });

  it("expects every pinned chart in the environment's own ECR", () => {
    for (const source of CHART_SOURCES) {
      expect(expectedRepository(dev, source.chart)).toMatch(
        new RegExp(`^oci://${ecrRegistryHost(dev).replace(/\./g, "\\.")}/${dev.name}-`),
      );
    }
  });
});
