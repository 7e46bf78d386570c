/**
 * The charts a stack pulls, checked against the digests pinned in git before its terraform:
 * mocked ECR (aws-sdk-client-mock), a fake fetch serving an HTTPS chart repository (index.yaml and
 * an archive built in the test) and ECR's registry API (the manifests of cached charts).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  CompleteLayerUploadCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  UploadLayerPartCommand,
} from "@aws-sdk/client-ecr";
import { ecrRegistryHost, loadEnvironments } from "../../config";
import { CHART_SOURCES, MIRRORED_CHART_SOURCES, chartSource } from "../../modules/addons/chart-sources";
import { ImageMirror } from "../../modules/image-mirror";
import {
  chartMirrorRepository,
  checkCharts,
  ecrHelmCharts,
  helmReleaseCharts,
  type ChartPin,
  type HelmReleaseChart,
} from "../../scripts/deploy/chart-mirror";
import { ChartsNotReadyError } from "../../scripts/deploy/charts-not-ready";
import {
  HELM_CHART_MEDIA_TYPE,
  HELM_CONFIG_MEDIA_TYPE,
  OCI_MANIFEST_MEDIA_TYPE,
  helmChartArtifact,
} from "../../scripts/deploy/helm-chart-artifact";
import { fakeFetch, ok, redirect, type FakeHandler } from "../scripts/fake-fetch";
import { chartTgz } from "./chart-archive-helpers";
import { awsError, synthOutputCopy } from "./deploy-helpers";

const [dev] = loadEnvironments("dev");
const HOST = ecrRegistryHost(dev);
const TOKEN = Buffer.from("AWS:not-a-real-password").toString("base64");
const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
const hex = (digest: string) => digest.slice("sha256:".length);

// A mirrored chart (HTTPS repository) ...
const CHART = "metrics-server";
const source = chartSource(CHART);
if (!source) throw new Error(`${CHART} is not in CHART_SOURCES`);
const VERSION = source.version;
const UPSTREAM = source.repository.replace(/\/+$/, "");
const INDEX_URL = `${UPSTREAM}/index.yaml`;
const ARCHIVE_URL = `${UPSTREAM}/${CHART}-${VERSION}.tgz`;
const archive = chartTgz(CHART, `apiVersion: v2\nname: ${CHART}\nversion: ${VERSION}\nappVersion: 0.8.1\n`);
const MIRROR_REPOSITORY = `${dev.name}-charts/${CHART}`;
const mirrored: HelmReleaseChart = {
  release: CHART,
  chart: CHART,
  version: VERSION,
  repository: chartMirrorRepository(dev),
};

// ... and a cached one (OCI upstream through a pull-through cache rule).
const CACHED = "kube-prometheus-stack";
const cachedSource = chartSource(CACHED);
if (!cachedSource) throw new Error(`${CACHED} is not in CHART_SOURCES`);
const imageMirror = new ImageMirror({ registryHost: HOST, prefixStart: dev.name });
const cached: HelmReleaseChart = { release: CACHED, ...imageMirror.chart(cachedSource) };
const CACHE_REPOSITORY = `${dev.name}-ghcr/prometheus-community/charts/${CACHED}`;
const CACHED_MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: OCI_MANIFEST_MEDIA_TYPE,
  config: { mediaType: HELM_CONFIG_MEDIA_TYPE, digest: sha256("{}"), size: 2 },
  layers: [{ mediaType: HELM_CHART_MEDIA_TYPE, digest: sha256("kps"), size: 3 }],
});
const MANIFEST_URL = `https://${HOST}/v2/${CACHE_REPOSITORY}/manifests/${cachedSource.version}`;

/** The pins of both charts as `npm run chart-digests -- --write` would write them. */
const PINS: Record<string, ChartPin> = {
  [`${CHART}@${VERSION}`]: { digest: sha256(archive), of: "archive" },
  [`${CACHED}@${cachedSource.version}`]: { digest: sha256(CACHED_MANIFEST), of: "manifest" },
};

