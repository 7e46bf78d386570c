/**
 * npm run chart-check [-- --dir cdktf.out]
 * Proves, with the real engines, that the OCI artifact the deploy pushes for a mirrored chart (a
 * chart with no OCI publication, pushed into the environment's `<env>-charts/<chart>` ECR
 * repositories: scripts/deploy/helm-chart-artifact.ts) is one helm pulls and renders. For every
 * `helm_release` of the synth output whose repository is a chart mirror (`oci://<registry>/<env>-charts`)
 * it builds helmChartArtifact() from the pinned archive and pushes config, chart layer and manifest
 * into a real OCI registry (CNCF distribution, started on 127.0.0.1 for the run) with the OCI
 * distribution API, into the repository the deploy pushes to (scripts/deploy/chart-mirror.ts), then
 * runs two real helms: the helm CLI (the k8s check's) and the helm that Terraform's Helm provider
 * embeds, the one that pulls and renders our charts at plan and apply (scripts/k8s-tools.sh pins
 * both, and the provider version whose go.mod names the second; a synth output pinning another
 * provider version is refused). Each runs `helm pull oci://.../<env>-charts/<chart> --version <v>`
 * (the reference the release names; the provider's LocateChart goes through the same registry
 * client), `helm show chart` and `helm template` (the release's synthesized values) on the pulled
 * archive, whose sha256 must be the original's, and both must render the same objects (the k8s
 * check validates the CLI's rendering); `helm push` of the same archive must store the same
 * config, layer and annotations. It first proves the check bites: each helm must refuse artifacts
 * whose config or chart layer has an image media type. One line per chart naming both helms; exit 1
 * on any failure. Tools are built first when missing (scripts/k8s-tools.sh helm provider-helm
 * registry); the registry is stopped, by PID, whatever happens.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { parse } from "yaml";
import { environmentOfStackId, imageMirrorNames, loadEnvironments } from "../../config";
import { chartSource } from "../../modules/addons/chart-sources";
import { CHART_MIRROR_SUFFIX, ImageMirror } from "../../modules/image-mirror";
import { printedHelp } from "../command-line";
import { chartMirrorRepository } from "../deploy/chart-mirror";
import { OCI_MANIFEST_MEDIA_TYPE, helmChartArtifact, type HelmChartArtifact } from "../deploy/helm-chart-artifact";
import type { Json } from "../k8s-check/api-objects";
import { releasesOf, renderRelease } from "../k8s-check/charts";
import { readSynthStacks, type SynthStack } from "../k8s-check/synth-stacks";
import { startLocalRegistry, type LocalRegistry } from "./local-registry";
import { PushError, pushArtifact, type PushableArtifact } from "./oci-push";
import { BROKEN_ARTIFACTS } from "./self-check";

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, ".tools", "k8s", "bin");
const K8S_TOOLS = path.join(ROOT, "scripts", "k8s-tools.sh");
const CHARTS =
  process.env.K8S_CHECK_CHARTS ?? path.resolve(ROOT, "..", "shared", "reference", "helm-charts", "packages");
const USAGE = [
  "usage: npm run chart-check [-- --dir <synth output>]",
  "Builds helm, the helm Terraform's Helm provider embeds and an OCI registry (CNCF distribution) into .tools/k8s",
  "when missing, pushes the deploy's OCI artifact of every mirrored chart of the synth output (--dir, default",
  "cdktf.out) into that registry on 127.0.0.1, and pulls, shows and renders it with both helms.",
].join("\n");

/** A failure the check reports as one line. */
class CheckError extends Error {}

/** A real helm binary and how the lines name it. */
interface Helm {
  readonly version: string;
  readonly label: string;
  readonly file: string;
}

/** The helms the check runs: the CLI first (its push is the reference), then the provider's. */
interface Helms {
  readonly cli: Helm;
  readonly provider: Helm;
  /** The Helm provider version whose embedded helm `provider` is (scripts/k8s-tools.sh HELM_PROVIDER). */
  readonly providerVersion: string;
}

