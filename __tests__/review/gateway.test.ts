import { gatewaySettings } from "../../scripts/review/gateway";
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
  it("prints one line per environment with the route's request timeout and the client idle timeout", () => {
    const markdown = toMarkdown(buildReview(all, undefined, ["dev", "staging", "prod"]));
    const section = markdown.slice(markdown.indexOf("## Gateway timeouts and proxies"));
    expect(section).toContain(
      "| environment | request timeout | client idle timeout | Envoy proxies | disruption budget | spread over |",
    );
    expect(section).toContain(
      "| dev | 60s (marketing-agents) | 300s | 2 | maxUnavailable 1 | topology.kubernetes.io/zone, kubernetes.io/hostname |",
    );
    expect(section).toContain(
      "| staging | 60s (marketing-agents) | 300s | 2 | maxUnavailable 1 | topology.kubernetes.io/zone, kubernetes.io/hostname |",
    );
    expect(section).toContain(
      "| prod | 60s (marketing-agents) | 300s | 3 | maxUnavailable 1 | topology.kubernetes.io/zone, kubernetes.io/hostname |",
    );
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
