import { Manifest, type ManifestConfig } from "@cdktf/provider-kubernetes/lib/manifest";
import type { Construct } from "constructs";

/** A Kubernetes object as its API expects it. */
export interface KubernetesObject {
  /** group/version, e.g. cert-manager.io/v1. */
  readonly apiVersion: string;
  /** Kind, e.g. ClusterIssuer. */
  readonly kind: string;
  /** Name, namespace, labels, annotations. */
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  /** The rest (spec, data...). */
  readonly [key: string]: unknown;
}

/**
 * A custom resource (`kubernetes_manifest`). Terraform reads the CRD's schema at plan time, so the
 * stack holding it must be deployed after the stack installing the CRD.
 */
export function customResource(
  scope: Construct,
  id: string,
  object: KubernetesObject,
  options: Omit<ManifestConfig, "manifest"> = {},
): Manifest {
  return new Manifest(scope, id, { ...options, manifest: object });
}
