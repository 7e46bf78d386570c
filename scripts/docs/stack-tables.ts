/**
 * What each stack holds, counted from a synth of every environment: its dependencies, the registry
 * modules it calls at their pinned versions, the Helm releases it installs at their chart versions,
 * and its resources by type per environment. docs/stacks.md and docs/platform.md show these.
 */
import { CONCERNS, imageMirrorNames, loadEnvironments } from "../../config";
import { chartSource } from "../../modules/addons/chart-sources";
import { ImageMirror } from "../../modules/image-mirror";
import type { Json, SynthOutput, SynthStack } from "../review/synth-output";
import { table } from "./markdown";

const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});

/**
 * The declared environment a stack id starts with (`prod-org-guardrails` is prod's: a concern may
 * hold a hyphen, so the id is matched against the names, not split at its last hyphen).
 */
export function environmentOf(id: string, names: readonly string[]): string | undefined {
  return names.find((n) => id.startsWith(`${n}-`));
}

/** `dev-cluster` -> `cluster`, `prod-org-guardrails` -> `org-guardrails`. */
function concernOf(stack: SynthStack, names: readonly string[]): string {
  const environment = environmentOf(stack.id, names);
  return environment ? stack.id.slice(environment.length + 1) : stack.id;
}

/** Concerns in deploy order (the environment stacks'), then any other stack (github...) by name. */
function concernsOf(output: SynthOutput, names: readonly string[]): string[] {
  const found = [...new Set([...output.values()].map((s) => concernOf(s, names)))];
  const rank = (c: string) => {
    const i = (CONCERNS as readonly string[]).indexOf(c);
    return i < 0 ? CONCERNS.length : i;
  };
  return found.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function resourceCounts(stack: SynthStack | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [type, byName] of Object.entries(obj(stack?.json.resource))) {
    counts.set(type, Object.keys(obj(byName)).length);
  }
  return counts;
}

interface HelmRelease {
  readonly name: string;
  /** Where the chart's project publishes it (its pinned source), else the release's own repository. */
  readonly chart: string;
  /** The repository Helm pulls from in the environment's ECR, the environment's name as `<env>`. */
  readonly pulledFrom: string;
  readonly version: string;
  readonly namespace: string;
}

/**
 * The ECR repository a release pulls its chart from, with `<env>` for the environment's name
 * (`<env>-ghcr/a/charts/x`, ImageMirror.chartLocation), when the release pulls its pinned source
 * from the environment's ECR; "-" for anything else.
 */
function ecrRepository(repository: string, chart: string, environment: string): string {
  const source = chartSource(chart);
  const [config] = loadEnvironments(environment);
  if (!source || !config) return "-";
  const names = imageMirrorNames(config);
  if (repository.replace(/\/+$/, "") !== new ImageMirror(names).chart(source).repository) return "-";
  return new ImageMirror({ ...names, prefixStart: "<env>" }).chartLocation(source).repositoryName;
}

function helmReleases(stack: SynthStack | undefined, environment: string): HelmRelease[] {
  return Object.values(obj(obj(stack?.json.resource).helm_release))
    .map(obj)
    .map((r) => {
      const chart = String(r.chart);
      const repository = String(r.repository ?? "");
      const upstream = chartSource(chart)?.repository ?? repository;
      return {
        name: String(r.name),
        chart: upstream ? `${upstream.replace(/\/$/, "")}/${chart}` : chart,
        pulledFrom: ecrRepository(repository, chart, environment),
        version: String(r.version),
        namespace: String(r.namespace ?? "default"),
      };
    });
}

/** The releases of a concern in every environment, and where each is installed. */
function releasesByName(stacks: readonly (SynthStack | undefined)[], names: readonly string[]) {
  const releases = new Map<string, { release: HelmRelease; environments: string[] }>();
  stacks.forEach((stack, i) => {
    for (const release of helmReleases(stack, names[i])) {
      const key = `${release.name} ${release.chart} ${release.pulledFrom} ${release.version}`;
      const entry = releases.get(key) ?? { release, environments: [] };
      entry.environments.push(names[i]);
      releases.set(key, entry);
    }
  });
  return [...releases.values()];
}

