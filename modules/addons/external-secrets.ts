import type { Release } from "@cdktf/provider-helm/lib/release";
import type { ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import type { ClusterRefs } from "../cluster-connection";
import type { ImageMirror } from "../image-mirror";
import { helmRelease, type ChartSource, type PlatformAddOn } from "./platform-addon";

/**
 * external-secrets publishes its chart as an OCI artifact on GitHub Container Registry besides
 * https://charts.external-secrets.io (https://github.com/external-secrets/external-secrets/issues/3208):
 * the environment's GitHub pull-through cache serves it (modules/image-mirror.ts `chart`).
 */
export const EXTERNAL_SECRETS_CHART: ChartSource = {
  chart: "external-secrets",
  repository: "oci://ghcr.io/external-secrets/charts",
  version: "2.9.0",
  namespace: "external-secrets",
};

/** Settings of external-secrets. */
export interface ExternalSecretsProps {
  /** Service account name: must match the Pod Identity association of the cluster stack. */
  readonly serviceAccountName: string;
  /** Replicas of the controller, webhook and cert controller. @default 1 */
  readonly replicas?: number;
  /** Where its chart and images are pulled from: the environment's ECR (pull-through cache, chart mirror). */
  readonly images: ImageMirror;
}

/** external-secrets: copies Secrets Manager secrets into Kubernetes Secrets, with its CRDs. */
export class ExternalSecretsAddOn implements PlatformAddOn {
  readonly id = "external-secrets";

  constructor(private readonly props: ExternalSecretsProps) {}

  deploy(scope: Construct, _cluster: ClusterRefs, dependsOn?: ITerraformDependable[]): Release {
    const replicas = this.props.replicas ?? 1;
    // One image for the controller, the webhook and the cert controller.
    const image = { repository: this.props.images.image("ghcr.io/external-secrets/external-secrets") };
    return helmRelease(
      scope,
      this.id,
      this.props.images.chart(EXTERNAL_SECRETS_CHART),
      {
        installCRDs: true,
        image,
        replicaCount: replicas,
        podDisruptionBudget: { enabled: replicas > 1, minAvailable: 1 },
        serviceAccount: { create: true, name: this.props.serviceAccountName },
        webhook: { replicaCount: replicas, image },
        certController: { replicaCount: replicas, image },
        serviceMonitor: { enabled: true },
      },
      dependsOn,
    );
  }
}
