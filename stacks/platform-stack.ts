import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import type { Construct } from "constructs";
import { containerLogGroupName } from "../config";
import { AwsForFluentBitAddOn } from "../modules/addons/aws-for-fluent-bit";
import { CertManagerAddOn } from "../modules/addons/cert-manager";
import { ClusterAutoscalerAddOn } from "../modules/addons/cluster-autoscaler";
import { EnvoyGatewayAddOn } from "../modules/addons/envoy-gateway";
import { ExternalDnsAddOn } from "../modules/addons/external-dns";
import { ExternalSecretsAddOn } from "../modules/addons/external-secrets";
import { KUBE_PROMETHEUS_STACK_CHART, KubePrometheusStackAddOn } from "../modules/addons/kube-prometheus-stack";
import { MetricsServerAddOn } from "../modules/addons/metrics-server";
import { PrometheusAdapterAddOn } from "../modules/addons/prometheus-adapter";
import { ReloaderAddOn } from "../modules/addons/reloader";
import { ClusterConnection } from "../modules/cluster-connection";
import { GeneratedLoginSecret } from "../modules/kubernetes/generated-login-secret";
import { Gp3StorageClass } from "../modules/kubernetes/gp3-storage-class";
import { SERVICE_ACCOUNTS } from "./cluster-stack";
import { EnvironmentStack, type EnvironmentStackProps } from "./environment-stack";

/** What the platform stack takes from the cluster stack. */
export interface PlatformStackProps extends EnvironmentStackProps {
  /** Name of the EKS cluster. */
  readonly clusterName: string;
  /** The environment's alert topic (network stack): Alertmanager's receiver. */
  readonly alertTopicArn: string;
  /** The environment's DNS zone (network stack), where ExternalDNS publishes the app's name. */
  readonly dnsZoneId: string;
}

/**
 * `<env>-platform`: the cluster's shared services as pinned Helm releases: Envoy Gateway (with
 * the Gateway API CRDs), cert-manager, external-secrets, kube-prometheus-stack, prometheus-adapter,
 * metrics-server, cluster-autoscaler, ExternalDNS and aws-for-fluent-bit. Their custom resources live in `<env>-app`, deployed
 * after this stack, because Terraform needs a CRD to exist before it can plan a resource of it.
 */
export class PlatformStack extends EnvironmentStack {
  constructor(scope: Construct, props: PlatformStackProps) {
    super(scope, "platform", props);
    new RandomProvider(this, "random");
    const { platform } = this.config;
    const { cluster } = new ClusterConnection(this, "connection", {
      clusterName: props.clusterName,
      region: this.config.account.region,
      helm: true,
      kubernetes: true,
    });
    const replicas = platform.controllerReplicas;

    const storageClass = new Gp3StorageClass(this, "gp3");
    const grafanaAdmin = new GeneratedLoginSecret(this, "grafana-admin", {
      namespace: KUBE_PROMETHEUS_STACK_CHART.namespace,
      name: "grafana-admin",
      user: "admin",
    });
    const monitoring = new KubePrometheusStackAddOn({
      retention: platform.prometheusRetention,
      prometheusStorageGib: platform.prometheusStorageGib,
      grafanaStorageGib: platform.grafanaStorageGib,
      storageClassName: storageClass.name,
      grafanaAdminSecret: grafanaAdmin.name,
      grafanaServiceAccountName: SERVICE_ACCOUNTS.grafana.name,
      region: this.config.account.region,
      alerts: {
        topicArn: props.alertTopicArn,
        region: this.config.account.region,
        serviceAccountName: SERVICE_ACCOUNTS.alertmanager.name,
      },
    });
    // Prometheus first: the others create ServiceMonitors, a CRD it installs.
    const prometheus = monitoring.deploy(this, cluster, [grafanaAdmin.secret]);
    const gateway = new EnvoyGatewayAddOn({ replicas }).deploy(this, cluster);
    // cert-manager's Gateway API support needs the Gateway API CRDs at start-up.
    new CertManagerAddOn({ replicas }).deploy(this, cluster, [prometheus, gateway]);
    new ExternalSecretsAddOn({ replicas, serviceAccountName: SERVICE_ACCOUNTS.externalSecrets.name }).deploy(
      this,
      cluster,
      [prometheus],
    );
    new MetricsServerAddOn({ replicas }).deploy(this, cluster);
    new ReloaderAddOn({ replicas }).deploy(this, cluster);
    new PrometheusAdapterAddOn({ replicas, prometheusUrl: monitoring.prometheusUrl }).deploy(this, cluster, [
      prometheus,
    ]);
    new ExternalDnsAddOn({
      serviceAccountName: SERVICE_ACCOUNTS.externalDns.name,
      zoneName: this.config.dns.zoneName,
      zoneId: props.dnsZoneId,
    }).deploy(this, cluster, [prometheus, gateway]);
    new AwsForFluentBitAddOn({
      serviceAccountName: SERVICE_ACCOUNTS.fluentBit.name,
      logGroupName: containerLogGroupName(this.config),
    }).deploy(this, cluster, [prometheus]);
    new ClusterAutoscalerAddOn({ serviceAccountName: SERVICE_ACCOUNTS.clusterAutoscaler.name }).deploy(this, cluster);
  }
}