/** Helm releases of the environments' stacks: release, chart, version, namespace, where. */
export function helmReleasesTable(output: SynthOutput): string {
  const names = loadEnvironments().map((c) => c.name);
  const byEnvironment = names.map((n) => [...output.values()].filter((s) => environmentOf(s.id, names) === n));
  const releases = releasesByName(
    byEnvironment.flatMap((s) => s),
    byEnvironment.flatMap((s, i) => s.map(() => names[i])),
  );
  const everywhere = (envs: string[]) => (envs.length === names.length ? "every environment" : envs.join(", "));
  return [
    `${releases.length} Helm releases, each at an exact chart version, pulled through the environment's ECR (its pull-through cache of the chart's OCI registry, or the chart mirror \`<env>-charts\`):`,
    "",
    table(
      ["release", "chart (as published)", "pulled from (the environment's ECR)", "version", "namespace", "in"],
      releases.map(({ release, environments }) => [
        release.name,
        `\`${release.chart}\``,
        release.pulledFrom === "-" ? "-" : `\`${release.pulledFrom}\``,
        release.version,
        release.namespace,
        everywhere(environments),
      ]),
    ),
  ].join("\n");
}

function moduleCalls(stacks: readonly (SynthStack | undefined)[]): string[] {
  const calls = new Set<string>();
  for (const stack of stacks) {
    for (const [name, call] of Object.entries(obj(stack?.json.module))) {
      calls.add(`\`module.${name}\`: \`${String(obj(call).source)}\` ${String(obj(call).version ?? "(no version)")}`);
    }
  }
  return [...calls].sort();
}

function dependenciesOf(stacks: readonly (SynthStack | undefined)[], names: readonly string[]): string[] {
  const deps = new Set<string>();
  for (const stack of stacks) {
    const environment = stack && environmentOf(stack.id, names);
    for (const d of stack?.dependencies ?? [])
      deps.add(`\`${environment ? d.replace(`${environment}-`, "<env>-") : d}\``);
  }
  return [...deps].sort();
}

/** One section per concern: dependencies, module calls, Helm releases, resources by type per environment. */
export function stacksTables(output: SynthOutput): string {
  const names = loadEnvironments().map((c) => c.name);
  const sections = concernsOf(output, names).map((concern) => {
    const stacks = names.map((n) => output.get(`${n}-${concern}`));
    const present = names.filter((_, i) => stacks[i]);
    const columns = names.map((n, i) => (stacks[i] ? n : undefined)).filter((n): n is string => !!n);
    const counts = stacks.map(resourceCounts);
    const types = [...new Set(counts.flatMap((c) => [...c.keys()]))].sort();
    const rows = types.map((type) => [
      `\`${type}\``,
      ...stacks.flatMap((s, i) => (s ? [counts[i].get(type) ?? 0] : [])),
    ]);
    const totals = stacks.flatMap((s, i) => (s ? [[...counts[i].values()].reduce((a, b) => a + b, 0)] : []));
    const deps = dependenciesOf(stacks, names);
    const modules = moduleCalls(stacks);
    const releases = releasesByName(stacks, names);
    const id = present.length === names.length ? `<env>-${concern}` : present.map((n) => `${n}-${concern}`).join(", ");
    return [
      `### \`${id}\``,
      "",
      `Depends on: ${deps.length > 0 ? deps.join(", ") : "nothing (applied first)"}.`,
      ...(present.length < names.length ? ["", `Synthesized only for ${present.join(", ")}.`] : []),
      ...(modules.length > 0 ? ["", `Registry modules: ${modules.join("; ")}.`] : []),
      ...(releases.length > 0
        ? ["", `Helm releases: ${releases.map(({ release }) => `${release.name} (${release.version})`).join(", ")}.`]
        : []),
      "",
      table(["resource type", ...columns], [...rows, ["**total**", ...totals]], ["---", ...columns.map(() => "---:")]),
    ].join("\n");
  });
  return sections.join("\n\n");
}
