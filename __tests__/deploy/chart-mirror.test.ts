/**
 * Filling an environment's chart mirror: mocked ECR (aws-sdk-client-mock) and a fake HTTPS chart
 * repository serving an index.yaml and a chart archive built in the test.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import {
  BatchCheckLayerAvailabilityCommand,
  CompleteLayerUploadCommand,
  DescribeImagesCommand,
  ECRClient,
  InitiateLayerUploadCommand,
  PutImageCommand,
  UploadLayerPartCommand,
} from "@aws-sdk/client-ecr";
import { ecrRegistryHost, loadEnvironments } from "../../config";
import { MIRRORED_CHART_SOURCES, chartSource } from "../../modules/addons/chart-sources";
import {
  chartMirrorRepository,
  helmReleaseCharts,
  mirrorCharts,
  type HelmReleaseChart,
} from "../../scripts/deploy/chart-mirror";
import {
  HELM_CHART_MEDIA_TYPE,
  HELM_CONFIG_MEDIA_TYPE,
  OCI_MANIFEST_MEDIA_TYPE,
} from "../../scripts/deploy/helm-chart-artifact";
import { chartTgz } from "./chart-archive-helpers";
import { awsError, synthOutputCopy } from "./deploy-helpers";

const [dev] = loadEnvironments("dev");
const sha256Hex = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

const CHART = "metrics-server";
const source = chartSource(CHART);
if (!source) throw new Error(`${CHART} is not in CHART_SOURCES`);
const VERSION = source.version;
const UPSTREAM = source.repository.replace(/\/+$/, "");
const archive = chartTgz(CHART, `apiVersion: v2\nname: ${CHART}\nversion: ${VERSION}\nappVersion: 0.8.1\n`);
const release: HelmReleaseChart = {
  release: CHART,
  chart: CHART,
  version: VERSION,
  repository: chartMirrorRepository(dev),
};

/** index.yaml listing the version (and an older one) with this archive URL and digest. */
function index(url: string, digest = sha256Hex(archive)): string {
  return [
    "apiVersion: v1",
    "entries:",
    `  ${CHART}:`,
    `  - name: ${CHART}`,
    `    version: ${VERSION}`,
    `    digest: ${digest}`,
    `    urls:`,
    `    - ${url}`,
    `  - name: ${CHART}`,
    `    version: 0.0.1`,
    `    digest: ${"0".repeat(64)}`,
    `    urls:`,
    `    - old.tgz`,
  ].join("\n");
}

/** A chart repository answering from a map of URL -> body; everything else is a 404. */
function fakeRepository(files: Record<string, string | Buffer>) {
  const requested: string[] = [];
  const fetch = (async (input: string | URL | Request) => {
    const url = String(input);
    requested.push(url);
    const body = files[url];
    if (body === undefined) return new Response("not found", { status: 404, statusText: "Not Found" });
    return new Response(typeof body === "string" ? body : new Uint8Array(body), { status: 200 });
  }) as typeof globalThis.fetch;
  return { fetch, requested };
}

const ARCHIVE_URL = `${UPSTREAM}/${CHART}-${VERSION}.tgz`;

