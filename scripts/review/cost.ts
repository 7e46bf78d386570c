/**
 * A monthly cost estimate per environment from the synthesized settings and the dated offer table
 * of the environment's region (config/aws/offers.json, the table config is checked against).
 * Usage-driven items (NAT traffic, storage, logs) rest on the stated assumptions below, not on
 * measurements.
 */
import { OFFERS, offersIn, type RegionOffers } from "../../config/aws-data";
import {
  EKS_KUBERNETES_SUPPORT,
  RDS_POSTGRES_SUPPORT,
  rdsExtendedSupportYear,
  supportPhase,
  type SupportWindow,
} from "../../config/versions";
import type { Json, SynthStack } from "./synth-output";

/** Usage the synth output cannot tell; stated with every estimate. */
export const ASSUMPTIONS = {
  spotDiscount: 0.65,
  natTrafficGbPerMonth: 200,
  nlbLcus: 1,
  s3GbPerMonth: 50,
  /** Control-plane, database and CI logs (flow and container logs have lines of their own). */
  cloudwatchLogsGbPerMonth: 20,
  containerLogsGbPerMonth: 30,
  /** VPC flow logs of every flow (ALL) at 60-second aggregation. */
  flowLogsGbPerMonth: 40,
  /** Records at 600-second aggregation, as a share of 60-second: a long flow writes one per interval. */
  flowLogs600sShare: 0.4,
  /** Rejected flows, as a share of all flows' records. */
  flowLogsRejectShare: 0.05,
  /** Backups hold about one database's size (snapshots after the first are incremental). */
  backupSizeOfDatabase: 1,
};

/** One line of the estimate. */
export interface CostLine {
  readonly item: string;
  readonly monthlyUsd: number;
  readonly basis: string;
}

/** The estimate of one environment, and what each cost switch saves. */
export interface CostEstimate {
  readonly environment: string;
  /** Region whose prices were used. */
  readonly region: string;
  /** What had no price in the offer table (priced at 0): config refuses these, so normally empty. */
  readonly unpriced: string[];
  readonly lines: CostLine[];
  readonly totalUsd: number;
  /** The account's monthly budget (its aws_budgets_budget), when there is one. */
  readonly budgetUsd?: number;
  /** Cost switch -> whether the environment uses it, and the monthly difference it makes. */
  readonly savings: Record<string, { readonly on: boolean; readonly monthlyUsd: number }>;
}

const HOURS = OFFERS.hours_per_month;
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const round = (n: number) => Math.round(n * 100) / 100;
/** Average days in a month (365 / 12): how many months of logs a retention holds. */
const DAYS_PER_MONTH = 365 / 12;

/**
 * vCPUs of an RDS instance class, from its size (what RDS Extended Support is charged on): the
 * burstable micro/small/medium and every large have 2, an xlarge 4, an Nxlarge 4N
 * (https://aws.amazon.com/rds/instance-types/).
 */
export function rdsVcpus(instanceClass: string): number {
  const size = instanceClass.split(".").pop() ?? "";
  if (["micro", "small", "medium", "large"].includes(size)) return 2;
  const multiple = /^(\d*)xlarge$/.exec(size);
  return multiple ? 4 * Number(multiple[1] || 1) : 0;
}

/** One log group's month: ingestion at its class's price, storage for its retention (uncompressed, an upper bound). */
function logGroupMonth(prices: RegionOffers, gbPerMonth: number, logClass: string, retentionDays: number) {
  const infrequent = logClass === "INFREQUENT_ACCESS";
  const ingest = infrequent
    ? prices.cloudwatch_logs_ingest_infrequent_access_per_gb
    : prices.cloudwatch_logs_ingest_per_gb;
  const heldGb = (gbPerMonth * Math.min(retentionDays, 3653)) / DAYS_PER_MONTH;
  return {
    usd: gbPerMonth * ingest + heldGb * prices.cloudwatch_logs_storage_per_gb_month,
    ingestOnly: (perGb: number) => gbPerMonth * perGb,
    basis: `${round(gbPerMonth)} GB a month into ${infrequent ? "Infrequent Access" : "Standard"} ($${ingest}/GB), ${Math.round(heldGb)} GB held for ${retentionDays} days`,
  };
}

