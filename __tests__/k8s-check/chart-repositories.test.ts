import { PUBLIC_CHART_PROBE, chartProblems, chartReference } from "../../scripts/k8s-check/chart-repositories";
import { releasesOf } from "../../scripts/k8s-check/charts";
import { registriesOf } from "../../scripts/k8s-check/image-sources";
import { declaredNames, registryHostOf, synthesizedStacksOf } from "../helpers";

const stacksOf = synthesizedStacksOf;
const DEV = registryHostOf("dev");
const PROD = registryHostOf("prod");

const release = (repository: string, chart = "cert-manager", version = "v1.21.1") => ({
  name: chart,
  chart,
  repository,
  version,
});

describe("chart repositories in k8s-check", () => {
  const registries = registriesOf(stacksOf("dev", "prod"));

  it("reads the reference Helm pulls from an OCI repository, and none from any other kind", () => {
    expect(chartReference(release(`oci://${DEV}/dev-quay/jetstack/charts/`))).toBe(
      `${DEV}/dev-quay/jetstack/charts/cert-manager:v1.21.1`,
    );
    expect(chartReference(release("oci://r.example/c", "x", "1.0.0+build.1"))).toBe("r.example/c/x:1.0.0_build.1");
    expect(chartReference(release("https://charts.jetstack.io"))).toBeUndefined();
  });

  it("accepts a chart below one of the environment's cache prefixes, or from its chart mirror repository", () => {
    expect(chartProblems("dev-platform", release(`oci://${DEV}/dev-quay/jetstack/charts`), registries)).toEqual([]);
    const mirrored = release(`oci://${DEV}/dev-charts`, "metrics-server", "3.13.1");
    expect(chartProblems("dev-platform", mirrored, registries)).toEqual([]);
  });

  it("refuses a chart from its upstream (HTTPS or OCI), another environment's ECR, or a mirror repository that does not exist", () => {
    const refused = [
      release("https://charts.jetstack.io"),
      release("oci://quay.io/jetstack/charts"),
      release(`oci://${PROD}/prod-quay/jetstack/charts`),
      release(`oci://${DEV}/dev-charts`, "not-mirrored", "1.0.0"),
      release(`oci://${DEV}/dev-quayx/jetstack/charts`),
    ];
    for (const r of refused) {
      expect(chartProblems("dev-platform", r, registries)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^chart ${r.chart} ${r.version.replace(/\./g, "\\.")} from .* is not from dev's ECR: .*allowed: oci://${DEV}/`,
          ),
        ),
      ]);
    }
    expect(chartProblems("dev-platform", PUBLIC_CHART_PROBE, registries)).toHaveLength(1);
  });

  it.each(declaredNames())("finds every release of %s pulling from its own ECR", (name) => {
    const stacks = stacksOf(name);
    const own = registriesOf(stacks);
    const releases = stacks.flatMap((stack) => releasesOf(stack.json).map((r) => ({ stack: stack.id, r })));
    expect(releases.length).toBeGreaterThan(0);
    expect(releases.flatMap(({ stack, r }) => chartProblems(stack, r, own))).toEqual([]);
  });
});
