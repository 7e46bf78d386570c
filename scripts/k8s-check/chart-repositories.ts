/**
 * Where the Helm releases' charts come from: every `helm_release.repository` must be
 * `oci://<the environment's ECR registry>/<path>`, with `<path>/<chart>` below one of its
 * pull-through cache prefixes (an OCI upstream, cached) or one of its own repositories (the chart
 * mirror, `<env>-charts/<chart>`), as ./image-sources.ts holds the images. Terraform's Helm provider
 * fetches the chart when it plans and applies: from an upstream it would come anonymously over NAT
 * (Docker Hub's pull limits), from a chart website the deploy never checked, or from another
 * environment's registry its roles may not read.
 */
import { environmentOfStackId } from "../../config/naming";
import { servedBy, type EnvironmentRegistry } from "./image-sources";

/** What the check reads of a `helm_release`. */
export interface ChartRelease {
  readonly name: string;
  readonly chart: string;
  readonly repository: string;
  readonly version: string;
}

const OCI = "oci://";

/**
 * The reference Helm pulls for a release from an OCI repository, `<host>/<path>/<chart>:<version>`
 * (Helm appends the chart's name to the repository, and tags a version with "+" as "_"); undefined
 * for any other kind of repository.
 */
export function chartReference(release: ChartRelease): string | undefined {
  if (!release.repository.startsWith(OCI)) return undefined;
  const repository = release.repository.slice(OCI.length).replace(/\/+$/, "");
  return `${repository}/${release.chart}:${release.version.replace(/\+/g, "_")}`;
}

/** Why a release's chart does not come from its environment's ECR (empty: it does). */
export function chartProblems(
  stackId: string,
  release: ChartRelease,
  registries: ReadonlyMap<string, EnvironmentRegistry>,
): string[] {
  const env = environmentOfStackId(stackId);
  const registry = registries.get(env);
  if (!registry) return [`environment ${env} has no ECR registry in its stacks (AWS provider account and region)`];
  const reference = chartReference(release);
  if (reference && servedBy(reference, registry)) return [];
  const allowed = `oci://${registry.host}/ below a cache prefix (${registry.prefixes.join(", ") || "none"}) or one of its repositories (${registry.repositories.join(", ") || "none"})`;
  return [
    `chart ${release.chart} ${release.version} from ${release.repository} is not from ${env}'s ECR: Helm would fetch it there at plan and apply; allowed: ${allowed}`,
  ];
}

/** A release the chart check must refuse: proof that it bites. */
export const PUBLIC_CHART_PROBE: ChartRelease = {
  name: "chart-self-check",
  chart: "cert-manager",
  repository: "https://charts.jetstack.io",
  version: "v1.21.1",
};