const dayAfter = (isoDay: string) =>
  new Date(Date.parse(`${isoDay}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The region the stacks' AWS provider deploys to. */
function regionOf(stacks: SynthStack[]): string {
  for (const s of stacks) {
    const [aws] = (obj(s.json.provider).aws as Json[] | undefined) ?? [];
    if (aws?.region) return String(aws.region);
  }
  return "unknown";
}

function findModule(stacks: SynthStack[], source: string): Json {
  for (const s of stacks)
    for (const m of Object.values(obj(s.json.module))) if (obj(m).source === source) return obj(m);
  return {};
}

function resourcesOf(stacks: SynthStack[], type: string): Json[] {
  return stacks.flatMap((s) => Object.values(obj(obj(s.json.resource)[type])).map(obj));
}

function helmValues(stacks: SynthStack[], release: string): Json {
  const r = resourcesOf(stacks, "helm_release").find((x) => x.name === release);
  const values = (r?.values as string[] | undefined)?.[0];
  return values ? (JSON.parse(values) as Json) : {};
}

/** Estimates one environment from its stacks. */
export function estimateCost(environment: string, stacks: SynthStack[], date: Date = new Date()): CostEstimate {
  const region = regionOf(stacks);
  const unpriced: string[] = [];
  const prices: RegionOffers | undefined = offersIn(region);
  if (!prices) return { environment, region, unpriced: [`region ${region}`], lines: [], totalUsd: 0, savings: {} };
  const priceOf = (table: Readonly<Record<string, number>>, key: string, what: string): number => {
    if (table[key] !== undefined) return table[key];
    unpriced.push(`${what} ${key}`);
    return 0;
  };
  const lines: CostLine[] = [];
  const add = (item: string, monthlyUsd: number, basis: string) =>
    lines.push({ item, monthlyUsd: round(monthlyUsd), basis });
  const savings: Record<string, { on: boolean; monthlyUsd: number }> = {
    "single NAT gateway": { on: false, monthlyUsd: 0 },
    "SPOT nodes": { on: false, monthlyUsd: 0 },
    Valkey: { on: false, monthlyUsd: 0 },
  };

  const eks = findModule(stacks, "terraform-aws-modules/eks/aws");
  if (Object.keys(eks).length > 0) {
    const plane = controlPlaneRate(prices, eks, date);
    add("EKS control plane", plane.perHour * HOURS, plane.basis);
  }
  for (const [name, g] of Object.entries(obj(eks.eks_managed_node_groups))) {
    const group = obj(g);
    const type = String((group.instance_types as string[])[0]);
    const count = Number(group.desired_size);
    const onDemand = priceOf(prices.ec2_per_hour, type, "EC2") * HOURS * count;
    const spot = group.capacity_type === "SPOT";
    const cost = spot ? onDemand * (1 - ASSUMPTIONS.spotDiscount) : onDemand;
    if (spot) savings["SPOT nodes"] = { on: true, monthlyUsd: savings["SPOT nodes"].monthlyUsd + onDemand - cost };
    add(
      `nodes: ${name}`,
      cost,
      `${count} x ${type} ${spot ? `SPOT, on-demand minus ${ASSUMPTIONS.spotDiscount * 100}% (assumed)` : "on-demand"}`,
    );
    const disk = Number(obj(obj(obj(group.block_device_mappings).root).ebs).volume_size ?? 0);
    add(`node volumes: ${name}`, disk * count * prices.ebs_gp3_per_gb_month, `${count} x ${disk} GiB gp3`);
  }

  const vpc = findModule(stacks, "terraform-aws-modules/vpc/aws");
  if (vpc.enable_nat_gateway === true) {
    const zones = (vpc.azs as string[]).length;
    const nats = vpc.single_nat_gateway === true ? 1 : zones;
    const perNat = (prices.nat_gateway_per_hour + prices.public_ipv4_per_hour) * HOURS;
    add(
      "NAT gateways",
      perNat * nats + ASSUMPTIONS.natTrafficGbPerMonth * prices.nat_gateway_per_gb,
      `${nats} with public IPs, ${ASSUMPTIONS.natTrafficGbPerMonth} GB processed (assumed)`,
    );
    savings["single NAT gateway"] = { on: nats === 1, monthlyUsd: perNat * (zones - 1) };
  }

  const interfaceEndpoints = resourcesOf(stacks, "aws_vpc_endpoint").filter(
    (e) => e.vpc_endpoint_type === "Interface",
  ).length;
  if (interfaceEndpoints > 0) {
    const zones = ((vpc.azs as string[] | undefined) ?? []).length;
    const cost = interfaceEndpoints * zones * prices.vpc_interface_endpoint_per_hour * HOURS;
    add(
      "VPC interface endpoints",
      cost,
      `${interfaceEndpoints} services x ${zones} zones; their traffic skips NAT processing ($${prices.nat_gateway_per_gb}/GB)`,
    );
    savings["no interface endpoints"] = { on: false, monthlyUsd: cost };
  }

  if (resourcesOf(stacks, "helm_release").some((r) => r.name === "envoy-gateway")) {
    // An internet-facing NLB has one public IP per zone it serves: the VPC's public subnets.
    const publicIps = ((vpc.azs as string[] | undefined) ?? []).length;
    const nlb =
      (prices.nlb_per_hour + ASSUMPTIONS.nlbLcus * prices.nlb_lcu_per_hour + publicIps * prices.public_ipv4_per_hour) *
      HOURS;
    add("Network Load Balancer", nlb, `${ASSUMPTIONS.nlbLcus} LCU (assumed), ${publicIps} public IPs (one per zone)`);
  }

  const db = findModule(stacks, "terraform-aws-modules/rds/aws");
  if (Object.keys(db).length > 0) {
    const copies = db.multi_az === true ? 2 : 1;
    const instance = priceOf(prices.rds_postgres_per_hour, String(db.instance_class), "RDS") * HOURS * copies;
    add("PostgreSQL instance", instance, `${String(db.instance_class)}${copies === 2 ? ", Multi-AZ (x2)" : ""}`);
    const extended = postgresExtendedSupport(prices, db, copies, date);
    if (extended) add("PostgreSQL extended support", extended.usd, extended.basis);
    add(
      "PostgreSQL storage",
      Number(db.allocated_storage) * prices.rds_gp3_per_gb_month * copies,
      `${String(db.allocated_storage)} GiB gp3 x ${copies}`,
    );
  }

  const backups = resourcesOf(stacks, "aws_backup_plan");
  if (backups.length > 0 && Object.keys(db).length > 0) {
    const gb = Number(db.allocated_storage) * ASSUMPTIONS.backupSizeOfDatabase;
    const copies = backups.some((plan) => JSON.stringify(plan.rule).includes("destination_vault_arn"));
    const storage = gb * prices.backup_rds_per_gb_month * (copies ? 2 : 1);
    const transfer = copies ? gb * prices.inter_region_transfer_per_gb : 0;
    add(
      "database backups (AWS Backup)",
      storage + transfer,
      `${gb} GB held (assumed: the database's size)${copies ? ", in two regions, plus the copy's transfer" : ""}`,
    );
  }

  for (const cache of resourcesOf(stacks, "aws_elasticache_replication_group")) {
    const nodes = Number(cache.num_cache_clusters);
    const redis = priceOf(prices.elasticache_redis_per_hour, String(cache.node_type), "ElastiCache") * HOURS * nodes;
    const valkey = cache.engine === "valkey";
    const cost = valkey ? redis * (1 - OFFERS.elasticache_valkey_discount) : redis;
    savings.Valkey = { on: valkey, monthlyUsd: redis * OFFERS.elasticache_valkey_discount };
    add("cache nodes", cost, `${valkey ? "Valkey" : "Redis OSS"}, ${nodes} x ${String(cache.node_type)}`);
  }

  // Stand-alone instances (the operator access host): on-demand, always on, with their root volume.
  // Session Manager itself has no charge for EC2 instances; its traffic is a few MB.
  for (const instance of resourcesOf(stacks, "aws_instance")) {
    const type = String(instance.instance_type);
    const root = obj([instance.root_block_device].flat()[0]);
    const disk = Number(root.volume_size ?? 0);
    const name = String(obj(instance.tags).Name ?? type);
    add(
      `instance: ${name}`,
      priceOf(prices.ec2_per_hour, type, "EC2") * HOURS + disk * prices.ebs_gp3_per_gb_month,
      `${type} on-demand, ${disk} GiB gp3 root`,
    );
  }

  const prometheus = obj(
    obj(
      obj(
        obj(obj(obj(helmValues(stacks, "kube-prometheus-stack").prometheus).prometheusSpec).storageSpec)
          .volumeClaimTemplate,
      ).spec,
    ).resources,
  );
  const grafana = obj(obj(helmValues(stacks, "kube-prometheus-stack").grafana).persistence);
  const volumes = [String(obj(prometheus.requests).storage ?? "0"), String(grafana.size ?? "0")].map(
    (s) => parseInt(s, 10) || 0,
  );
  add(
    "monitoring volumes",
    volumes.reduce((a, b) => a + b, 0) * prices.ebs_gp3_per_gb_month,
    `${volumes.join(" + ")} GiB gp3`,
  );

  add("S3", ASSUMPTIONS.s3GbPerMonth * prices.s3_standard_per_gb_month, `${ASSUMPTIONS.s3GbPerMonth} GB (assumed)`);
  add(
    "CloudWatch Logs",
    ASSUMPTIONS.cloudwatchLogsGbPerMonth * prices.cloudwatch_logs_ingest_per_gb,
    `${ASSUMPTIONS.cloudwatchLogsGbPerMonth} GB of control-plane, database and CI logs ingested (assumed)`,
  );
  if (vpc.enable_flow_log === true) {
    const flows = flowLogsMonth(prices, vpc);
    add("VPC flow logs", flows.usd, flows.basis);
    Object.assign(savings, flows.savings);
  }
  const shipper = helmValues(stacks, "aws-for-fluent-bit");
  const shippedTo = obj(shipper.cloudWatchLogs).logGroupName;
  if (shippedTo !== undefined) {
    const group = resourcesOf(stacks, "aws_cloudwatch_log_group").find((g) => g.name === shippedTo) ?? {};
    const logClass = String(group.log_group_class ?? "STANDARD");
    const month = logGroupMonth(
      prices,
      ASSUMPTIONS.containerLogsGbPerMonth,
      logClass,
      Number(group.retention_in_days ?? 0),
    );
    add("container logs", month.usd, `${month.basis}; shipped by Fluent Bit (volume assumed)`);
    const saved = month.ingestOnly(
      prices.cloudwatch_logs_ingest_per_gb - prices.cloudwatch_logs_ingest_infrequent_access_per_gb,
    );
    savings["container logs: Infrequent Access"] = { on: logClass === "INFREQUENT_ACCESS", monthlyUsd: saved };
  }
  add(
    "CloudWatch alarms",
    resourcesOf(stacks, "aws_cloudwatch_metric_alarm").length * prices.cloudwatch_alarm_per_month,
    "per standard-resolution alarm",
  );
  const zones = resourcesOf(stacks, "aws_route53_zone").length;
  if (zones > 0) {
    add(
      "Route 53 hosted zone",
      zones * prices.route53_hosted_zone_per_month,
      "per zone; alias queries to the load balancer are free",
    );
  }
  add("KMS keys", resourcesOf(stacks, "aws_kms_key").length * prices.kms_key_per_month, "per key");
  add(
    "Secrets Manager",
    (resourcesOf(stacks, "aws_secretsmanager_secret").length + (Object.keys(db).length ? 1 : 0)) *
      prices.secrets_manager_secret_per_month,
    "per secret (incl. RDS-managed)",
  );

  const totalUsd = round(lines.reduce((sum, l) => sum + l.monthlyUsd, 0));
  const [budget] = resourcesOf(stacks, "aws_budgets_budget");
  return {
    environment,
    region,
    unpriced,
    lines,
    totalUsd,
    budgetUsd: budget ? Number(budget.limit_amount) : undefined,
    savings: Object.fromEntries(
      Object.entries(savings).map(([k, v]) => [k, { on: v.on, monthlyUsd: round(v.monthlyUsd) }]),
    ),
  };
}

