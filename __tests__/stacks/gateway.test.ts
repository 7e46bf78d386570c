/**
 * The public Gateway in front of an LLM-agent API: the route outwaits the app (Envoy's default is
 * 15 s, the app's own outbound timeout 30 s), idle client connections close before the NLB drops
 * them, idle connections to the app close on the proxy's side first, the Envoy proxies survive a
 * node drain or a zone failure, and a stopping proxy or app pod lets its last request finish.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktf";
import type { EnvironmentConfig } from "../../config";
import { ENDPOINT_REMOVAL_SECONDS } from "../../modules/kubernetes/app-workload";
import { PROXY_DEREGISTRATION_SECONDS, proxyPodLabels } from "../../modules/kubernetes/public-gateway";
import { proxyTerminationGracePeriodSeconds } from "../../scripts/review/gateway";
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

/** The settings the app's ConfigMap gives the container. */
const appSettings = (app: TerraformJson): Json => {
  const maps = Object.values(resourcesOf(app, "kubernetes_config_map_v1"));
  return maps.find((m) => (m.metadata as Json).name === "marketing-agents-config")?.data as Json;
};
/** The API_TIMEOUT the app's ConfigMap gives the container. */
const appTimeout = (app: TerraformJson): number => Number(appSettings(app).API_TIMEOUT);

/** The app Deployment's pod spec and container (kubernetes provider, snake_case). */
const appPod = (app: TerraformJson) => {
  const deployments = Object.values(resourcesOf(app, "kubernetes_deployment_v1")).filter(
    (d) => (d.metadata as Json).name === "marketing-agents",
  );
  expect(deployments).toHaveLength(1);
  const deployment = deployments[0];
  const spec = ((deployment.spec as Json).template as Json).spec as {
    termination_grace_period_seconds: number;
    container: { name: string; lifecycle?: { pre_stop?: { exec?: { command: string[] } }[] } }[];
  };
  return { spec, app: spec.container.find((c) => c.name === "marketing-agents")! };
};

/** The one BackendTrafficPolicy on the Gateway (a second one on the same target would not merge). */
const backendPolicy = (app: TerraformJson): Manifest => {
  const onGateway = manifests(app).filter(
    (m) =>
      m.kind === "BackendTrafficPolicy" &&
      (m.spec.targetRefs as Json[]).some((t) => t.kind === "Gateway" && t.name === "public"),
  );
  expect(onGateway).toHaveLength(1);
  return onGateway[0];
};

const shutdown = (app: TerraformJson) =>
  (one(app, "EnvoyProxy").spec.shutdown ?? {}) as { drainTimeout?: string; minDrainDuration?: string };

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

describe("connections from the proxies to the app", () => {
  const environments = ["dev", "staging", "prod"].map((name) => synthEnvironment(name));

  it.each(environments.map((e) => [e.config.name, e]))(
    "%s: the proxy closes an idle connection to the app before the app's uvicorn does",
    (_, env) => {
      const app = env.json("app");
      const policy = backendPolicy(app);
      const idle = seconds(
        (policy.spec.timeout as { http: { connectionIdleTimeout: string } }).http.connectionIdleTimeout,
      );
      const keepAlive = Number(appSettings(app).UVICORN_TIMEOUT_KEEP_ALIVE);
      expect(idle).toBe(env.config.platform.gateway.backendIdleTimeoutSeconds);
      expect(keepAlive).toBe(env.config.app.keepAliveSeconds);
      expect(idle).toBeLessThan(keepAlive);
      // The body limit stays on the same policy, and nothing retries a non-idempotent agent call.
      expect(policy.spec.requestBuffer).toEqual({ limit: "10Mi" });
      expect(policy.spec.retry).toBeUndefined();
    },
  );

  it("the backend idle timeout and the app's keep-alive come from config", () => {
    const app = appStackWith("prod", (c) => {
      (c.platform.gateway as { backendIdleTimeoutSeconds: number }).backendIdleTimeoutSeconds = 50;
      (c.app as { keepAliveSeconds: number }).keepAliveSeconds = 75;
    });
    expect(backendPolicy(app).spec.timeout).toEqual({ http: { connectionIdleTimeout: "50s" } });
    expect(appSettings(app).UVICORN_TIMEOUT_KEEP_ALIVE).toBe("75");
  });
});

describe("stopping a proxy or an app pod lets the last request finish", () => {
  const environments = ["dev", "staging", "prod"].map((name) => synthEnvironment(name));

  it.each(environments.map((e) => [e.config.name, e]))(
    "%s: a proxy drains for a whole request after the NLB stops sending, and its pod outlives the drain",
    (_, env) => {
      const app = env.json("app");
      const { drainTimeout, minDrainDuration } = shutdown(app);
      const request = seconds(routeTimeout(app));
      expect(seconds(minDrainDuration)).toBe(PROXY_DEREGISTRATION_SECONDS);
      expect(seconds(drainTimeout)).toBeGreaterThanOrEqual(seconds(minDrainDuration) + request);
      expect(proxyTerminationGracePeriodSeconds(seconds(drainTimeout))).toBeGreaterThan(seconds(drainTimeout));
    },
  );

  it.each(environments.map((e) => [e.config.name, e]))(
    "%s: an app pod keeps serving while its endpoint is removed, then has a whole request timeout before SIGKILL",
    (_, env) => {
      const app = env.json("app");
      const pod = appPod(app);
      const preStop = pod.app.lifecycle?.pre_stop?.[0]?.exec?.command;
      expect(preStop).toEqual(["sleep", String(ENDPOINT_REMOVAL_SECONDS)]);
      expect(pod.spec.termination_grace_period_seconds).toBeGreaterThan(
        ENDPOINT_REMOVAL_SECONDS + seconds(routeTimeout(app)),
      );
    },
  );

  it("the drain and the app's grace period follow the request timeout", () => {
    const app = appStackWith("prod", (c) => {
      (c.platform.gateway as { requestTimeoutSeconds: number }).requestTimeoutSeconds = 200;
    });
    expect(shutdown(app)).toEqual({ minDrainDuration: "30s", drainTimeout: "230s" });
    expect(appPod(app).spec.termination_grace_period_seconds).toBeGreaterThan(210);
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
