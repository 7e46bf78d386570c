/**
 * The team's shared check-helm-values compares each helm_release's values with the keys of the
 * chart as its project publishes it, and its repository with where that project publishes it.
 * Our releases pull every chart through the environment's ECR (modules/image-mirror.ts `chart`),
 * so `npm run check:helm` checks a copy of the synthesized stacks in which a release's repository
 * is put back to its upstream (modules/addons/chart-sources.ts) only when it is exactly the ECR
 * repository the environment's mirror makes of that upstream. Anything else (another registry,
 * another environment's prefix, an unknown chart) stays as synthesized, so the shared check still
 * reports it.
 */
import { imageMirrorNames, type EnvironmentConfig } from "../../config";
import { CHART_SOURCES } from "../../modules/addons/chart-sources";
import { ImageMirror } from "../../modules/image-mirror";

/** The part of a synthesized stack this reads and rewrites. */
export interface StackWithReleases {
  resource?: { helm_release?: Record<string, { chart?: string; repository?: string }> };
}

/** The repository a release of `chart` has in `config`'s environment; undefined for a chart we do not pin. */
export function expectedRepository(config: EnvironmentConfig, chart: string): string | undefined {
  const source = CHART_SOURCES.find((s) => s.chart === chart);
  if (!source) return undefined;
  return new ImageMirror(imageMirrorNames(config)).chart(source).repository;
}

/** Puts back the upstream of every release whose repository is its environment's rewrite of it. */
export function mapToUpstreams(
  stack: StackWithReleases,
  config: EnvironmentConfig,
): { mapped: number; releases: number } {
  const releases = Object.values(stack.resource?.helm_release ?? {});
  let mapped = 0;
  for (const release of releases) {
    if (!release.chart || release.repository === undefined) continue;
    if (release.repository !== expectedRepository(config, release.chart)) continue;
    release.repository = CHART_SOURCES.find((s) => s.chart === release.chart)?.repository;
    mapped += 1;
  }
  return { mapped, releases: releases.length };
}
