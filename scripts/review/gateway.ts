/**
 * How long the public Gateway's Envoy proxies wait, and how many there are, as the synthesized
 * custom resources say (not as config says): what a reviewer must see before an LLM call is cut.
 */
import type { Json, SynthStack } from "./synth-output";

/**
 * Envoy's own values when a resource sets none: the route timeout Envoy Gateway leaves at 15 s
 * (https://gateway.envoyproxy.io/v1.9/tasks/traffic/http-timeouts/) and the connection idle
 * timeout of an hour (https://www.envoyproxy.io/docs/envoy/latest/faq/configuration/timeouts).
 */
export const ENVOY_DEFAULTS = { requestTimeout: "15s", idleTimeout: "1h", backendIdleTimeout: "1h" } as const;

/**
 * Envoy Gateway's proxy drain when the EnvoyProxy sets none (`shutdown.drainTimeout` 60 s,
 * `minDrainDuration` 10 s): https://gateway.envoyproxy.io/v1.9/tasks/operations/graceful-shutdown/
 */
export const ENVOY_GATEWAY_DRAIN_DEFAULTS = { drainTimeoutSeconds: 60, minDrainSeconds: 10 } as const;

/**
 * The terminationGracePeriodSeconds Envoy Gateway v1.9.0 gives its proxy pods (the EnvoyProxy CRD
 * has no field for it): the drain timeout plus 300 s, so the drain always ends before the SIGKILL.
 * internal/infrastructure/kubernetes/proxy/resource_provider.go, expectedTerminationGracePeriodSeconds.
 */
export function proxyTerminationGracePeriodSeconds(drainTimeoutSeconds: number): number {
  return drainTimeoutSeconds + 300;
}

/** uvicorn's keep-alive timeout when nothing sets one: https://www.uvicorn.org/settings/ */
export const UVICORN_DEFAULT_KEEP_ALIVE_SECONDS = 5;

/** One environment's gateway, read from its synthesized stacks. */
export interface GatewaySettings {
  /** Request timeout of each HTTPRoute that sends traffic to a Service, by route name. */
  readonly requestTimeouts: Record<string, string>;
  /** The client connection idle timeout (ClientTrafficPolicy), or Envoy's default. */
  readonly idleTimeout: string;
  /** Envoy proxy replicas (EnvoyProxy), or undefined when no EnvoyProxy is synthesized. */
  readonly proxyReplicas?: number;
  /** The proxies' disruption budget, e.g. `maxUnavailable 1`; `none` when the EnvoyProxy sets none. */
  readonly proxyDisruptionBudget: string;
  /** Topology keys the proxies spread over. */
  readonly proxySpread: string[];
  /** How long the proxies keep an idle connection to the app (BackendTrafficPolicy), or Envoy's default. */
  readonly backendIdleTimeout: string;
  /** How long the app keeps an idle keep-alive connection (its UVICORN_TIMEOUT_KEEP_ALIVE), or uvicorn's default. */
  readonly appKeepAlive: string;
  /** A stopping proxy's drain: minimum and timeout, in seconds (EnvoyProxy `shutdown`, or Envoy Gateway's defaults). */
  readonly proxyDrain: { readonly minSeconds: number; readonly timeoutSeconds: number };
  /** The proxy pods' grace period Envoy Gateway derives from the drain timeout. */
  readonly proxyGracePeriodSeconds: number;
  /** The app pods' terminationGracePeriodSeconds, or undefined when no app Deployment is synthesized. */
  readonly appGracePeriodSeconds?: number;
}

const obj = (value: unknown): Json => (value && typeof value === "object" ? (value as Json) : {});

/** Every `kubernetes_manifest` object of the stacks. */
function manifests(stacks: readonly SynthStack[]): Json[] {
  return stacks.flatMap((s) =>
    Object.values(obj(obj(s.json.resource).kubernetes_manifest)).map((m) => obj(obj(m).manifest)),
  );
}

function requestTimeouts(objects: Json[]): Record<string, string> {
  const routes = objects.filter((m) => m.kind === "HTTPRoute");
  const entries: [string, string][] = [];
  for (const route of routes) {
    const rules = (obj(route.spec).rules as Json[] | undefined) ?? [];
    rules
      .filter((rule) => Array.isArray(rule.backendRefs) && rule.backendRefs.length > 0)
      .forEach((rule) =>
        entries.push([
          String(obj(route.metadata).name),
          String(obj(rule.timeouts).request ?? `${ENVOY_DEFAULTS.requestTimeout} (Envoy default)`),
        ]),
      );
  }
  return Object.fromEntries(entries);
}

