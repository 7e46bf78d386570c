import type { FlowPeer, FlowPort, FlowRule } from "../kubernetes/pod-network-policy";
import type { PlatformNamespaceProps, WorkloadFlows } from "../kubernetes/platform-namespace";
import { proxyPodLabels } from "../kubernetes/public-gateway";
import { AWS_FOR_FLUENT_BIT_CHART } from "./aws-for-fluent-bit";
import { CERT_MANAGER_CHART } from "./cert-manager";
import { ENVOY_GATEWAY_CHART } from "./envoy-gateway";
import { EXTERNAL_DNS_CHART } from "./external-dns";
import { EXTERNAL_SECRETS_CHART } from "./external-secrets";
import { KUBE_PROMETHEUS_STACK_CHART, NODE_EXPORTER_NAMESPACE } from "./kube-prometheus-stack";
import { RELOADER_CHART } from "./reloader";

/** What the platform's flows depend on outside the charts. */
export interface PlatformNetworkContext {
  /**
   * CIDRs of the subnets holding the nodes and the EKS control plane's network interfaces: the
   * API server is reached there (its endpoint is outside the pod network), and calls webhooks and
   * APIServices from there.
   */
  readonly clusterSubnetCidrs: readonly string[];
  /** ClusterIP of the `kubernetes` Service as a /32 (the first address of the service CIDR). */
  readonly kubernetesServiceCidr: string;
  /** The app behind the Gateway, which Prometheus scrapes. */
  readonly app: {
    readonly namespace: string;
    readonly podLabels: Readonly<Record<string, string>>;
    readonly port: number;
  };
  /** The public Gateway (its Envoy proxies run in Envoy Gateway's namespace). */
  readonly gatewayName: string;
}

const tcp = (...ports: number[]): FlowPort[] => ports.map((port) => ({ port }));
const everywhere: FlowPeer = { cidrs: ["0.0.0.0/0"] };

/** EKS Pod Identity agent, where the AWS SDK of a pod with a Pod Identity association gets credentials. */
export const POD_IDENTITY_AGENT_CIDR = "169.254.170.23/32";
const podIdentityAgent: FlowRule = { peers: [{ cidrs: [POD_IDENTITY_AGENT_CIDR] }], ports: tcp(80) };
/** AWS public endpoints (Route 53, Secrets Manager, STS, CloudWatch, SNS) and the VPC's interface endpoints. */
const awsApis: FlowRule = { peers: [everywhere], ports: tcp(443) };

/**
 * Envoy Gateway listens on a listener's port + 10000 when the port is privileged (< 1024), so the
 * proxy runs without NET_BIND_SERVICE: 80 -> 10080, 443 -> 10443 (the Service maps them back).
 */
export const ENVOY_LISTENER_CONTAINER_PORTS = [10080, 10443];
/** Envoy Gateway's xDS server, which every proxy connects to (mTLS). */
export const ENVOY_GATEWAY_XDS_PORT = 18000;
/** The HTTP-01 solver pods cert-manager starts next to the Gateway's Certificate, and their port. */
export const ACME_SOLVER = { podLabels: { "acme.cert-manager.io/http01-solver": "true" }, port: 8089 } as const;

const PROMETHEUS_LABELS = {
  "app.kubernetes.io/name": "prometheus",
  "operator.prometheus.io/name": "kube-prometheus-stack-prometheus",
};
const ALERTMANAGER_LABELS = {
  "app.kubernetes.io/name": "alertmanager",
  alertmanager: "kube-prometheus-stack-alertmanager",
};
const GRAFANA_LABELS = { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "kube-prometheus-stack" };
const KUBE_STATE_METRICS_LABELS = {
  "app.kubernetes.io/name": "kube-state-metrics",
  "app.kubernetes.io/instance": "kube-prometheus-stack",
};
const OPERATOR_LABELS = { app: "kube-prometheus-stack-operator", release: "kube-prometheus-stack" };
const PROMETHEUS_ADAPTER_LABELS = {
  "app.kubernetes.io/name": "prometheus-adapter",
  "app.kubernetes.io/instance": "prometheus-adapter",
};
const ENVOY_GATEWAY_LABELS = { "control-plane": "envoy-gateway", "app.kubernetes.io/instance": "envoy-gateway" };

const MONITORING = KUBE_PROMETHEUS_STACK_CHART.namespace;
const GATEWAY = ENVOY_GATEWAY_CHART.namespace;
const prometheus: FlowPeer = { namespace: MONITORING, podLabels: PROMETHEUS_LABELS };

