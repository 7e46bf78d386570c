/**
 * The Helm charts a stack's releases pull, checked against the digests pinned in git
 * (modules/addons/chart-digests.json, `npm run chart-digests -- --write`) before its terraform
 * runs, and the environment's chart mirror filled on the way.
 *
 * Two kinds of release, both pulled from the environment's ECR (modules/image-mirror.ts `chart`):
 * - cached: an OCI upstream through a pull-through cache rule. ECR refreshes a cached tag from
 *   upstream "at least once every 24 hours"
 *   (https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html; the creation
 *   templates' immutable tags are reported not to stop it, aws/containers-roadmap#2275), so the tag's
 *   manifest is read through ECR's registry API (which also makes the cache fill it on a first
 *   pull) and its digest must be the pinned upstream manifest digest: the cache keeps the bytes.
 * - mirrored: published only in an HTTPS chart repository, which ECR cannot cache; pushed as an
 *   OCI Helm artifact into `<env>-charts/<chart>` (modules/chart-mirror-repositories.ts, immutable
 *   tags). A tag already there must hold exactly one layer whose digest is the pinned archive
 *   sha256 (someone with push rights may have pushed it first); a missing one is downloaded, its
 *   sha256 checked against the pin and the repository index's digest, then pushed with ECR's layer
 *   upload API and PutImage
 *   (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_InitiateLayerUpload.html).
 * Any difference refuses the stack in one line; nothing unpinned is pushed or pulled.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  CompleteLayerUploadCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  ECRClient,
  UploadLayerPartCommand,
} from "@aws-sdk/client-ecr";
import { ecrRegistryHost, imageMirrorNames, type EnvironmentConfig } from "../../config";
import {
  CHART_DIGESTS_PATH,
  CHART_DIGESTS_WRITE,
  chartDigestKey,
  type ChartDigestPin,
} from "../../modules/addons/chart-digest-pins";
import { chartSource, pinnedChartDigest } from "../../modules/addons/chart-sources";
import { ImageMirror, type ChartLocation } from "../../modules/image-mirror";
import { checkedChartArchive } from "../chart-repository";
import { chartTag, manifestOf } from "../oci-registry";
import { UpstreamFetchError } from "../upstream-fetch";
import { awsErrorName, missingCredentials } from "./aws-errors";
import { ChartsNotReadyError } from "./charts-not-ready";
import { DeployError } from "./deploy-error";
import {
  HELM_CHART_MEDIA_TYPE,
  OCI_MANIFEST_MEDIA_TYPE,
  helmChartArtifact,
  type HelmChartArtifact,
} from "./helm-chart-artifact";
import {
  ciRightsHint,
  ecrAuthorizationToken,
  helmRegistryLogin,
  writeHelmRegistryLogin,
  type HelmRegistryLogin,
} from "./helm-registry-login";

/** A helm_release of a synthesized stack: what Helm will pull. */
export interface HelmReleaseChart {
  /** The release's resource name in the stack. */
  readonly release: string;
  readonly chart: string;
  readonly version: string;
  readonly repository: string;
}

/** A chart version's pinned digest: of its archive (mirrored charts) or its upstream manifest (cached). */
export type ChartPin = Pick<ChartDigestPin, "digest" | "of">;

/** What the checks reach: the environment's ECR, the chart repositories over HTTPS, the pins, the terminal. */
export interface ChartCheckDependencies {
  readonly ecr: Pick<ECRClient, "send">;
  readonly fetch: typeof fetch;
  /** ECR's `authorizationToken` (base64 of `AWS:<password>`), for its registry API. */
  readonly token: string;
  /** The pinned digest of a chart version (modules/addons/chart-sources.ts pinnedChartDigest). */
  pin(chart: string, version: string): ChartPin | undefined;
  print(line: string): void;
}

/**
 * What the deploy needs for a stack with Helm releases before its terraform: Helm provider 3.1.1
 * pulls each chart at plan and at apply (ModifyPlan), from the environment's ECR.
 */
