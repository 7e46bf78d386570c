import { stackObjects } from "../../scripts/k8s-check/api-objects";
import { planSubnets } from "../../modules/subnet-plan";
import { resourcesOf, synthEnvironment, type TerraformJson } from "../helpers";
import { connectionAllowed, type Endpoint } from "../model/network-policy";

type Json = Record<string, unknown>;

/**
 * #21 part 6: every namespace the platform's releases install into is the stack's own (Pod
 * Security labels, default deny), and every flow the charts need is opened, nothing else.
 * The namespaces and levels are written here from the rendered charts (npm run k8s-check), not
 * read back from the code under test.
 */
const EXPECTED_ENFORCE: Record<string, string> = {
  monitoring: "restricted",
  "node-exporter": "privileged", // hostNetwork, hostPID, hostPath
  "envoy-gateway-system": "restricted",
  "cert-manager": "restricted",
  "external-secrets": "restricted",
  "external-dns": "restricted",
  logging: "privileged", // Fluent Bit's hostPath /var/log
  reloader: "restricted",
};

const prod = synthEnvironment("prod");
const platform = prod.json("platform");
const namespaces = resourcesOf(platform, "kubernetes_namespace_v1");
const releases = resourcesOf(platform, "helm_release");
const policyObjects = (json: TerraformJson, stack: string): Json[] =>
  stackObjects(stack, json as unknown as Json)
    .map((o) => o.object)
    .filter((o) => o.kind === "NetworkPolicy");
const policies = [...policyObjects(platform, "prod-platform"), ...policyObjects(prod.json("app"), "prod-app")];

function namespaceNamed(name: string): [string, Json] | undefined {
  return Object.entries(namespaces).find(([, ns]) => (ns.metadata as Json).name === name);
}

/** Namespaces the releases install objects into: their own, and chart overrides in their values. */
function releaseNamespaces(): Set<string> {
  const names = new Set<string>();
  for (const release of Object.values(releases)) {
    names.add(String(release.namespace));
    const text = ((release.values as string[] | undefined) ?? []).join("\n");
    for (const m of text.matchAll(/"namespaceOverride":"([^"]+)"/g)) names.add(m[1]);
  }
  names.delete("kube-system"); // EKS's own
  return names;
}