/** One set of pods Prometheus scrapes (its ServiceMonitors' endpoints), by pod port. */
interface ScrapeTarget {
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly ports: readonly number[];
}

/** Every pod Prometheus scrapes: the charts' ServiceMonitors (rendered) and the app's. */
function scrapeTargets(ctx: PlatformNetworkContext): ScrapeTarget[] {
  return [
    // Its own web port and its config reloader's, the same for Alertmanager.
    { namespace: MONITORING, podLabels: PROMETHEUS_LABELS, ports: [9090, 8080] },
    { namespace: MONITORING, podLabels: ALERTMANAGER_LABELS, ports: [9093, 8080] },
    { namespace: MONITORING, podLabels: GRAFANA_LABELS, ports: [3000] },
    { namespace: MONITORING, podLabels: KUBE_STATE_METRICS_LABELS, ports: [8080] },
    { namespace: MONITORING, podLabels: OPERATOR_LABELS, ports: [10250] },
    {
      namespace: CERT_MANAGER_CHART.namespace,
      podLabels: { "app.kubernetes.io/instance": "cert-manager" },
      ports: [9402],
    },
    { namespace: EXTERNAL_DNS_CHART.namespace, podLabels: { "app.kubernetes.io/name": "external-dns" }, ports: [7979] },
    {
      namespace: AWS_FOR_FLUENT_BIT_CHART.namespace,
      podLabels: { "app.kubernetes.io/name": "aws-for-fluent-bit" },
      ports: [2020],
    },
    { namespace: GATEWAY, podLabels: ENVOY_GATEWAY_LABELS, ports: [19001] },
    { namespace: GATEWAY, podLabels: proxyPodLabels({ name: ctx.gatewayName, namespace: GATEWAY }), ports: [19001] },
    { namespace: ctx.app.namespace, podLabels: ctx.app.podLabels, ports: [ctx.app.port] },
    // CoreDNS (kube-system has no default deny: only Prometheus's egress is needed).
    { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" }, ports: [9153] },
  ];
}

/** Prometheus's scrape of the pods of a namespace with these labels, as an ingress rule of theirs. */
function scrapedBy(
  ctx: PlatformNetworkContext,
  namespace: string,
  podLabels: Readonly<Record<string, string>>,
): FlowRule[] {
  const same = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) =>
    JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
  return scrapeTargets(ctx)
    .filter((t) => t.namespace === namespace && same(t.podLabels, podLabels))
    .map((t) => ({ peers: [prometheus], ports: tcp(...t.ports) }));
}

/** The Kubernetes API: the control plane's interfaces, and the `kubernetes` Service's ClusterIP (before DNAT). */
function kubernetesApi(ctx: PlatformNetworkContext): FlowRule {
  return { peers: [{ cidrs: [...ctx.clusterSubnetCidrs, ctx.kubernetesServiceCidr] }], ports: tcp(443) };
}

/** The API server calling a webhook or an APIService of a pod, from the control plane's interfaces. */
function calledByApiServer(ctx: PlatformNetworkContext, port: number): FlowRule {
  return { peers: [{ cidrs: ctx.clusterSubnetCidrs }], ports: tcp(port) };
}

/** A workload that only talks to the API server (controllers, hook Jobs). */
function apiClient(ctx: PlatformNetworkContext, name: string, podLabels: Record<string, string>): WorkloadFlows {
  return { name, podLabels, egress: [kubernetesApi(ctx)] };
}