export interface HelmCharts {
  /** The pinned digest of a chart version, as `prepare` checks it (the deploy asks it before any terraform). */
  pin(chart: string, version: string): ChartPin | undefined;
  /**
   * One ECR token for the stack's run: every release's chart checked against its pin (the
   * mirror filled), then helm logged in with the same token for the stack's terraform runs.
   */
  prepare(
    config: EnvironmentConfig,
    releases: readonly HelmReleaseChart[],
    print: (line: string) => void,
  ): Promise<HelmRegistryLogin>;
  /** Helm logged in only (a destroy pulls no chart, but configures the provider the same way). */
  login(config: EnvironmentConfig): Promise<HelmRegistryLogin>;
}

/** What the real chart access may have replaced (tests). */
export interface EcrHelmChartsOptions {
  readonly fetch?: typeof fetch;
  readonly pin?: ChartCheckDependencies["pin"];
  /** Where login folders go. @default os.tmpdir() */
  readonly tmpRoot?: string;
}

/** The real ones: the environment's ECR in its region, the chart repositories over HTTPS, the pins in git. */
export function ecrHelmCharts(options: EcrHelmChartsOptions = {}): HelmCharts {
  const ecr = (config: EnvironmentConfig) => new ECRClient({ region: config.account.region });
  const fetchImpl = options.fetch ?? fetch;
  const pin = options.pin ?? pinnedChartDigest;
  const tmpRoot = options.tmpRoot ?? os.tmpdir();
  return {
    pin,
    async prepare(config, releases, print) {
      const client = ecr(config);
      const token = await ecrAuthorizationToken(config, client);
      await checkCharts(config, releases, { ecr: client, fetch: fetchImpl, token, pin, print });
      return writeHelmRegistryLogin(config, token, tmpRoot);
    },
    login: (config) => helmRegistryLogin(config, ecr(config), tmpRoot),
  };
}

/** Upload part size when ECR names none (it names one in InitiateLayerUpload's answer). */
const DEFAULT_PART_BYTES = 10 * 1024 * 1024;
/** The manifest types a present mirror tag is read as (then refused unless it is a Helm chart's). */
const ACCEPTED_MANIFEST_TYPES = [OCI_MANIFEST_MEDIA_TYPE, "application/vnd.docker.distribution.manifest.v2+json"];

interface StackJson {
  resource?: { helm_release?: Record<string, { chart?: string; version?: string; repository?: string }> };
}

/** The helm_release resources of a stack's synthesized cdk.tf.json (none for most stacks). */
export function helmReleaseCharts(stackDirectory: string): HelmReleaseChart[] {
  const json = JSON.parse(fs.readFileSync(path.join(stackDirectory, "cdk.tf.json"), "utf8")) as StackJson;
  return Object.entries(json.resource?.helm_release ?? {}).map(([release, r]) => ({
    release,
    chart: r.chart ?? "",
    version: r.version ?? "",
    repository: r.repository ?? "",
  }));
}

/** `oci://<registry>/<env>-charts`: the repository of the releases whose charts the deploy mirrors. */
export function chartMirrorRepository(config: EnvironmentConfig): string {
  const mirror = new ImageMirror(imageMirrorNames(config));
  return `oci://${ecrRegistryHost(config)}/${mirror.chartMirrorPrefix()}`;
}

/**
 * One chart version a stack pulls, where from (its ChartLocation: `repositoryName` is the ECR
 * repository Helm pulls, `dev-charts/metrics-server`, `dev-quay/jetstack/charts/cert-manager`), and its pin.
 */
type PulledChart = ChartLocation & {
  readonly release: HelmReleaseChart;
  readonly pin: ChartPin;
};

/**
 * Checks every chart the releases pull against its pin, pushing the mirrored ones the mirror
 * lacks; prints one line per chart. Throws a DeployError naming the environment, the chart and
 * what to do (a ChartsNotReadyError when a mirror repository does not exist yet).
 */
