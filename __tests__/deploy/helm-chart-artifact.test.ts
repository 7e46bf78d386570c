/**
 * A chart archive as the OCI artifact `helm push` makes of it (helm v3.18.4 pkg/registry/client.go
 * Push): config = chart.Metadata as encoding/json writes it, one layer = the archive. The expected
 * config texts below follow Helm's rules (chart.Metadata field order and omitempty,
 * chart.Metadata.Validate's sanitizing, encoding/json's HTML escaping).
 */
import { createHash } from "node:crypto";
import {
  HELM_CHART_MEDIA_TYPE,
  HELM_CONFIG_MEDIA_TYPE,
  OCI_MANIFEST_MEDIA_TYPE,
  helmChartArtifact,
} from "../../scripts/deploy/helm-chart-artifact";
import { chartTgz, tgz } from "./chart-archive-helpers";

const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

const METRICS_SERVER_YAML = `annotations:
  artifacthub.io/changes: |
    - kind: fixed
  a.example/first: "1"
apiVersion: v2
appVersion: 0.8.1
description: Metrics Server is a scalable, efficient source of container resource
  metrics & more.
home: https://github.com/kubernetes-sigs/metrics-server
icon: https://avatars.githubusercontent.com/u/36015203?s=400&v=4
keywords:
- metrics
maintainers:
- name: stevehipwell
  url: https://github.com/stevehipwell
- email: someone@example.com
  name: Some One
name: metrics-server
sources:
- https://github.com/kubernetes-sigs/metrics-server
type: application
version: 3.13.1
`;