function monitoringWorkloads(ctx: PlatformNetworkContext): WorkloadFlows[] {
  const nodes = { cidrs: ctx.clusterSubnetCidrs };
  return [
    {
      name: "prometheus",
      podLabels: PROMETHEUS_LABELS,
      ingress: [
        ...scrapedBy(ctx, MONITORING, PROMETHEUS_LABELS),
        {
          peers: [
            { namespace: MONITORING, podLabels: GRAFANA_LABELS },
            { namespace: MONITORING, podLabels: PROMETHEUS_ADAPTER_LABELS },
          ],
          ports: tcp(9090),
        },
      ],
      egress: [
        kubernetesApi(ctx),
        ...scrapeTargets(ctx).map((t) => ({
          peers: [{ namespace: t.namespace, podLabels: t.podLabels }],
          ports: tcp(...t.ports),
        })),
        // Host-network targets: node-exporter, the kubelet (cAdvisor), kube-proxy; the API server's endpoints.
        { peers: [nodes], ports: tcp(9100, 10250, 10249, 443) },
      ],
    },
    {
      name: "alertmanager",
      podLabels: ALERTMANAGER_LABELS,
      ingress: [
        ...scrapedBy(ctx, MONITORING, ALERTMANAGER_LABELS),
        // Its replicas' cluster gossip.
        {
          peers: [{ namespace: MONITORING, podLabels: ALERTMANAGER_LABELS }],
          ports: [{ port: 9094 }, { port: 9094, protocol: "UDP" }],
        },
      ],
      egress: [
        awsApis, // SNS, STS
        podIdentityAgent,
        {
          peers: [{ namespace: MONITORING, podLabels: ALERTMANAGER_LABELS }],
          ports: [{ port: 9094 }, { port: 9094, protocol: "UDP" }],
        },
      ],
    },
    {
      name: "grafana",
      podLabels: GRAFANA_LABELS,
      ingress: scrapedBy(ctx, MONITORING, GRAFANA_LABELS),
      egress: [
        kubernetesApi(ctx), // the dashboard and data source sidecars watch ConfigMaps
        { peers: [prometheus], ports: tcp(9090) },
        awsApis, // CloudWatch
        podIdentityAgent,
      ],
    },
    {
      name: "kube-state-metrics",
      podLabels: KUBE_STATE_METRICS_LABELS,
      ingress: scrapedBy(ctx, MONITORING, KUBE_STATE_METRICS_LABELS),
      egress: [kubernetesApi(ctx)],
    },
    {
      name: "prometheus-operator",
      podLabels: OPERATOR_LABELS,
      // Its admission webhook (PrometheusRules, AlertmanagerConfigs) on the pod's port 10250.
      ingress: [calledByApiServer(ctx, 10250), ...scrapedBy(ctx, MONITORING, OPERATOR_LABELS)],
      egress: [kubernetesApi(ctx)],
    },
    {
      name: "prometheus-adapter",
      podLabels: PROMETHEUS_ADAPTER_LABELS,
      // The custom metrics APIService (v1beta1.custom.metrics.k8s.io) on the pod's port 6443.
      ingress: [calledByApiServer(ctx, 6443)],
      egress: [kubernetesApi(ctx), { peers: [prometheus], ports: tcp(9090) }],
    },
    // Helm hook Jobs: the webhook certificate's, and the CRD upgrade (its pods carry only the Job's labels).
    apiClient(ctx, "admission-jobs", {
      "app.kubernetes.io/component": "prometheus-operator-webhook",
      "app.kubernetes.io/instance": "kube-prometheus-stack",
    }),
    apiClient(ctx, "crds-upgrade", { "batch.kubernetes.io/job-name": "kube-prometheus-stack-crds-upgrade" }),
  ];
}

function gatewayWorkloads(ctx: PlatformNetworkContext): WorkloadFlows[] {
  const proxyLabels = proxyPodLabels({ name: ctx.gatewayName, namespace: GATEWAY });
  const proxies: FlowPeer = { namespace: GATEWAY, podLabels: proxyLabels };
  return [
    {
      name: "envoy-gateway",
      podLabels: ENVOY_GATEWAY_LABELS,
      ingress: [
        { peers: [proxies], ports: tcp(ENVOY_GATEWAY_XDS_PORT) },
        // Its topology-injector mutating webhook on the pod's port 9443.
        calledByApiServer(ctx, 9443),
        ...scrapedBy(ctx, GATEWAY, ENVOY_GATEWAY_LABELS),
      ],
      egress: [kubernetesApi(ctx)],
    },
    apiClient(ctx, "certgen", { app: "certgen" }),
    {
      name: `envoy-${ctx.gatewayName}`,
      podLabels: proxyLabels,
      ingress: [
        // The NLB keeps the client's address (externalTrafficPolicy Local): anyone, on the listeners.
        { peers: [everywhere], ports: tcp(...ENVOY_LISTENER_CONTAINER_PORTS) },
        ...scrapedBy(ctx, GATEWAY, proxyLabels),
      ],
      egress: [
        { peers: [{ namespace: GATEWAY, podLabels: ENVOY_GATEWAY_LABELS }], ports: tcp(ENVOY_GATEWAY_XDS_PORT) },
        { peers: [{ namespace: ctx.app.namespace, podLabels: ctx.app.podLabels }], ports: tcp(ctx.app.port) },
        { peers: [{ namespace: GATEWAY, podLabels: ACME_SOLVER.podLabels }], ports: tcp(ACME_SOLVER.port) },
      ],
    },
    {
      name: "acme-http01-solver",
      podLabels: ACME_SOLVER.podLabels,
      ingress: [{ peers: [proxies], ports: tcp(ACME_SOLVER.port) }],
    },
  ];
}

