import { Release } from "@cdktf/provider-helm/lib/release";
import type { ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import type { ClusterRefs } from "../cluster-connection";

/** Where a chart comes from, pinned. */
export interface ChartSource {
  /** Chart name. */
  readonly chart: string;
  /** Helm repository URL (or OCI registry). */
  readonly repository: string;
  /** Exact chart version; the values below are checked against this version's keys. */
  readonly version: string;
  /** Namespace of the release: the platform stack creates it (labelled, default deny) before the release. */
  readonly namespace: string;
}

/** One Helm add-on of the platform stack. */
export interface PlatformAddOn {
  /** Stable construct id and release name: renaming it replaces the release. */
  readonly id: string;
  /** Installs the add-on; returns the release so others can depend on it. */
  deploy(scope: Construct, cluster: ClusterRefs, dependsOn?: ITerraformDependable[]): Release;
}

/**
 * A pinned Helm release whose values are a typed object rendered with JSON.stringify, so the
 * synthesized values can be checked against the chart's real keys (Helm ignores unknown ones).
 */
export function helmRelease(
  scope: Construct,
  id: string,
  source: ChartSource,
  values: object,
  dependsOn?: ITerraformDependable[],
): Release {
  return new Release(scope, id, {
    name: id,
    chart: source.chart,
    repository: source.repository,
    version: source.version,
    namespace: source.namespace,
    // Helm would create it bare: the platform stack owns each namespace (Pod Security labels, default deny).
    createNamespace: false,
    values: [JSON.stringify(values)],
    atomic: true,
    cleanupOnFail: true,
    timeout: 900,
    maxHistory: 10,
    dependsOn,
  });
}