export async function checkCharts(
  config: EnvironmentConfig,
  releases: readonly HelmReleaseChart[],
  deps: ChartCheckDependencies,
): Promise<void> {
  const charts = pinnedCharts(config, releases, deps);
  // Mirrored first: on a first deploy their repositories are what is missing (ChartsNotReadyError).
  for (const chart of charts.filter((c) => c.kind === "mirrored")) {
    deps.print(`  charts ${config.name}: ${await new MirroredChart(config, chart, deps).ensure()}`);
  }
  for (const chart of charts.filter((c): c is PulledChart & { kind: "cached" } => c.kind === "cached")) {
    deps.print(`  charts ${config.name}: ${await verifyCached(config, chart, deps)}`);
  }
}

/** The `<chart>@<version>` of the releases' chart versions that have no pin, each once, sorted. */
export function unpinnedCharts(releases: readonly HelmReleaseChart[], pin: ChartCheckDependencies["pin"]): string[] {
  const unpinned = releases.filter((r) => !pin(r.chart, r.version)).map((r) => chartDigestKey(r.chart, r.version));
  return [...new Set(unpinned)].sort();
}

/**
 * Why charts without a pin are refused, and what writes their pins (it reads the synthesized
 * stacks of every environment, hence the synth first).
 */
export function unpinnedChartsProblem(unpinned: readonly string[]): string {
  return `no pinned digest in ${CHART_DIGESTS_PATH} for ${unpinned.join(", ")}: run npm run synth && ${CHART_DIGESTS_WRITE} where the chart registries are reachable, then commit ${CHART_DIGESTS_PATH}`;
}

/** Each chart version once, with where it comes from and its pin; refuses before any call when one is not pinned. */
function pinnedCharts(
  config: EnvironmentConfig,
  releases: readonly HelmReleaseChart[],
  deps: ChartCheckDependencies,
): PulledChart[] {
  const unpinned = unpinnedCharts(releases, deps.pin);
  if (unpinned.length > 0) throw new DeployError(`charts ${config.name}: ${unpinnedChartsProblem(unpinned)}`);
  const unique = [...new Map(releases.map((r) => [`${r.repository}|${r.chart}|${r.version}`, r])).values()];
  const located = unique.map((release) => ({ release, ...whereFrom(config, release) }));
  return located.map((c) => {
    const pin = deps.pin(c.release.chart, c.release.version) as ChartPin;
    const wanted = c.kind === "mirrored" ? "archive" : "manifest";
    if (pin.of !== wanted) {
      throw new DeployError(
        `charts ${config.name}: ${c.release.chart}@${c.release.version} is pinned as the digest of its ${pin.of} in ${CHART_DIGESTS_PATH}, but the environment pulls it ${c.kind === "mirrored" ? "from its chart mirror (the digest of its archive)" : "through a cache (the digest of its upstream manifest)"}: run ${CHART_DIGESTS_WRITE} and commit it`,
      );
    }
    return { ...c, pin };
  });
}

/**
 * Whether a release pulls from the environment's mirror or through a cache, and the ECR
 * repository: its chart's pinned source located by the mirror (ImageMirror.chartLocation), once
 * the release is seen to pull from there.
 */
function whereFrom(config: EnvironmentConfig, release: HelmReleaseChart): ChartLocation {
  const repository = release.repository.replace(/\/+$/, "");
  if (!repository.startsWith(`oci://${ecrRegistryHost(config)}/`)) {
    throw new DeployError(
      `charts ${config.name}: release ${release.release} pulls ${release.chart} ${release.version} from ${release.repository}, not from the environment's ECR (${ecrRegistryHost(config)}), where its pin is checked: pull it through modules/image-mirror.ts chart()`,
    );
  }
  const mirror = new ImageMirror(imageMirrorNames(config));
  const source = chartSource(release.chart);
  const expected = source && mirror.chart(source).repository;
  if (!source || repository !== expected) {
    throw new DeployError(
      `charts ${config.name}: release ${release.release} pulls ${release.chart} ${release.version} from ${release.repository}, not from ${expected ?? "the environment's ECR rewrite of a chart in modules/addons/chart-sources.ts (CHART_SOURCES)"}, where its pin is checked: pull it through modules/image-mirror.ts chart()`,
    );
  }
  return mirror.chartLocation(source);
}

