import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import type { ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import { containerLogGroupName, EKS_SERVICE_CIDR, KUBERNETES_MINOR_PINS } from "../config";
import { cidrSubnet } from "../config/cidr";
import { AWS_FOR_FLUENT_BIT_CHART, AwsForFluentBitAddOn } from "../modules/addons/aws-for-fluent-bit";
import { CERT_MANAGER_CHART, CertManagerAddOn } from "../modules/addons/cert-manager";
import { ClusterAutoscalerAddOn } from "../modules/addons/cluster-autoscaler";
import { ENVOY_GATEWAY_CHART, EnvoyGatewayAddOn } from "../modules/addons/envoy-gateway";
import { EXTERNAL_DNS_CHART, ExternalDnsAddOn } from "../modules/addons/external-dns";
import { EXTERNAL_SECRETS_CHART, ExternalSecretsAddOn } from "../modules/addons/external-secrets";
import {
  KUBE_PROMETHEUS_STACK_CHART,
  KubePrometheusStackAddOn,
  NODE_EXPORTER_NAMESPACE,
} from "../modules/addons/kube-prometheus-stack";
import { MetricsServerAddOn } from "../modules/addons/metrics-server";
import { PROMETHEUS_ADAPTER_CHART, PrometheusAdapterAddOn } from "../modules/addons/prometheus-adapter";
import { platformNamespaces } from "../modules/addons/platform-namespaces";
import { RELOADER_CHART, ReloaderAddOn } from "../modules/addons/reloader";
import { ClusterConnection } from "../modules/cluster-connection";
import { GeneratedLoginSecret } from "../modules/kubernetes/generated-login-secret";
import { Gp3StorageClass } from "../modules/kubernetes/gp3-storage-class";
import { SEED_CONTAINER, workloadPodLabels } from "../modules/kubernetes/app-workload";
import { PlatformNamespace } from "../modules/kubernetes/platform-namespace";
import { PUBLIC_GATEWAY_NAME } from "../modules/kubernetes/public-gateway";
import { planSubnets } from "../modules/subnet-plan";
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
    // Add-ons whose version follows the cluster's minor (config refuses a minor without pins).
    const pins = KUBERNETES_MINOR_PINS[this.config.cluster.kubernetesVersion];
    // Every chart's images come through the environment's ECR pull-through cache.
    const images = this.imageMirror();

    // Every namespace a release installs into is created here first, labelled and closed; a
    // release waits for its namespace and that namespace's policies (kube-system is EKS's).
    const { network } = this.config;
    const namespaces = new Map(
      platformNamespaces({
        // The nodes and the control plane's interfaces are in the private subnets (cluster stack).
        clusterSubnetCidrs: planSubnets(network.vpcCidr, network.availabilityZones.length).private,
        // The `kubernetes` Service's ClusterIP: the service CIDR's first address.
        kubernetesServiceCidr: cidrSubnet(EKS_SERVICE_CIDR, 32 - Number(EKS_SERVICE_CIDR.split("/")[1]), 1),
        app: {
          namespace: SERVICE_ACCOUNTS.app.namespace,
          podLabels: workloadPodLabels(SERVICE_ACCOUNTS.app.name),
          port: SEED_CONTAINER.port,
        },
        gatewayName: PUBLIC_GATEWAY_NAME,
      }).map((ns) => [ns.name, new PlatformNamespace(this, `namespace-${ns.name}`, ns)]),
    );
    const inNamespace = (...names: string[]): ITerraformDependable[] =>
      names.flatMap((name) => namespaces.get(name)?.ready ?? []);

    const storageClass = new Gp3StorageClass(this, "gp3");
    const monitoringNamespace = namespaces.get(KUBE_PROMETHEUS_STACK_CHART.namespace) as PlatformNamespace;
    const grafanaAdmin = new GeneratedLoginSecret(this, "grafana-admin", {
      namespace: monitoringNamespace.name,
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
      crdUpgradeKubectlTag: pins.crdUpgradeKubectlTag,
      images,
      alerts: {
        topicArn: props.alertTopicArn,
        region: this.config.account.region,
        serviceAccountName: SERVICE_ACCOUNTS.alertmanager.name,
      },
    });
    // Prometheus first: the others create ServiceMonitors, a CRD it installs.
    const prometheus = monitoring.deploy(this, cluster, [
      grafanaAdmin.secret,
      ...inNamespace(KUBE_PROMETHEUS_STACK_CHART.namespace, NODE_EXPORTER_NAMESPACE),
    ]);
    const gateway = new EnvoyGatewayAddOn({ replicas, images }).deploy(
      this,
      cluster,
      inNamespace(ENVOY_GATEWAY_CHART.namespace),
    );
    // cert-manager's Gateway API support needs the Gateway API CRDs at start-up.
    new CertManagerAddOn({ replicas, images }).deploy(this, cluster, [
      prometheus,
      gateway,
      ...inNamespace(CERT_MANAGER_CHART.namespace),
    ]);
    new ExternalSecretsAddOn({ replicas, serviceAccountName: SERVICE_ACCOUNTS.externalSecrets.name, images }).deploy(
      this,
      cluster,
      [prometheus, ...inNamespace(EXTERNAL_SECRETS_CHART.namespace)],
    );
    new MetricsServerAddOn({ replicas, images }).deploy(this, cluster);
    new ReloaderAddOn({ replicas, images }).deploy(this, cluster, inNamespace(RELOADER_CHART.namespace));
    new PrometheusAdapterAddOn({ replicas, prometheusUrl: monitoring.prometheusUrl, images }).deploy(this, cluster, [
      prometheus,
      ...inNamespace(PROMETHEUS_ADAPTER_CHART.namespace),
    ]);
    new ExternalDnsAddOn({
      serviceAccountName: SERVICE_ACCOUNTS.externalDns.name,
      zoneName: this.config.dns.zoneName,
      zoneId: props.dnsZoneId,
      images,
    }).deploy(this, cluster, [prometheus, gateway, ...inNamespace(EXTERNAL_DNS_CHART.namespace)]);
    new AwsForFluentBitAddOn({
      serviceAccountName: SERVICE_ACCOUNTS.fluentBit.name,
      logGroupName: containerLogGroupName(this.config),
      images,
    }).deploy(this, cluster, [prometheus, ...inNamespace(AWS_FOR_FLUENT_BIT_CHART.namespace)]);
    new ClusterAutoscalerAddOn({
      serviceAccountName: SERVICE_ACCOUNTS.clusterAutoscaler.name,
      chartVersion: pins.clusterAutoscalerChart,
      images,
    }).deploy(this, cluster);
  }
}
