/** The zone label every EKS node carries (well-known label `topology.kubernetes.io/zone`). */
export const ZONE_TOPOLOGY_KEY = "topology.kubernetes.io/zone";

/** A pod `topologySpreadConstraints` entry, in the API's own field names (for CRDs and Helm values). */
export interface TopologySpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
  readonly labelSelector: { readonly matchLabels: Readonly<Record<string, string>> };
  readonly matchLabelKeys?: readonly string[];
}

/**
 * Spreads the pods matching `matchLabels` evenly across zones, then across nodes. Preferred
 * (ScheduleAnyway), as the app's own pods are: a zone with no free node then delays nothing,
 * where DoNotSchedule would leave a replacement pending until cluster-autoscaler finds room in
 * that very zone. `pod-template-hash` counts only the pods of the same rollout, so a rolling
 * update spreads its new pods too (https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/).
 */
export function zoneSpread(matchLabels: Readonly<Record<string, string>>): TopologySpreadConstraint[] {
  const spreadBy = (topologyKey: string): TopologySpreadConstraint => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels },
    matchLabelKeys: ["pod-template-hash"],
  });
  return [spreadBy(ZONE_TOPOLOGY_KEY), spreadBy("kubernetes.io/hostname")];
}