/**
 * A cached chart: its tag's manifest through ECR's registry API with the login token (a first
 * pull makes the cache fetch it from upstream), its digest the pinned upstream manifest digest.
 */
async function verifyCached(
  config: EnvironmentConfig,
  chart: PulledChart & { kind: "cached" },
  deps: ChartCheckDependencies,
) {
  const { chart: name, version } = chart.release;
  const tag = chartTag(version);
  const at = `${chart.repositoryName}:${tag}`;
  const fail = (what: string) => new DeployError(`charts ${config.name}: ${name} ${version}: ${what}`);
  let digest: string;
  try {
    ({ digest } = await manifestOf(deps.fetch, {
      registry: ecrRegistryHost(config),
      repository: chart.repositoryName,
      reference: tag,
      authorization: `Basic ${deps.token}`,
    }));
  } catch (error) {
    if (!(error instanceof UpstreamFetchError)) throw error;
    if (error.status === 401 || error.status === 403) {
      throw fail(`ECR refused to serve ${at} (${error.status}): ${ciRightsHint(config)}`);
    }
    if (error.status === 404) {
      const rule = new ImageMirror(imageMirrorNames(config)).prefix(chart.upstream);
      throw fail(
        `${at} is not in the environment's ECR and its pull-through cache did not fetch it (404): the ${rule} cache rule is made by ${config.name}-cluster (apply it first), or the upstream (${chart.upstreamReference}:${tag}) has no such tag`,
      );
    }
    throw fail(error.message);
  }
  if (digest !== chart.pin.digest) {
    throw fail(
      `${at} has manifest ${digest}, not the ${chart.pin.digest} pinned in ${CHART_DIGESTS_PATH}: the upstream (${chart.upstreamReference}:${tag}) re-published the tag, or the cache was changed; refused. Check what changed; pin a new chart only in a reviewed change (${CHART_DIGESTS_WRITE})`,
    );
  }
  return `${name} ${version} verified in ${chart.repositoryName} (manifest ${digest}, as pinned)`;
}

/** One chart version in the mirror. */
class MirroredChart {
  private readonly tag: string;

  constructor(
    private readonly config: EnvironmentConfig,
    private readonly chart: PulledChart,
    private readonly deps: ChartCheckDependencies,
  ) {
    // Helm pulls version `1.0.0+1` as tag `1.0.0_1` (OCI tags allow no `+`).
    this.tag = chartTag(chart.release.version);
  }

  private get repositoryName(): string {
    return this.chart.repositoryName;
  }

  /** What it did, as the line the deploy prints. */
  async ensure(): Promise<string> {
    const { chart, version } = this.chart.release;
    const present = await this.layerInEcr();
    if (present !== undefined) {
      this.refuseUnlessPinned(present);
      return `${chart} ${version} verified in ${this.repositoryName} (archive ${this.chart.pin.digest}, as pinned)`;
    }
    const artifact = await this.fromUpstream();
    if (!(await this.push(artifact))) {
      // Pushed meanwhile by someone else: the tag is immutable, so what is there is what Helm pulls.
      this.refuseUnlessPinned(await this.layerInEcr());
      return `${chart} ${version} verified in ${this.repositoryName} (archive ${this.chart.pin.digest}, as pinned; pushed meanwhile)`;
    }
    return `${chart} ${version} mirrored to ${this.repositoryName} (archive ${artifact.layerDigest}, as pinned)`;
  }

