import * as fs from "node:fs";
import * as path from "node:path";
import { loadEnvironments, type EnvironmentConfig } from "../../config";
import { OFFERS, isAwsRegion, isEc2InstanceType } from "../../config/aws-data";
import { awsDataFromSdk } from "../../scripts/aws-data-source";
import { estimateCost } from "../../scripts/review/cost";
import { declaredByName } from "../helpers";
import { block, copyOutput, synthOutputOf } from "../review/review-helpers";

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };
const committed = (file: string) =>
  JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", "..", "config", "aws", file), "utf8"));

describe("AWS data", () => {
  it("is what the pinned AWS SDK ships (run npm run aws-data after bumping it)", () => {
    const sdk = awsDataFromSdk();
    expect(committed("regions.json")).toEqual(sdk.regions);
    expect(committed("ec2-instance-types.json")).toEqual(sdk.ec2InstanceTypes);
  });

  it("offers only regions and EC2 types AWS has", () => {
    for (const [region, offers] of Object.entries(OFFERS.regions)) {
      expect(isAwsRegion(region)).toBe(true);
      Object.keys(offers.ec2_per_hour).forEach((type) =>
        expect({ type, real: isEc2InstanceType(type) }).toEqual({ type, real: true }),
      );
    }
  });

  describe.each(["us-east-1", "eu-west-1"])("in %s, everything the config accepts is priced", (region) => {
    const offers = OFFERS.regions[region];
    const inRegion = (change: (c: Mutable<EnvironmentConfig>) => void) => {
      const configs = declaredByName();
      const config = configs.dev;
      config.account.region = region;
      config.network.availabilityZones = [`${region}a`, `${region}b`];
      change(config);
      return () => loadEnvironments("dev", Object.values(configs));
    };
    // Synthesized on first use, not when jest collects the file (mutation runs filter tests out).
    let synthesized: ReturnType<typeof synthOutputOf> | undefined;
    const output = () => {
      if (!synthesized) {
        synthesized = copyOutput(synthOutputOf("dev"));
        for (const stack of synthesized.values())
          (stack.json.provider as { aws: Record<string, unknown>[] }).aws[0].region = region;
      }
      return synthesized;
    };
    const costWith = (stack: string, address: string, key: string, value: string) => {
      const changed = copyOutput(output());
      block(changed, stack, address)[key] = value;
      return estimateCost("dev", [...changed.values()]);
    };

    it.each(Object.keys(offers.rds_postgres_per_hour))("RDS %s", (instanceClass) => {
      const performanceInsights = !/\.(micro|small)$/.test(instanceClass);
      expect(inRegion((c) => Object.assign(c.database, { instanceClass, performanceInsights }))).not.toThrow();
      const estimate = costWith("dev-data", "module.postgres", "instance_class", instanceClass);
      expect(estimate.unpriced).toEqual([]);
      expect(estimate.lines.find((l) => l.item === "PostgreSQL instance")?.monthlyUsd).toBeGreaterThan(0);
    });

    it.each(Object.keys(offers.elasticache_redis_per_hour))("ElastiCache %s", (nodeType) => {
      expect(inRegion((c) => (c.cache.nodeType = nodeType))).not.toThrow();
      const cache = Object.keys(
        (output().get("dev-data")?.json.resource as Record<string, object>).aws_elasticache_replication_group,
      )[0];
      const estimate = costWith("dev-data", `aws_elasticache_replication_group.${cache}`, "node_type", nodeType);
      expect(estimate.unpriced).toEqual([]);
      expect(estimate.lines.find((l) => l.item === "cache nodes")?.monthlyUsd).toBeGreaterThan(0);
    });

    it("every EC2 type of the table, in one node group", () => {
      const types = Object.keys(offers.ec2_per_hour);
      expect(inRegion((c) => (c.cluster.nodeGroups.spot.instanceTypes = types))).not.toThrow();
      for (const type of types) {
        const changed = copyOutput(output());
        const groups = block(changed, "dev-cluster", "module.eks").eks_managed_node_groups as Record<
          string,
          Record<string, unknown>
        >;
        Object.values(groups).forEach((g) => (g.instance_types = [type]));
        const estimate = estimateCost("dev", [...changed.values()]);
        expect({ type, unpriced: estimate.unpriced }).toEqual({ type, unpriced: [] });
      }
    });
  });
});
