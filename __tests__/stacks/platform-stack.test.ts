import { KUBERNETES_MINOR_PINS } from "../../config/versions";
import { ENVOY_GATEWAY_CHART, GATEWAY_CRDS_CHART } from "../../modules/addons/envoy-gateway";
import { CRD_UPGRADE_KUBECTL_TAG } from "../../modules/addons/kube-prometheus-stack";
import { resourcesOf, synthEnvironment, type SynthesizedEnvironment } from "../helpers";

type Json = Record<string, unknown>;

function releases(env: SynthesizedEnvironment): Record<string, Json> {
  return resourcesOf(env.json("platform"), "helm_release");
}

function valuesOf(env: SynthesizedEnvironment, release: string): Json {
  const values = releases(env)[release].values as string[];
  expect(values).toHaveLength(1);
  return JSON.parse(values[0]);
}

describe("platform stack", () => {
  const dev = synthEnvironment("dev");
  const prod = synthEnvironment("prod");

  // Every chart through the environment's ECR: an OCI upstream below its cache prefix, an HTTPS-only
  // chart from the environment's mirror (`<env>-charts/<chart>`); `{env}` is the environment's name.
  it.each([
    ["envoy-gateway", "gateway-helm", "v1.9.0", "{env}-docker-hub/envoyproxy", "envoy-gateway-system"],
    ["envoy-gateway-crds", "gateway-crds-helm", "v1.9.0", "{env}-docker-hub/envoyproxy", "envoy-gateway-system"],
    ["cert-manager", "cert-manager", "v1.21.1", "{env}-quay/jetstack/charts", "cert-manager"],
    ["external-secrets", "external-secrets", "2.9.0", "{env}-ghcr/external-secrets/charts", "external-secrets"],
    [
      "kube-prometheus-stack",
      "kube-prometheus-stack",
      "88.5.3",
      "{env}-ghcr/prometheus-community/charts",
      "monitoring",
    ],
    ["prometheus-adapter", "prometheus-adapter", "5.3.0", "{env}-ghcr/prometheus-community/charts", "monitoring"],
    ["metrics-server", "metrics-server", "3.13.1", "{env}-charts", "kube-system"],
    ["cluster-autoscaler", "cluster-autoscaler", "9.59.0", "{env}-charts", "kube-system"],
    ["reloader", "reloader", "2.2.16", "{env}-ghcr/stakater/charts", "reloader"],
  ])("installs %s from chart %s at exactly %s, from the environment's ECR", (name, chart, version, path, namespace) => {
    for (const env of [dev, prod]) {
      const { id, region } = env.config.account;
      const repository = `oci://${id}.dkr.ecr.${region}.amazonaws.com/${path.replace("{env}", env.config.name)}`;
      expect(releases(env)[name]).toMatchObject({ name, chart, version, repository, namespace, atomic: true });
    }
  });

  it("installs nothing else", () => {
    expect(Object.keys(releases(prod)).sort()).toEqual([
      "aws-for-fluent-bit",
      "cert-manager",
      "cluster-autoscaler",
      "envoy-gateway",
      "envoy-gateway-crds",
      "external-dns",
      "external-secrets",
      "kube-prometheus-stack",
      "metrics-server",
      "prometheus-adapter",
      "reloader",
    ]);
  });

  it("runs Reloader with the annotations strategy (no env var Terraform would see as drift), HA in prod", () => {
    expect(valuesOf(prod, "reloader")).toEqual({
      // Through prod's pull-through cache of GitHub Container Registry.
      image: { repository: "333333333333.dkr.ecr.us-east-1.amazonaws.com/prod-ghcr/stakater/reloader" },
      reloader: {
        reloadStrategy: "annotations",
        readOnlyRootFileSystem: true,
        enableHA: true,
        deployment: {
          replicas: 2,
          containerSecurityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            readOnlyRootFilesystem: true,
          },
        },
      },
    });
    expect(valuesOf(dev, "reloader")).toMatchObject({ reloader: { enableHA: false, deployment: { replicas: 1 } } });
  });

  it("scrapes nothing EKS keeps out of reach (control plane, kube-proxy on 127.0.0.1), so no target is down from day one", () => {
    const values = valuesOf(prod, "kube-prometheus-stack");
    for (const component of ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"]) {
      expect({ component, enabled: (values[component] as Json | undefined)?.enabled }).toEqual({
        component,
        enabled: false,
      });
    }
    // Grafana may not reach Alertmanager (NetworkPolicy), so it gets no data source that would only fail.
    expect(values.grafana).toMatchObject({ sidecar: { datasources: { alertmanager: { enabled: false } } } });
  });

  it("routes every alert but the Watchdog to the environment's SNS topic, signed with Alertmanager's own role", () => {
    const alertmanager = valuesOf(prod, "kube-prometheus-stack").alertmanager as Json;
    expect(alertmanager.serviceAccount).toEqual({ create: true, name: "alertmanager" });
    const config = alertmanager.config as { route: Json; receivers: Json[] };
    expect(config.route).toMatchObject({
      receiver: "sns",
      routes: [{ receiver: "null", matchers: ['alertname = "Watchdog"'] }],
    });
    expect(config.receivers).toEqual([
      { name: "null" },
      {
        name: "sns",
        sns_configs: [
          expect.objectContaining({
            topic_arn: expect.stringMatching(/cross-stack-output-aws_sns_topicalerts_topic_\w+arn\}$/),
            sigv4: { region: "us-east-1" },
            send_resolved: true,
          }),
        ],
      },
    ]);
  });

  describe("CRDs follow their chart's version (Helm never upgrades a chart's crds/ folder)", () => {
    it("installs the Gateway API and Envoy Gateway CRDs as templates of their own release, before the controller", () => {
      expect(valuesOf(prod, "envoy-gateway-crds")).toEqual({
        crds: { gatewayAPI: { enabled: true, channel: "experimental" }, envoyGateway: { enabled: true } },
      });
      expect(valuesOf(prod, "envoy-gateway")).toMatchObject({ crds: { enabled: false }, deployment: { replicas: 2 } });
      expect(releases(prod)["envoy-gateway"].depends_on).toContain("helm_release.envoy-gateway-crds");
    });

    it("bumps the CRD release with the controller: one version, from one constant", () => {
      const crds = releases(prod)["envoy-gateway-crds"];
      expect(crds.version).toBe(ENVOY_GATEWAY_CHART.version);
      expect(GATEWAY_CRDS_CHART).toEqual({ ...ENVOY_GATEWAY_CHART, chart: "gateway-crds-helm" });
    });

    it("runs kube-prometheus-stack's CRD upgrade Job on every install and upgrade, with pinned images", () => {
      const upgradeJob = ((valuesOf(prod, "kube-prometheus-stack").crds as Json).upgradeJob ?? {}) as Json;
      expect(upgradeJob).toMatchObject({
        enabled: true,
        forceConflicts: true,
        image: { busybox: { tag: "1.37.0" }, kubectl: { tag: CRD_UPGRADE_KUBECTL_TAG } },
      });
    });

    it.each(["dev", "prod"])(
      "%s runs the kubectl and cluster-autoscaler chart config pins for its own Kubernetes minor",
      (name) => {
        const env = name === "dev" ? dev : prod;
        const pins = KUBERNETES_MINOR_PINS[env.config.cluster.kubernetesVersion];
        // kubectl may be one minor away from the API server; the autoscaler's minor must match it.
        expect(pins.crdUpgradeKubectlTag.startsWith(`v${env.config.cluster.kubernetesVersion}.`)).toBe(true);
        const upgradeJob = (valuesOf(env, "kube-prometheus-stack").crds as Json).upgradeJob as Json;
        expect(upgradeJob.image).toMatchObject({ kubectl: { tag: pins.crdUpgradeKubectlTag } });
        expect(releases(env)["cluster-autoscaler"].version).toBe(pins.clusterAutoscalerChart);
      },
    );
  });

  it("installs cert-manager with its CRDs and Gateway API support, after the Gateway API CRDs", () => {
    expect(valuesOf(prod, "cert-manager")).toMatchObject({
      crds: { enabled: true, keep: true },
      config: { kind: "ControllerConfiguration", enableGatewayAPI: true },
    });
    expect(valuesOf(prod, "cert-manager")).not.toHaveProperty("installCRDs");
    expect(releases(prod)["cert-manager"].depends_on).toEqual(
      expect.arrayContaining(["helm_release.envoy-gateway", "helm_release.kube-prometheus-stack"]),
    );
  });

  it("runs external-secrets under the service account the cluster stack bound to its role", () => {
    expect(valuesOf(prod, "external-secrets")).toMatchObject({
      installCRDs: true,
      serviceAccount: { create: true, name: "external-secrets" },
    });
  });

  it("keeps Prometheus 200h on a gp3 volume and gives Grafana a generated admin password", () => {
    const values = valuesOf(prod, "kube-prometheus-stack") as { prometheus: { prometheusSpec: Json }; grafana: Json };
    expect(values.prometheus.prometheusSpec).toMatchObject({
      retention: "200h",
      serviceMonitorSelectorNilUsesHelmValues: false,
      storageSpec: {
        volumeClaimTemplate: { spec: { storageClassName: "gp3", resources: { requests: { storage: "100Gi" } } } },
      },
    });
    expect(values.grafana).toMatchObject({
      admin: {
        existingSecret: expect.stringMatching(
          /^\$\{kubernetes_secret_v1\.grafana-admin_secret_\w+\.metadata\[0\]\.name\}$/,
        ),
        passwordKey: "admin-password",
      },
      persistence: { enabled: true, storageClassName: "gp3" },
    });
    expect(JSON.stringify(values.grafana)).not.toMatch(/adminPassword/);
    const [secret] = Object.values(resourcesOf(prod.json("platform"), "kubernetes_secret_v1"));
    expect(secret.data).toEqual({
      "admin-user": "admin",
      "admin-password": expect.stringMatching(/^\$\{random_password\.grafana-admin/),
    });
  });

  it("defines an encrypted gp3 StorageClass on the EBS CSI driver", () => {
    const [storageClass] = Object.values(resourcesOf(prod.json("platform"), "kubernetes_storage_class_v1"));
    expect(storageClass).toMatchObject({
      metadata: { name: "gp3" },
      storage_provisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", encrypted: "true" },
    });
  });

  it("gives prometheus-adapter a PodDisruptionBudget with minAvailable only (the chart's maxUnavailable removed)", () => {
    expect(valuesOf(prod, "prometheus-adapter").podDisruptionBudget).toEqual({
      enabled: true,
      minAvailable: 1,
      maxUnavailable: null,
    });
  });

  it("turns the app's request counter into the Pods metric requests_per_second", () => {
    const values = valuesOf(prod, "prometheus-adapter") as {
      prometheus: Json;
      rules: { default: boolean; custom: Json[] };
    };
    expect(values.prometheus).toEqual({ url: "http://kube-prometheus-stack-prometheus.monitoring.svc", port: 9090 });
    expect(values.rules.default).toBe(false);
    expect(values.rules.custom).toEqual([
      {
        seriesQuery: 'http_requests_total{namespace!="",pod!=""}',
        resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
        name: { matches: "^http_requests_total$", as: "requests_per_second" },
        metricsQuery: "sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)",
      },
    ]);
  });

  it("lets cluster-autoscaler discover this cluster's node groups with its Pod Identity service account", () => {
    expect(valuesOf(prod, "cluster-autoscaler")).toMatchObject({
      cloudProvider: "aws",
      awsRegion: "us-east-1",
      autoDiscovery: {
        clusterName: expect.stringMatching(/^\$\{data\.aws_eks_cluster\.connection_cluster_\w+\.name\}$/),
      },
      rbac: { serviceAccount: { create: true, name: "cluster-autoscaler" } },
    });
  });

  it("runs one controller replica in dev and two, with disruption budgets, in prod", () => {
    expect(valuesOf(dev, "metrics-server")).toMatchObject({ replicas: 1, podDisruptionBudget: { enabled: false } });
    expect(valuesOf(prod, "metrics-server")).toMatchObject({ replicas: 2, podDisruptionBudget: { enabled: true } });
    expect(valuesOf(prod, "cert-manager")).toMatchObject({ replicaCount: 2, webhook: { replicaCount: 2 } });
  });

  it("reaches the cluster through aws eks get-token, never a stored token", () => {
    const json = prod.json("platform");
    const [helm] = json.provider?.helm ?? [];
    const [kubernetes] = json.provider?.kubernetes ?? [];
    const exec = {
      api_version: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", expect.stringMatching(/aws_eks_cluster/), "--region", "us-east-1"],
    };
    expect(helm.kubernetes).toMatchObject({ exec, host: expect.stringMatching(/aws_eks_cluster.*endpoint/) });
    expect(kubernetes).toMatchObject({ exec: [exec] });
    expect(JSON.stringify(json.provider)).not.toMatch(/"token"/);
    expect(json.data?.aws_eks_cluster).toBeDefined();
    expect(Object.values(json.data?.aws_eks_cluster ?? {})[0].name).toMatch(/prod-cluster.*cluster_name/);
  });
});