  /**
   * The tag's chart layer digest in ECR: undefined when the tag is not there, `null` when its
   * manifest is not a Helm chart of exactly one layer.
   */
  private async layerInEcr(): Promise<string | null | undefined> {
    let answer;
    try {
      answer = await this.deps.ecr.send(
        new BatchGetImageCommand({
          repositoryName: this.repositoryName,
          imageIds: [{ imageTag: this.tag }],
          acceptedMediaTypes: ACCEPTED_MANIFEST_TYPES,
        }),
      );
    } catch (error) {
      throw this.ecrFailure("BatchGetImage", error);
    }
    const image = answer.images?.[0];
    if (!image) {
      const failure = answer.failures?.[0];
      if (!failure || failure.failureCode === "ImageNotFound") return undefined;
      throw this.failure(
        `ECR BatchGetImage on ${this.repositoryName}:${this.tag} failed (${failure.failureCode}: ${failure.failureReason ?? ""})`,
      );
    }
    return chartLayerDigest(image.imageManifest ?? "");
  }

  private refuseUnlessPinned(layer: string | null | undefined): void {
    const pinned = this.chart.pin.digest;
    if (layer === pinned) return;
    const holds =
      layer === undefined
        ? "has no image though ECR said the tag exists"
        : layer === null
          ? "holds no Helm chart of exactly one layer"
          : `holds archive ${layer}`;
    const region = this.config.account.region;
    throw this.failure(
      `${this.repositoryName}:${this.tag} ${holds}, not the ${pinned} pinned in ${CHART_DIGESTS_PATH}: someone pushed that tag; refused. Check it, then delete it (aws ecr batch-delete-image --region ${region} --repository-name ${this.repositoryName} --image-ids imageTag=${this.tag}) and deploy again to mirror the pinned archive`,
    );
  }