describe("platform namespaces (#21 part 6)", () => {
  it("creates every namespace a release installs into, and only those", () => {
    expect([...releaseNamespaces()].sort()).toEqual(Object.keys(EXPECTED_ENFORCE).sort());
    for (const name of releaseNamespaces()) expect(namespaceNamed(name)).toBeDefined();
  });

  it.each(Object.entries(EXPECTED_ENFORCE))(
    "%s enforces Pod Security %s, warns and audits at restricted",
    (name, level) => {
      const [, ns] = namespaceNamed(name) ?? [];
      expect((ns?.metadata as Json | undefined)?.labels).toMatchObject({
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
      });
    },
  );

  it.each(Object.keys(EXPECTED_ENFORCE))("%s starts closed: a default deny for every pod, both ways", (name) => {
    const deny = policies.filter((p) => {
      const spec = p.spec as Json;
      return (
        (p.metadata as Json).namespace === name &&
        JSON.stringify((spec.podSelector as Json | undefined) ?? {}) === "{}" &&
        [...(spec.policyTypes as string[])].sort().join() === "Egress,Ingress" &&
        !spec.ingress &&
        !spec.egress
      );
    });
    expect(deny).toHaveLength(1);
  });

  it.each(Object.keys(releases))("release %s does not create its namespace and waits for it and its policies", (id) => {
    const release = releases[id];
    expect(release.create_namespace).toBe(false);
    if (release.namespace === "kube-system") return;
    const [address] = namespaceNamed(String(release.namespace)) ?? ["missing"];
    const dependsOn = (release.depends_on as string[] | undefined) ?? [];
    expect(dependsOn).toContain(`kubernetes_namespace_v1.${address}`);
    const ownPolicies = Object.entries(resourcesOf(platform, "kubernetes_network_policy_v1")).filter(([, p]) =>
      String((p.metadata as Json).namespace).includes(`kubernetes_namespace_v1.${address}.`),
    );
    expect(ownPolicies.length).toBeGreaterThan(1);
    for (const [name] of ownPolicies) expect(dependsOn).toContain(`kubernetes_network_policy_v1.${name}`);
  });

  describe("flows", () => {
    const privateSubnet = planSubnets(prod.config.network.vpcCidr, prod.config.network.availabilityZones.length)
      .private[1];
    /** An address in a private subnet: a node, or one of the EKS control plane's interfaces. */
    const controlPlane: Endpoint = { ip: privateSubnet.replace(/\.0\/\d+$/, ".25") };
    const node: Endpoint = { ip: privateSubnet.replace(/\.0\/\d+$/, ".40") };
    const kubernetesService: Endpoint = { ip: "172.20.0.1" };
    const internet: Endpoint = { ip: "203.0.113.7" };
    const podIdentityAgent: Endpoint = { ip: "169.254.170.23" };
    const pod = (namespace: string, labels: Record<string, string>): Endpoint => ({ namespace, labels });

    // Pod labels as the pinned charts render them (helm template), and as the operators label their pods.
    const prometheus = pod("monitoring", {
      "app.kubernetes.io/name": "prometheus",
      "operator.prometheus.io/name": "kube-prometheus-stack-prometheus",
      prometheus: "kube-prometheus-stack-prometheus",
    });
    const alertmanager = pod("monitoring", {
      "app.kubernetes.io/name": "alertmanager",
      alertmanager: "kube-prometheus-stack-alertmanager",
    });
    const grafana = pod("monitoring", {
      "app.kubernetes.io/name": "grafana",
      "app.kubernetes.io/instance": "kube-prometheus-stack",
    });
    const kubeStateMetrics = pod("monitoring", {
      "app.kubernetes.io/name": "kube-state-metrics",
      "app.kubernetes.io/instance": "kube-prometheus-stack",
    });
    const operator = pod("monitoring", { app: "kube-prometheus-stack-operator", release: "kube-prometheus-stack" });
    const adapter = pod("monitoring", {
      "app.kubernetes.io/name": "prometheus-adapter",
      "app.kubernetes.io/instance": "prometheus-adapter",
    });
    const admissionJob = pod("monitoring", {
      app: "kube-prometheus-stack-admission-create",
      "app.kubernetes.io/instance": "kube-prometheus-stack",
      "app.kubernetes.io/component": "prometheus-operator-webhook",
    });
    const crdsUpgrade = pod("monitoring", { "batch.kubernetes.io/job-name": "kube-prometheus-stack-crds-upgrade" });
    const envoyGateway = pod("envoy-gateway-system", {
      "control-plane": "envoy-gateway",
      "app.kubernetes.io/name": "gateway-helm",
      "app.kubernetes.io/instance": "envoy-gateway",
    });
    const certgen = pod("envoy-gateway-system", { app: "certgen" });
    const envoy = pod("envoy-gateway-system", {
      "app.kubernetes.io/name": "envoy",
      "app.kubernetes.io/component": "proxy",
      "app.kubernetes.io/managed-by": "envoy-gateway",
      "gateway.envoyproxy.io/owning-gateway-name": "public",
      "gateway.envoyproxy.io/owning-gateway-namespace": "envoy-gateway-system",
    });
    const acmeSolver = pod("envoy-gateway-system", { "acme.cert-manager.io/http01-solver": "true" });
    const certManager = (component: string, name = component) =>
      pod("cert-manager", {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": "cert-manager",
        "app.kubernetes.io/component": component,
      });
    const externalSecrets = (name: string) =>
      pod("external-secrets", { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": "external-secrets" });
    const externalDns = pod("external-dns", {
      "app.kubernetes.io/name": "external-dns",
      "app.kubernetes.io/instance": "external-dns",
    });
    const fluentBit = pod("logging", {
      "app.kubernetes.io/name": "aws-for-fluent-bit",
      "app.kubernetes.io/instance": "aws-for-fluent-bit",
    });
    const reloader = pod("reloader", {
      app: "reloader-reloader",
      "app.kubernetes.io/name": "reloader",
      "app.kubernetes.io/instance": "reloader",
    });
    const app = pod("marketing-agents", { app: "marketing-agents" });
    const coreDns = pod("kube-system", { "k8s-app": "kube-dns" });

    const apiClients: [string, Endpoint][] = [
      ["prometheus", prometheus],
      ["grafana", grafana],
      ["kube-state-metrics", kubeStateMetrics],
      ["prometheus-operator", operator],
      ["prometheus-adapter", adapter],
      ["admission Jobs", admissionJob],
      ["CRD upgrade Job", crdsUpgrade],
      ["envoy-gateway", envoyGateway],
      ["certgen Job", certgen],
      ["cert-manager", certManager("controller", "cert-manager")],
      ["cainjector", certManager("cainjector")],
      ["cert-manager webhook", certManager("webhook", "webhook")],
      ["startupapicheck", certManager("startupapicheck")],
      ["external-secrets", externalSecrets("external-secrets")],
      ["external-secrets webhook", externalSecrets("external-secrets-webhook")],
      ["external-secrets cert-controller", externalSecrets("external-secrets-cert-controller")],
      ["external-dns", externalDns],
      ["fluent-bit", fluentBit],
      ["reloader", reloader],
    ];

    // [flow, from, to, port, protocol?]
    const allowed: [string, Endpoint, Endpoint, number, ("TCP" | "UDP")?][] = [
      ...apiClients.flatMap(([name, from]): [string, Endpoint, Endpoint, number][] => [
        [`${name} -> Kubernetes API (control plane interface)`, from, controlPlane, 443],
        [`${name} -> Kubernetes API (kubernetes Service ClusterIP)`, from, kubernetesService, 443],
      ]),
      ...[...apiClients.map(([, p]) => p), alertmanager, envoy].flatMap(
        (from): [string, Endpoint, Endpoint, number, "UDP" | "TCP"][] => [
          ["DNS over UDP", from, coreDns, 53, "UDP"],
          ["DNS over TCP", from, coreDns, 53, "TCP"],
        ],
      ),
      // Webhooks and APIServices the API server calls (pod ports).
      ["control plane -> cert-manager webhook", controlPlane, certManager("webhook", "webhook"), 10250],
      ["control plane -> external-secrets webhook", controlPlane, externalSecrets("external-secrets-webhook"), 10250],
      ["control plane -> prometheus-operator admission webhook", controlPlane, operator, 10250],
      ["control plane -> envoy-gateway topology webhook", controlPlane, envoyGateway, 9443],
      ["control plane -> prometheus-adapter custom metrics APIService", controlPlane, adapter, 6443],
      // Gateway
      ["internet -> Envoy HTTP listener", internet, envoy, 10080],
      ["internet -> Envoy HTTPS listener", internet, envoy, 10443],
      ["Envoy -> envoy-gateway xDS", envoy, envoyGateway, 18000],
      ["Envoy -> the app", envoy, app, 8000],
      ["Envoy -> ACME HTTP-01 solver", envoy, acmeSolver, 8089],
      // Prometheus and its readers
      ["Grafana -> Prometheus", grafana, prometheus, 9090],
      ["prometheus-adapter -> Prometheus", adapter, prometheus, 9090],
      ["Prometheus -> Alertmanager", prometheus, alertmanager, 9093],
      ["Prometheus scrapes itself", prometheus, prometheus, 9090],
      ["Prometheus scrapes its config reloader", prometheus, prometheus, 8080],
      ["Prometheus scrapes Alertmanager's config reloader", prometheus, alertmanager, 8080],
      ["Prometheus scrapes Grafana", prometheus, grafana, 3000],
      ["Prometheus scrapes kube-state-metrics", prometheus, kubeStateMetrics, 8080],
      ["Prometheus scrapes the operator", prometheus, operator, 10250],
      ["Prometheus scrapes cert-manager", prometheus, certManager("controller", "cert-manager"), 9402],
      ["Prometheus scrapes cainjector", prometheus, certManager("cainjector"), 9402],
      ["Prometheus scrapes cert-manager's webhook", prometheus, certManager("webhook", "webhook"), 9402],
      ["Prometheus scrapes external-dns", prometheus, externalDns, 7979],
      ["Prometheus scrapes Fluent Bit", prometheus, fluentBit, 2020],
      ["Prometheus scrapes envoy-gateway", prometheus, envoyGateway, 19001],
      ["Prometheus scrapes Envoy", prometheus, envoy, 19001],
      ["Prometheus scrapes the app", prometheus, app, 8000],
      ["Prometheus scrapes CoreDNS", prometheus, coreDns, 9153],
      ["Prometheus scrapes node-exporter (host network)", prometheus, node, 9100],
      ["Prometheus scrapes the kubelet", prometheus, node, 10250],
      ["Prometheus scrapes the API server", prometheus, controlPlane, 443],
      ["Alertmanager gossip", alertmanager, alertmanager, 9094],
      // AWS APIs with Pod Identity credentials
      ...[
        ["external-secrets (Secrets Manager)", externalSecrets("external-secrets")],
        ["external-dns (Route 53)", externalDns],
        ["Fluent Bit (CloudWatch Logs)", fluentBit],
        ["Alertmanager (SNS)", alertmanager],
        ["Grafana (CloudWatch)", grafana],
      ].flatMap(([name, from]): [string, Endpoint, Endpoint, number][] => [
        [`${name as string} -> AWS API`, from as Endpoint, internet, 443],
        [`${name as string} -> Pod Identity agent`, from as Endpoint, podIdentityAgent, 80],
      ]),
      ["cert-manager -> Let's Encrypt", certManager("controller", "cert-manager"), internet, 443],
      [
        "cert-manager -> HTTP-01 self-check through the load balancer",
        certManager("controller", "cert-manager"),
        internet,
        80,
      ],
    ];

    // Every row with its protocol (a shorter row would hand jest's done callback to the test).
    const allowedRows = allowed.map(
      ([flow, from, to, port, protocol]) => [flow, from, to, port, protocol ?? "TCP"] as const,
    );
    it.each(allowedRows)("allows %s", (_flow, from, to, port, protocol) => {
      expect(connectionAllowed(policies, from, to, port, protocol)).toBe(true);
    });

    // Controls: the model must be able to say no, and the policies must.
    const denied: [string, Endpoint, Endpoint, number][] = [
      ["internet -> Prometheus", internet, prometheus, 9090],
      ["internet -> Grafana", internet, grafana, 3000],
      ["internet -> envoy-gateway xDS", internet, envoyGateway, 18000],
      ["Envoy -> cert-manager webhook", envoy, certManager("webhook", "webhook"), 10250],
      ["the app -> Prometheus", app, prometheus, 9090],
      ["Fluent Bit -> envoy-gateway xDS", fluentBit, envoyGateway, 18000],
      ["reloader -> AWS API", reloader, internet, 443],
      ["reloader -> Pod Identity agent", reloader, podIdentityAgent, 80],
      ["cert-manager webhook -> internet", certManager("webhook", "webhook"), internet, 443],
      ["external-dns -> internet on 80", externalDns, internet, 80],
      ["kube-state-metrics -> AWS API", kubeStateMetrics, internet, 443],
      ["Envoy -> internet", envoy, internet, 443],
      ["Grafana -> Alertmanager", grafana, alertmanager, 9093],
      ["Prometheus -> internet", prometheus, internet, 443],
    ];

    it.each(denied)("denies %s", (_flow, from, to, port) => {
      expect(connectionAllowed(policies, from, to, port)).toBe(false);
    });
  });
});
