import { ImageMirror } from "../../modules/image-mirror";
import type { ChartSource } from "../../modules/addons/platform-addon";

describe("image mirror", () => {
  const mirror = new ImageMirror({ registryHost: "111111111111.dkr.ecr.us-east-1.amazonaws.com", prefixStart: "dev" });
  const host = "111111111111.dkr.ecr.us-east-1.amazonaws.com";

  it("rewrites an upstream reference below its upstream's cache prefix, tag kept", () => {
    expect(mirror.image("quay.io/jetstack/cert-manager-controller:v1.21.1")).toBe(
      `${host}/dev-quay/jetstack/cert-manager-controller:v1.21.1`,
    );
    expect(mirror.image("registry.k8s.io/kubectl")).toBe(`${host}/dev-k8s/kubectl`);
    expect(mirror.image("public.ecr.aws/docker/library/busybox:1.37.0")).toBe(
      `${host}/dev-ecr-public/docker/library/busybox:1.37.0`,
    );
  });

  it("gives Docker Hub's official images their library/ namespace, whichever of its hosts is named", () => {
    expect(mirror.image("docker.io/busybox:1.37.0")).toBe(`${host}/dev-docker-hub/library/busybox:1.37.0`);
    expect(mirror.image("registry-1.docker.io/grafana/grafana")).toBe(`${host}/dev-docker-hub/grafana/grafana`);
  });

  it("splits a reference the way charts take it, and names the registry that replaces a host", () => {
    expect(mirror.split("ghcr.io/stakater/reloader")).toEqual({
      registry: host,
      repository: "dev-ghcr/stakater/reloader",
    });
    expect(mirror.registryFor("quay.io")).toBe(`${host}/dev-quay`);
  });

  it("fails on a registry no rule caches, or a bare name: such an image could not be pulled", () => {
    expect(() => mirror.image("gcr.io/distroless/static")).toThrow(
      /gcr\.io\/distroless\/static: no pull-through cache rule/,
    );
    expect(() => mirror.image("busybox")).toThrow(/no pull-through cache rule/);
  });
});

