import type { Release } from "@cdktf/provider-helm/lib/release";
import type { ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import type { ClusterRefs } from "../cluster-connection";
import type { ImageMirror } from "../image-mirror";
import { zoneSpread } from "../kubernetes/zone-spread";
import { helmRelease, type ChartSource, type PlatformAddOn } from "./platform-addon";

export const ENVOY_GATEWAY_CHART: ChartSource = {
  chart: "gateway-helm",
  repository: "oci://docker.io/envoyproxy",
  version: "v1.9.0",
  namespace: "envoy-gateway-system",
};

/**
 * Envoy Gateway's CRD chart, released with the controller chart at the same version: its CRDs are
 * templates, so a version bump upgrades them (Helm never upgrades a chart's crds/ folder).
 */
export const GATEWAY_CRDS_CHART: ChartSource = { ...ENVOY_GATEWAY_CHART, chart: "gateway-crds-helm" };

/** Gateway API channel of the CRDs: the one gateway-helm's own crds subchart installs (v1.6.1 experimental). */
export const GATEWAY_API_CHANNEL = "experimental";

/**
 * Images the controller runs and deploys, as Envoy Gateway v1.9.0 defaults them (its chart's
 * values and the proxy and rate-limit defaults built into the controller), pulled through the cache.
 */
export const ENVOY_GATEWAY_IMAGES = {
  envoyGateway: `docker.io/envoyproxy/gateway:${ENVOY_GATEWAY_CHART.version}`,
  envoyProxy: "docker.io/envoyproxy/envoy:distroless-v1.39.0",
  ratelimit: "docker.io/envoyproxy/ratelimit:17b1956c",
} as const;

/** The controller name GatewayClasses use to pick Envoy Gateway. */
export const ENVOY_GATEWAY_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller";

/** Settings of Envoy Gateway. */
export interface EnvoyGatewayProps {
  /** Replicas of the controller. @default 1 */
  readonly replicas?: number;
  /** Where its chart and images are pulled from: the environment's ECR (pull-through cache, chart mirror). */
  readonly images: ImageMirror;
}

/**
 * Envoy Gateway, the Gateway API implementation. Its CRDs and the Gateway API's come from a
 * release of their own (gateway-crds-helm at the same version), installed first and upgraded
 * with every version bump. Envoy proxies run in the controller's namespace, one set per Gateway.
 */
export class EnvoyGatewayAddOn implements PlatformAddOn {
  readonly id = "envoy-gateway";

  constructor(private readonly props: EnvoyGatewayProps) {}

  deploy(scope: Construct, _cluster: ClusterRefs, dependsOn?: ITerraformDependable[]): Release {
    const replicas = this.props.replicas ?? 1;
    const { images } = this.props;
    const crds = helmRelease(
      scope,
      `${this.id}-crds`,
      images.chart(GATEWAY_CRDS_CHART),
      { crds: { gatewayAPI: { enabled: true, channel: GATEWAY_API_CHANNEL }, envoyGateway: { enabled: true } } },
      dependsOn,
    );
    return helmRelease(
      scope,
      this.id,
      images.chart(ENVOY_GATEWAY_CHART),
      {
        crds: { enabled: false },
        // The controller's own image, and the proxies' and rate limiter's it deploys (written into
        // its EnvoyGateway configuration), all from the cache.
        global: {
          images: {
            envoyGateway: { image: images.image(ENVOY_GATEWAY_IMAGES.envoyGateway) },
            envoyProxy: { image: images.image(ENVOY_GATEWAY_IMAGES.envoyProxy) },
            ratelimit: { image: images.image(ENVOY_GATEWAY_IMAGES.ratelimit) },
          },
        },
        deployment: {
          replicas,
          // The chart's own selector labels (templates/envoy-gateway-deployment.yaml).
          pod: {
            topologySpreadConstraints: zoneSpread({
              "control-plane": "envoy-gateway",
              "app.kubernetes.io/instance": this.id,
            }),
          },
        },
        podDisruptionBudget: { minAvailable: replicas > 1 ? 1 : 0 },
      },
      [...(dependsOn ?? []), crds],
    );
  }
}
