/**
 * What `npm run chart-digests` does: finds every chart version the synthesized stacks of every
 * environment install (cluster-autoscaler's version can differ per environment), reads its digest
 * from where the chart is published, and compares it with modules/addons/chart-digests.json, or
 * writes that file.
 *
 * - mirrored chart (HTTPS chart repository): the sha256 of the version's archive, downloaded from
 *   the URL the repository's index.yaml lists and refused unless it equals the index's `digest`
 *   (scripts/chart-repository.ts). In ECR the mirror's manifest has one layer, this archive.
 * - cached chart (OCI upstream): the digest of the upstream manifest of the version's tag, read
 *   anonymously (scripts/oci-registry.ts). The pull-through cache keeps the manifest's bytes, so
 *   the cache's digest for the tag must be this one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { imageMirrorNames, type EnvironmentConfig } from "../../config";
import {
  CHART_DIGESTS_WRITE,
  chartDigestKey,
  formatChartDigestFile,
  parseChartDigestFile,
  type ChartDigestPin,
} from "../../modules/addons/chart-digest-pins";
import { chartSource } from "../../modules/addons/chart-sources";
import type { ChartSource } from "../../modules/addons/platform-addon";
import { ImageMirror, type ChartLocation } from "../../modules/image-mirror";
import { checkedChartArchive } from "../chart-repository";
import { expectedRepository } from "../chart-upstream-view/view";
import { helmReleaseCharts } from "../deploy/chart-mirror";
import { loadStacks } from "../deploy/stack-graph";
import { chartTag, manifestOf } from "../oci-registry";

/** One chart version some stack installs, and where it is published. */
export interface WantedChart {
  /** Its CHART_SOURCES entry (the upstream: `https://...` mirrored, `oci://...` cached), at the installed version. */
  readonly source: ChartSource;
  /**
   * Where its first installing environment pulls it from (ImageMirror.chartLocation): cached or
   * mirrored, and its upstream, the same for every environment.
   */
  readonly location: ChartLocation;
  /** `<stack>/<release>` of every release that installs it. */
  readonly usedBy: readonly string[];
}

/** Where the command reads and writes, and what it reaches. */
export interface ChartDigestsRequest {
  /** The synth output (cdktf.out). */
  readonly outdir: string;
  readonly configs: readonly EnvironmentConfig[];
  /** The pin file to compare with or write. */
  readonly file: string;
  readonly write: boolean;
  readonly fetch: typeof fetch;
  /** A line of the report (stdout). */
  print(line: string): void;
  /** A failure or the staleness verdict (stderr). */
  warn(line: string): void;
}

/** A problem of the inputs (no synth output, a release from elsewhere): one line, exit 1. */
export class ChartDigestsError extends Error {}

/**
 * Every chart version the environments' stacks install, by `<chart>@<version>` (sorted). Throws a
 * ChartDigestsError for a missing synth and for a release not pulled from its environment's
 * rewrite of a CHART_SOURCES upstream (nothing could be pinned for it).
 */