/**
 * The helms scripts/k8s-tools.sh builds, from its version lines (the one place for them:
 * HELM_VERSION, HELM_PROVIDER and HELM_PROVIDER_HELM, with the provider's go.mod cited there).
 */
function pinnedHelms(): Helms {
  const script = fs.readFileSync(K8S_TOOLS, "utf8");
  const pinned = (name: string) => {
    const value = new RegExp(`^${name}=([0-9][^\\s#]*)`, "m").exec(script)?.[1];
    if (!value) throw new CheckError(`scripts/k8s-tools.sh has no ${name}=<version> line`);
    return value;
  };
  const [cli, providerVersion, provider] = ["HELM_VERSION", "HELM_PROVIDER", "HELM_PROVIDER_HELM"].map(pinned);
  return {
    cli: { version: cli, label: `helm v${cli}`, file: path.join(BIN, "helm") },
    provider: {
      version: provider,
      label: `helm v${provider} (Helm provider ${providerVersion}'s)`,
      file: path.join(BIN, `helm-${provider}`),
    },
    providerVersion,
  };
}

type Release = ReturnType<typeof releasesOf>[number];

/** One release that pulls from a chart mirror. */
interface MirroredRelease {
  readonly stackId: string;
  readonly release: Release;
  /** `<path>/<chart>` under the registry host: the repository helm pulls (the release's repository + chart). */
  readonly pullFrom: string;
  /** The repository the deploy pushes the chart into (`<env>-charts/<chart>`); undefined when it pushes none. */
  readonly pushTo?: string;
  /** The releases' repository the deploy mirrors for the environment (chartMirrorRepository). */
  readonly deployMirror: string;
}

/** A chart mirror's repository: `oci://<registry host>/<path ending in -charts>` (modules/image-mirror.ts). */
const MIRROR_REPOSITORY = new RegExp(`^oci://[^/]+/(.+-${CHART_MIRROR_SUFFIX})/?$`);

type Stack = SynthStack;

function loadStacks(outdir: string): Stack[] {
  const stacks = readSynthStacks(outdir);
  if (!stacks) throw new CheckError(`no synth output in ${outdir}: run npm run synth first`);
  return stacks;
}

/**
 * The releases that pull from a chart mirror, each with where the deploy pushes its chart: the
 * deploy mirrors the releases whose repository is its environment's chartMirrorRepository, into
 * the chart's mirrored location (ImageMirror.chartLocation; scripts/deploy/chart-mirror.ts).
 */
function mirroredReleases(stacks: readonly Stack[]): MirroredRelease[] {
  const environments = new Map(loadEnvironments().map((config) => [config.name, config]));
  return stacks.flatMap(({ id, json }) =>
    releasesOf(json).flatMap((release) => {
      const mirror = MIRROR_REPOSITORY.exec(release.repository);
      if (!mirror) return [];
      const config = environments.get(environmentOfStackId(id));
      const deployMirror = config ? chartMirrorRepository(config) : "(no such environment in config/)";
      const pushed = release.repository.replace(/\/+$/, "") === deployMirror;
      const source = chartSource(release.chart);
      const location = config && source && new ImageMirror(imageMirrorNames(config)).chartLocation(source);
      return [
        {
          stackId: id,
          release,
          pullFrom: `${mirror[1]}/${release.chart}`,
          pushTo: pushed && location?.kind === "mirrored" ? location.repositoryName : undefined,
          deployMirror,
        },
      ];
    }),
  );
}

/**
 * The stacks with Helm releases that pin another Helm provider version than the one whose helm the
 * check runs (`terraform.required_providers.helm.version`), as `<stack> pins Terraform's Helm provider <version>`.
 */
function otherProviderPins(stacks: readonly Stack[], providerVersion: string): string[] {
  return stacks.flatMap(({ id, json }) => {
    if (releasesOf(json).length === 0) return [];
    const terraform = (json.terraform ?? {}) as { required_providers?: Record<string, { version?: string }> };
    const pinned = terraform.required_providers?.helm?.version;
    if (pinned === providerVersion) return [];
    return [`${id} pins Terraform's Helm provider ${pinned === undefined ? "at no version" : pinned}`];
  });
}