describe("helm chart artifact", () => {
  it("has Chart.yaml's metadata as config, as helm push writes it: Helm's field order, empty fields left out, & escaped", () => {
    const artifact = helmChartArtifact(chartTgz("metrics-server", METRICS_SERVER_YAML));
    expect(artifact.config.toString("utf8")).toBe(
      '{"name":"metrics-server","home":"https://github.com/kubernetes-sigs/metrics-server",' +
        '"sources":["https://github.com/kubernetes-sigs/metrics-server"],"version":"3.13.1",' +
        '"description":"Metrics Server is a scalable, efficient source of container resource metrics \\u0026 more.",' +
        '"keywords":["metrics"],"maintainers":[{"name":"stevehipwell","url":"https://github.com/stevehipwell"},' +
        '{"name":"Some One","email":"someone@example.com"}],' +
        '"icon":"https://avatars.githubusercontent.com/u/36015203?s=400\\u0026v=4","apiVersion":"v2","appVersion":"0.8.1",' +
        '"annotations":{"a.example/first":"1","artifacthub.io/changes":"- kind: fixed\\n"},"type":"application"}',
    );
    expect(artifact.configDigest).toBe(sha256(artifact.config));
  });

  it("writes text fields as Helm's loader reads them: numbers and YAML 1.1 booleans as text, spaces sanitized, v1 when apiVersion is missing", () => {
    const yaml = [
      "name: edge",
      "version: 1.0.0",
      "appVersion: 1.16",
      "home: on",
      'description: "two\\n\\tlines & <tags>\\x01"',
      "deprecated: true",
      "Keywords: [a, 2]",
    ].join("\n");
    expect(helmChartArtifact(chartTgz("edge", yaml)).config.toString("utf8")).toBe(
      '{"name":"edge","home":"true","version":"1.0.0","description":"two  lines \\u0026 \\u003ctags\\u003e",' +
        '"keywords":["a","2"],"apiVersion":"v1","appVersion":"1.16","deprecated":true}',
    );
  });

  it("takes a Helm 2 chart's dependencies from requirements.yaml, name and repository always written", () => {
    const archive = chartTgz("legacy", "apiVersion: v1\nname: legacy\nversion: 0.2.0\n", [
      {
        path: "legacy/requirements.yaml",
        content: "dependencies:\n- name: sub\n  repository: ''\n  import-values:\n  - parent: p\n    child: c\n",
      },
    ]);
    expect(JSON.parse(helmChartArtifact(archive).config.toString("utf8")).dependencies).toEqual([
      { name: "sub", repository: "", "import-values": [{ child: "c", parent: "p" }] },
    ]);
    expect(helmChartArtifact(archive).config.toString("utf8")).toContain(
      '"dependencies":[{"name":"sub","repository":"","import-values":[{"child":"c","parent":"p"}]}]',
    );
  });

  it("has the archive unchanged as its one layer, and a manifest naming config and layer by media type, digest and size", () => {
    const archive = chartTgz("metrics-server", METRICS_SERVER_YAML);
    const artifact = helmChartArtifact(archive);
    expect(artifact.layer.equals(archive)).toBe(true);
    expect(artifact.layerDigest).toBe(sha256(archive));
    const manifest = JSON.parse(artifact.manifest);
    expect(manifest).toMatchObject({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST_MEDIA_TYPE,
      config: { mediaType: HELM_CONFIG_MEDIA_TYPE, digest: sha256(artifact.config), size: artifact.config.length },
      layers: [{ mediaType: HELM_CHART_MEDIA_TYPE, digest: sha256(archive), size: archive.length }],
    });
    expect(manifest.layers).toHaveLength(1);
    expect(artifact.manifestDigest).toBe(sha256(artifact.manifest));
  });

  it("annotates the manifest as helm push does; the chart's own annotations replace neither title nor version", () => {
    const yaml = `${METRICS_SERVER_YAML}`.replace(
      "  a.example/first",
      "  org.opencontainers.image.title: other\n  org.opencontainers.image.url: https://chart.example\n  a.example/first",
    );
    const { annotations } = JSON.parse(helmChartArtifact(chartTgz("metrics-server", yaml)).manifest);
    expect(annotations).toEqual({
      "a.example/first": "1",
      "artifacthub.io/changes": "- kind: fixed\n",
      "org.opencontainers.image.authors": "stevehipwell, Some One (someone@example.com)",
      "org.opencontainers.image.created": "2026-01-01T00:00:00Z",
      "org.opencontainers.image.description":
        "Metrics Server is a scalable, efficient source of container resource metrics & more.",
      "org.opencontainers.image.source": "https://github.com/kubernetes-sigs/metrics-server",
      "org.opencontainers.image.title": "metrics-server",
      "org.opencontainers.image.url": "https://chart.example",
      "org.opencontainers.image.version": "3.13.1",
    });
  });

  it("tags a version with build metadata with _ for +, as Helm pulls it", () => {
    const artifact = helmChartArtifact(chartTgz("c", "apiVersion: v2\nname: c\nversion: 1.2.3+build.7\n"));
    expect([artifact.name, artifact.version, artifact.tag]).toEqual(["c", "1.2.3+build.7", "1.2.3_build.7"]);
  });

  it("finds Chart.yaml under a folder name too long for a ustar header (pax path record)", () => {
    const name = "c".repeat(95);
    const archive = tgz([{ path: `${name}/Chart.yaml`, content: `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n` }]);
    expect(helmChartArtifact(archive).name).toBe(name);
  });

  it.each([
    ["a file that is not gzip", Buffer.from("<html>not found</html>"), /not a chart archive \(\.tgz\): it is not gzip/],
    [
      "an archive without Chart.yaml in the chart's folder",
      tgz([{ path: "c/values.yaml", content: "a: 1\n" }]),
      /no Chart\.yaml in the chart's folder/,
    ],
    [
      "Chart.yaml at the archive's top",
      tgz([{ path: "Chart.yaml", content: "name: c\nversion: 1.0.0\n" }]),
      /Chart\.yaml is not inside the chart's folder/,
    ],
    [
      "a path outside the chart",
      chartTgz("c", "name: c\nversion: 1.0.0\n", [{ path: "c/../../etc/cron.d/x", content: "x" }]),
      /outside the chart/,
    ],
    ["a chart without a version", chartTgz("c", "apiVersion: v2\nname: c\n"), /Chart\.yaml of c has no version/],
    ["a version that is not SemVer", chartTgz("c", "name: c\nversion: one\n"), /version "one" is not SemVer/],
    ["a Chart.yaml that is not YAML", chartTgz("c", "name: [c\n"), /^Chart\.yaml: /],
  ])("fails on %s, in one line", (_what, archive, message) => {
    expect(() => helmChartArtifact(archive)).toThrow(message);
    expect(() => helmChartArtifact(archive)).toThrow(/^[^\n]+$/);
  });
});