export function wantedCharts(outdir: string, configs: readonly EnvironmentConfig[]): Map<string, WantedChart> {
  const wanted = new Map<string, WantedChart>();
  for (const config of configs) {
    const stacks = synthesizedStacks(outdir, config);
    for (const stack of stacks) {
      for (const release of helmReleaseCharts(stack.directory)) {
        const source = chartSource(release.chart);
        const expected = expectedRepository(config, release.chart);
        if (!source || !expected || trimmed(release.repository) !== trimmed(expected)) {
          throw new ChartDigestsError(
            `${stack.id}: release ${release.release} pulls ${release.chart} ${release.version} from ${release.repository || "(no repository)"}, which is not ${expected ?? "the environment's ECR rewrite of a chart in modules/addons/chart-sources.ts (CHART_SOURCES)"}; add the chart there`,
          );
        }
        const key = chartDigestKey(release.chart, release.version);
        const usedBy = [...(wanted.get(key)?.usedBy ?? []), `${stack.id}/${release.release}`];
        const location = wanted.get(key)?.location ?? new ImageMirror(imageMirrorNames(config)).chartLocation(source);
        wanted.set(key, { source: { ...source, version: release.version }, location, usedBy });
      }
    }
  }
  return new Map([...wanted.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function synthesizedStacks(outdir: string, config: EnvironmentConfig) {
  let stacks;
  try {
    stacks = loadStacks(outdir, config.name);
  } catch {
    throw new ChartDigestsError(`no synth output in ${outdir}: run npm run synth first`);
  }
  if (!stacks.some((s) => s.concern === "platform")) {
    throw new ChartDigestsError(
      `no ${config.name}-platform stack in ${outdir}: run npm run synth (every environment) first`,
    );
  }
  return stacks;
}

/** The file as the person typing the command sees it (relative to where they are). */
const shown = (file: string) => path.relative(process.cwd(), file) || file;

const trimmed = (repository: string) => repository.replace(/\/+$/, "");

/** The pin of a chart version as its publisher serves it today; throws one line naming the URL. */
export async function upstreamPin(fetchImpl: typeof fetch, wanted: WantedChart): Promise<ChartDigestPin> {
  const { chart, version } = wanted.source;
  const { location } = wanted;
  if (location.kind === "mirrored") {
    const checked = await checkedChartArchive(fetchImpl, location.upstreamReference, chart, version);
    return { digest: checked.digest, of: "archive", from: checked.archiveUrl };
  }
  const { upstreamHost: registry, upstreamRepository: repository } = location;
  const tag = chartTag(version);
  const manifest = await manifestOf(fetchImpl, { registry, repository, reference: tag });
  return { digest: manifest.digest, of: "manifest", from: `${registry}/${repository}:${tag}` };
}

/** Runs the command; the exit code: 0 up to date (or written), 1 stale or failed. */
export async function chartDigests(request: ChartDigestsRequest): Promise<number> {
  const wanted = wantedCharts(request.outdir, request.configs);
  const committed = readCommitted(request.file, request.write);
  const upstream: Record<string, ChartDigestPin> = {};
  let failures = 0;
  for (const [key, chart] of wanted) {
    try {
      upstream[key] = await upstreamPin(request.fetch, chart);
    } catch (error) {
      failures += 1;
      request.warn(`chart-digests: ${key}: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`);
    }
  }
  if (failures > 0) {
    request.warn(
      `chart-digests: ${failures} of ${wanted.size} chart(s) could not be read; ${shown(request.file)} left as it was`,
    );
    return 1;
  }
  return request.write
    ? writePins(request, committed ?? {}, upstream)
    : comparePins(request, wanted, committed ?? {}, upstream);
}

/** The committed pins; undefined when there is no file (or, with --write, an unreadable one). */
function readCommitted(file: string, write: boolean): Readonly<Record<string, ChartDigestPin>> | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return parseChartDigestFile(JSON.parse(fs.readFileSync(file, "utf8")), shown(file)).charts;
  } catch (error) {
    if (write) return undefined; // --write replaces it whole
    const why =
      error instanceof SyntaxError ? `${shown(file)} is not JSON (${error.message})` : (error as Error).message;
    throw new ChartDigestsError(`${why}; ${CHART_DIGESTS_WRITE} writes it anew`);
  }
}

/** Writes the file; says what changed, so the commit's reviewer knows what to look at. */
function writePins(
  request: ChartDigestsRequest,
  committed: Readonly<Record<string, ChartDigestPin>>,
  pins: Record<string, ChartDigestPin>,
): number {
  const { print } = request;
  for (const [key, pin] of Object.entries(pins)) {
    const before = committed[key];
    if (!before) print(`  ${key}: added (${pin.of} ${pin.digest}, ${pin.from})`);
    else if (before.digest !== pin.digest || before.of !== pin.of) {
      print(`  ${key}: changed (was ${before.of} ${before.digest}, now ${pin.of} ${pin.digest}, ${pin.from})`);
    }
  }
  for (const key of Object.keys(committed).filter((k) => !(k in pins)))
    print(`  ${key}: dropped (no stack installs it)`);
  const text = formatChartDigestFile(pins);
  const count = Object.keys(pins).length;
  if (fs.existsSync(request.file) && fs.readFileSync(request.file, "utf8") === text) {
    print(`chart-digests: ${shown(request.file)} is up to date (${count} chart versions)`);
    return 0;
  }
  fs.writeFileSync(request.file, text);
  print(`chart-digests: wrote ${shown(request.file)} (${count} chart versions); review and commit it`);
  return 0;
}

/** One line per chart version; exit 1 when one is missing or differs. */
function comparePins(
  request: ChartDigestsRequest,
  wanted: Map<string, WantedChart>,
  committed: Readonly<Record<string, ChartDigestPin>>,
  upstream: Record<string, ChartDigestPin>,
): number {
  const { print } = request;
  let stale = 0;
  for (const key of wanted.keys()) {
    const now = upstream[key];
    const pin = committed[key];
    const what = `${now.of} ${now.from}`;
    if (!pin) {
      stale += 1;
      print(`  ${key}: missing (upstream ${now.digest}, ${what})`);
    } else if (pin.digest !== now.digest || pin.of !== now.of) {
      stale += 1;
      print(`  ${key}: differs (committed ${pin.of} ${pin.digest}, upstream ${now.of} ${now.digest}, ${now.from})`);
    } else {
      print(`  ${key}: pinned (${pin.digest}, ${what})`);
    }
  }
  for (const key of Object.keys(committed).filter((k) => !wanted.has(k))) {
    print(`  ${key}: unused (no stack installs it; --write drops it)`);
  }
  if (stale === 0) {
    print(`chart-digests: every chart version the stacks install is pinned in ${shown(request.file)}`);
    return 0;
  }
  request.warn(
    `chart-digests: ${stale} of ${wanted.size} chart version(s) missing or different in ${shown(request.file)}; if the upstream is as it should be, run ${CHART_DIGESTS_WRITE} and commit the file`,
  );
  return 1;
}