const sha256 = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** Runs a real helm; its output, or its first error line (without "Error: ") as the failure. */
function runHelm(helm: Helm, args: string[]): { ok: boolean; output: string } {
  const run = spawnSync(helm.file, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (run.status === 0) return { ok: true, output: run.stdout };
  const line = `${run.stderr}\n${run.stdout}`.split("\n").find((l) => l.trim()) ?? `exit ${run.status}`;
  return { ok: false, output: line.replace(/^Error: /, "").trim() };
}

/** `helm pull` of `<host>/<repository>` at `version` into a new folder; the folder, or helm's message. */
function helmPull(
  helm: Helm,
  registry: LocalRegistry,
  repository: string,
  version: string,
): { dir?: string; message: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chart-check-pull-"));
  const pulled = runHelm(helm, [
    "pull",
    `oci://${registry.host}/${repository}`,
    "--version",
    version,
    "--plain-http",
    "--destination",
    dir,
  ]);
  if (pulled.ok) return { dir, message: pulled.output.trim() };
  fs.rmSync(dir, { recursive: true, force: true });
  return { message: pulled.output };
}

const CREATED = "org.opencontainers.image.created";

type Manifest = Record<string, unknown>;

/**
 * The manifest the real `helm push` stores for the same archive, read back from the registry.
 * helm push dates the artifact by the archive file's modification time, in RFC 3339 in the local
 * zone (helm v3.22.0 pkg/pusher/ocipusher.go): a copy dated as the artifact's `created`
 * annotation, pushed with TZ=UTC, is comparable annotation for annotation.
 */
async function helmPushedManifest(
  helm: Helm,
  registry: LocalRegistry,
  archive: Buffer,
  artifact: HelmChartArtifact,
): Promise<Manifest> {
  const created = (JSON.parse(artifact.manifest) as { annotations?: Record<string, string> }).annotations?.[CREATED];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chart-check-push-"));
  try {
    const copy = path.join(dir, `${artifact.name}-${artifact.version}.tgz`);
    fs.writeFileSync(copy, archive);
    if (created) fs.utimesSync(copy, new Date(created), new Date(created));
    const run = spawnSync(helm.file, ["push", copy, `oci://${registry.host}/helm-push`, "--plain-http"], {
      encoding: "utf8",
      env: { ...process.env, TZ: "UTC" },
    });
    if (run.status !== 0)
      throw new CheckError(
        `helm push of the same archive failed: ${`${run.stderr}\n${run.stdout}`.split("\n").find((l) => l.trim())}`,
      );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const response = await fetch(`http://${registry.host}/v2/helm-push/${artifact.name}/manifests/${artifact.tag}`, {
    headers: { Accept: OCI_MANIFEST_MEDIA_TYPE },
  });
  if (response.status !== 200) throw new CheckError(`reading back helm push's manifest: HTTP ${response.status}`);
  return (await response.json()) as Manifest;
}

/**
 * Where our manifest differs from helm push's (`annotations.<key>` for an annotation). helm v3.22.0
 * writes no top-level `mediaType` (pkg/registry/client.go Push builds ocispec.Manifest without it);
 * ours may declare it, as the image spec recommends ("This property SHOULD be used",
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/manifest.md) and ECR's PutImage needs
 * otherwise as imageManifestMediaType (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutImage.html).
 */
function differencesFromHelmPush(ours: Manifest, helms: Manifest): string[] {
  const { mediaType, ...rest } = ours;
  const differences = mediaType === undefined || mediaType === OCI_MANIFEST_MEDIA_TYPE ? [] : ["mediaType"];
  for (const key of new Set([...Object.keys(rest), ...Object.keys(helms)])) {
    if (isDeepStrictEqual(rest[key], helms[key])) continue;
    if (key !== "annotations") {
      differences.push(key);
      continue;
    }
    const [a, b] = [(rest[key] ?? {}) as Manifest, (helms[key] ?? {}) as Manifest];
    for (const name of new Set([...Object.keys(a), ...Object.keys(b)]))
      if (a[name] !== b[name]) differences.push(`annotations.${name}`);
  }
  return differences;
}

/** The pinned archive of a release's chart (`<chart>-<version>.tgz` in the packaged-charts folder). */
function pinnedArchive(release: Release): Buffer {
  const file = path.join(CHARTS, `${release.chart}-${release.version}.tgz`);
  if (!fs.existsSync(file))
    throw new CheckError(`the pinned archive ${path.basename(file)} is not in ${CHARTS} (K8S_CHECK_CHARTS)`);
  return fs.readFileSync(file);
}

/** What one helm made of the pushed chart: the pulled archive's digest, `helm show chart`, the rendered objects. */
interface PulledChart {
  readonly digest: string;
  readonly chart: string;
  readonly objects: readonly Json[];
}

/** Pulls the release's chart with `helm`, checks the archive, shows and renders it; throws CheckError naming the helm. */
function pullShowRender(helm: Helm, registry: LocalRegistry, mirrored: MirroredRelease, archive: Buffer): PulledChart {
  const { release, pullFrom, stackId } = mirrored;
  const pull = helmPull(helm, registry, pullFrom, release.version);
  if (!pull.dir) throw new CheckError(`${helm.label} pull refused it: ${pull.message}`);
  try {
    const pulledFile = path.join(pull.dir, `${release.chart}-${release.version}.tgz`);
    if (!fs.existsSync(pulledFile))
      throw new CheckError(
        `${helm.label} pull wrote ${fs.readdirSync(pull.dir).join(", ") || "nothing"}, not ${path.basename(pulledFile)}`,
      );
    const digest = sha256(fs.readFileSync(pulledFile));
    if (digest !== sha256(archive))
      throw new CheckError(`${helm.label} pulled an archive with ${digest}, the pinned one is ${sha256(archive)}`);
    const shown = runHelm(helm, ["show", "chart", pulledFile]);
    if (!shown.ok) throw new CheckError(`${helm.label} show chart refused the pulled archive: ${shown.output}`);
    const chart = parse(shown.output) as { name?: string; version?: string };
    if (chart.name !== release.chart || chart.version !== release.version)
      throw new CheckError(`${helm.label} show chart says ${chart.name} ${chart.version}`);
    try {
      const objects = renderRelease(stackId, release, helm.file, pull.dir).map((rendered) => rendered.object);
      return { digest, chart: `${chart.name} ${chart.version}`, objects };
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? error);
      throw new CheckError(
        `${helm.label} template refused the pulled archive: ${stderr.split("\n").find((l) => l.trim())}`,
      );
    }
  } finally {
    fs.rmSync(pull.dir, { recursive: true, force: true });
  }
}

/** A value in a message: JSON, cut at 60 characters. */
const shortJson = (value: unknown) => {
  const text = JSON.stringify(value) ?? "nothing";
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
};

/** Where two rendered values first differ (`.metadata.labels.x`, `[2]`), with both values; undefined when equal. */
function firstDifferingPath(a: unknown, b: unknown, at = ""): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (a && b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
    const [left, right] = [a as Record<string, unknown>, b as Record<string, unknown>];
    for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
      const found = firstDifferingPath(left[key], right[key], Array.isArray(a) ? `${at}[${key}]` : `${at}.${key}`);
      if (found) return found;
    }
  }
  return `${at || "the whole object"} ${shortJson(b)}, not ${shortJson(a)}`;
}

