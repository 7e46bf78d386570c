import { resourcesOf, synthEnvironment, type SynthesizedEnvironment } from "../helpers";

type Json = Record<string, unknown>;
const vpcOf = (env: SynthesizedEnvironment) => env.json("network").module?.vpc as Json;
const containerGroupOf = (env: SynthesizedEnvironment) =>
  Object.values(resourcesOf(env.json("cluster"), "aws_cloudwatch_log_group")).find((g) =>
    String(g.name).endsWith("/containers"),
  );

describe("what the logs cost, by config", () => {
  const environments = ["dev", "staging", "prod"].map((name) => synthEnvironment(name));
  const named = (name: string) => environments.find((e) => e.config.name === name)!;

  it.each(environments.map((e) => [e.config.name, e] as const))(
    "%s: flow logs at config's aggregation interval, traffic type and log class",
    (_, env) => {
      const { network } = env.config;
      expect(vpcOf(env)).toMatchObject({
        flow_log_max_aggregation_interval: network.flowLogAggregationSeconds,
        flow_log_traffic_type: network.flowLogTrafficType,
        flow_log_cloudwatch_log_group_class: network.flowLogClass,
      });
    },
  );

  it("records only refused flows in dev, every flow in prod, both aggregated over 10 minutes in Infrequent Access", () => {
    const [dev, prod] = [named("dev"), named("prod")];
    expect(vpcOf(dev)).toMatchObject({ flow_log_traffic_type: "REJECT", flow_log_max_aggregation_interval: 600 });
    expect(vpcOf(prod)).toMatchObject({
      flow_log_traffic_type: "ALL",
      flow_log_max_aggregation_interval: 600,
      flow_log_cloudwatch_log_group_class: "INFREQUENT_ACCESS",
    });
  });

  it.each(environments.map((e) => [e.config.name, e] as const))(
    "%s: the container log group in config's log class, with its retention and key",
    (_, env) => {
      expect(containerGroupOf(env)).toMatchObject({
        log_group_class: env.config.cluster.containerLogClass,
        retention_in_days: env.config.cluster.logRetentionDays,
        kms_key_id: expect.stringContaining("environment-key"),
      });
    },
  );

  it("keeps prod's year of container logs in Infrequent Access, not Standard", () => {
    const prod = named("prod");
    expect(containerGroupOf(prod)).toMatchObject({ log_group_class: "INFREQUENT_ACCESS", retention_in_days: 365 });
  });
});
