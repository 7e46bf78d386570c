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
export const ENVOY_DEFAULTS = { requestTimeout: "15s", idleTimeout: "1h" } as const;

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

/** Reads the gateway settings of one environment's stacks. */
export function gatewaySettings(stacks: readonly SynthStack[]): GatewaySettings {
  const objects = manifests(stacks);
  const clientPolicy = objects.find((m) => m.kind === "ClientTrafficPolicy");
  const idle = obj(obj(obj(clientPolicy?.spec).timeout).http).idleTimeout;
  const kubernetes = obj(obj(obj(objects.find((m) => m.kind === "EnvoyProxy")?.spec).provider).kubernetes);
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
  };
}
