/**
 * Every rule of the environment schema, just inside and just outside each of its bounds: the
 * inside value is accepted, the outside one refused with a message naming the setting. One
 * environment at a time (cross-environment rules are in schema.test.ts).
 */
import { validateEnvironment, type EnvironmentConfig } from "../../config";
import { dev } from "../../config/dev";
import { prod } from "../../config/prod";
import { cloneConfig } from "../helpers";

type Edit = (config: Record<string, unknown>) => void;
const BASES = { dev, prod } as const;

/** Sets a dotted path (`database.backupRetentionDays`, `cluster.nodeGroups.spot.minSize`). */
function at(path: string, value: unknown): Edit {
  return (config) => {
    const keys = path.split(".");
    const last = keys.pop() as string;
    const parent = keys.reduce((o, k) => o[k] as Record<string, unknown>, config);
    parent[last] = value;
  };
}

function problems(base: keyof typeof BASES, ...edits: Edit[]): string[] {
  const config = cloneConfig(BASES[base]) as unknown as Record<string, unknown>;
  edits.forEach((edit) => edit(config));
  return validateEnvironment(config as unknown as EnvironmentConfig).problems;
}

/** [setting, base, inside value, outside value, what the refusal says, setting it is reported under] */
type Bound = [string, keyof typeof BASES, unknown, unknown, RegExp, string?];

