/**
 * Fills an environment's chart mirror: the Helm charts published only in an HTTPS chart repository
 * (an index.yaml and archives), which ECR's pull-through cache cannot cache (it caches OCI
 * registries only: https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html),
 * are pushed as OCI Helm artifacts into `<env>-charts/<chart>` (modules/chart-mirror-repositories.ts),
 * where the platform's releases pull them (modules/image-mirror.ts `chart`).
 *
 * For each release of a stack whose repository is the mirror: a tag already there is left alone
 * (the repositories' tags are immutable); a missing one is read from the chart's upstream
 * repository (CHART_SOURCES), its archive checked against that version's `digest` in the
 * repository's index.yaml, then pushed with ECR's layer upload API and PutImage
 * (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_InitiateLayerUpload.html).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  BatchCheckLayerAvailabilityCommand,
  CompleteLayerUploadCommand,
  DescribeImagesCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  ECRClient,
  UploadLayerPartCommand,
} from "@aws-sdk/client-ecr";
import { ecrRegistryHost, type EnvironmentConfig } from "../../config";
import { chartSource } from "../../modules/addons/chart-sources";
import { ImageMirror } from "../../modules/image-mirror";
import { checkedChartArchive, type CheckedChartArchive } from "../chart-repository";
import { awsErrorName, missingCredentials } from "./aws-errors";
import { DeployError } from "./deploy-error";
import { OCI_MANIFEST_MEDIA_TYPE, helmChartArtifact, type HelmChartArtifact } from "./helm-chart-artifact";
import { helmRegistryLogin, type HelmRegistryLogin } from "./helm-registry-login";

/** A helm_release of a synthesized stack: what Helm will pull. */
export interface HelmReleaseChart {
  /** The release's resource name in the stack. */
  readonly release: string;
  readonly chart: string;
  readonly version: string;
  readonly repository: string;
}

/** What the mirror reaches: the environment's ECR, the chart repositories over HTTPS, the terminal. */
export interface ChartMirrorDependencies {
  readonly ecr: Pick<ECRClient, "send">;
  readonly fetch: typeof fetch;
  print(line: string): void;
}

/**
 * What the deploy needs for a stack with Helm releases before its terraform: Helm provider 3.1.1
 * pulls each chart at plan and at apply (ModifyPlan), from the environment's ECR.
 */
export interface HelmCharts {
  /** Pushes the charts the environment's mirror lacks (mirrorCharts); one line per chart. */
  mirror(
    config: EnvironmentConfig,
    releases: readonly HelmReleaseChart[],
    print: (line: string) => void,
  ): Promise<void>;
  /** Logs helm in to the environment's registry for the stack's terraform runs (helmRegistryLogin). */
  login(config: EnvironmentConfig): Promise<HelmRegistryLogin>;
}

/** The real ones: the environment's ECR in its region, the chart repositories over HTTPS. */
export function ecrHelmCharts(): HelmCharts {
  const ecr = (config: EnvironmentConfig) => new ECRClient({ region: config.account.region });
  return {
    mirror: (config, releases, print) => mirrorCharts(config, releases, { ecr: ecr(config), fetch, print }),
    login: (config) => helmRegistryLogin(config, ecr(config)),
  };
}

/** Upload part size when ECR names none (it names one in InitiateLayerUpload's answer). */
const DEFAULT_PART_BYTES = 10 * 1024 * 1024;

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
  const mirror = new ImageMirror({ registryHost: ecrRegistryHost(config), prefixStart: config.name });
  return `oci://${ecrRegistryHost(config)}/${mirror.chartMirrorPrefix()}`;
}

/**
 * Makes sure every chart the releases pull from the environment's mirror is there; prints one line
 * per chart. Throws a DeployError naming the environment, the chart and what to do.
 */
export async function mirrorCharts(
  config: EnvironmentConfig,
  releases: readonly HelmReleaseChart[],
  deps: ChartMirrorDependencies,
): Promise<void> {
  const mirror = chartMirrorRepository(config);
  const prefix = mirror.slice(mirror.lastIndexOf("/") + 1);
  const wanted = releases.filter((r) => r.repository.replace(/\/+$/, "") === mirror);
  const unique = [...new Map(wanted.map((r) => [`${r.chart}:${r.version}`, r])).values()];
  for (const release of unique) {
    const chart = new MirroredChart(config, release, `${prefix}/${release.chart}`, deps);
    deps.print(`  charts ${config.name}: ${await chart.ensure()}`);
  }
}