describe("chart mirror", () => {
  const ecr = mockClient(ECRClient);
  let printed: string[];
  beforeEach(() => {
    ecr.reset();
    printed = [];
    ecr.on(DescribeImagesCommand).rejects(awsError("ImageNotFoundException"));
    ecr.on(BatchCheckLayerAvailabilityCommand).callsFake((input: { layerDigests: string[] }) => ({
      layers: input.layerDigests.map((layerDigest) => ({ layerDigest, layerAvailability: "UNAVAILABLE" })),
    }));
    let uploads = 0;
    ecr.on(InitiateLayerUploadCommand).callsFake(() => ({ uploadId: `upload-${++uploads}`, partSize: 100 }));
    ecr.on(UploadLayerPartCommand).resolves({});
    ecr.on(CompleteLayerUploadCommand).resolves({});
    ecr.on(PutImageCommand).resolves({});
  });
  afterAll(() => ecr.restore());

  const run = (files: Record<string, string | Buffer>, releases: HelmReleaseChart[] = [release]) => {
    const repository = fakeRepository(files);
    const deps = {
      ecr: new ECRClient({ region: dev.account.region }),
      fetch: repository.fetch,
      print: (l: string) => printed.push(l),
    };
    return { promise: mirrorCharts(dev, releases, deps), requested: repository.requested };
  };
  const ecrCalls = () => ecr.calls().map((c) => c.args[0].constructor.name.replace(/Command$/, ""));
  const inputsOf = <T>(command: new (input: T) => unknown) =>
    ecr.commandCalls(command as never).map((c) => c.args[0].input as T);

  it("pushes a missing chart: config and chart blobs uploaded in ECR's part size, then the manifest under the version's tag", async () => {
    await run({ [`${UPSTREAM}/index.yaml`]: index(ARCHIVE_URL), [ARCHIVE_URL]: archive }).promise;
    const parts = (n: number) => Array<string>(n).fill("UploadLayerPart");
    const manifest = inputsOf(PutImageCommand)[0].imageManifest as string;
    const configSize = JSON.parse(manifest).config.size as number;
    expect(ecrCalls()).toEqual([
      "DescribeImages",
      "BatchCheckLayerAvailability",
      "InitiateLayerUpload",
      ...parts(Math.ceil(configSize / 100)),
      "CompleteLayerUpload",
      "InitiateLayerUpload",
      ...parts(Math.ceil(archive.length / 100)),
      "CompleteLayerUpload",
      "PutImage",
    ]);
    const repositoryName = `${dev.name}-charts/${CHART}`;
    expect(inputsOf(DescribeImagesCommand)[0]).toEqual({ repositoryName, imageIds: [{ imageTag: VERSION }] });
    expect(inputsOf(UploadLayerPartCommand).every((p) => p.repositoryName === repositoryName)).toBe(true);
  });

  it("uploads each blob's bytes whole, in contiguous inclusive ranges, completed with its sha256", async () => {
    await run({ [`${UPSTREAM}/index.yaml`]: index(ARCHIVE_URL), [ARCHIVE_URL]: archive }).promise;
    const parts = inputsOf(UploadLayerPartCommand);
    const [layerUpload] = inputsOf(CompleteLayerUploadCommand).filter((c) => c.uploadId === "upload-2");
    const layerParts = parts.filter((p) => p.uploadId === "upload-2");
    expect(Buffer.concat(layerParts.map((p) => Buffer.from(p.layerPartBlob as Uint8Array))).equals(archive)).toBe(true);
    layerParts.forEach((p, i) => {
      expect(p.partFirstByte).toBe(i * 100);
      expect(p.partLastByte).toBe(Math.min((i + 1) * 100, archive.length) - 1);
    });
    expect(layerUpload.layerDigests).toEqual([`sha256:${sha256Hex(archive)}`]);
    const manifest = JSON.parse(inputsOf(PutImageCommand)[0].imageManifest as string);
    const config = Buffer.concat(
      parts.filter((p) => p.uploadId === "upload-1").map((p) => Buffer.from(p.layerPartBlob as Uint8Array)),
    );
    expect(inputsOf(CompleteLayerUploadCommand)[0].layerDigests).toEqual([`sha256:${sha256Hex(config)}`]);
    expect(JSON.parse(config.toString("utf8"))).toMatchObject({ name: CHART, version: VERSION, apiVersion: "v2" });
    expect(manifest.config.digest).toBe(`sha256:${sha256Hex(config)}`);
  });

  it("puts an OCI manifest of the Helm config and the unchanged archive, tagged with the version", async () => {
    await run({ [`${UPSTREAM}/index.yaml`]: index(ARCHIVE_URL), [ARCHIVE_URL]: archive }).promise;
    const [put] = inputsOf(PutImageCommand);
    const manifest = JSON.parse(put.imageManifest as string);
    expect(put).toMatchObject({
      repositoryName: `${dev.name}-charts/${CHART}`,
      imageTag: VERSION,
      imageManifestMediaType: OCI_MANIFEST_MEDIA_TYPE,
      imageDigest: `sha256:${sha256Hex(put.imageManifest as string)}`,
    });
    expect(manifest.mediaType).toBe(OCI_MANIFEST_MEDIA_TYPE);
    expect(manifest.config.mediaType).toBe(HELM_CONFIG_MEDIA_TYPE);
    expect(manifest.layers).toEqual([
      { mediaType: HELM_CHART_MEDIA_TYPE, digest: `sha256:${sha256Hex(archive)}`, size: archive.length },
    ]);
    expect(printed).toEqual([
      `  charts ${dev.name}: ${CHART} ${VERSION} mirrored to ${dev.name}-charts/${CHART} (${put.imageDigest})`,
    ]);
  });

  it("uploads only the blobs ECR does not have already", async () => {
    ecr.on(BatchCheckLayerAvailabilityCommand).callsFake((input: { layerDigests: string[] }) => ({
      layers: input.layerDigests.map((layerDigest, i) => ({
        layerDigest,
        layerAvailability: i === 0 ? "AVAILABLE" : "UNAVAILABLE",
      })),
    }));
    await run({ [`${UPSTREAM}/index.yaml`]: index(ARCHIVE_URL), [ARCHIVE_URL]: archive }).promise;
    expect(ecrCalls().filter((c) => c === "InitiateLayerUpload")).toHaveLength(1);
    expect(inputsOf(CompleteLayerUploadCommand).map((c) => c.layerDigests)).toEqual([[`sha256:${sha256Hex(archive)}`]]);
  });

  it("leaves a chart already in the mirror alone: no download, no push", async () => {
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: "sha256:abc", imageTags: [VERSION] }] });
    const { promise, requested } = run({});
    await promise;
    expect(ecrCalls()).toEqual(["DescribeImages"]);
    expect(requested).toEqual([]);
    expect(printed).toEqual([
      `  charts ${dev.name}: ${CHART} ${VERSION} already in ${dev.name}-charts/${CHART} (sha256:abc)`,
    ]);
  });

  it("refuses an archive whose sha256 is not the index's digest, and pushes nothing", async () => {
    const wrong = "f".repeat(64);
    const { promise } = run({ [`${UPSTREAM}/index.yaml`]: index(ARCHIVE_URL, wrong), [ARCHIVE_URL]: archive });
    await expect(promise).rejects.toThrow(
      `charts ${dev.name}: ${CHART} ${VERSION}: ${ARCHIVE_URL} has sha256 ${sha256Hex(archive)}, but ${UPSTREAM}/index.yaml says ${wrong}: refused, nothing pushed`,
    );
    expect(ecrCalls()).toEqual(["DescribeImages"]);
  });

  it("fails naming the environment, the chart and what to do when the index does not list the version", async () => {
    const other = { ...release, version: "9.9.9" };
    const { promise } = run({ [`${UPSTREAM}/index.yaml`]: index(ARCHIVE_URL) }, [other]);
    await expect(promise).rejects.toThrow(
      `charts ${dev.name}: ${CHART} 9.9.9: version 9.9.9 is not in ${UPSTREAM}/index.yaml (2 version(s) of ${CHART} there): pin one it has in the chart's add-on (modules/addons/)`,
    );
    expect(ecrCalls()).toEqual(["DescribeImages"]);
  });

  it("resolves an archive URL relative to the repository, as Helm does", async () => {
    const { promise, requested } = run({
      [`${UPSTREAM}/index.yaml`]: index(`charts/${CHART}-${VERSION}.tgz`),
      [`${UPSTREAM}/charts/${CHART}-${VERSION}.tgz`]: archive,
    });
    await promise;
    expect(requested).toEqual([`${UPSTREAM}/index.yaml`, `${UPSTREAM}/charts/${CHART}-${VERSION}.tgz`]);
    expect(ecrCalls()).toContain("PutImage");
  });

  it("downloads from an absolute archive URL elsewhere (release assets) as listed", async () => {
    const elsewhere = `https://github.com/kubernetes-sigs/${CHART}/releases/download/x/${CHART}-${VERSION}.tgz`;
    const { promise, requested } = run({ [`${UPSTREAM}/index.yaml`]: index(elsewhere), [elsewhere]: archive });
    await promise;
    expect(requested[1]).toBe(elsewhere);
  });

  it("says which answer a download got", async () => {
    const { promise } = run({ [`${UPSTREAM}/index.yaml`]: index(ARCHIVE_URL) });
    await expect(promise).rejects.toThrow(`GET ${ARCHIVE_URL} answered 404 Not Found`);
    expect(ecrCalls()).toEqual(["DescribeImages"]);
  });

  it("says to apply the cluster stack when the mirror repository does not exist yet", async () => {
    ecr.on(DescribeImagesCommand).rejects(awsError("RepositoryNotFoundException", "repository does not exist"));
    await expect(run({}).promise).rejects.toThrow(
      `charts ${dev.name}: ${CHART} ${VERSION}: ECR DescribeImages on ${dev.name}-charts/${CHART} failed (RepositoryNotFoundException): the repository is made by ${dev.name}-cluster; apply it first (npm run deploy -- ${dev.name} cluster --apply)`,
    );
  });

  it("checks exactly the charts the dev platform stack pulls from its mirror, not the cached ones", async () => {
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: "sha256:abc" }] });
    const platform = path.join(synthOutputCopy("dev"), "stacks", "dev-platform");
    const releases = helmReleaseCharts(platform);
    await run({}, releases).promise;
    const checked = inputsOf(DescribeImagesCommand).map((c) => c.repositoryName);
    expect(checked.sort()).toEqual(MIRRORED_CHART_SOURCES.map((s) => `${dev.name}-charts/${s.chart}`).sort());
    expect(checked.length).toBeGreaterThan(0);
    expect(releases.length).toBeGreaterThan(checked.length);
    expect(chartMirrorRepository(dev)).toBe(`oci://${ecrRegistryHost(dev)}/${dev.name}-charts`);
  });
});