const BOUNDS: Bound[] = [
  ["name", "dev", "ab", "a", /must be 2-12 lower-case letters or digits/],
  ["name", "dev", "abcdefghijkl", "abcdefghijklm", /must be 2-12 lower-case letters or digits/],
  ["name", "dev", "a1", "1a", /must be 2-12 lower-case letters or digits/],
  ["account.id", "dev", "123456789013", "12345678901", /must be a 12-digit AWS account id/],
  ["account.id", "dev", "000000000001", "1234567890123", /must be a 12-digit AWS account id/],
  ["account.region", "dev", "us-east-1", "us-east-9", /must be an AWS region/],
  ["account.region", "dev", "us-east-1", "ap-south-2", /must be a region of config\/aws\/offers\.json/],
  ["tags.owner", "dev", "x", "", /Too small|at least 1/i],
  ["state.noncurrentVersionExpirationDays", "dev", 1, 0, /(at least|from) 1\b/],
  ["state.noncurrentVersionExpirationDays", "dev", 3650, 3651, /(at most|to) 3650\b/],
  [
    "network.vpcCidr",
    "dev",
    "10.10.0.0/18",
    "10.10.0.0/19",
    /must have a prefix length between \/16 and \/18 \(got \/19\)/,
  ],
  [
    "network.vpcCidr",
    "dev",
    "10.10.0.0/16",
    "10.10.0.0/15",
    /must have a prefix length between \/16 and \/18 \(got \/15\)/,
  ],
  [
    "network.vpcCidr",
    "dev",
    "10.10.0.0/16",
    "172.20.0.0/16",
    /must not overlap the EKS service CIDR 172\.20\.0\.0\/16/,
  ],
  [
    "network.vpcCidr",
    "dev",
    "10.10.0.0/16",
    "172.16.0.0/14",
    /must have a prefix|must not overlap the EKS service CIDR/,
  ],
  ["network.availabilityZones", "dev", ["us-east-1a", "us-east-1b"], ["us-east-1a"], /Too small|>=2/],
  [
    "network.availabilityZones",
    "prod",
    ["us-east-1a", "us-east-1b", "us-east-1c"],
    ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"],
    /Too big|<=3/,
  ],
  [
    "network.availabilityZones",
    "dev",
    ["us-east-1a", "us-east-1b"],
    ["us-east-1a", "us-east-1a"],
    /must not list a zone twice/,
  ],
  [
    "network.availabilityZones",
    "dev",
    ["us-east-1a", "us-east-1b"],
    ["us-east-1a", "us-west-2b"],
    /must be a zone of region us-east-1 \(got us-west-2b\)/,
  ],
  [
    "network.availabilityZones",
    "dev",
    ["us-east-1a", "us-east-1b"],
    ["us-east-1a", "us-east-1z"],
    /us-east-1z is not a zone of us-east-1/,
  ],
  ["network.interfaceEndpoints", "dev", ["sts", "logs"], ["sts", "sts"], /must not list a service twice/],
  ["network.interfaceEndpoints", "dev", ["ecr.dkr"], ["ec2"], /Invalid option|expected one of/i],
  ["network.flowLogRetentionDays", "dev", 1, 2, /must be one of CloudWatch's retention periods/],
  ["network.flowLogRetentionDays", "dev", 3653, 3654, /must be one of CloudWatch's retention periods/],
  [
    "cluster.kubernetesVersion",
    "dev",
    "1.35",
    "1.36",
    /must be one of 1\.35, the minors config\/versions\.ts pins the cluster-autoscaler chart and kubectl for \(got 1\.36\); add a row there to use it/,
  ],
  ["cluster.kubernetesVersion", "dev", "1.35", "1.3", /must be a Kubernetes minor such as "1\.35"/],
  [
    "cluster.adminRoleArns",
    "dev",
    ["arn:aws:iam::111111111111:role/A"],
    ["arn:aws:iam::111111111111:user/A"],
    /must be an IAM role ARN/,
  ],
  [
    "cluster.adminRoleArns",
    "dev",
    ["arn:aws:iam::111111111111:role/A", "arn:aws:iam::111111111111:role/B"],
    ["arn:aws:iam::111111111111:role/A", "arn:aws:iam::222222222222:role/A"],
    /repeats the role name A: access entries are keyed by role name/,
  ],
  ["cluster.nodeGroups.spot.minSize", "dev", 0, -1, /(at least|from) 0\b/],
  [
    "cluster.nodeGroups.spot.maxSize",
    "dev",
    3,
    2,
    /must satisfy minSize <= desiredSize <= maxSize \(got 2 <= 3 <= 2\)/,
    "cluster.nodeGroups.spot.desiredSize",
  ],
  [
    "cluster.nodeGroups.spot.desiredSize",
    "dev",
    2,
    1,
    /must satisfy minSize <= desiredSize <= maxSize \(got 2 <= 1 <= 10\)/,
  ],
  [
    "cluster.nodeGroups.spot.desiredSize",
    "dev",
    10,
    11,
    /must satisfy minSize <= desiredSize <= maxSize \(got 2 <= 11 <= 10\)/,
  ],
  ["cluster.nodeGroups.spot.diskSizeGib", "dev", 20, 19, /(at least|from) 20\b/],
  ["cluster.nodeGroups.spot.diskSizeGib", "dev", 16384, 16385, /(at most|to) 16384\b/],
  ["cluster.nodeGroups.spot.instanceTypes", "dev", ["t3.medium"], [], /Too small|>=1/],
  ["cluster.nodeGroups.spot.capacityType", "dev", "ON_DEMAND", "RESERVED", /Invalid option|expected one of/i],
  ["cluster.ecrKeepLastImages", "dev", 1, 0, /(at least|from) 1\b/],
  ["cluster.ecrKeepLastImages", "dev", 1000, 1001, /(at most|to) 1000\b/],
  [
    "cluster.endpointPublicAccessCidrs",
    "dev",
    ["10.0.0.0/8"],
    [],
    /must list at least one CIDR when endpointPublicAccess is true/,
  ],
  ["ci.branches", "dev", ["main"], [], /Too small|>=1/],
  ["ci.githubEnvironment", "dev", "d", "", /Too small|>=1/],
  ["ci.infraRepository", "dev", "o/r", "o/r/x", /must be "owner\/name" of a GitHub repository/],
  ["ci.runner.computeType", "dev", "BUILD_GENERAL1_LARGE", "BUILD_GENERAL1_2XLARGE", /Invalid option|expected one of/i],
  ["database.engineMajorVersion", "dev", "16", "1", /must be a PostgreSQL major such as "15"/],
  ["database.engineMajorVersion", "dev", "16", "99", /99 is not one of the PostgreSQL major versions offered/],
  ["database.instanceClass", "dev", "db.t3.micro", "db.t3-micro", /must be an RDS instance class/],
  [
    "database.instanceClass",
    "dev",
    "db.t3.micro",
    "db.z9.large",
    /db\.z9\.large is not in config\/aws\/offers\.json for us-east-1/,
  ],
  ["database.allocatedStorageGib", "dev", 20, 19, /(at least|from) 20\b/],
  ["database.maxAllocatedStorageGib", "dev", 20, 19, /Too small|>=20|must be >= allocatedStorageGib/],
  ["database.backupRetentionDays", "dev", 0, -1, /(at least|from) 0\b/],
  ["database.backupRetentionDays", "dev", 35, 36, /(at most|to) 35\b/],
  ["database.backupWindow", "dev", "03:00-03:30", "03:00-03:29", /must last at least 30 minutes \(got 03:00-03:29\)/],
  ["database.backupWindow", "dev", "03:00-06:00", "24:00-01:00", /must be a UTC window "hh:mm-hh:mm"/],
  [
    "database.maintenanceWindow",
    "dev",
    "Tue:00:00-Tue:00:30",
    "Tue:00:00-Tue:00:29",
    /must last at least 30 minutes \(got Tue:00:00-Tue:00:29\)/,
  ],
  [
    "database.maintenanceWindow",
    "dev",
    "Mon:00:00-Mon:02:30",
    "Mon:00:00-Mon:03:00",
    /must not overlap or touch backupWindow 03:00-06:00/,
  ],
  [
    "database.maintenanceWindow",
    "dev",
    "Mon:00:00-Mon:02:30",
    "Xyz:00:00-Mon:03:00",
    /must be a UTC window "ddd:hh:mm-ddd:hh:mm"/,
  ],
  ["database.logRetentionDays", "dev", 30, 31, /must be one of CloudWatch's retention periods/],
  ["cache.engineVersion", "dev", "7.1", "7", /must be "major\.minor" such as "7\.1"/],
  ["cache.engineVersion", "dev", "7.1", "6.9", /6\.9 is not one of the redis versions offered/],
  ["cache.nodeType", "dev", "cache.t3.micro", "cache.t3-micro", /must be an ElastiCache node type/],
  ["cache.nodeType", "dev", "cache.t3.micro", "cache.z9.large", /cache\.z9\.large is not in config\/aws\/offers\.json/],
  ["cache.nodeCount", "dev", 1, 0, /(at least|from) 1\b/],
  ["cache.nodeCount", "dev", 6, 7, /(at most|to) 6\b/],
  ["cache.snapshotRetentionDays", "dev", 35, 36, /(at most|to) 35\b/],
  ["cache.snapshotRetentionDays", "dev", 0, -1, /(at least|from) 0\b/],
  ["secrets.recoveryWindowDays", "dev", 0, 1, /must be 0 or between 7 and 30/],
  ["secrets.recoveryWindowDays", "dev", 7, 6, /must be 0 or between 7 and 30/],
  ["secrets.recoveryWindowDays", "dev", 30, 31, /must be 0 or between 7 and 30/],
  ["secrets.recoveryWindowDays", "dev", 0, -1, /must be 0 or between 7 and 30/],
  ["buckets.logsInfrequentAccessAfterDays", "dev", 30, 29, /(at least|from) 30\b/],
  ["buckets.logsExpireAfterDays", "dev", 31, 30, /must be greater than logsInfrequentAccessAfterDays \(30\)/],
  ["buckets.noncurrentVersionExpireAfterDays", "dev", 3650, 3651, /(at most|to) 3650\b/],
  ["platform.acmeEmail", "dev", "a@b.co", "not-an-email", /must be an email address/],
  ["platform.prometheusRetention", "dev", "15d", "15m", /must be a duration such as 200h or 15d/],
  ["platform.prometheusStorageGib", "dev", 1, 0, /above 0\b/],
  ["platform.controllerReplicas", "dev", 1, 0, /(at least|from) 1\b/],
  ["platform.controllerReplicas", "dev", 5, 6, /(at most|to) 5\b/],
  ["alerts.emails", "dev", ["a@b.co"], ["not-an-email"], /must be an email address/],
  ["alerts.monthlyBudgetUsd", "dev", 0.01, 0, /above 0\b/],
  ["alerts.budgetAlertPercentages", "dev", [1, 1000], [], /Too small|>=1/],
  ["alerts.budgetAlertPercentages", "dev", [50, 80], [80, 50], /must be ascending, each once/],
  ["alerts.budgetAlertPercentages", "dev", [50, 80], [50, 50], /must be ascending, each once/],
  ["alerts.budgetAlertPercentages", "dev", [1000], [1001], /(at most|to) 1000\b/],
  ["alerts.databaseCpuPercent", "dev", 100, 101, /(at most|to) 100\b/],
  ["alerts.databaseCpuPercent", "dev", 1, 0, /(at least|from) 1\b/],
  ["alerts.databaseFreeStorageGib", "dev", 1, 0, /(at least|from) 1\b/],
  ["alerts.databaseMaxConnections", "dev", 1, 0, /(at least|from) 1\b/],
  ["alerts.cacheMemoryPercent", "dev", 100, 101, /(at most|to) 100\b/],
  ["alerts.cacheEvictions", "dev", 0, -1, /(at least|from) 0\b/],
  ["alerts.natPortAllocationErrors", "dev", 0, -1, /(at least|from) 0\b/],
  ["alerts.appErrorPercent", "dev", 0.1, 0.09, /(at least|from) 0\.1\b/],
  ["alerts.appErrorPercent", "dev", 100, 100.1, /(at most|to) 100\b/],
  ["alerts.appLatencyP95Seconds", "dev", 600, 601, /(at most|to) 600\b/],
  ["alerts.appLatencyP95Seconds", "dev", 0.05, 0, /above 0\b/],
  ["alerts.appRestarts", "dev", 1, 0, /(at least|from) 1\b/],
  ["alerts.certificateExpiryDays", "dev", 89, 90, /(at most|to) 89\b/],
  ["alerts.certificateExpiryDays", "dev", 1, 0, /(at least|from) 1\b/],
  ["app.domain", "dev", "a.dev.example.com", "Marketing.example.com", /must be a lower-case DNS name/],
  ["app.domain", "dev", "a.dev.example.com", "localhost", /must be a lower-case DNS name/],
  ["app.imageTag", "dev", "latest-1", "latest", /must be an immutable tag \(a version or git sha\), not "latest"/],
  ["app.imageTag", "dev", "sha-0123abc", "-bad", /must be a Docker tag/],
  ["app.replicas", "prod", 2, 1, /must satisfy minReplicas <= replicas <= maxReplicas \(got 2 <= 1 <= 10\)/],
  ["app.replicas", "prod", 10, 11, /must satisfy minReplicas <= replicas <= maxReplicas \(got 2 <= 11 <= 10\)/],
  ["app.maxWorkers", "dev", 32, 33, /(at most|to) 32\b/],
  ["app.maxWorkers", "dev", 1, 0, /(at least|from) 1\b/],
  ["app.cacheTtlSeconds", "dev", 0, -1, /(at least|from) 0\b/],
  // The gateway must outwait the app: with dev's 60 s request timeout, the app may wait 59 s at most.
  [
    "app.apiTimeoutSeconds",
    "dev",
    59,
    60,
    /must be greater than app\.apiTimeoutSeconds \(60\)/,
    "platform.gateway.requestTimeoutSeconds",
  ],
  ["platform.gateway.requestTimeoutSeconds", "dev", 31, 30, /must be greater than app\.apiTimeoutSeconds \(30\)/],
  ["platform.gateway.requestTimeoutSeconds", "dev", 300, 301, /must be at most 300, Envoy's stream idle timeout/],
  ["platform.gateway.idleTimeoutSeconds", "dev", 349, 350, /must be below the Network Load Balancer's TCP idle/],
  ["platform.gateway.idleTimeoutSeconds", "dev", 1, 0, /(at least|from) 1\b/],
  ["platform.gateway.proxyReplicas", "dev", 2, 1, /must be at least 2 when the VPC has 2 zones/],
  ["platform.gateway.proxyReplicas", "dev", 10, 11, /(at most|to) 10\b/],
  ["app.apiTimeoutSeconds", "dev", 1, 0, /(at least|from) 1\b/],
  // The proxy closes idle connections to the app before the app does: with dev's 5 s keep-alive, 4 s at most.
  ["platform.gateway.backendIdleTimeoutSeconds", "dev", 4, 5, /must be below app\.keepAliveSeconds \(5\)/],
  ["platform.gateway.backendIdleTimeoutSeconds", "dev", 1, 0, /(at least|from) 1\b/],
  [
    "app.keepAliveSeconds",
    "dev",
    5,
    4,
    /must be below app\.keepAliveSeconds \(4\)/,
    "platform.gateway.backendIdleTimeoutSeconds",
  ],
  ["app.keepAliveSeconds", "dev", 3600, 3601, /(at most|to) 3600\b/],
  ["app.logLevel", "dev", "ERROR", "TRACE", /Invalid option|expected one of/i],
];

// Every row with the setting it is reported under (jest passes a callback for a missing last column).
const ROWS = BOUNDS.map(([setting, base, inside, outside, refusal, reportedAt]) => [
  setting,
  base,
  inside,
  outside,
  refusal,
  reportedAt ?? setting,
]) as [string, keyof typeof BASES, unknown, unknown, RegExp, string][];

describe("schema bounds", () => {
  it.each(ROWS)("%s in %s: %p is accepted, %p refused", (setting, base, inside, outside, refusal, reportedAt) => {
    expect(problems(base, at(setting, inside))).toEqual([]);
    const refused = problems(base, at(setting, outside));
    expect(refused.join("\n")).toMatch(refusal);
    const label = reportedAt.replace(/\.(\d+)/g, "[$1]");
    expect(
      refused.some((p) =>
        p.startsWith(`environment "${base === "dev" && setting === "name" ? outside : base}", setting ${label}`),
      ),
    ).toBe(true);
  });
});

/** The production floor: each rule just inside passes, just outside is refused, in production only. */
const PRODUCTION_FLOOR: [string, unknown, unknown, string][] = [
  ["cluster.deletionProtection", true, false, "must be true"],
  ["cluster.logRetentionDays", 365, 180, "must be at least 365 (a year of cluster and container logs)"],
  ["database.deletionProtection", true, false, "must be true"],
  ["database.finalSnapshot", true, false, "must be true"],
  ["database.multiAz", true, false, "must be true"],
  ["database.backupRetentionDays", 7, 6, "must be at least 7"],
  ["buckets.retainOnDestroy", true, false, "must be true"],
  ["secrets.recoveryWindowDays", 7, 0, "must be at least 7"],
  ["cache.nodeCount", 2, 1, "must be at least 2 (automatic failover)"],
  ["cache.snapshotRetentionDays", 1, 0, "must be at least 1"],
  ["cache.finalSnapshot", true, false, "must be true"],
  ["retainOnDestroy", true, false, "must be true"],
  ["state.dataEventTrail", true, false, "must be true"],
  ["network.natGateways", "one-per-az", "single", 'must be "one-per-az"'],
  [
    "network.availabilityZones",
    ["us-east-1a", "us-east-1b", "us-east-1c"],
    ["us-east-1a", "us-east-1b"],
    "must list at least 3 zones",
  ],
  ["app.minReplicas", 2, 1, "must be at least 2"],
  ["alerts.emails", ["a@b.co"], [], "must list at least one address (someone must get the alerts)"],
];

describe("the production floor", () => {
  it.each(PRODUCTION_FLOOR)("%s: %p passes, %p is refused in production", (setting, inside, outside, rule) => {
    expect(problems("prod", at(setting, inside))).toEqual([]);
    expect(problems("prod", at(setting, outside))).toEqual([
      `environment "prod", setting ${setting}: ${rule} in a production environment`,
    ]);
  });

  it.each(PRODUCTION_FLOOR)("%s: %p is allowed outside production", (setting, _inside, outside) => {
    const asStaging = problems("prod", at("stage", "staging"), at(setting, outside));
    expect(asStaging.filter((p) => p.includes("in a production environment"))).toEqual([]);
  });

  it.each([
    ["cluster.endpointPublicAccessCidrs", "203.0.113.0/24", /is a documentation range/],
    [
      "cluster.adminRoleArns",
      "arn:aws:iam::123456789012:role/Admin",
      /is in a documentation example account \(123456789012\)/,
    ],
  ])("refuses a placeholder in %s in production only", (setting, placeholder, refusal) => {
    const edits =
      setting === "cluster.endpointPublicAccessCidrs"
        ? [at("cluster.endpointPublicAccess", true), at(setting, [placeholder])]
        : [at(setting, [placeholder])];
    expect(problems("prod", ...edits).join("\n")).toMatch(refusal);
    expect(problems("prod", at("stage", "staging"), ...edits)).toEqual([]);
    const real =
      setting === "cluster.endpointPublicAccessCidrs" ? "198.18.0.0/24" : "arn:aws:iam::333333333333:role/Other";
    const realEdits =
      setting === "cluster.endpointPublicAccessCidrs"
        ? [at("cluster.endpointPublicAccess", true), at(setting, [real])]
        : [at(setting, [real])];
    expect(problems("prod", ...realEdits)).toEqual([]);
  });
});

describe("rules between settings", () => {
  it("refuses public-access CIDRs when the public endpoint is off, and none when it is on", () => {
    expect(problems("prod", at("cluster.endpointPublicAccessCidrs", ["10.0.0.0/8"])).join()).toMatch(
      /setting cluster\.endpointPublicAccessCidrs: must be empty when endpointPublicAccess is false/,
    );
    expect(
      problems("prod", at("cluster.endpointPublicAccess", true), at("cluster.endpointPublicAccessCidrs", [])).join(),
    ).toMatch(
      /must list at least one CIDR when endpointPublicAccess is true \(EKS would open the API to 0\.0\.0\.0\/0\)/,
    );
  });

  it("refuses Performance Insights on micro and small classes, and accepts it on medium", () => {
    expect(problems("dev", at("database.performanceInsights", true)).join()).toMatch(
      /setting database\.performanceInsights: is not offered on db\.t3\.micro: use a medium or larger class, or false/,
    );
    expect(
      problems("dev", at("database.instanceClass", "db.t3.small"), at("database.performanceInsights", true)).join(),
    ).toMatch(/is not offered on db\.t3\.small/);
    expect(
      problems("dev", at("database.instanceClass", "db.t3.medium"), at("database.performanceInsights", true)),
    ).toEqual([]);
  });

  it("refuses storage autoscaling below the initial size, and accepts it equal", () => {
    expect(
      problems("dev", at("database.allocatedStorageGib", 100), at("database.maxAllocatedStorageGib", 99)).join(),
    ).toMatch(/setting database\.maxAllocatedStorageGib: must be >= allocatedStorageGib \(100\)/);
    expect(
      problems("dev", at("database.allocatedStorageGib", 100), at("database.maxAllocatedStorageGib", 100)),
    ).toEqual([]);
  });

  it("refuses a node group whose role name prefix would pass IAM's 38 characters, and accepts 38", () => {
    // marketing-agents-dev-<group>- : 21 characters before the group's name, 1 after.
    const group = (length: number) => ({ [`g${"x".repeat(length - 1)}`]: dev.cluster.nodeGroups.spot });
    expect(problems("dev", at("cluster.nodeGroups", group(16)))).toEqual([]);
    expect(problems("dev", at("cluster.nodeGroups", group(17))).join()).toMatch(
      /name is too long: the node role prefix would be 39 characters, IAM allows 38/,
    );
  });

  it("refuses an empty set of node groups and a group name that is not a DNS label", () => {
    expect(problems("dev", at("cluster.nodeGroups", {})).join()).toMatch(/must declare at least one node group/);
    expect(problems("dev", at("cluster.nodeGroups", { Spot: dev.cluster.nodeGroups.spot })).join()).toMatch(
      /setting cluster\.nodeGroups\.Spot/,
    );
  });

  it("refuses an instance type that is not EC2's, then one EC2 has but the offer table does not price", () => {
    expect(problems("dev", at("cluster.nodeGroups.spot.instanceTypes", ["t3.medium", "t9.medium"])).join()).toMatch(
      /setting cluster\.nodeGroups\.spot\.instanceTypes\[1\]: t9\.medium is not an EC2 instance type \(AWS SDK list\)/,
    );
    const unpriced = problems("dev", at("cluster.nodeGroups.spot.instanceTypes", ["u-12tb1.112xlarge"]));
    expect(unpriced).toEqual([
      expect.stringMatching(
        /^environment "dev", setting cluster\.nodeGroups\.spot\.instanceTypes\[0\]: u-12tb1\.112xlarge is not in config\/aws\/offers\.json for us-east-1 \(as of \d{4}-\d{2}-\d{2}\); offered: /,
      ),
    ]);
  });

  it("checks a Valkey version against Valkey's offered versions, not Redis's", () => {
    expect(problems("dev", at("cache.engine", "valkey"), at("cache.engineVersion", "7.1")).join()).toMatch(
      /7\.1 is not one of the valkey versions offered/,
    );
  });

  it("reports a problem of another environment's shape under its index when it has no name", () => {
    const config = cloneConfig(dev) as unknown as Record<string, unknown>;
    delete config.name;
    expect(validateEnvironment(config, 4).problems[0]).toMatch(/^environment "#5", setting name: /);
  });
});