function certManagerWorkloads(ctx: PlatformNetworkContext): WorkloadFlows[] {
  const ns = CERT_MANAGER_CHART.namespace;
  const component = (name: string) => ({
    "app.kubernetes.io/instance": "cert-manager",
    "app.kubernetes.io/component": name,
  });
  return [
    {
      name: "cert-manager-metrics",
      podLabels: { "app.kubernetes.io/instance": "cert-manager" },
      ingress: scrapedBy(ctx, ns, { "app.kubernetes.io/instance": "cert-manager" }),
    },
    {
      name: "cert-manager",
      podLabels: component("controller"),
      egress: [
        kubernetesApi(ctx),
        // ACME (Let's Encrypt) over HTTPS, and the HTTP-01 self-check through the public load balancer.
        { peers: [everywhere], ports: tcp(443, 80) },
      ],
    },
    apiClient(ctx, "cainjector", component("cainjector")),
    {
      name: "webhook",
      podLabels: component("webhook"),
      ingress: [calledByApiServer(ctx, 10250)],
      egress: [kubernetesApi(ctx)],
    },
    apiClient(ctx, "startupapicheck", component("startupapicheck")),
  ];
}

function externalSecretsWorkloads(ctx: PlatformNetworkContext): WorkloadFlows[] {
  const name = (n: string) => ({ "app.kubernetes.io/name": n, "app.kubernetes.io/instance": "external-secrets" });
  return [
    // Secrets Manager and STS, with the controller's Pod Identity credentials.
    {
      name: "external-secrets",
      podLabels: name("external-secrets"),
      egress: [kubernetesApi(ctx), awsApis, podIdentityAgent],
    },
    {
      name: "webhook",
      podLabels: name("external-secrets-webhook"),
      ingress: [calledByApiServer(ctx, 10250)],
      egress: [kubernetesApi(ctx)],
    },
    apiClient(ctx, "cert-controller", name("external-secrets-cert-controller")),
  ];
}

/** A workload that reads the API and calls AWS with its Pod Identity credentials, scraped by Prometheus. */
function awsClient(
  ctx: PlatformNetworkContext,
  namespace: string,
  name: string,
  podLabels: Record<string, string>,
): WorkloadFlows {
  return {
    name,
    podLabels,
    ingress: scrapedBy(ctx, namespace, podLabels),
    egress: [kubernetesApi(ctx), awsApis, podIdentityAgent],
  };
}

/**
 * Every namespace the platform's releases install into (kube-system excepted: EKS owns it), with
 * the strictest Pod Security level its pods pass and the flows each of its workloads needs.
 */
export function platformNamespaces(ctx: PlatformNetworkContext): PlatformNamespaceProps[] {
  return [
    { name: MONITORING, enforce: "restricted", workloads: monitoringWorkloads(ctx) },
    // node-exporter reads the host (hostNetwork, hostPID, hostPath /, /proc, /sys): the only pods
    // that need "privileged", kept out of monitoring. Host-network pods are outside NetworkPolicy.
    { name: NODE_EXPORTER_NAMESPACE, enforce: "privileged", workloads: [] },
    { name: GATEWAY, enforce: "restricted", workloads: gatewayWorkloads(ctx) },
    { name: CERT_MANAGER_CHART.namespace, enforce: "restricted", workloads: certManagerWorkloads(ctx) },
    { name: EXTERNAL_SECRETS_CHART.namespace, enforce: "restricted", workloads: externalSecretsWorkloads(ctx) },
    {
      name: EXTERNAL_DNS_CHART.namespace,
      enforce: "restricted",
      // Route 53 and STS.
      workloads: [
        awsClient(ctx, EXTERNAL_DNS_CHART.namespace, "external-dns", { "app.kubernetes.io/name": "external-dns" }),
      ],
    },
    {
      name: AWS_FOR_FLUENT_BIT_CHART.namespace,
      // Fluent Bit tails the node's /var/log (a hostPath volume, which even "baseline" refuses).
      enforce: "privileged",
      workloads: [
        // CloudWatch Logs and STS; the API for the pods' metadata.
        awsClient(ctx, AWS_FOR_FLUENT_BIT_CHART.namespace, "aws-for-fluent-bit", {
          "app.kubernetes.io/name": "aws-for-fluent-bit",
        }),
      ],
    },
    {
      name: RELOADER_CHART.namespace,
      enforce: "restricted",
      workloads: [
        apiClient(ctx, "reloader", { "app.kubernetes.io/name": "reloader", "app.kubernetes.io/instance": "reloader" }),
      ],
    },
  ];
}
