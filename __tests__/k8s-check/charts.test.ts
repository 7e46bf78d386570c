import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CRD_ONLY_CHARTS, packagedCrds, releasesOf, renderRelease, yamlObjects } from "../../scripts/k8s-check/charts";
import { BROKEN_OBJECTS } from "../../scripts/k8s-check/self-check";
import { synthEnvironment } from "../helpers";

describe("chart rendering inputs", () => {
  it("finds every Helm release of a platform stack with its pinned chart", () => {
    const releases = releasesOf(synthEnvironment("prod").json("platform") as unknown as Record<string, unknown>);
    expect(releases.map((r) => `${r.chart}-${r.version}`).sort()).toEqual([
      "aws-for-fluent-bit-0.2.0",
      "cert-manager-v1.21.1",
      "cluster-autoscaler-9.59.0",
      "external-dns-1.21.1",
      "external-secrets-2.9.0",
      "gateway-crds-helm-v1.9.0",
      "gateway-helm-v1.9.0",
      "kube-prometheus-stack-88.5.3",
      "metrics-server-3.13.1",
      "prometheus-adapter-5.3.0",
      "reloader-2.2.16",
    ]);
  });

  it("checks a CRD-only chart through the CRD archive of the chart it serves, and renders nothing more for it", () => {
    const charts = fs.mkdtempSync(path.join(os.tmpdir(), "charts-"));
    const source = fs.mkdtempSync(path.join(os.tmpdir(), "crds-"));
    fs.mkdirSync(path.join(source, "gateway-helm-v1.9.0"));
    const crd =
      "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: gateways.gateway.networking.k8s.io}\n";
    fs.writeFileSync(path.join(source, "gateway-helm-v1.9.0", "gatewayapi-crds.yaml"), crd);
    execFileSync("tar", ["-czf", path.join(charts, "gateway-helm-v1.9.0-crds.tgz"), "-C", source, "."]);
    const release = {
      name: "envoy-gateway-crds",
      chart: "gateway-crds-helm",
      repository: "oci://docker.io/envoyproxy",
      version: "v1.9.0",
      namespace: "envoy-gateway-system",
    };
    expect(CRD_ONLY_CHARTS[release.chart]).toBe("gateway-helm");
    expect(packagedCrds(release, charts).map((o) => (o.metadata as { name: string }).name)).toEqual([
      "gateways.gateway.networking.k8s.io",
    ]);
    expect(renderRelease("prod-platform", release, "/nonexistent/helm", charts)).toEqual([]);
  });

  it("reads every object of a rendered YAML stream, skipping empty documents", () => {
    const text =
      "---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n";
    expect(yamlObjects(text).map((o) => o.kind)).toEqual(["ConfigMap", "Secret"]);
  });

  it("proves itself with one broken object per kind of server validation", () => {
    expect(BROKEN_OBJECTS.map((o) => o.object.kind)).toEqual(["Deployment", "Gateway", "Gateway"]);
    expect(BROKEN_OBJECTS.map((o) => o.source).join(" ")).toMatch(/strict field validation.*CEL rule.*maximum/);
  });
});