/**
 * The control plane at its Kubernetes minor's support phase on `date`: extended support costs
 * $0.60 instead of $0.10 an hour, but only under the EXTENDED policy (STANDARD is upgraded by EKS
 * instead; config refuses that). The basis says when the price changes.
 */
function controlPlaneRate(prices: RegionOffers, eks: Json, date: Date): { perHour: number; basis: string } {
  const minor = String(eks.kubernetes_version);
  // EKS's own default when no policy is given is EXTENDED.
  const policy = String(obj(eks.upgrade_policy).support_type ?? "EXTENDED");
  const window: SupportWindow | undefined = EKS_KUBERNETES_SUPPORT[minor];
  const standard = `$${prices.eks_cluster_per_hour}/h`;
  const extended = `$${prices.eks_cluster_extended_support_per_hour}/h`;
  if (!window)
    return { perHour: prices.eks_cluster_per_hour, basis: `${standard}, Kubernetes ${minor} (no support dates)` };
  const phase = supportPhase(window, date);
  if (phase === "standard") {
    const then = policy === "EXTENDED" ? `${extended} from ${dayAfter(window.standardEnds)}` : "EKS upgrades it then";
    return {
      perHour: prices.eks_cluster_per_hour,
      basis: `${standard}: Kubernetes ${minor} in standard support until ${window.standardEnds}; policy ${policy}: ${then}`,
    };
  }
  return {
    perHour: prices.eks_cluster_extended_support_per_hour,
    basis: `${extended}: Kubernetes ${minor} in extended support since ${dayAfter(window.standardEnds)} (policy ${policy}), until ${window.extendedEnds}`,
  };
}