/** index.yaml listing the version (and an older one) with this archive URL and digest. */
function index(url = ARCHIVE_URL, digest = hex(sha256(archive))): string {
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

/** ECR's registry API for one manifest: served only with the login token, as ECR does (401 otherwise). */
function registryManifest(body: string, status = 200): FakeHandler {
  return (request) => {
    if (request.headers.authorization !== `Basic ${TOKEN}`) return new Response("", { status: 401 });
    if (status !== 200) return new Response("", { status });
    return ok(body, { "content-type": OCI_MANIFEST_MEDIA_TYPE, "docker-content-digest": sha256(body) });
  };
}

const UPSTREAM_FILES = { [INDEX_URL]: index(), [ARCHIVE_URL]: archive };

/** The manifest of a chart in the mirror, as BatchGetImage answers it. */
const imageOf = (manifest: string) => ({ images: [{ imageManifest: manifest, imageId: { imageTag: VERSION } }] });
const NOT_FOUND = {
  images: [],
  failures: [{ failureCode: "ImageNotFound" as const, failureReason: "Requested image not found" }],
};

describe("chart checks", () => {
  const ecr = mockClient(ECRClient);
  let printed: string[];
  beforeEach(() => {
    ecr.reset();
    printed = [];
    ecr.on(BatchGetImageCommand).resolves(NOT_FOUND);
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

  const run = (
    routes: Parameters<typeof fakeFetch>[0],
    releases: HelmReleaseChart[] = [mirrored],
    pins: Record<string, ChartPin> = PINS,
  ) => {
    const fake = fakeFetch(routes);
    const promise = checkCharts(dev, releases, {
      ecr: new ECRClient({ region: dev.account.region }),
      fetch: fake.fetch,
      token: TOKEN,
      pin: (chart, version) => pins[`${chart}@${version}`],
      print: (l: string) => printed.push(l),
    });
    return { promise, requested: fake.requests };
  };
  const ecrCalls = () => ecr.calls().map((c) => c.args[0].constructor.name.replace(/Command$/, ""));
  const inputsOf = <T>(command: new (input: T) => unknown) =>
    ecr.commandCalls(command as never).map((c) => c.args[0].input as T);
  const pushes = () => ecrCalls().filter((c) => c !== "BatchGetImage");

  describe("pins", () => {
    it("refuses a chart with no pin before any call: one line naming it, the file and the command", async () => {
      const { promise, requested } = run(UPSTREAM_FILES, [mirrored, cached], {});
      await expect(promise).rejects.toThrow(
        `charts dev: no pinned digest in modules/addons/chart-digests.json for ${[`${CACHED}@${cachedSource.version}`, `${CHART}@${VERSION}`].sort().join(", ")}: run npm run synth && npm run chart-digests -- --write where the chart registries are reachable, then commit modules/addons/chart-digests.json`,
      );
      expect(ecrCalls()).toEqual([]);
      expect(requested).toEqual([]);
    });

    it("refuses a pin of the other kind (an archive digest for a cached chart)", async () => {
      const pins = {
        ...PINS,
        [`${CACHED}@${cachedSource.version}`]: { digest: sha256(archive), of: "archive" as const },
      };
      await expect(run({}, [cached], pins).promise).rejects.toThrow(
        /^charts dev: kube-prometheus-stack@88\.5\.3 is pinned as the digest of its archive in modules\/addons\/chart-digests\.json, but the environment pulls it through a cache/,
      );
    });

    it("refuses a release that pulls from outside the environment's ECR, where no pin can be checked", async () => {
      const upstream = { ...cached, repository: cachedSource.repository };
      await expect(run({}, [upstream]).promise).rejects.toThrow(
        `charts dev: release ${CACHED} pulls ${CACHED} 88.5.3 from oci://ghcr.io/prometheus-community/charts, not from the environment's ECR (${HOST})`,
      );
    });

    it("refuses a release from the environment's ECR but not where its chart's pinned source is located there", async () => {
      const elsewhere = { ...cached, repository: `oci://${HOST}/${dev.name}-ghcr/someone-else/charts` };
      await expect(run({}, [elsewhere]).promise).rejects.toThrow(
        `charts dev: release ${CACHED} pulls ${CACHED} 88.5.3 from oci://${HOST}/dev-ghcr/someone-else/charts, not from ${cached.repository}, where its pin is checked`,
      );
    });
  });

  describe("a mirrored chart whose tag is not in the mirror", () => {
    it("pushes it: config and chart blobs uploaded in ECR's part size, then the manifest under the version's tag", async () => {
      await run(UPSTREAM_FILES).promise;
      const parts = (n: number) => Array<string>(n).fill("UploadLayerPart");
      const manifest = inputsOf(PutImageCommand)[0].imageManifest as string;
      const configSize = JSON.parse(manifest).config.size as number;
      expect(ecrCalls()).toEqual([
        "BatchGetImage",
        "BatchCheckLayerAvailability",
        "InitiateLayerUpload",
        ...parts(Math.ceil(configSize / 100)),
        "CompleteLayerUpload",
        "InitiateLayerUpload",
        ...parts(Math.ceil(archive.length / 100)),
        "CompleteLayerUpload",
        "PutImage",
      ]);
      expect(inputsOf(BatchGetImageCommand)[0]).toMatchObject({
        repositoryName: MIRROR_REPOSITORY,
        imageIds: [{ imageTag: VERSION }],
      });
      expect(inputsOf(UploadLayerPartCommand).every((p) => p.repositoryName === MIRROR_REPOSITORY)).toBe(true);
    });

    it("uploads each blob's bytes whole, in contiguous inclusive ranges, completed with its sha256", async () => {
      await run(UPSTREAM_FILES).promise;
      const parts = inputsOf(UploadLayerPartCommand);
      const [layerUpload] = inputsOf(CompleteLayerUploadCommand).filter((c) => c.uploadId === "upload-2");
      const layerParts = parts.filter((p) => p.uploadId === "upload-2");
      expect(Buffer.concat(layerParts.map((p) => Buffer.from(p.layerPartBlob as Uint8Array))).equals(archive)).toBe(
        true,
      );
      layerParts.forEach((p, i) => {
        expect(p.partFirstByte).toBe(i * 100);
        expect(p.partLastByte).toBe(Math.min((i + 1) * 100, archive.length) - 1);
      });
      expect(layerUpload.layerDigests).toEqual([sha256(archive)]);
      const config = Buffer.concat(
        parts.filter((p) => p.uploadId === "upload-1").map((p) => Buffer.from(p.layerPartBlob as Uint8Array)),
      );
      expect(inputsOf(CompleteLayerUploadCommand)[0].layerDigests).toEqual([sha256(config)]);
      expect(JSON.parse(config.toString("utf8"))).toMatchObject({ name: CHART, version: VERSION, apiVersion: "v2" });
    });

    it("puts an OCI manifest of the Helm config and the unchanged archive, and prints one line", async () => {
      await run(UPSTREAM_FILES).promise;
      const [put] = inputsOf(PutImageCommand);
      const manifest = JSON.parse(put.imageManifest as string);
      expect(put).toMatchObject({
        repositoryName: MIRROR_REPOSITORY,
        imageTag: VERSION,
        imageManifestMediaType: OCI_MANIFEST_MEDIA_TYPE,
        imageDigest: sha256(put.imageManifest as string),
      });
      expect(manifest.layers).toEqual([
        { mediaType: HELM_CHART_MEDIA_TYPE, digest: sha256(archive), size: archive.length },
      ]);
      expect(printed).toEqual([
        `  charts dev: ${CHART} ${VERSION} mirrored to ${MIRROR_REPOSITORY} (archive ${sha256(archive)}, as pinned)`,
      ]);
    });

    it("uploads only the blobs ECR does not have already", async () => {
      ecr.on(BatchCheckLayerAvailabilityCommand).callsFake((input: { layerDigests: string[] }) => ({
        layers: input.layerDigests.map((layerDigest, i) => ({
          layerDigest,
          layerAvailability: i === 0 ? "AVAILABLE" : "UNAVAILABLE",
        })),
      }));
      await run(UPSTREAM_FILES).promise;
      expect(ecrCalls().filter((c) => c === "InitiateLayerUpload")).toHaveLength(1);
      expect(inputsOf(CompleteLayerUploadCommand).map((c) => c.layerDigests)).toEqual([[sha256(archive)]]);
    });

    it("refuses an archive that is not the pinned one, even when the index agrees with it, and pushes nothing", async () => {
      const republished = chartTgz(CHART, `apiVersion: v2\nname: ${CHART}\nversion: ${VERSION}\nappVersion: 0.8.2\n`);
      const { promise } = run({
        [INDEX_URL]: index(ARCHIVE_URL, hex(sha256(republished))),
        [ARCHIVE_URL]: republished,
      });
      await expect(promise).rejects.toThrow(
        `charts dev: ${CHART} ${VERSION}: ${ARCHIVE_URL} has sha256 ${sha256(republished)}, not the ${sha256(archive)} pinned in modules/addons/chart-digests.json (its index agrees with the download): the upstream re-published ${VERSION}; refused, nothing pushed`,
      );
      expect(pushes()).toEqual([]);
    });

    it("refuses an archive whose sha256 is not the index's digest (though pinned), and pushes nothing", async () => {
      const wrong = "f".repeat(64);
      const { promise } = run({ [INDEX_URL]: index(ARCHIVE_URL, wrong), [ARCHIVE_URL]: archive });
      await expect(promise).rejects.toThrow(
        `charts dev: ${CHART} ${VERSION}: ${ARCHIVE_URL} has sha256 ${hex(sha256(archive))}, but ${INDEX_URL} says ${wrong}: refused; nothing pushed`,
      );
      expect(pushes()).toEqual([]);
    });

    it("downloads over HTTPS only: a redirect to http is refused before it is requested", async () => {
      const { promise, requested } = run({
        [INDEX_URL]: index(),
        [ARCHIVE_URL]: redirect(`http://mirror.example/${CHART}.tgz`),
      });
      await expect(promise).rejects.toThrow(
        /redirected to http:\/\/mirror\.example\/metrics-server\.tgz: refused, https only/,
      );
      expect(requested.map((r) => r.url)).toEqual([INDEX_URL, ARCHIVE_URL]);
      expect(pushes()).toEqual([]);
    });

    it("fails naming the chart and what to do when the index does not list the version", async () => {
      const other = { ...mirrored, version: "9.9.9" };
      const pins = { [`${CHART}@9.9.9`]: { digest: sha256(archive), of: "archive" as const } };
      await expect(run({ [INDEX_URL]: index() }, [other], pins).promise).rejects.toThrow(
        `charts dev: ${CHART} 9.9.9: version 9.9.9 is not in ${INDEX_URL} (2 version(s) of ${CHART} there): pin one it has in the chart's add-on (modules/addons/)`,
      );
    });

    it("resolves an archive URL relative to the repository, as Helm does", async () => {
      const relative = `${UPSTREAM}/charts/${CHART}-${VERSION}.tgz`;
      const { promise, requested } = run({ [INDEX_URL]: index(`charts/${CHART}-${VERSION}.tgz`), [relative]: archive });
      await promise;
      expect(requested.map((r) => r.url)).toEqual([INDEX_URL, relative]);
      expect(ecrCalls()).toContain("PutImage");
    });
  });

  describe("a mirrored chart whose tag is in the mirror", () => {
    const pushed = helmChartArtifact(archive).manifest;

    it("is verified by its one layer's digest: no download, no push, one line", async () => {
      ecr.on(BatchGetImageCommand).resolves(imageOf(pushed));
      const { promise, requested } = run({});
      await promise;
      expect(ecrCalls()).toEqual(["BatchGetImage"]);
      expect(requested).toEqual([]);
      expect(printed).toEqual([
        `  charts dev: ${CHART} ${VERSION} verified in ${MIRROR_REPOSITORY} (archive ${sha256(archive)}, as pinned)`,
      ]);
    });

    it("is refused when someone pushed another archive under the tag: one line with how to delete it", async () => {
      const other = chartTgz(CHART, `apiVersion: v2\nname: ${CHART}\nversion: ${VERSION}\ndescription: not ours\n`);
      ecr.on(BatchGetImageCommand).resolves(imageOf(helmChartArtifact(other).manifest));
      await expect(run({}).promise).rejects.toThrow(
        `charts dev: ${CHART} ${VERSION}: ${MIRROR_REPOSITORY}:${VERSION} holds archive ${sha256(other)}, not the ${sha256(archive)} pinned in modules/addons/chart-digests.json: someone pushed that tag; refused. Check it, then delete it (aws ecr batch-delete-image --region ${dev.account.region} --repository-name ${MIRROR_REPOSITORY} --image-ids imageTag=${VERSION}) and deploy again to mirror the pinned archive`,
      );
    });

    it("is refused when its manifest has more than the chart's one layer, the pinned one among them", async () => {
      const manifest = JSON.parse(pushed);
      manifest.layers.push({ mediaType: HELM_CHART_MEDIA_TYPE, digest: sha256("extra"), size: 5 });
      ecr.on(BatchGetImageCommand).resolves(imageOf(JSON.stringify(manifest)));
      await expect(run({}).promise).rejects.toThrow(
        `${MIRROR_REPOSITORY}:${VERSION} holds no Helm chart of exactly one layer, not the ${sha256(archive)} pinned`,
      );
    });

    it.each([
      ["the pinned archive", archive, "resolves"],
      ["another archive", chartTgz(CHART, `apiVersion: v2\nname: ${CHART}\nversion: ${VERSION}\nhome: x\n`), "rejects"],
    ] as const)(
      "pushed meanwhile by someone else (ImageTagAlreadyExists) is verified again: %s",
      async (_what, there, outcome) => {
        ecr
          .on(BatchGetImageCommand)
          .resolvesOnce(NOT_FOUND)
          .resolves(imageOf(helmChartArtifact(there).manifest));
        ecr.on(PutImageCommand).rejects(awsError("ImageTagAlreadyExistsException"));
        const { promise } = run(UPSTREAM_FILES);
        if (outcome === "resolves") {
          await promise;
          expect(printed).toEqual([
            `  charts dev: ${CHART} ${VERSION} verified in ${MIRROR_REPOSITORY} (archive ${sha256(archive)}, as pinned; pushed meanwhile)`,
          ]);
        } else {
          await expect(promise).rejects.toThrow(`holds archive ${sha256(there)}, not the ${sha256(archive)} pinned`);
        }
        expect(ecrCalls().filter((c) => c === "BatchGetImage")).toHaveLength(2);
      },
    );
  });

  describe("ECR refusals", () => {
    it("a missing mirror repository is not ready yet (ChartsNotReadyError): the cluster stack creates it", async () => {
      ecr.on(BatchGetImageCommand).rejects(awsError("RepositoryNotFoundException", "repository does not exist"));
      const failure = await run({}).promise.catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ChartsNotReadyError);
      expect((failure as ChartsNotReadyError).repository).toBe(MIRROR_REPOSITORY);
      expect((failure as Error).message).toBe(
        `charts dev: ${CHART} ${VERSION}: the chart mirror repository ${MIRROR_REPOSITORY} does not exist yet (ECR BatchGetImage on ${MIRROR_REPOSITORY} failed (RepositoryNotFoundException)): dev-cluster creates it: apply it first (npm run deploy -- dev cluster --apply)`,
      );
    });

    it("access denied says where the CI roles' rights come from", async () => {
      ecr.on(PutImageCommand).rejects(awsError("AccessDeniedException", "not authorized to perform ecr:PutImage"));
      await expect(run(UPSTREAM_FILES).promise).rejects.toThrow(
        `charts dev: ${CHART} ${VERSION}: ECR PutImage on ${MIRROR_REPOSITORY} failed (AccessDeniedException): the CI roles' rights come from the bootstrap stack, applied by people (npm run deploy -- dev bootstrap --apply); see docs/who-can.md`,
      );
    });
  });

  describe("a cached chart", () => {
    it("is verified by the digest of its manifest through ECR's registry API, read with the login token", async () => {
      const { promise, requested } = run({ [MANIFEST_URL]: registryManifest(CACHED_MANIFEST) }, [cached]);
      await promise;
      expect(requested.map((r) => [r.url, r.headers.authorization])).toEqual([[MANIFEST_URL, `Basic ${TOKEN}`]]);
      expect(requested[0].headers.accept).toContain(OCI_MANIFEST_MEDIA_TYPE);
      expect(ecrCalls()).toEqual([]);
      expect(printed).toEqual([
        `  charts dev: ${CACHED} 88.5.3 verified in ${CACHE_REPOSITORY} (manifest ${sha256(CACHED_MANIFEST)}, as pinned)`,
      ]);
    });

    it("is refused when the cache serves another manifest: the upstream re-published the tag or the cache was changed", async () => {
      const other = CACHED_MANIFEST.replace(sha256("kps"), sha256("kps, again"));
      await expect(run({ [MANIFEST_URL]: registryManifest(other) }, [cached]).promise).rejects.toThrow(
        `charts dev: ${CACHED} 88.5.3: ${CACHE_REPOSITORY}:88.5.3 has manifest ${sha256(other)}, not the ${sha256(CACHED_MANIFEST)} pinned in modules/addons/chart-digests.json: the upstream (ghcr.io/prometheus-community/charts/${CACHED}:88.5.3) re-published the tag, or the cache was changed; refused`,
      );
    });

    it("names the cache rule and the cluster stack when ECR has no such repository or tag (404)", async () => {
      await expect(run({ [MANIFEST_URL]: registryManifest("", 404) }, [cached]).promise).rejects.toThrow(
        `charts dev: ${CACHED} 88.5.3: ${CACHE_REPOSITORY}:88.5.3 is not in the environment's ECR and its pull-through cache did not fetch it (404): the dev-ghcr cache rule is made by dev-cluster (apply it first), or the upstream (ghcr.io/prometheus-community/charts/${CACHED}:88.5.3) has no such tag`,
      );
    });

    it("says where the CI roles' rights come from when ECR refuses the pull (403)", async () => {
      await expect(run({ [MANIFEST_URL]: registryManifest("", 403) }, [cached]).promise).rejects.toThrow(
        `charts dev: ${CACHED} 88.5.3: ECR refused to serve ${CACHE_REPOSITORY}:88.5.3 (403): the CI roles' rights come from the bootstrap stack, applied by people (npm run deploy -- dev bootstrap --apply); see docs/who-can.md`,
      );
    });
  });

  it("checks every chart the dev platform stack pulls, each once: the mirrored in the mirror, the cached through ECR", async () => {
    const platform = path.join(synthOutputCopy("dev"), "stacks", "dev-platform");
    const releases = helmReleaseCharts(platform);
    const pins: Record<string, ChartPin> = {};
    const routes: Parameters<typeof fakeFetch>[0] = {};
    const manifests = new Map<string, string>();
    for (const r of releases) {
      if (r.repository === chartMirrorRepository(dev)) {
        const tgz = chartTgz(r.chart, `apiVersion: v2\nname: ${r.chart}\nversion: ${r.version}\n`);
        manifests.set(r.chart, helmChartArtifact(tgz).manifest);
        pins[`${r.chart}@${r.version}`] = { digest: sha256(tgz), of: "archive" };
      } else {
        const body = CACHED_MANIFEST.replace(sha256("kps"), sha256(r.chart));
        const repository = `${r.repository.slice(`oci://${HOST}/`.length)}/${r.chart}`;
        routes[`https://${HOST}/v2/${repository}/manifests/${r.version}`] = registryManifest(body);
        pins[`${r.chart}@${r.version}`] = { digest: sha256(body), of: "manifest" };
      }
    }
    ecr.on(BatchGetImageCommand).callsFake((input: { repositoryName: string }) => {
      return imageOf(manifests.get(input.repositoryName.split("/").pop() as string) as string);
    });
    const { promise, requested } = run(routes, releases, pins);
    await promise;
    const mirroredRepositories = inputsOf(BatchGetImageCommand).map((c) => c.repositoryName);
    expect(mirroredRepositories.sort()).toEqual(MIRRORED_CHART_SOURCES.map((s) => `dev-charts/${s.chart}`).sort());
    expect(requested).toHaveLength(CHART_SOURCES.length - MIRRORED_CHART_SOURCES.length);
    expect(new Set(releases.map((r) => r.chart)).size).toBe(CHART_SOURCES.length);
    expect(printed).toHaveLength(CHART_SOURCES.length);
    expect(printed.every((l) => / verified in /.test(l))).toBe(true);
  });
});

describe("chart access for a stack's terraform (ecrHelmCharts)", () => {
  const ecr = mockClient(ECRClient);
  let tmpRoot: string;
  beforeEach(() => {
    ecr.reset();
    ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [{ authorizationToken: TOKEN }] });
    tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "chart-access-test-"));
  });
  afterEach(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
  afterAll(() => ecr.restore());

  const access = (manifest: string) => {
    const fake = fakeFetch({ [MANIFEST_URL]: registryManifest(manifest) });
    const charts = ecrHelmCharts({ fetch: fake.fetch, pin: (c, v) => PINS[`${c}@${v}`], tmpRoot });
    return { charts, requested: fake.requests };
  };

  it("asks ECR for one token, checks the charts with it, and logs helm in with the same token", async () => {
    const { charts, requested } = access(CACHED_MANIFEST);
    const login = await charts.prepare(dev, [cached], () => undefined);
    try {
      expect(ecr.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(1);
      expect(requested.map((r) => r.headers.authorization)).toEqual([`Basic ${TOKEN}`]);
      const file = path.join(login.env.HELM_CONFIG_HOME, "registry", "config.json");
      expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({ auths: { [HOST]: { auth: TOKEN } } });
    } finally {
      login.cleanup();
    }
  });

  it("leaves no login behind when a chart is refused", async () => {
    const { charts } = access(CACHED_MANIFEST.replace(sha256("kps"), sha256("changed")));
    await expect(charts.prepare(dev, [cached], () => undefined)).rejects.toThrow(/re-published the tag/);
    expect(fs.readdirSync(tmpRoot)).toEqual([]);
  });
});
