/**
 * The public Gateway in front of an LLM-agent API: the route outwaits the app (Envoy's default is
 * 15 s, the app's own outbound timeout 30 s), idle client connections close before the NLB drops
 * them, and the Envoy proxies survive a node drain or a zone failure.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktf";
import type { EnvironmentConfig } from "../../config";
import { proxyPodLabels } from "../../modules/kubernetes/public-gateway";
import { createEnvironmentStacks } from "../../stacks/environment-stacks";
import { cloneConfig, resourcesOf, synthEnvironment, type TerraformJson } from "../helpers";

type Json = Record<string, unknown>;
type Manifest = { kind: string; metadata: { name: string; namespace?: string }; spec: Json };

const manifests = (app: TerraformJson): Manifest[] =>
  Object.values(resourcesOf(app, "kubernetes_manifest")).map((m) => m.manifest as Manifest);
const one = (app: TerraformJson, kind: string, name?: string): Manifest => {
  const found = manifests(app).filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  expect(found).toHaveLength(1);
  return found[0];
};

/** A Gateway API duration the stacks write ("60s") in seconds. */
const seconds = (duration: unknown): number => {
  expect(duration).toMatch(/^\d+s$/);
  return Number(String(duration).slice(0, -1));
};

const routeTimeout = (app: TerraformJson): unknown => {
  const rules = one(app, "HTTPRoute", "marketing-agents").spec.rules as { timeouts?: { request?: string } }[];
  expect(rules).toHaveLength(1);
  return rules[0].timeouts?.request;
};

/** The API_TIMEOUT the app's ConfigMap gives the container. */
const appTimeout = (app: TerraformJson): number => {
  const maps = Object.values(resourcesOf(app, "kubernetes_config_map_v1"));
  const settings = maps.find((m) => (m.metadata as Json).name === "marketing-agents-config")?.data as Json;
  return Number(settings.API_TIMEOUT);
};

const proxyKubernetes = (app: TerraformJson) =>
  ((one(app, "EnvoyProxy").spec.provider as Json).kubernetes ?? {}) as {
    envoyDeployment: { replicas: number; pod?: { topologySpreadConstraints?: Json[] } };
    envoyPDB?: { minAvailable?: number; maxUnavailable?: number };
  };

/** The app stack of an environment synthesized from an edited copy of its config. */
function appStackWith(env: string, edit: (config: EnvironmentConfig) => void): TerraformJson {
  const config = cloneConfig(synthEnvironment(env).config);
  edit(config);
  const app = Testing.app();
  createEnvironmentStacks(app, config);
  app.synth();
  return JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", `${env}-app`, "cdk.tf.json"), "utf8"));
}

describe("public gateway timeouts", () => {
  const environments = ["dev", "staging", "prod"].map((name) => synthEnvironment(name));

  it.each(environments.map((e) => [e.config.name, e]))(
    "%s: the app's route waits longer than the app's own outbound timeout (API_TIMEOUT)",
    (_, env) => {
      const app = env.json("app");
      const request = seconds(routeTimeout(app));
      expect(request).toBe(env.config.platform.gateway.requestTimeoutSeconds);
      expect(request).toBeGreaterThan(appTimeout(app));
      expect(appTimeout(app)).toBe(env.config.app.apiTimeoutSeconds);
    },
  );

  it("the route's request timeout and the client idle timeout come from config", () => {
    const app = appStackWith("prod", (c) => {
      (c.platform.gateway as { requestTimeoutSeconds: number }).requestTimeoutSeconds = 123;
      (c.platform.gateway as { idleTimeoutSeconds: number }).idleTimeoutSeconds = 45;
    });
    expect(routeTimeout(app)).toBe("123s");
    expect(one(app, "ClientTrafficPolicy").spec.timeout).toEqual({ http: { idleTimeout: "45s" } });
  });

  it("closes idle client connections on the Gateway itself (ClientTrafficPolicy), at the configured idle timeout", () => {
    const prod = synthEnvironment("prod");
    const policy = one(prod.json("app"), "ClientTrafficPolicy");
    expect(policy.metadata).toEqual({ name: "public-client-timeouts", namespace: "envoy-gateway-system" });
    expect(policy.spec).toEqual({
      targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "public" }],
      timeout: { http: { idleTimeout: `${prod.config.platform.gateway.idleTimeoutSeconds}s` } },
    });
  });
});

describe("public gateway proxies", () => {
  const prod = synthEnvironment("prod");
  const dev = synthEnvironment("dev");

  it("runs the configured number of Envoy proxies, at least 2 in every environment", () => {
    for (const env of [dev, prod]) {
      const replicas = proxyKubernetes(env.json("app")).envoyDeployment.replicas;
      expect(replicas).toBe(env.config.platform.gateway.proxyReplicas);
      expect(replicas).toBeGreaterThanOrEqual(2);
    }
    const edited = appStackWith("prod", (c) => {
      (c.platform.gateway as { proxyReplicas: number }).proxyReplicas = 5;
    });
    expect(proxyKubernetes(edited).envoyDeployment.replicas).toBe(5);
  });

  it("gives the proxies a PodDisruptionBudget that keeps all but one of them through a drain", () => {
    const { envoyPDB, envoyDeployment } = proxyKubernetes(prod.json("app"));
    expect(envoyPDB).toEqual({ maxUnavailable: 1 });
    expect(envoyDeployment.replicas - (envoyPDB?.maxUnavailable ?? envoyDeployment.replicas)).toBeGreaterThanOrEqual(1);
  });

  it("spreads the proxies across zones (and nodes), selecting the Gateway's own proxy pods", () => {
    const spread = proxyKubernetes(prod.json("app")).envoyDeployment.pod?.topologySpreadConstraints ?? [];
    const labels = proxyPodLabels({ name: "public", namespace: "envoy-gateway-system" });
    expect(spread.map((c) => c.topologyKey)).toEqual(["topology.kubernetes.io/zone", "kubernetes.io/hostname"]);
    for (const constraint of spread) {
      expect(constraint).toMatchObject({ maxSkew: 1, labelSelector: { matchLabels: labels } });
    }
    expect(labels).toEqual({
      "app.kubernetes.io/component": "proxy",
      "gateway.envoyproxy.io/owning-gateway-name": "public",
      "gateway.envoyproxy.io/owning-gateway-namespace": "envoy-gateway-system",
    });
  });

  it("spreads the Envoy Gateway controller across zones, selecting the chart's controller pods", () => {
    const release = resourcesOf(prod.json("platform"), "helm_release")["envoy-gateway"];
    const values = JSON.parse((release.values as string[])[0]) as {
      deployment: { replicas: number; pod: { topologySpreadConstraints: Json[] } };
      podDisruptionBudget: Json;
    };
    expect(values.deployment.pod.topologySpreadConstraints[0]).toMatchObject({
      topologyKey: "topology.kubernetes.io/zone",
      labelSelector: {
        matchLabels: { "control-plane": "envoy-gateway", "app.kubernetes.io/instance": "envoy-gateway" },
      },
    });
    expect(values.deployment.replicas).toBe(prod.config.platform.controllerReplicas);
    expect(values.podDisruptionBudget).toEqual({ minAvailable: 1 });
  });
});
