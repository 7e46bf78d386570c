/** Pod Security Standards level (https://kubernetes.io/docs/concepts/security/pod-security-standards/). */
export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

/**
 * Pod Security Admission labels for a namespace the project creates: the API server refuses pods
 * above `enforce`, and warns (to the client) and audits against `restricted` whatever is enforced
 * (https://kubernetes.io/docs/concepts/security/pod-security-admission/). The version labels are
 * left out: the level's rules follow the cluster's version.
 */
export function podSecurityLabels(enforce: PodSecurityLevel = "restricted"): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": enforce,
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/audit": "restricted",
  };
}