/** RDS Extended Support of a major past standard support on `date`: per vCPU-hour, standby included. */
function postgresExtendedSupport(
  prices: RegionOffers,
  db: Json,
  copies: number,
  date: Date,
): { usd: number; basis: string } | undefined {
  const major = String(db.engine_version).split(".")[0];
  const window = RDS_POSTGRES_SUPPORT[major];
  if (!window || supportPhase(window, date) === "standard") return undefined;
  const year = rdsExtendedSupportYear(window, date);
  const rate =
    year === "year 3" ? prices.rds_extended_support_year3_per_vcpu_hour : prices.rds_extended_support_per_vcpu_hour;
  const vcpus = rdsVcpus(String(db.instance_class)) * copies;
  return {
    usd: vcpus * rate * HOURS,
    basis: `PostgreSQL ${major} past standard support (${window.standardEnds}), ${year}: ${vcpus} vCPUs x $${rate}/vCPU-hour`,
  };
}

/**
 * The flow logs' month from the VPC module's settings: records scale with the aggregation
 * interval and the traffic type (assumed shares), ingestion with the log class.
 */
function flowLogsMonth(prices: RegionOffers, vpc: Json) {
  const interval = Number(vpc.flow_log_max_aggregation_interval ?? 600);
  const traffic = String(vpc.flow_log_traffic_type ?? "ALL");
  const logClass = String(vpc.flow_log_cloudwatch_log_group_class ?? "STANDARD");
  const retention = Number(vpc.flow_log_cloudwatch_log_group_retention_in_days ?? 0);
  const intervalShare = interval === 600 ? ASSUMPTIONS.flowLogs600sShare : 1;
  const trafficShare = traffic === "REJECT" ? ASSUMPTIONS.flowLogsRejectShare : 1;
  const gb = ASSUMPTIONS.flowLogsGbPerMonth * intervalShare * trafficShare;
  const month = logGroupMonth(prices, gb, logClass, retention);
  const ingest =
    logClass === "INFREQUENT_ACCESS"
      ? prices.cloudwatch_logs_ingest_infrequent_access_per_gb
      : prices.cloudwatch_logs_ingest_per_gb;
  // Each switch's saving: this month's ingestion against the same settings with the switch off.
  const perGbHeld = (retention / DAYS_PER_MONTH) * prices.cloudwatch_logs_storage_per_gb_month;
  const at = (g: number) => g * (ingest + perGbHeld);
  const savings: Record<string, { on: boolean; monthlyUsd: number }> = {
    "flow logs: 600 s aggregation": {
      on: interval === 600,
      monthlyUsd: interval === 600 ? at(gb / intervalShare) - at(gb) : at(gb) - at(gb * ASSUMPTIONS.flowLogs600sShare),
    },
    "flow logs: REJECT only": {
      on: traffic === "REJECT",
      monthlyUsd:
        traffic === "REJECT" ? at(gb / trafficShare) - at(gb) : at(gb) - at(gb * ASSUMPTIONS.flowLogsRejectShare),
    },
    "flow logs: Infrequent Access": {
      on: logClass === "INFREQUENT_ACCESS",
      monthlyUsd: gb * (prices.cloudwatch_logs_ingest_per_gb - prices.cloudwatch_logs_ingest_infrequent_access_per_gb),
    },
  };
  return {
    usd: month.usd,
    savings,
    basis: `${traffic} flows at ${interval} s: ${month.basis} (volume assumed: ${ASSUMPTIONS.flowLogsGbPerMonth} GB for ALL at 60 s)`,
  };
}