describe("image mirror for Helm charts", () => {
  const host = "111111111111.dkr.ecr.us-east-1.amazonaws.com";
  const mirror = new ImageMirror({ registryHost: host, prefixStart: "dev" });
  const source = (repository: string, chart = "kube-prometheus-stack"): ChartSource => ({
    chart,
    repository,
    version: "88.5.3",
    namespace: "monitoring",
  });

  it("names the environment's chart mirror prefix after the environment", () => {
    expect(mirror.chartMirrorPrefix()).toBe("dev-charts");
    expect(new ImageMirror({ registryHost: host, prefixStart: "staging" }).chartMirrorPrefix()).toBe("staging-charts");
  });

  it("pulls an OCI chart through its upstream's cache prefix, chart, version and namespace kept", () => {
    expect(mirror.chart(source("oci://ghcr.io/prometheus-community/charts"))).toEqual({
      chart: "kube-prometheus-stack",
      repository: `oci://${host}/dev-ghcr/prometheus-community/charts`,
      version: "88.5.3",
      namespace: "monitoring",
    });
    expect(mirror.chart(source("oci://quay.io/jetstack/charts/", "cert-manager")).repository).toBe(
      `oci://${host}/dev-quay/jetstack/charts`,
    );
  });

  it("takes Docker Hub's namespace as the chart's (envoyproxy/gateway-helm), whichever Docker Hub host is named", () => {
    expect(mirror.chart(source("oci://docker.io/envoyproxy", "gateway-helm")).repository).toBe(
      `oci://${host}/dev-docker-hub/envoyproxy`,
    );
    expect(mirror.chart(source("oci://registry-1.docker.io/envoyproxy", "gateway-helm")).repository).toBe(
      `oci://${host}/dev-docker-hub/envoyproxy`,
    );
  });

  it("pulls a chart of an HTTPS chart repository from the environment's mirror (helm adds <chart>:<version>)", () => {
    expect(mirror.chart(source("https://kubernetes-sigs.github.io/metrics-server/", "metrics-server"))).toEqual({
      chart: "metrics-server",
      repository: `oci://${host}/dev-charts`,
      version: "88.5.3",
      namespace: "monitoring",
    });
  });

  it("fails on an OCI registry no rule caches, naming the chart and the cached registries", () => {
    expect(() => mirror.chart(source("oci://gcr.io/some-project/charts"))).toThrow(
      /^chart kube-prometheus-stack 88\.5\.3: repository oci:\/\/gcr\.io\/some-project\/charts has no pull-through cache rule \(cached: .*ghcr\.io/,
    );
  });

  it("fails on any other kind of repository (plain HTTP, a local path): the environment's ECR cannot serve it", () => {
    expect(() => mirror.chart(source("http://charts.example.com"))).toThrow(
      "chart kube-prometheus-stack 88.5.3: repository http://charts.example.com is neither oci:// (cached) nor https:// (mirrored); the environment's ECR cannot serve it",
    );
    expect(() => mirror.chart(source("./charts"))).toThrow(/neither oci:\/\/ \(cached\) nor https:\/\//);
  });

  it("locates a cached chart: its upstream's rule, the ECR repository Helm pulls and the upstream the cache fetches", () => {
    expect(mirror.chartLocation(source("oci://ghcr.io/prometheus-community/charts/"))).toEqual({
      kind: "cached",
      upstream: "ghcr",
      repositoryName: "dev-ghcr/prometheus-community/charts/kube-prometheus-stack",
      upstreamReference: "ghcr.io/prometheus-community/charts/kube-prometheus-stack",
      upstreamHost: "ghcr.io",
      upstreamRepository: "prometheus-community/charts/kube-prometheus-stack",
    });
    expect(mirror.chartLocation(source("oci://docker.io/envoyproxy", "gateway-helm"))).toMatchObject({
      kind: "cached",
      upstream: "docker-hub",
      repositoryName: "dev-docker-hub/envoyproxy/gateway-helm",
      upstreamReference: "docker.io/envoyproxy/gateway-helm",
    });
  });

  it("locates a mirrored chart in the environment's <prefixStart>-charts/<chart>, fetched from its HTTPS repository", () => {
    const https = "https://kubernetes-sigs.github.io/metrics-server/";
    expect(
      new ImageMirror({ registryHost: host, prefixStart: "prod" }).chartLocation(source(https, "metrics-server")),
    ).toEqual({
      kind: "mirrored",
      repositoryName: "prod-charts/metrics-server",
      upstreamReference: https,
    });
  });

  it("agrees with chart(): Helm's pull (repository + chart) is the location's repository, for every kind", () => {
    for (const s of [
      source("oci://ghcr.io/prometheus-community/charts"),
      source("oci://quay.io/jetstack/charts/", "cert-manager"),
      source("oci://registry-1.docker.io/envoyproxy", "gateway-helm"),
      source("oci://docker.io", "busybox"),
      source("https://kubernetes-sigs.github.io/metrics-server/", "metrics-server"),
    ]) {
      expect(`${mirror.chart(s).repository}/${s.chart}`).toBe(
        `oci://${host}/${mirror.chartLocation(s).repositoryName}`,
      );
    }
  });

  it("refuses to locate what chart() refuses, with the same message", () => {
    const messageOf = (call: () => unknown) => {
      try {
        call();
      } catch (error) {
        return (error as Error).message;
      }
      return "(accepted)";
    };
    for (const repository of ["oci://gcr.io/some-project/charts", "http://charts.example.com"]) {
      const refused = messageOf(() => mirror.chart(source(repository)));
      expect(refused).toMatch(/^chart kube-prometheus-stack 88\.5\.3: repository /);
      expect(messageOf(() => mirror.chartLocation(source(repository)))).toBe(refused);
    }
  });
});
