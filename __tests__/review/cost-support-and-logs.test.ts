import { OFFERS } from "../../config/aws-data";
import { ASSUMPTIONS, estimateCost, rdsVcpus } from "../../scripts/review/cost";
import type { SynthOutput } from "../../scripts/review/synth-output";
import { block, copyOutput, synthOutputOf } from "./review-helpers";

const HOURS = OFFERS.hours_per_month;
const prices = OFFERS.regions["us-east-1"];
const at = (day: string) => new Date(`${day}T12:00:00Z`);
const estimate = (env: string, output: SynthOutput, day = "2026-12-07") =>
  estimateCost(env, [...output.values()], at(day));
const line = (e: ReturnType<typeof estimateCost>, item: string) => e.lines.find((l) => l.item === item);
const DAYS_PER_MONTH = 365 / 12;

describe("cost of version support", () => {
  const prod = synthOutputOf("prod");
  const dev = synthOutputOf("dev");

  it("prices the control plane at standard support while its minor is in it, and says when that ends", () => {
    const plane = line(estimate("prod", prod), "EKS control plane");
    expect(plane?.monthlyUsd).toBeCloseTo(prices.eks_cluster_per_hour * HOURS, 2);
    expect(plane?.basis).toBe(
      "$0.1/h: Kubernetes 1.35 in standard support until 2027-03-27; policy EXTENDED: $0.6/h from 2027-03-28",
    );
  });

  it("prices an EXTENDED cluster past standard support at $0.60 an hour", () => {
    const plane = line(estimate("prod", prod, "2027-04-01"), "EKS control plane");
    expect(plane?.monthlyUsd).toBeCloseTo(prices.eks_cluster_extended_support_per_hour * HOURS, 2);
    expect(prices.eks_cluster_extended_support_per_hour).toBe(0.6);
  });

  it("adds no PostgreSQL extended support while the major is in standard support", () => {
    expect(line(estimate("prod", prod), "PostgreSQL extended support")).toBeUndefined();
  });

  it("prices a major past standard support per vCPU-hour, standby included, twice as much in year 3", () => {
    const output = copyOutput(prod);
    block(output, "prod-data", "module.postgres").engine_version = "13";
    // db.m7g.large: 2 vCPUs, Multi-AZ: 4 in all.
    const yearOne = line(estimate("prod", output), "PostgreSQL extended support");
    expect(yearOne?.monthlyUsd).toBeCloseTo(4 * prices.rds_extended_support_per_vcpu_hour * HOURS, 2);
    const yearThree = line(estimate("prod", output, "2028-06-01"), "PostgreSQL extended support");
    expect(yearThree?.monthlyUsd).toBeCloseTo(4 * prices.rds_extended_support_year3_per_vcpu_hour * HOURS, 2);
    const single = copyOutput(dev);
    block(single, "dev-data", "module.postgres").engine_version = "13";
    expect(line(estimate("dev", single), "PostgreSQL extended support")?.monthlyUsd).toBeCloseTo(
      2 * prices.rds_extended_support_per_vcpu_hour * HOURS,
      2,
    );
  });

  it("counts an instance class's vCPUs from its size", () => {
    expect(["db.t3.micro", "db.t4g.medium", "db.m7g.large", "db.m7g.xlarge", "db.r7g.4xlarge"].map(rdsVcpus)).toEqual([
      2, 2, 2, 4, 16,
    ]);
  });
});

describe("cost of the logs", () => {
  const prod = synthOutputOf("prod");

  /** The flow logs' month at the given settings, by the stated assumptions. */
  function flowLogs(interval: number, traffic: string, logClass: string, retentionDays: number): number {
    const gb =
      ASSUMPTIONS.flowLogsGbPerMonth *
      (interval === 600 ? ASSUMPTIONS.flowLogs600sShare : 1) *
      (traffic === "REJECT" ? ASSUMPTIONS.flowLogsRejectShare : 1);
    const ingest =
      logClass === "INFREQUENT_ACCESS"
        ? prices.cloudwatch_logs_ingest_infrequent_access_per_gb
        : prices.cloudwatch_logs_ingest_per_gb;
    return gb * ingest + ((gb * retentionDays) / DAYS_PER_MONTH) * prices.cloudwatch_logs_storage_per_gb_month;
  }

  it("prices prod's flow logs at its settings: every flow, 10-minute aggregation, Infrequent Access", () => {
    expect(line(estimate("prod", prod), "VPC flow logs")?.monthlyUsd).toBeCloseTo(
      flowLogs(600, "ALL", "INFREQUENT_ACCESS", 365),
      2,
    );
  });

  it("prices the cost trap the old settings were: every flow each minute, in Standard", () => {
    const output = copyOutput(prod);
    Object.assign(block(output, "prod-network", "module.vpc"), {
      flow_log_max_aggregation_interval: 60,
      flow_log_traffic_type: "ALL",
      flow_log_cloudwatch_log_group_class: "STANDARD",
    });
    const trap = estimate("prod", output);
    const now = estimate("prod", prod);
    expect(line(trap, "VPC flow logs")?.monthlyUsd).toBeCloseTo(flowLogs(60, "ALL", "STANDARD", 365), 2);
    expect(line(trap, "VPC flow logs")!.monthlyUsd).toBeGreaterThan(2 * line(now, "VPC flow logs")!.monthlyUsd);
    expect(trap.savings["flow logs: 600 s aggregation"].on).toBe(false);
    expect(now.savings["flow logs: 600 s aggregation"]).toEqual({
      on: true,
      monthlyUsd: expect.closeTo(
        flowLogs(60, "ALL", "INFREQUENT_ACCESS", 365) - flowLogs(600, "ALL", "INFREQUENT_ACCESS", 365),
        2,
      ),
    });
  });

  it("prices refused flows only at their share of all flows", () => {
    const output = copyOutput(prod);
    block(output, "prod-network", "module.vpc").flow_log_traffic_type = "REJECT";
    expect(line(estimate("prod", output), "VPC flow logs")?.monthlyUsd).toBeCloseTo(
      flowLogs(600, "REJECT", "INFREQUENT_ACCESS", 365),
      2,
    );
  });

  it("prices the container logs at their log group's class and retention", () => {
    const output = copyOutput(prod);
    const groups = (
      output.get("prod-cluster")?.json.resource as Record<string, Record<string, Record<string, unknown>>>
    ).aws_cloudwatch_log_group;
    const containers = Object.values(groups).find((g) => String(g.name).endsWith("/containers"))!;
    const ia = line(estimate("prod", prod), "container logs")!.monthlyUsd;
    containers.log_group_class = "STANDARD";
    const standard = line(estimate("prod", output), "container logs")!.monthlyUsd;
    expect(standard - ia).toBeCloseTo(
      ASSUMPTIONS.containerLogsGbPerMonth *
        (prices.cloudwatch_logs_ingest_per_gb - prices.cloudwatch_logs_ingest_infrequent_access_per_gb),
      2,
    );
    expect(ia).toBeCloseTo(
      ASSUMPTIONS.containerLogsGbPerMonth *
        (prices.cloudwatch_logs_ingest_infrequent_access_per_gb +
          (365 / DAYS_PER_MONTH) * prices.cloudwatch_logs_storage_per_gb_month),
      2,
    );
  });
});
