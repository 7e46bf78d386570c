import { gatewaySettings, proxyTerminationGracePeriodSeconds } from "../../scripts/review/gateway";
import { buildReview, toMarkdown } from "../../scripts/review/report";
import type { Json, SynthOutput } from "../../scripts/review/synth-output";
import { copyOutput, synthOutputOf } from "./review-helpers";

/** dev, staging and prod in one synth output, as `npm run review` reads cdktf.out. */
const all: SynthOutput = new Map(["dev", "staging", "prod"].flatMap((env) => [...synthOutputOf(env)]));

/** The `kubernetes_manifest` objects of one stack, to edit in a copy. */
const manifestsOf = (output: SynthOutput, stack: string): Json[] =>
  Object.values(((output.get(stack)?.json.resource as Json).kubernetes_manifest ?? {}) as Record<string, Json>).map(
    (m) => m.manifest as Json,
  );

describe("review: gateway timeouts", () => {
  it("prints one line per environment: request, idle, backend idle and keep-alive timeouts, drains and grace periods", () => {
    const markdown = toMarkdown(buildReview(all, undefined, ["dev", "staging", "prod"]));
    const section = markdown.slice(markdown.indexOf("## Gateway timeouts and proxies"));
    expect(section).toContain(
      "| environment | request timeout | client idle timeout | backend idle timeout | app keep-alive | proxy drain (min-max) | proxy grace period | app grace period | Envoy proxies | disruption budget | spread over |",
    );
    const spread = "topology.kubernetes.io/zone, kubernetes.io/hostname";
    expect(section).toContain(
      `| dev | 60s (marketing-agents) | 300s | 4s | 5s | 30-90s | 390s | 80s | 2 | maxUnavailable 1 | ${spread} |`,
    );
    expect(section).toContain(
      `| staging | 60s (marketing-agents) | 300s | 4s | 5s | 30-90s | 390s | 80s | 2 | maxUnavailable 1 | ${spread} |`,
    );
    expect(section).toContain(
      `| prod | 60s (marketing-agents) | 300s | 4s | 5s | 30-90s | 390s | 80s | 3 | maxUnavailable 1 | ${spread} |`,
    );
  });

  it("shows the defaults when nothing sets them: Envoy's hour, uvicorn's 5 s, Envoy Gateway's 60 s drain and 360 s grace", () => {
    const changed = copyOutput(all);
    const app = changed.get("prod-app")!;
    const resources = app.json.resource as Json;
    for (const m of manifestsOf(changed, "prod-app")) {
      if (m.kind === "BackendTrafficPolicy") delete (m.spec as Json).timeout;
      if (m.kind === "EnvoyProxy") delete (m.spec as Json).shutdown;
    }
    for (const map of Object.values(resources.kubernetes_config_map_v1 as Record<string, Json>)) {
      delete (map.data as Json).UVICORN_TIMEOUT_KEEP_ALIVE;
    }
    expect(gatewaySettings([app])).toMatchObject({
      backendIdleTimeout: "1h (Envoy default)",
      appKeepAlive: "5s (uvicorn default)",
      proxyDrain: { minSeconds: 10, timeoutSeconds: 60 },
      proxyGracePeriodSeconds: 360,
    });
  });

  // Envoy Gateway v1.9.0's own expectations (internal/infrastructure/kubernetes/proxy/testdata):
  // deployments/default.yaml 360 s with no shutdown set, daemonsets/shutdown-manager.yaml 330 s for a 30 s drain.
  it("models Envoy Gateway v1.9's proxy grace period: drain timeout + 300 s", () => {
    expect(proxyTerminationGracePeriodSeconds(60)).toBe(360);
    expect(proxyTerminationGracePeriodSeconds(30)).toBe(330);
  });

  it("reads what was synthesized: a changed route timeout shows, and a missing one shows Envoy's 15 s", () => {
    const changed = copyOutput(all);
    const route = manifestsOf(changed, "prod-app").find(
      (m) => m.kind === "HTTPRoute" && (m.metadata as Json).name === "marketing-agents",
    ) as { spec: { rules: Json[] } };
    route.spec.rules[0].timeouts = { request: "90s" };
    expect(gatewaySettings([changed.get("prod-app")!]).requestTimeouts).toEqual({ "marketing-agents": "90s" });

    delete route.spec.rules[0].timeouts;
    const app = changed.get("prod-app")!;
    const manifests = (app.json.resource as Json).kubernetes_manifest as Record<string, Json>;
    const policy = Object.keys(manifests).find(
      (key) => (manifests[key].manifest as Json).kind === "ClientTrafficPolicy",
    );
    delete manifests[policy as string];
    expect(gatewaySettings([app])).toMatchObject({
      requestTimeouts: { "marketing-agents": "15s (Envoy default)" },
      idleTimeout: "1h (Envoy default)",
    });
  });
});
