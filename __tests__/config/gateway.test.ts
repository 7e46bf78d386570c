/**
 * The gateway's settings: a request timeout the app's own outbound timeout fits in, an idle
 * timeout the NLB does not undercut, an idle timeout towards the app below the app's keep-alive,
 * and enough proxies for the zones.
 */
import { validateEnvironment, type EnvironmentConfig } from "../../config";
import { dev } from "../../config/dev";
import { prod } from "../../config/prod";
import { ENVOY_STREAM_IDLE_TIMEOUT_SECONDS, NLB_TCP_IDLE_TIMEOUT_SECONDS } from "../../config/schema";
import { cloneConfig } from "../helpers";

type Gateway = EnvironmentConfig["platform"]["gateway"];

function problems(base: EnvironmentConfig, gateway: Partial<Gateway>, apiTimeoutSeconds?: number): string[] {
  const config = cloneConfig(base) as { -readonly [K in keyof EnvironmentConfig]: EnvironmentConfig[K] };
  config.platform = { ...config.platform, gateway: { ...config.platform.gateway, ...gateway } };
  if (apiTimeoutSeconds !== undefined) config.app = { ...config.app, apiTimeoutSeconds };
  return validateEnvironment(config).problems;
}

describe("gateway settings", () => {
  it("every environment waits longer for the app than the app waits for what it calls", () => {
    for (const env of [dev, prod]) {
      expect(env.platform.gateway.requestTimeoutSeconds).toBeGreaterThan(env.app.apiTimeoutSeconds);
      expect(problems(env, {})).toEqual([]);
    }
  });

  it.each([
    ["equal to", 30],
    ["below", 15],
  ])("fails when the request timeout is %s the app's outbound timeout", (_, requestTimeoutSeconds) => {
    expect(problems(dev, { requestTimeoutSeconds }, 30)).toEqual([
      `environment "dev", setting platform.gateway.requestTimeoutSeconds: must be greater than app.apiTimeoutSeconds (30), the app's own outbound timeout (got ${requestTimeoutSeconds})`,
    ]);
  });

  it("follows the app's timeout: a longer app timeout needs a longer request timeout", () => {
    expect(problems(prod, { requestTimeoutSeconds: 60 }, 59)).toEqual([]);
    expect(problems(prod, { requestTimeoutSeconds: 60 }, 60)).toEqual([
      expect.stringContaining(
        "platform.gateway.requestTimeoutSeconds: must be greater than app.apiTimeoutSeconds (60)",
      ),
    ]);
  });

  it("fails when the request timeout outlasts Envoy's stream idle timeout", () => {
    expect(problems(dev, { requestTimeoutSeconds: ENVOY_STREAM_IDLE_TIMEOUT_SECONDS })).toEqual([]);
    expect(problems(dev, { requestTimeoutSeconds: ENVOY_STREAM_IDLE_TIMEOUT_SECONDS + 1 })).toEqual([
      `environment "dev", setting platform.gateway.requestTimeoutSeconds: must be at most 300, Envoy's stream idle timeout (a response silent that long is cut anyway)`,
    ]);
  });

  it("fails when idle client connections would outlive the NLB's idle timeout", () => {
    expect(problems(dev, { idleTimeoutSeconds: NLB_TCP_IDLE_TIMEOUT_SECONDS - 1 })).toEqual([]);
    expect(problems(dev, { idleTimeoutSeconds: NLB_TCP_IDLE_TIMEOUT_SECONDS })).toEqual([
      `environment "dev", setting platform.gateway.idleTimeoutSeconds: must be below the Network Load Balancer's TCP idle timeout of 350 s (it would drop the connection first, silently)`,
    ]);
    expect(problems(dev, { idleTimeoutSeconds: 0 })).toEqual([expect.stringContaining("idleTimeoutSeconds")]);
  });

  it("every environment's proxy closes an idle connection to the app before the app does", () => {
    for (const env of [dev, prod]) {
      expect(env.platform.gateway.backendIdleTimeoutSeconds).toBeLessThan(env.app.keepAliveSeconds);
    }
  });

  it.each([
    ["equal to", 5],
    ["above", 3600],
  ])(
    "fails when the proxy keeps idle connections to the app %s the app's keep-alive",
    (_, backendIdleTimeoutSeconds) => {
      expect(problems(dev, { backendIdleTimeoutSeconds })).toEqual([
        `environment "dev", setting platform.gateway.backendIdleTimeoutSeconds: must be below app.keepAliveSeconds (5), so the proxy closes an idle connection to the app before the app does (else it reuses a closed one: 503, connection reset; got ${backendIdleTimeoutSeconds})`,
      ]);
    },
  );

  it("follows the app's keep-alive: a longer keep-alive allows a longer backend idle timeout", () => {
    const withKeepAlive = (keepAliveSeconds: number, backendIdleTimeoutSeconds: number) => {
      const config = cloneConfig(prod) as { -readonly [K in keyof EnvironmentConfig]: EnvironmentConfig[K] };
      config.app = { ...config.app, keepAliveSeconds };
      config.platform = {
        ...config.platform,
        gateway: { ...config.platform.gateway, backendIdleTimeoutSeconds },
      };
      return validateEnvironment(config).problems;
    };
    expect(withKeepAlive(75, 60)).toEqual([]);
    expect(withKeepAlive(60, 60)).toEqual([
      expect.stringContaining("platform.gateway.backendIdleTimeoutSeconds: must be below app.keepAliveSeconds (60)"),
    ]);
  });

  it("fails when a VPC with several zones gets a single Envoy proxy", () => {
    expect(dev.network.availabilityZones).toHaveLength(2);
    expect(problems(dev, { proxyReplicas: 2 })).toEqual([]);
    expect(problems(dev, { proxyReplicas: 1 })).toEqual([
      `environment "dev", setting platform.gateway.proxyReplicas: must be at least 2 when the VPC has 2 zones (one proxy is an outage at every node drain or zone failure; got 1)`,
    ]);
  });
});
