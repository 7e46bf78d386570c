import type { Release } from "@cdktf/provider-helm/lib/release";
import type { ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import type { ClusterRefs } from "../cluster-connection";
import type { ImageMirror } from "../image-mirror";
import { helmRelease, type ChartSource, type PlatformAddOn } from "./platform-addon";

/**
 * Stakater publishes Reloader's chart as an OCI artifact on GitHub Container Registry besides
 * https://stakater.github.io/stakater-charts (https://github.com/stakater/Reloader#helm-charts):
 * the environment's GitHub pull-through cache serves it (modules/image-mirror.ts `chart`).
 */
export const RELOADER_CHART: ChartSource = {
  chart: "reloader",
  repository: "oci://ghcr.io/stakater/charts",
  version: "2.2.16",
  namespace: "reloader",
};

/**
 * Reloader's mark on a pod template it restarted (the `annotations` strategy). Terraform must
 * ignore it, or every apply would undo it and roll the pods once more.
 */
export const RELOADER_LAST_RELOADED_ANNOTATION = "reloader.stakater.com/last-reloaded-from";

/** The annotation that asks Reloader to restart a workload when one of the named Secrets changes. */
export const RELOAD_ON_SECRET_ANNOTATION = "secret.reloader.stakater.com/reload";

/** Settings of Reloader. */
export interface ReloaderProps {
  /** Replicas (2+ runs it highly available, with leader election). @default 1 */
  readonly replicas?: number;
  /** Where its chart and images are pulled from: the environment's ECR (pull-through cache, chart mirror). */
  readonly images: ImageMirror;
}

/**
 * Stakater Reloader: restarts a workload when a Secret or ConfigMap it names changes, so a rotated
 * database password (RDS -> Secrets Manager -> ExternalSecret -> Secret) reaches running pods.
 * Restarts go through the workload's own rolling update, and mark the pod template with an
 * annotation rather than an environment variable.
 */
export class ReloaderAddOn implements PlatformAddOn {
  readonly id = "reloader";

  constructor(private readonly props: ReloaderProps) {}

  deploy(scope: Construct, _cluster: ClusterRefs, dependsOn?: ITerraformDependable[]): Release {
    const replicas = this.props.replicas ?? 1;
    return helmRelease(
      scope,
      this.id,
      this.props.images.chart(RELOADER_CHART),
      {
        image: { repository: this.props.images.image("ghcr.io/stakater/reloader") },
        reloader: {
          reloadStrategy: "annotations",
          readOnlyRootFileSystem: true,
          enableHA: replicas > 1,
          deployment: {
            replicas,
            // Pod Security "restricted" (the chart sets the pod's part: non-root, RuntimeDefault seccomp).
            containerSecurityContext: {
              allowPrivilegeEscalation: false,
              capabilities: { drop: ["ALL"] },
              readOnlyRootFilesystem: true,
            },
          },
        },
      },
      dependsOn,
    );
  }
}
