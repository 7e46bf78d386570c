/**
 * Charts come through each environment's ECR like its images: the releases' repositories are the
 * environment's registry (an OCI upstream's cache prefix, or the chart mirror), and the cluster
 * stack holds the mirror's repositories. Every declared environment is checked.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Testing, TerraformStack } from "cdktf";
import { CHART_SOURCES, MIRRORED_CHART_SOURCES, chartSource } from "../../modules/addons/chart-sources";
import { ClusterAutoscalerAddOn } from "../../modules/addons/cluster-autoscaler";
import { ImageMirror, UPSTREAM_NAMES, UPSTREAM_REGISTRIES } from "../../modules/image-mirror";
import { declaredNames, resourcesOf, synthEnvironment, type SynthesizedEnvironment } from "../helpers";

/** The chart key references the team derived from the real charts (outside this repository). */
const REFERENCE = path.resolve(__dirname, "../../../shared/reference/helm-charts");

const registryOf = (env: SynthesizedEnvironment) =>
  `${env.config.account.id}.dkr.ecr.${env.config.account.region}.amazonaws.com`;
const releasesOf = (env: SynthesizedEnvironment) => Object.values(resourcesOf(env.json("platform"), "helm_release"));
const repositoriesOf = (env: SynthesizedEnvironment) =>
  Object.values(resourcesOf(env.json("cluster"), "aws_ecr_repository"));

/** The cache prefix and path an OCI upstream's charts are pulled through: `oci://ghcr.io/a/b` -> `<env>-ghcr/a/b`. */
function cachedPath(env: string, upstream: string): string {
  const [host, ...rest] = upstream.slice("oci://".length).split("/");
  const name = UPSTREAM_NAMES.find((n) => (UPSTREAM_REGISTRIES[n].hosts as readonly string[]).includes(host));
  if (!name) throw new Error(`${upstream}: no cache rule`);
  return [`${env}-${name}`, ...rest].join("/");
}

describe("the pinned chart sources", () => {
  it("name each chart once (the mirror keeps one repository per chart name)", () => {
    const names = CHART_SOURCES.map((s) => s.chart);
    expect(new Set(names).size).toBe(names.length);
    expect(chartSource("metrics-server")?.repository).toBe("https://kubernetes-sigs.github.io/metrics-server/");
    expect(chartSource("no-such-chart")).toBeUndefined();
  });

  it("take OCI where the project publishes it; the four without an OCI publication stay HTTPS (mirrored)", () => {
    expect(MIRRORED_CHART_SOURCES.map((s) => s.chart).sort()).toEqual([
      "aws-for-fluent-bit",
      "cluster-autoscaler",
      "external-dns",
      "metrics-server",
    ]);
    for (const source of CHART_SOURCES.filter((s) => !MIRRORED_CHART_SOURCES.includes(s))) {
      expect(source.repository).toMatch(/^oci:\/\//);
    }
  });

  it("are where each project publishes the chart (checked when shared/reference exists)", () => {
    if (!fs.existsSync(REFERENCE)) return; // outside this workplace; CI's Helm values check reads it too
    for (const source of CHART_SOURCES) {
      const file = path.join(REFERENCE, `${source.chart}-${source.version}.json`);
      if (!fs.existsSync(file)) continue; // gateway-crds-helm has no key reference (its chart is gateway-helm's)
      const reference = JSON.parse(fs.readFileSync(file, "utf8")) as {
        repository: string;
        alternate_repositories?: string[];
      };
      const published = [reference.repository, ...(reference.alternate_repositories ?? [])];
      expect({ chart: source.chart, published }).toEqual({
        chart: source.chart,
        published: expect.arrayContaining([source.repository]),
      });
    }
  });
});

describe("a chart version config pins per Kubernetes minor", () => {
  it("comes from the same mirror repository: cluster-autoscaler's chartVersion changes the version Helm pulls, not where", () => {
    const host = "111111111111.dkr.ecr.us-east-1.amazonaws.com";
    const stack = new TerraformStack(Testing.app(), "dev-platform");
    const images = new ImageMirror({ registryHost: host, prefixStart: "dev" });
    new ClusterAutoscalerAddOn({ serviceAccountName: "cluster-autoscaler", chartVersion: "9.60.1", images }).deploy(
      stack,
      { name: "dev", region: "us-east-1" },
    );
    const release = Object.values(JSON.parse(Testing.synth(stack)).resource.helm_release)[0];
    expect(release).toMatchObject({
      chart: "cluster-autoscaler",
      version: "9.60.1",
      repository: `oci://${host}/dev-charts`,
    });
  });
});

describe.each(declaredNames())("charts of %s through its ECR", (name) => {
  const env = synthEnvironment(name);
  const registry = registryOf(env);

  it("installs only pinned chart sources, each from the environment's registry: its upstream's cache prefix or the chart mirror", () => {
    const releases = releasesOf(env);
    expect(releases.length).toBe(CHART_SOURCES.length);
    for (const release of releases) {
      const source = chartSource(String(release.chart));
      expect(source).toBeDefined();
      const upstream = String(source?.repository);
      const expected = upstream.startsWith("https://")
        ? `oci://${registry}/${name}-charts`
        : `oci://${registry}/${cachedPath(name, upstream)}`;
      expect({ release: release.name, repository: release.repository }).toEqual({
        release: release.name,
        repository: expected,
      });
    }
  });

  it("creates a mirror repository <env>-charts/<chart> for exactly the HTTPS charts, each chart a release pulls", () => {
    const mirrorNames = repositoriesOf(env)
      .map((r) => String(r.name))
      .filter((n) => n.startsWith(`${name}-charts/`));
    expect(mirrorNames.sort()).toEqual(MIRRORED_CHART_SOURCES.map((s) => `${name}-charts/${s.chart}`).sort());
    const pulledFromMirror = releasesOf(env)
      .filter((r) => r.repository === `oci://${registry}/${name}-charts`)
      .map((r) => `${name}-charts/${String(r.chart)}`);
    expect(pulledFromMirror.sort()).toEqual(mirrorNames);
  });

  it("keeps mirrored charts under immutable tags, encrypted with the environment's key, deleted with the stack", () => {
    const mirror = repositoriesOf(env).filter((r) => String(r.name).startsWith(`${name}-charts/`));
    expect(mirror).toHaveLength(MIRRORED_CHART_SOURCES.length);
    const appRepository = repositoriesOf(env).find((r) => !String(r.name).startsWith(`${name}-charts/`));
    const environmentKey = (appRepository?.encryption_configuration as { kms_key: string }[])[0].kms_key;
    expect(environmentKey).toMatch(/environment-key.*arn\}$/);
    for (const repository of mirror) {
      expect(repository).toMatchObject({
        image_tag_mutability: "IMMUTABLE",
        encryption_configuration: [{ encryption_type: "KMS", kms_key: environmentKey }],
        force_delete: true,
      });
      expect(repository.lifecycle).toBeUndefined();
    }
  });
});