  /** The archive from the chart's upstream repository, checked against the pin and its index's digest. */
  private async fromUpstream(): Promise<HelmChartArtifact> {
    const { chart, version } = this.chart.release;
    const source = chartSource(chart);
    if (!source || !source.repository.startsWith("https://")) {
      throw this.failure(
        `no HTTPS repository for it in modules/addons/chart-sources.ts (CHART_SOURCES): add the chart's source there`,
      );
    }
    let checked;
    try {
      checked = await checkedChartArchive(this.deps.fetch, source.repository, chart, version);
    } catch (error) {
      const why = (error instanceof Error ? error.message : String(error)).split("\n")[0];
      throw this.failure(`${why}; nothing pushed`);
    }
    if (checked.digest !== this.chart.pin.digest) {
      throw this.failure(
        `${checked.archiveUrl} has sha256 ${checked.digest}, not the ${this.chart.pin.digest} pinned in ${CHART_DIGESTS_PATH} (its index agrees with the download): the upstream re-published ${version}; refused, nothing pushed. Check what changed; pin a new archive only in a reviewed change (${CHART_DIGESTS_WRITE})`,
      );
    }
    let artifact: HelmChartArtifact;
    try {
      artifact = helmChartArtifact(checked.archive);
    } catch (error) {
      throw this.failure(`${checked.archiveUrl}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (artifact.name !== chart || artifact.version !== version) {
      throw this.failure(`${checked.archiveUrl} holds ${artifact.name} ${artifact.version}: refused, nothing pushed`);
    }
    return artifact;
  }

  /** Config and chart blobs ECR lacks, then the manifest under the version's tag; false when the tag was taken meanwhile. */
  private async push(artifact: HelmChartArtifact): Promise<boolean> {
    const blobs = [
      { digest: artifact.configDigest, data: artifact.config },
      { digest: artifact.layerDigest, data: artifact.layer },
    ];
    const available = await this.availableBlobs(blobs.map((b) => b.digest));
    for (const blob of blobs.filter((b) => !available.has(b.digest))) await this.upload(blob.digest, blob.data);
    try {
      await this.deps.ecr.send(
        new PutImageCommand({
          repositoryName: this.repositoryName,
          imageManifest: artifact.manifest,
          imageManifestMediaType: OCI_MANIFEST_MEDIA_TYPE,
          imageTag: this.tag,
          imageDigest: artifact.manifestDigest,
        }),
      );
      return true;
    } catch (error) {
      if (/^Image(Tag)?AlreadyExistsException$/.test(awsErrorName(error))) return false;
      throw this.ecrFailure("PutImage", error);
    }
  }

  private async availableBlobs(layerDigests: string[]): Promise<Set<string>> {
    try {
      const answer = await this.deps.ecr.send(
        new BatchCheckLayerAvailabilityCommand({ repositoryName: this.repositoryName, layerDigests }),
      );
      return new Set(
        (answer.layers ?? []).filter((l) => l.layerAvailability === "AVAILABLE").map((l) => l.layerDigest ?? ""),
      );
    } catch (error) {
      throw this.ecrFailure("BatchCheckLayerAvailability", error);
    }
  }

  /** One blob, in the parts ECR asks for (part byte ranges are inclusive). */
  private async upload(digest: string, data: Buffer): Promise<void> {
    const repositoryName = this.repositoryName;
    let step = "InitiateLayerUpload";
    try {
      const started = await this.deps.ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
      const uploadId = started.uploadId;
      const partBytes = started.partSize && started.partSize > 0 ? started.partSize : DEFAULT_PART_BYTES;
      step = "UploadLayerPart";
      for (let first = 0; first < data.length; first += partBytes) {
        const part = data.subarray(first, Math.min(first + partBytes, data.length));
        await this.deps.ecr.send(
          new UploadLayerPartCommand({
            repositoryName,
            uploadId,
            partFirstByte: first,
            partLastByte: first + part.length - 1,
            layerPartBlob: part,
          }),
        );
      }
      step = "CompleteLayerUpload";
      await this.deps.ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [digest] }));
    } catch (error) {
      // Uploaded meanwhile by another deploy: the blob is there (ECR checked its digest), which is all that matters.
      if (awsErrorName(error) === "LayerAlreadyExistsException") return;
      throw this.ecrFailure(step, error);
    }
  }

  private failure(what: string): DeployError {
    const { chart, version } = this.chart.release;
    return new DeployError(`charts ${this.config.name}: ${chart} ${version}: ${what}`);
  }

  private ecrFailure(operation: string, error: unknown): Error {
    const { name: env } = this.config;
    const name = awsErrorName(error);
    const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    const where = `ECR ${operation} on ${this.repositoryName} failed (${name})`;
    if (missingCredentials(error)) {
      return this.failure(`${where}: no usable AWS credentials; sign in to account ${this.config.account.id}`);
    }
    if (name === "RepositoryNotFoundException") {
      const { chart, version } = this.chart.release;
      return new ChartsNotReadyError(
        `charts ${env}: ${chart} ${version}: the chart mirror repository ${this.repositoryName} does not exist yet (${where}): ${env}-cluster creates it: apply it first (npm run deploy -- ${env} cluster --apply)`,
        this.repositoryName,
      );
    }
    if (name === "AccessDeniedException") return this.failure(`${where}: ${ciRightsHint(this.config)}`);
    return this.failure(`${where}: ${message}`);
  }
}

/** The digest of a manifest's one Helm chart layer; null for anything else (more layers, another type, not JSON). */
function chartLayerDigest(manifest: string): string | null {
  try {
    const layers = (JSON.parse(manifest) as { layers?: { mediaType?: unknown; digest?: unknown }[] }).layers;
    if (!Array.isArray(layers) || layers.length !== 1) return null;
    const [layer] = layers;
    return layer.mediaType === HELM_CHART_MEDIA_TYPE && typeof layer.digest === "string" ? layer.digest : null;
  } catch {
    return null;
  }
}
