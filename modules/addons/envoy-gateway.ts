import type { Release } from "@cdktf/provider-helm/lib/release";
import type { ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import type { ClusterRefs } from "../cluster-connection";
import { helmRelease, type ChartSource, type PlatformAddOn } from "./platform-addon";

export const ENVOY_GATEWAY_CHART: ChartSource = {
  chart: "gateway-helm",
  repository: "oci://docker.io/envoyproxy",
  version: "v1.9.0",
  namespace: "envoy-gateway-system",
};

/** The controller name GatewayClasses use to pick Envoy Gateway. */
export const ENVOY_GATEWAY_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller";

/** Settings of Envoy Gateway. */
export interface EnvoyGatewayProps {
  /** Replicas of the controller. @default 1 */
  readonly replicas?: number;
}

/**
 * Envoy Gateway, the Gateway API implementation, with the Gateway API CRDs and its own CRDs
 * (the chart's `crds` subchart). Envoy proxies run in the same namespace, one set per Gateway.
 */
export class EnvoyGatewayAddOn implements PlatformAddOn {
  readonly id = "envoy-gateway";

  constructor(private readonly props: EnvoyGatewayProps = {}) {}

  deploy(scope: Construct, _cluster: ClusterRefs, dependsOn?: ITerraformDependable[]): Release {
    const replicas = this.props.replicas ?? 1;
    const release = helmRelease(
      scope,
      this.id,
      ENVOY_GATEWAY_CHART,
      {
        crds: { enabled: true },
        deployment: { replicas },
        podDisruptionBudget: { minAvailable: replicas > 1 ? 1 : 0 },
      },
      dependsOn,
    );
    // The CRDs sit in the chart's crds/ folder: Helm installs them only when not skipped.
    release.skipCrds = false;
    return release;
  }
}