/** One chart version in the mirror. */
class MirroredChart {
  private readonly tag: string;

  constructor(
    private readonly config: EnvironmentConfig,
    private readonly release: HelmReleaseChart,
    private readonly repositoryName: string,
    private readonly deps: ChartMirrorDependencies,
  ) {
    // Helm pulls version `1.0.0+1` as tag `1.0.0_1` (OCI tags allow no `+`).
    this.tag = release.version.replace(/\+/g, "_");
  }

  /** What it did, as the line the deploy prints. */
  async ensure(): Promise<string> {
    const { chart, version } = this.release;
    const present = await this.digestInEcr();
    if (present) return `${chart} ${version} already in ${this.repositoryName} (${present})`;
    const artifact = await this.fromUpstream();
    await this.push(artifact);
    return `${chart} ${version} mirrored to ${this.repositoryName} (${artifact.manifestDigest})`;
  }

  /** The digest of the tag in ECR, undefined when it is not there. */
  private async digestInEcr(): Promise<string | undefined> {
    try {
      const found = await this.deps.ecr.send(
        new DescribeImagesCommand({ repositoryName: this.repositoryName, imageIds: [{ imageTag: this.tag }] }),
      );
      return found.imageDetails?.[0]?.imageDigest ?? "digest unknown";
    } catch (error) {
      if (awsErrorName(error) === "ImageNotFoundException") return undefined;
      throw this.ecrFailure("DescribeImages", error);
    }
  }

  /** The archive from the chart's upstream repository, checked against its index's digest. */
  private async fromUpstream(): Promise<HelmChartArtifact> {
    const { chart, version } = this.release;
    const source = chartSource(chart);
    if (!source || !source.repository.startsWith("https://")) {
      throw this.failure(
        `no HTTPS repository for it in modules/addons/chart-sources.ts (CHART_SOURCES): add the chart's source there`,
      );
    }
    let checked: CheckedChartArchive;
    try {
      checked = await checkedChartArchive(this.deps.fetch, source.repository, chart, version);
    } catch (error) {
      throw this.failure(`${error instanceof Error ? error.message : String(error)}; nothing pushed`);
    }
    const { archive, archiveUrl } = checked;
    let artifact: HelmChartArtifact;
    try {
      artifact = helmChartArtifact(archive);
    } catch (error) {
      throw this.failure(`${archiveUrl}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (artifact.name !== chart || artifact.version !== version) {
      throw this.failure(`${archiveUrl} holds ${artifact.name} ${artifact.version}: refused, nothing pushed`);
    }
    return artifact;
  }

  /** Config and chart blobs ECR lacks, then the manifest under the version's tag. */
  private async push(artifact: HelmChartArtifact): Promise<void> {
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
    } catch (error) {
      // Another deploy mirrored it meanwhile: the tag is immutable, so it is there to stay.
      if (/^Image(Tag)?AlreadyExistsException$/.test(awsErrorName(error))) return;
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
      // Uploaded meanwhile by another deploy: the blob is there, which is all that matters.
      if (awsErrorName(error) === "LayerAlreadyExistsException") return;
      throw this.ecrFailure(step, error);
    }
  }

  private failure(what: string): DeployError {
    const { chart, version } = this.release;
    return new DeployError(`charts ${this.config.name}: ${chart} ${version}: ${what}`);
  }

  private ecrFailure(operation: string, error: unknown): DeployError {
    const name = awsErrorName(error);
    const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    const where = `ECR ${operation} on ${this.repositoryName} failed (${name})`;
    if (missingCredentials(error)) {
      return this.failure(`${where}: no usable AWS credentials; sign in to account ${this.config.account.id}`);
    }
    if (name === "RepositoryNotFoundException") {
      return this.failure(
        `${where}: the repository is made by ${this.config.name}-cluster; apply it first (npm run deploy -- ${this.config.name} cluster --apply)`,
      );
    }
    if (name === "AccessDeniedException") {
      return this.failure(`${where}: the role running the deploy may not; see docs/who-can.md (${message})`);
    }
    return this.failure(`${where}: ${message}`);
  }
}
