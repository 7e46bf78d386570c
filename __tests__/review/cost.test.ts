import { ASSUMPTIONS, estimateCost } from "../../scripts/review/cost";
import { OFFERS } from "../../config/aws-data";
import type { SynthStack } from "../../scripts/review/synth-output";
import { block, copyOutput, synthOutputOf } from "./review-helpers";

const HOURS = OFFERS.hours_per_month;
const prices = OFFERS.regions["us-east-1"];
const stacksOf = (output: Map<string, SynthStack>) => [...output.values()];
const budgetsOf = (stack: SynthStack) =>
  ((stack.json.resource ?? {}) as Record<string, Record<string, Record<string, unknown>>>).aws_budgets_budget ?? {};
const line = (estimate: ReturnType<typeof estimateCost>, item: string) =>
  estimate.lines.find((l) => l.item === item)?.monthlyUsd;

describe("cost estimate", () => {
  const dev = estimateCost("dev", stacksOf(synthOutputOf("dev")));
  const prod = estimateCost("prod", stacksOf(synthOutputOf("prod")));

  it("prices the database from its class and Multi-AZ flag", () => {
    expect(line(dev, "PostgreSQL instance")).toBeCloseTo(prices.rds_postgres_per_hour["db.t3.micro"] * HOURS, 2);
    expect(line(prod, "PostgreSQL instance")).toBeCloseTo(prices.rds_postgres_per_hour["db.m7g.large"] * HOURS * 2, 2);
  });

  it("prices nodes at desired size, SPOT at the stated discount", () => {
    const spot = prices.ec2_per_hour["t3.medium"] * HOURS * 3 * (1 - ASSUMPTIONS.spotDiscount);
    expect(line(prod, "nodes: spot")).toBeCloseTo(spot, 2);
    expect(line(prod, "nodes: baseline")).toBeCloseTo(prices.ec2_per_hour["m7i.large"] * HOURS * 2, 2);
  });

  it("counts one NAT gateway in dev and one per zone in prod", () => {
    const traffic = ASSUMPTIONS.natTrafficGbPerMonth * prices.nat_gateway_per_gb;
    const perNat = (prices.nat_gateway_per_hour + prices.public_ipv4_per_hour) * HOURS;
    expect(line(dev, "NAT gateways")).toBeCloseTo(perNat + traffic, 2);
    expect(line(prod, "NAT gateways")).toBeCloseTo(perNat * 3 + traffic, 2);
    expect(dev.savings["single NAT gateway"]).toEqual({ on: true, monthlyUsd: Math.round(perNat * 100) / 100 });
  });

  it("prices interface endpoints per service and zone where config turns them on, and shows the trade", () => {
    // ECR (api, dkr), STS, Secrets Manager, Logs, and ssm and ssmmessages for the operator access host.
    expect(line(prod, "VPC interface endpoints")).toBeCloseTo(
      7 * 3 * prices.vpc_interface_endpoint_per_hour * HOURS,
      2,
    );
    expect(prod.lines.find((l) => l.item === "VPC interface endpoints")?.basis).toBe(
      `7 services x 3 zones; their traffic skips NAT processing ($${prices.nat_gateway_per_gb}/GB)`,
    );
    expect(prod.savings["no interface endpoints"]).toEqual({
      on: false,
      monthlyUsd: Math.round(7 * 3 * prices.vpc_interface_endpoint_per_hour * HOURS * 100) / 100,
    });
    expect(line(dev, "VPC interface endpoints")).toBeUndefined();
  });

  it("prices every alarm, and reads the budget it is compared with", () => {
    expect(line(prod, "CloudWatch alarms")).toBeCloseTo(10 * prices.cloudwatch_alarm_per_month, 2);
    expect(line(dev, "CloudWatch alarms")).toBeCloseTo(6 * prices.cloudwatch_alarm_per_month, 2);
    expect(prod.budgetUsd).toBe(1500);
    expect(dev.budgetUsd).toBe(350);
  });

  it("prices a hosted zone the environment creates, not one it only uses", () => {
    expect(line(dev, "Route 53 hosted zone")).toBe(prices.route53_hosted_zone_per_month);
    expect(line(prod, "Route 53 hosted zone")).toBeUndefined();
  });

  it("prices the container logs Fluent Bit ships, at the stated volume, their log class and retention", () => {
    // Both keep them in Infrequent Access (config cluster.containerLogClass): dev 30 days, prod 365.
    for (const [estimate, days] of [
      [dev, 30],
      [prod, 365],
    ] as const) {
      expect(line(estimate, "container logs")).toBeCloseTo(
        ASSUMPTIONS.containerLogsGbPerMonth *
          (prices.cloudwatch_logs_ingest_infrequent_access_per_gb +
            (days / (365 / 12)) * prices.cloudwatch_logs_storage_per_gb_month),
        2,
      );
    }
  });

  it("prices AWS Backup where config has a plan, twice and with the transfer where it copies to a second region", () => {
    const staging = estimateCost("staging", stacksOf(synthOutputOf("staging")));
    expect(line(dev, "database backups (AWS Backup)")).toBeUndefined();
    expect(line(staging, "database backups (AWS Backup)")).toBeCloseTo(20 * prices.backup_rds_per_gb_month, 2);
    expect(line(prod, "database backups (AWS Backup)")).toBeCloseTo(
      20 * (2 * prices.backup_rds_per_gb_month + prices.inter_region_transfer_per_gb),
      2,
    );
  });

  it.each(["dev", "staging", "prod"])(
    "keeps %s's estimate under the budget's first alert: a normal month must not page anyone",
    (env) => {
      const stacks = stacksOf(synthOutputOf(env));
      const estimate = estimateCost(env, stacks);
      const budgets = stacks.flatMap((s) => Object.values(budgetsOf(s)));
      const actualAlerts = budgets
        .flatMap((b) => b.notification as { threshold: number; notification_type: string }[])
        .filter((n) => n.notification_type === "ACTUAL")
        .map((n) => n.threshold);
      expect(actualAlerts.length).toBeGreaterThan(0);
      expect(estimate.totalUsd).toBeLessThan(((estimate.budgetUsd ?? 0) * Math.min(...actualAlerts)) / 100);
    },
  );

  it("totals its lines", () => {
    for (const estimate of [dev, prod]) {
      expect(estimate.totalUsd).toBeCloseTo(
        estimate.lines.reduce((sum, l) => sum + l.monthlyUsd, 0),
        2,
      );
    }
    expect(prod.totalUsd).toBeGreaterThan(dev.totalUsd);
  });

  it("shows what Valkey saves on the cache nodes", () => {
    const output = copyOutput(synthOutputOf("prod"));
    const resources = output.get("prod-data")?.json.resource as Record<string, Record<string, Record<string, unknown>>>;
    Object.values(resources.aws_elasticache_replication_group)[0].engine = "valkey";
    const valkey = estimateCost("prod", stacksOf(output));
    expect(valkey.savings.Valkey.on).toBe(true);
    expect(line(valkey, "cache nodes")).toBeCloseTo(
      line(prod, "cache nodes")! * (1 - OFFERS.elasticache_valkey_discount),
      2,
    );
    expect(block(output, "prod-data", "module.postgres").instance_class).toBe("db.m7g.large");
  });

  it("never crashes on something the offer table lacks: it is priced at 0 and listed as unpriced", () => {
    const output = copyOutput(synthOutputOf("dev"));
    block(output, "dev-data", "module.postgres").instance_class = "db.x2iedn.32xlarge";
    const estimate = estimateCost("dev", stacksOf(output));
    expect(estimate.unpriced).toEqual(["RDS db.x2iedn.32xlarge"]);
    expect(line(estimate, "PostgreSQL instance")).toBe(0);
  });

  it("prices each environment in its own region", () => {
    const output = copyOutput(synthOutputOf("dev"));
    for (const stack of output.values()) {
      const [aws] = (stack.json.provider as { aws: Record<string, unknown>[] }).aws;
      aws.region = "eu-west-1";
    }
    const ireland = estimateCost("dev", stacksOf(output));
    expect(ireland.region).toBe("eu-west-1");
    expect(line(ireland, "PostgreSQL instance")).toBeCloseTo(
      OFFERS.regions["eu-west-1"].rds_postgres_per_hour["db.t3.micro"] * HOURS,
      2,
    );
    expect(ireland.totalUsd).not.toBe(dev.totalUsd);
  });

  it("prices the operator access host where config turns it on: the instance type on-demand and its root volume", () => {
    const host = "instance: marketing-agents-prod-operator-access";
    expect(line(prod, host)).toBeCloseTo(prices.ec2_per_hour["t4g.nano"] * HOURS + 8 * prices.ebs_gp3_per_gb_month, 2);
    expect(prod.lines.find((l) => l.item === host)?.basis).toBe("t4g.nano on-demand, 8 GiB gp3 root");
    expect(dev.lines.filter((l) => l.item.startsWith("instance:"))).toEqual([]);
    expect(prod.unpriced).toEqual([]);
  });

  it("counts one public IP per zone on the load balancer", () => {
    const nlb = (zones: number) =>
      (prices.nlb_per_hour + ASSUMPTIONS.nlbLcus * prices.nlb_lcu_per_hour + zones * prices.public_ipv4_per_hour) *
      HOURS;
    // Lines are rounded to cents.
    expect(line(dev, "Network Load Balancer")).toBeCloseTo(nlb(2), 1);
    expect(line(prod, "Network Load Balancer")).toBeCloseTo(nlb(3), 1);
    expect(line(prod, "Network Load Balancer")! - line(dev, "Network Load Balancer")!).toBeCloseTo(
      prices.public_ipv4_per_hour * HOURS,
      1,
    );
  });
});