/**
 * The first object `b` renders otherwise than `a` (same kind and name: where it differs; else both
 * names), or undefined when both renderings are the same objects in the same order.
 */
function firstDifference(a: readonly Json[], b: readonly Json[]): string | undefined {
  const named = (object: Json | undefined) =>
    object ? `${String(object.kind)}/${String(((object.metadata ?? {}) as Json).name)}` : "nothing";
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (isDeepStrictEqual(a[i], b[i])) continue;
    if (a[i] && b[i] && named(a[i]) === named(b[i])) return `${named(b[i])} with ${firstDifferingPath(a[i], b[i])}`;
    return `object ${i + 1} as ${named(b[i])}, not ${named(a[i])}`;
  }
  return undefined;
}

/** Push, then pull, compare, show, render one mirrored release with both helms; its line, or throws CheckError. */
async function checkRelease(registry: LocalRegistry, mirrored: MirroredRelease, helms: Helms): Promise<string> {
  const { release, pushTo, stackId } = mirrored;
  if (!pushTo)
    throw new CheckError(
      `the deploy mirrors only the releases of ${mirrored.deployMirror} (scripts/deploy/chart-mirror.ts): it would never push this chart, ${release.repository}`,
    );
  const archive = pinnedArchive(release);
  const artifact = helmChartArtifact(archive);
  if (artifact.name !== release.chart || artifact.version !== release.version)
    throw new CheckError(
      `helmChartArtifact read ${artifact.name} ${artifact.version} from the archive the release pins as ${release.chart} ${release.version}`,
    );
  const stored = await pushArtifact(registry.host, pushTo, artifact);
  if (stored !== artifact.manifestDigest)
    throw new CheckError(
      `the registry stored the manifest as ${stored}, helmChartArtifact says ${artifact.manifestDigest}`,
    );
  const cli = pullShowRender(helms.cli, registry, mirrored, archive);
  const provider = pullShowRender(helms.provider, registry, mirrored, archive);
  const difference = firstDifference(cli.objects, provider.objects);
  if (difference)
    throw new CheckError(
      `${helms.provider.label} renders ${difference} (${helms.cli.label}, whose rendering the k8s check validates)`,
    );
  const helmPushed = await helmPushedManifest(helms.cli, registry, archive, artifact);
  const differences = differencesFromHelmPush(JSON.parse(artifact.manifest) as Manifest, helmPushed);
  if (differences.length > 0)
    throw new CheckError(
      `its manifest is not the one ${helms.cli.label} push makes of the same archive: ${differences.join(", ")} differ (helm push's config ${String((helmPushed.config as Manifest | undefined)?.digest)}, ours ${artifact.configDigest})`,
    );
  return `pushed (manifest ${artifact.manifestDigest.slice(0, 19)}: config, layer and annotations as ${helms.cli.label} push makes them); ${helms.cli.label} and ${helms.provider.label} each: pull: the pinned archive byte for byte (${cli.digest.slice(0, 19)}), show chart: ${cli.chart}, template (${stackId} values): the same ${cli.objects.length} objects`;
}

