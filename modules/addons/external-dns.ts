import type { Release } from "@cdktf/provider-helm/lib/release";
import type { ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import type { ClusterRefs } from "../cluster-connection";
import type { ImageMirror } from "../image-mirror";
import { helmRelease, type ChartSource, type PlatformAddOn } from "./platform-addon";

/**
 * 1.21.1 runs ExternalDNS 0.21.0. Published only in an HTTPS chart repository
 * (https://github.com/kubernetes-sigs/external-dns/issues/4630 asks for OCI): deploy mirrors it
 * into the environment's `<env>-charts/external-dns`.
 */
export const EXTERNAL_DNS_CHART: ChartSource = {
  chart: "external-dns",
  repository: "https://kubernetes-sigs.github.io/external-dns/",
  version: "1.21.1",
  namespace: "external-dns",
};

/** Settings of ExternalDNS. */
export interface ExternalDnsProps {
  /** Service account name: must match the Pod Identity association of the cluster stack. */
  readonly serviceAccountName: string;
  /** The zone's domain (records outside it are never touched). */
  readonly zoneName: string;
  /** The zone's id: ExternalDNS writes in this zone only, as its role allows. */
  readonly zoneId: string;
  /** Where its chart and images are pulled from: the environment's ECR (pull-through cache, chart mirror). */
  readonly images: ImageMirror;
}

/**
 * ExternalDNS for Route 53: publishes the host names of the Gateway API routes (HTTPRoute, with
 * the Gateway's load balancer as target) in the environment's zone, so a fresh environment's name
 * resolves, and cert-manager's HTTP-01 challenge completes, without anyone editing DNS. It owns
 * (TXT registry, keyed by the cluster) and deletes only what it created.
 */
export class ExternalDnsAddOn implements PlatformAddOn {
  readonly id = "external-dns";

  constructor(private readonly props: ExternalDnsProps) {}

  deploy(scope: Construct, cluster: ClusterRefs, dependsOn?: ITerraformDependable[]): Release {
    const { props } = this;
    return helmRelease(
      scope,
      this.id,
      this.props.images.chart(EXTERNAL_DNS_CHART),
      {
        image: { repository: props.images.image("registry.k8s.io/external-dns/external-dns") },
        provider: { name: "aws" },
        sources: ["gateway-httproute"],
        domainFilters: [props.zoneName],
        extraArgs: [`--zone-id-filter=${props.zoneId}`, "--aws-zone-type=public"],
        policy: "sync",
        registry: "txt",
        txtOwnerId: cluster.name,
        env: [{ name: "AWS_DEFAULT_REGION", value: cluster.region }],
        serviceAccount: { create: true, name: props.serviceAccountName },
        serviceMonitor: { enabled: true },
        resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } },
      },
      dependsOn,
    );
  }
}
