import type { Release } from "@cdktf/provider-helm/lib/release";
import type { ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import type { ClusterRefs } from "../cluster-connection";
import type { ImageMirror } from "../image-mirror";
import { helmRelease, type ChartSource, type PlatformAddOn } from "./platform-addon";

/**
 * cert-manager publishes its chart as an OCI artifact on Quay besides https://charts.jetstack.io
 * (https://cert-manager.io/docs/installation/helm/): the environment's Quay pull-through cache
 * serves it (modules/image-mirror.ts `chart`).
 */
export const CERT_MANAGER_CHART: ChartSource = {
  chart: "cert-manager",
  repository: "oci://quay.io/jetstack/charts",
  version: "v1.21.1",
  namespace: "cert-manager",
};

/** Settings of cert-manager. */
export interface CertManagerProps {
  /** Replicas of the controller, webhook and CA injector. @default 1 */
  readonly replicas?: number;
  /** Where its chart and images are pulled from: the environment's ECR (pull-through cache, chart mirror). */
  readonly images: ImageMirror;
}

/**
 * cert-manager with its CRDs (kept on uninstall) and Gateway API support, so ACME HTTP-01
 * challenges are answered through the Gateway. Needs the Gateway API and ServiceMonitor CRDs first.
 */
export class CertManagerAddOn implements PlatformAddOn {
  readonly id = "cert-manager";

  constructor(private readonly props: CertManagerProps) {}

  deploy(scope: Construct, _cluster: ClusterRefs, dependsOn?: ITerraformDependable[]): Release {
    const replicas = this.props.replicas ?? 1;
    return helmRelease(
      scope,
      this.id,
      this.props.images.chart(CERT_MANAGER_CHART),
      {
        crds: { enabled: true, keep: true },
        // Every cert-manager image (and the ACME solver's, passed to the controller) is
        // <imageRegistry>/jetstack/<name>: the registry becomes the cache of quay.io.
        imageRegistry: this.props.images.registryFor("quay.io"),
        replicaCount: replicas,
        podDisruptionBudget: { enabled: replicas > 1 },
        webhook: { replicaCount: replicas, podDisruptionBudget: { enabled: replicas > 1 } },
        cainjector: { replicaCount: replicas },
        prometheus: { enabled: true, servicemonitor: { enabled: true } },
        config: {
          apiVersion: "controller.config.cert-manager.io/v1alpha1",
          kind: "ControllerConfiguration",
          enableGatewayAPI: true,
        },
      },
      dependsOn,
    );
  }
}