/** Seconds of a duration the stacks write ("90s", "2m"); NaN for anything else. */
function durationSeconds(value: unknown): number {
  const match = /^(\d+)(s|m)$/.exec(String(value));
  if (!match) return Number.NaN;
  return Number(match[1]) * (match[2] === "m" ? 60 : 1);
}

function proxyDrain(envoyProxySpec: Json): GatewaySettings["proxyDrain"] {
  const shutdown = obj(envoyProxySpec.shutdown);
  const defaults = ENVOY_GATEWAY_DRAIN_DEFAULTS;
  return {
    minSeconds:
      shutdown.minDrainDuration === undefined ? defaults.minDrainSeconds : durationSeconds(shutdown.minDrainDuration),
    timeoutSeconds:
      shutdown.drainTimeout === undefined ? defaults.drainTimeoutSeconds : durationSeconds(shutdown.drainTimeout),
  };
}

/** The app's Deployment and ConfigMap (kubernetes provider resources) and what they say about shutdown and keep-alive. */
function appSide(stacks: readonly SynthStack[]): { keepAlive: string; gracePeriodSeconds?: number } {
  const resources = stacks.map((s) => obj(s.json.resource));
  const deployments = resources.flatMap((r) => Object.values(obj(r.kubernetes_deployment_v1)).map(obj));
  const maps = resources.flatMap((r) => Object.values(obj(r.kubernetes_config_map_v1)).map(obj));
  const keepAlive = maps.map((m) => obj(m.data).UVICORN_TIMEOUT_KEEP_ALIVE).find((v) => v !== undefined);
  const podSpec = obj(obj(obj(deployments[0]?.spec).template).spec);
  const grace = podSpec.termination_grace_period_seconds;
  return {
    keepAlive:
      keepAlive === undefined ? `${UVICORN_DEFAULT_KEEP_ALIVE_SECONDS}s (uvicorn default)` : `${String(keepAlive)}s`,
    gracePeriodSeconds: typeof grace === "number" ? grace : undefined,
  };
}

/** Reads the gateway settings of one environment's stacks. */
export function gatewaySettings(stacks: readonly SynthStack[]): GatewaySettings {
  const objects = manifests(stacks);
  const clientPolicy = objects.find((m) => m.kind === "ClientTrafficPolicy");
  const idle = obj(obj(obj(clientPolicy?.spec).timeout).http).idleTimeout;
  const envoyProxySpec = obj(objects.find((m) => m.kind === "EnvoyProxy")?.spec);
  const kubernetes = obj(obj(envoyProxySpec.provider).kubernetes);
  const backendPolicy = objects.find((m) => m.kind === "BackendTrafficPolicy");
  const backendIdle = obj(obj(obj(backendPolicy?.spec).timeout).http).connectionIdleTimeout;
  const drain = proxyDrain(envoyProxySpec);
  const app = appSide(stacks);
  const deployment = obj(kubernetes.envoyDeployment);
  const pdb = obj(kubernetes.envoyPDB);
  const budget = Object.entries(pdb).filter(([key]) => key === "minAvailable" || key === "maxUnavailable");
  const spread = (obj(deployment.pod).topologySpreadConstraints as Json[] | undefined) ?? [];
  return {
    requestTimeouts: requestTimeouts(objects),
    idleTimeout: idle === undefined ? `${ENVOY_DEFAULTS.idleTimeout} (Envoy default)` : String(idle),
    proxyReplicas: typeof deployment.replicas === "number" ? deployment.replicas : undefined,
    proxyDisruptionBudget: budget.length > 0 ? budget.map(([k, v]) => `${k} ${String(v)}`).join(", ") : "none",
    proxySpread: spread.map((c) => String(c.topologyKey)),
    backendIdleTimeout:
      backendIdle === undefined ? `${ENVOY_DEFAULTS.backendIdleTimeout} (Envoy default)` : String(backendIdle),
    appKeepAlive: app.keepAlive,
    proxyDrain: drain,
    proxyGracePeriodSeconds: proxyTerminationGracePeriodSeconds(drain.timeoutSeconds),
    appGracePeriodSeconds: app.gracePeriodSeconds,
  };
}