/** Pushes each broken variant of `artifact` and pulls it with each helm; the number of refusals, with their messages printed. */
async function selfCheck(
  registry: LocalRegistry,
  helms: readonly Helm[],
  release: Release,
  artifact: PushableArtifact,
): Promise<number> {
  let refused = 0;
  for (const broken of BROKEN_ARTIFACTS) {
    const repository = `self-check/${broken.name}/${release.chart}`;
    await pushArtifact(registry.host, repository, broken.break(artifact));
    for (const helm of helms) {
      const pull = helmPull(helm, registry, repository, release.version);
      if (pull.dir) {
        fs.rmSync(pull.dir, { recursive: true, force: true });
        console.log(`chart-check: self-check ${broken.what}: ${helm.label} PULLED it (the check does not bite)`);
      } else {
        refused += 1;
        console.log(`chart-check: self-check ${broken.what}: ${helm.label} refused as expected: ${pull.message}`);
      }
    }
  }
  return refused;
}

/** helm's configuration, cache and data in a temporary folder, no registry login of the machine's. */
function isolateHelm(): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "chart-check-helm-"));
  for (const [variable, folder] of [
    ["HELM_CONFIG_HOME", "config"],
    ["HELM_CACHE_HOME", "cache"],
    ["HELM_DATA_HOME", "data"],
    ["DOCKER_CONFIG", "docker"],
  ])
    process.env[variable] = path.join(home, folder);
  return home;
}

