/**
 * One chart version from an HTTPS chart repository (an index.yaml and archives,
 * https://helm.sh/docs/topics/chart_repository/), its archive checked against the `digest` the
 * index gives for that version. Used by the deploy's chart mirror (scripts/deploy/chart-mirror.ts)
 * and by `npm run chart-digests`, which pins the archive's sha256 in git.
 */
import { createHash } from "node:crypto";
import { parse } from "yaml";
import { upstreamFetch } from "./upstream-fetch";

/** Repository indexes of big projects run to tens of MB; Helm reads them whole too. */
const MAX_INDEX_BYTES = 64 * 1024 * 1024;
/** Helm's loader unpacks at most 100 MiB of a chart (helm v3.18.4 pkg/chart/loader, MaxDecompressedChartSize). */
const MAX_ARCHIVE_BYTES = 100 * 1024 * 1024;
const TIMEOUT_MS = 120_000;

/** The version's archive, as the repository's index lists it and with the digest it gives. */
export interface CheckedChartArchive {
  readonly archive: Buffer;
  readonly archiveUrl: string;
  readonly indexUrl: string;
  /** `sha256:<hex>` of `archive`, equal to the index's digest for the version. */
  readonly digest: string;
}

/** `https://host/path/index.yaml` of a repository URL (with or without a trailing slash). */
export function chartIndexUrl(repository: string): string {
  return `${repository.replace(/\/+$/, "")}/index.yaml`;
}

/**
 * The archive URL of an index entry: Helm resolves a relative one against the repository URL
 * with a trailing slash (helm v3.18.4 pkg/repo/chartrepo.go ResolveReferenceURL).
 */
export function chartArchiveUrl(repository: string, entryUrl: string): string {
  return new URL(entryUrl, `${repository.replace(/\/+$/, "")}/`).toString();
}

/**
 * Downloads the index and the version's archive over HTTPS and checks the archive's sha256
 * against the index. Throws one line naming the URL on any failure or difference.
 */
export async function checkedChartArchive(
  fetchImpl: typeof fetch,
  repository: string,
  chart: string,
  version: string,
): Promise<CheckedChartArchive> {
  const indexUrl = chartIndexUrl(repository);
  const index = await upstreamFetch(fetchImpl, indexUrl, { maxBytes: MAX_INDEX_BYTES, timeoutMs: TIMEOUT_MS });
  const entry = chartIndexEntry(index.body, indexUrl, chart, version);
  const archiveUrl = chartArchiveUrl(repository, entry.url);
  const { body: archive } = await upstreamFetch(fetchImpl, archiveUrl, {
    maxBytes: MAX_ARCHIVE_BYTES,
    timeoutMs: TIMEOUT_MS,
  });
  const hex = createHash("sha256").update(archive).digest("hex");
  if (hex !== entry.digest) {
    throw new Error(`${archiveUrl} has sha256 ${hex}, but ${indexUrl} says ${entry.digest}: refused`);
  }
  return { archive, archiveUrl, indexUrl, digest: `sha256:${hex}` };
}

/** The version's archive URL (as listed) and sha256 (lower-case hex) in a repository index. */
export function chartIndexEntry(
  index: Buffer,
  indexUrl: string,
  chart: string,
  version: string,
): { url: string; digest: string } {
  let parsed: { entries?: Record<string, { version?: unknown; urls?: unknown; digest?: unknown }[]> };
  try {
    parsed = parse(index.toString("utf8")) ?? {};
  } catch (error) {
    const why = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    throw new Error(`${indexUrl} is not a chart repository index (${why})`);
  }
  const versions = parsed.entries?.[chart] ?? [];
  const entry = versions.find((e) => String(e.version) === version);
  if (!entry) {
    throw new Error(
      `version ${version} is not in ${indexUrl} (${versions.length} version(s) of ${chart} there): pin one it has in the chart's add-on (modules/addons/)`,
    );
  }
  const url = Array.isArray(entry.urls) ? entry.urls.find((u): u is string => typeof u === "string") : undefined;
  if (!url) throw new Error(`${indexUrl} lists no archive URL for ${version}`);
  if (typeof entry.digest !== "string" || !/^(sha256:)?[0-9a-f]{64}$/i.test(entry.digest)) {
    throw new Error(`${indexUrl} gives no sha256 digest for ${version}, so its archive cannot be checked: refused`);
  }
  return { url, digest: entry.digest.replace(/^sha256:/, "").toLowerCase() };
}