async function main(argv: readonly string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return 0;
  const dirAt = argv.indexOf("--dir");
  const unknown = argv.filter((arg, i) => arg !== "--dir" && (dirAt < 0 || i !== dirAt + 1));
  if (unknown.length > 0 || (dirAt >= 0 && !argv[dirAt + 1])) {
    // A wrong command line exits 2, as every command of the project does.
    console.error(
      `chart-check: ${unknown.length > 0 ? `unknown argument ${unknown[0]}` : "--dir needs a folder"}; ${USAGE.split("\n")[0]}`,
    );
    return 2;
  }
  if (!fs.existsSync(CHARTS))
    throw new CheckError(
      `the pinned chart archives are not in ${CHARTS}: set K8S_CHECK_CHARTS to the folder holding them (reference/helm-charts/packages of ../shared)`,
    );
  const outdir = dirAt >= 0 ? argv[dirAt + 1] : path.join(ROOT, "cdktf.out");
  const stacks = loadStacks(outdir);
  const helms = pinnedHelms();
  const otherPins = otherProviderPins(stacks, helms.providerVersion);
  if (otherPins.length > 0)
    throw new CheckError(
      `${otherPins[0]}${otherPins.length > 1 ? ` (and ${otherPins.length - 1} more stacks)` : ""}, but the check runs helm v${helms.provider.version}, the one provider ${helms.providerVersion} embeds: set HELM_PROVIDER and HELM_PROVIDER_HELM in scripts/k8s-tools.sh from the pinned provider's go.mod (its helm.sh/helm/v3 line)`,
    );
  const mirrored = mirroredReleases(stacks);
  if (mirrored.length === 0)
    throw new CheckError(
      `no helm_release in ${outdir} pulls from a chart mirror (repository oci://<registry>/<env>-charts): nothing the deploy pushes is pulled`,
    );
  // The build prints its own one-line failure (and where its log is).
  const tools = spawnSync("bash", [K8S_TOOLS, "helm", "provider-helm", "registry"], { stdio: "inherit" });
  if (tools.status !== 0) return 1;
  const helmHome = isolateHelm();
  const registry = await startLocalRegistry(BIN);
  const stop = () => {
    registry.stop();
    fs.rmSync(helmHome, { recursive: true, force: true });
  };
  // Interrupted: the registry goes with us (a listener would otherwise keep the process alive).
  const interrupted = () => {
    stop();
    process.exit(130);
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    console.log(`chart-check: registry (distribution) on ${registry.host}`);
    const first = mirrored[0];
    const sample = helmChartArtifact(pinnedArchive(first.release));
    const refused = await selfCheck(registry, [helms.cli, helms.provider], first.release, sample);
    let failed = 0;
    for (const item of mirrored) {
      const reference = `${item.pullFrom}:${item.release.version}`;
      try {
        console.log(`chart-check: ${reference} ok: ${await checkRelease(registry, item, helms)}`);
      } catch (error) {
        if (!(error instanceof CheckError || error instanceof PushError)) throw error;
        failed += 1;
        console.error(`chart-check: ${reference} FAILED: ${error.message}`);
      }
    }
    const pulls = BROKEN_ARTIFACTS.length * 2;
    console.log(
      `chart-check: ${mirrored.length - failed}/${mirrored.length} mirrored chart releases pulled and rendered by ${helms.cli.label} and ${helms.provider.label}; self-check ${refused}/${pulls} pulls of broken artifacts refused`,
    );
    return failed > 0 || refused < pulls ? 1 : 0;
  } finally {
    stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    console.error(
      error instanceof CheckError ? `chart-check: ${message}` : `chart-check: unexpected error: ${message}`,
    );
    process.exitCode = 1;
  },
);
