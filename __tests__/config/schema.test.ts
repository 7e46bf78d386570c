import { loadEnvironments, type EnvironmentConfig } from "../../config";
import { dev } from "../../config/dev";
import {
  cloneConfig,
  declaredByName,
  declaredEnvironments,
  declaredNames,
  problemsWhen,
  type Mutable,
} from "../helpers";

type Breakage = (config: Mutable<EnvironmentConfig>) => void;

/** Loading every declared environment with `name` changed by `change` (call it to load). */
function loadingWith(name: string, change: Breakage): () => EnvironmentConfig[] {
  const configs = declaredByName();
  change(configs[name]);
  return () => loadEnvironments(name, Object.values(configs));
}

describe("environment configuration", () => {
  it("accepts every environment declared in config/, in their order", () => {
    expect(loadEnvironments().map((c) => c.name)).toEqual(declaredNames());
  });

  it("selects only the environments listed in ENVIRONMENTS", () => {
    expect(loadEnvironments("prod, dev").map((c) => c.name)).toEqual(["dev", "prod"]);
  });

  it("fails when an unknown environment is selected, listing the allowed ones", () => {
    // Not a name the schema accepts ("-"), so no environment added later can make it known.
    expect(() => loadEnvironments("prod,no-such-env")).toThrow(
      `the ENVIRONMENTS variable (shell): unknown environment "no-such-env"; declared: ${declaredNames().join(", ")}`,
    );
  });

  const mistakes: [string, "dev" | "staging" | "prod", Breakage, RegExp][] = [
    [
      "a malformed VPC CIDR",
      "dev",
      (c) => (c.network.vpcCidr = "10.10.0.0/33"),
      /environment "dev", setting network\.vpcCidr: must be a canonical IPv4 CIDR/,
    ],
    [
      "a CIDR with host bits set",
      "staging",
      (c) => (c.cluster.endpointPublicAccessCidrs = ["203.0.113.7/24"]),
      /environment "staging", setting cluster\.endpointPublicAccessCidrs\[0\]: must be a canonical IPv4 CIDR/,
    ],
    [
      "VPC CIDRs of two environments that overlap",
      "staging",
      (c) => (c.network.vpcCidr = "10.10.0.0/17"),
      /environment "staging", setting network\.vpcCidr: 10\.10\.0\.0\/17 overlaps 10\.10\.0\.0\/16 of environment "dev"/,
    ],
    [
      "a VPC that overlaps the EKS service CIDR",
      "dev",
      (c) => (c.network.vpcCidr = "172.20.0.0/16"),
      /environment "dev", setting network\.vpcCidr: must not overlap the EKS service CIDR 172\.20\.0\.0\/16/,
    ],
    [
      "a VPC too small for the subnet plan",
      "dev",
      (c) => (c.network.vpcCidr = "10.10.0.0/24"),
      /environment "dev", setting network\.vpcCidr: must have a prefix length between \/16 and \/18 \(got \/24\)/,
    ],
    [
      "a node group with min > desired",
      "dev",
      (c) => (c.cluster.nodeGroups.spot.minSize = 4),
      /environment "dev", setting cluster\.nodeGroups\.spot\.desiredSize: must satisfy minSize <= desiredSize <= maxSize \(got 4 <= 3 <= 10\)/,
    ],
    [
      "an unknown instance type format",
      "dev",
      (c) => (c.cluster.nodeGroups.spot.instanceTypes = ["t3-medium"]),
      /environment "dev", setting cluster\.nodeGroups\.spot\.instanceTypes\[0\]: must be an EC2 instance type such as t3\.medium/,
    ],
    [
      "an RDS class without the db. prefix",
      "dev",
      (c) => (c.database.instanceClass = "t3.micro"),
      /environment "dev", setting database\.instanceClass: must be an RDS instance class such as db\.t3\.micro/,
    ],
    [
      "zero app replicas",
      "dev",
      (c) => (c.app.replicas = 0),
      /environment "dev", setting app\.replicas: must be a whole number, at least 1 \(got 0\)/,
    ],
    [
      "replicas outside the autoscaler's range",
      "staging",
      (c) => (c.app.replicas = 9),
      /environment "staging", setting app\.replicas: must satisfy minReplicas <= replicas <= maxReplicas \(got 2 <= 9 <= 5\)/,
    ],
    [
      "a negative retention",
      "dev",
      (c) => (c.cluster.logRetentionDays = -1),
      /environment "dev", setting cluster\.logRetentionDays: must be one of CloudWatch's retention periods: 1, 3, 5/,
    ],
    [
      "a missing required field",
      "staging",
      (c) => delete (c.database as Partial<typeof c.database>).backupWindow,
      /environment "staging", setting database\.backupWindow: Invalid input: expected string, received undefined/,
    ],
    [
      "a misspelled field",
      "dev",
      (c) => ((c.app as Record<string, unknown>).replica = 2),
      /environment "dev", setting app: Unrecognized key: "replica"/,
    ],
    [
      "prod without deletion protection",
      "prod",
      (c) => (c.database.deletionProtection = false),
      /environment "prod", setting database\.deletionProtection: must be true in a production environment/,
    ],
    [
      "prod with fewer than 7 days of backups",
      "prod",
      (c) => (c.database.backupRetentionDays = 1),
      /environment "prod", setting database\.backupRetentionDays: must be at least 7 in a production environment/,
    ],
    [
      "prod with a single NAT gateway",
      "prod",
      (c) => (c.network.natGateways = "single"),
      /environment "prod", setting network\.natGateways: must be "one-per-az" in a production environment/,
    ],
    [
      "an image tag of latest",
      "prod",
      (c) => (c.app.imageTag = "latest"),
      /environment "prod", setting app\.imageTag: must be an immutable tag \(a version or git sha\), not "latest"/,
    ],
    [
      "an availability zone of another region",
      "dev",
      (c) => (c.network.availabilityZones = ["us-east-1a", "eu-west-1b"]),
      /environment "dev", setting network\.availabilityZones\[1\]: must be a zone of region us-east-1 \(got eu-west-1b\)/,
    ],
    [
      "Performance Insights on a micro instance",
      "dev",
      (c) => (c.database.performanceInsights = true),
      /environment "dev", setting database\.performanceInsights: is not offered on db\.t3\.micro/,
    ],
    [
      "storage autoscaling below the initial size",
      "dev",
      (c) => (c.database.maxAllocatedStorageGib = 10),
      /environment "dev", setting database\.maxAllocatedStorageGib: must be >= allocatedStorageGib \(20\)/,
    ],
    [
      "a Kubernetes minor no cluster-autoscaler chart is pinned for",
      "staging",
      (c) => (c.cluster.kubernetesVersion = "1.36"),
      /environment "staging", setting cluster\.kubernetesVersion: must be one of 1\.35, the minors config\/versions\.ts pins the cluster-autoscaler chart and kubectl for \(got 1\.36\)/,
    ],
    [
      "an AMI release two Kubernetes minors behind the control plane",
      "prod",
      (c) => (c.cluster.nodeAmiReleaseVersion = "1.33.2-20251209"),
      /environment "prod", setting cluster\.nodeAmiReleaseVersion: must be a release for Kubernetes 1\.35 or one minor below \("1\.35\.<patch>-<yyyymmdd>", got 1\.33\.2-20251209\)/,
    ],
    [
      "an AMI release newer than the control plane",
      "dev",
      (c) => (c.cluster.nodeAmiReleaseVersion = "1.36.0-20260301"),
      /environment "dev", setting cluster\.nodeAmiReleaseVersion: must be a release for Kubernetes 1\.35 or one minor below/,
    ],
    [
      "a flow log aggregation interval VPC Flow Logs does not offer",
      "staging",
      (c) => ((c.network as { flowLogAggregationSeconds: number }).flowLogAggregationSeconds = 300),
      /environment "staging", setting network\.flowLogAggregationSeconds: must be 60 or 600 \(seconds\), the two intervals VPC Flow Logs offers/,
    ],
    [
      "a log class CloudWatch Logs does not have",
      "prod",
      (c) => ((c.cluster as { containerLogClass: string }).containerLogClass = "GLACIER"),
      /environment "prod", setting cluster\.containerLogClass: Invalid option: expected one of "STANDARD"\|"INFREQUENT_ACCESS"/,
    ],
    [
      "an AMI release that is not a release version",
      "dev",
      (c) => (c.cluster.nodeAmiReleaseVersion = "latest"),
      /environment "dev", setting cluster\.nodeAmiReleaseVersion: must be an EKS AMI release version such as "1\.35\.0-20251209"/,
    ],
    [
      "a kube-proxy built for another Kubernetes minor",
      "staging",
      (c) => (c.cluster.addonVersions["kube-proxy"] = "v1.34.1-eksbuild.2"),
      /environment "staging", setting cluster\.addonVersions\.kube-proxy: must be built for Kubernetes 1\.35/,
    ],
    [
      "an add-on version without its EKS build",
      "dev",
      (c) => (c.cluster.addonVersions.coredns = "v1.13.1"),
      /environment "dev", setting cluster\.addonVersions\.coredns: must be an EKS add-on version such as "v1\.19\.0-eksbuild\.1"/,
    ],
    [
      "an add-on the cluster stack does not install",
      "dev",
      (c) => ((c.cluster.addonVersions as Record<string, string>)["aws-efs-csi-driver"] = "v2.1.0-eksbuild.1"),
      /environment "dev", setting cluster\.addonVersions: Unrecognized key: "aws-efs-csi-driver"/,
    ],
    [
      "a malformed backup window",
      "dev",
      (c) => (c.database.backupWindow = "3am-6am"),
      /environment "dev", setting database\.backupWindow: must be a UTC window "hh:mm-hh:mm"/,
    ],
    [
      "a maintenance window that starts the minute backups end (the seed's windows)",
      "dev",
      (c) => (c.database.maintenanceWindow = "Mon:06:00-Mon:07:00"),
      /environment "dev", setting database\.maintenanceWindow: must not overlap or touch backupWindow 03:00-06:00 on any day \(got Mon:06:00-Mon:07:00\)/,
    ],
    [
      "a maintenance window that ends the minute backups start",
      "staging",
      (c) => (c.database.maintenanceWindow = "Mon:00:00-Mon:03:00"),
      /environment "staging", setting database\.maintenanceWindow: must not overlap or touch backupWindow/,
    ],
    [
      "a maintenance window inside the backup window of another day",
      "prod",
      (c) => (c.database.maintenanceWindow = "Thu:04:00-Thu:04:30"),
      /environment "prod", setting database\.maintenanceWindow: must not overlap or touch backupWindow/,
    ],
    [
      "a maintenance window that wraps into Monday's backups",
      "dev",
      (c) => {
        c.database.backupWindow = "00:30-01:30";
        c.database.maintenanceWindow = "Sun:23:30-Mon:00:45";
      },
      /environment "dev", setting database\.maintenanceWindow: must not overlap or touch backupWindow 00:30-01:30/,
    ],
    [
      "a public endpoint without CIDRs (EKS would open it to everyone)",
      "dev",
      (c) => (c.cluster.endpointPublicAccessCidrs = []),
      /environment "dev", setting cluster\.endpointPublicAccessCidrs: must list at least one CIDR when endpointPublicAccess is true/,
    ],
    [
      "CIDRs for a public endpoint that is off",
      "prod",
      (c) => (c.cluster.endpointPublicAccessCidrs = ["10.0.0.0/8"]),
      /environment "prod", setting cluster\.endpointPublicAccessCidrs: must be empty when endpointPublicAccess is false/,
    ],
    [
      "a documentation-range CIDR on the production endpoint",
      "prod",
      (c) => {
        c.cluster.endpointPublicAccess = true;
        c.cluster.endpointPublicAccessCidrs = ["198.51.100.0/24"];
      },
      /environment "prod", setting cluster\.endpointPublicAccessCidrs\[0\]: 198\.51\.100\.0\/24 is a documentation range .* in a production environment/,
    ],
    [
      "a CIDR that covers a documentation range on the production endpoint",
      "prod",
      (c) => {
        c.cluster.endpointPublicAccess = true;
        c.cluster.endpointPublicAccessCidrs = ["85.0.0.0/8", "192.0.0.0/16"];
      },
      /environment "prod", setting cluster\.endpointPublicAccessCidrs\[1\]: 192\.0\.0\.0\/16 is a documentation range/,
    ],
    [
      "an admin role in a documentation example account in production",
      "prod",
      (c) => (c.cluster.adminRoleArns = ["arn:aws:iam::123456789012:role/Admin"]),
      /environment "prod", setting cluster\.adminRoleArns\[0\]: arn:aws:iam::123456789012:role\/Admin is in a documentation example account \(123456789012\)/,
    ],
    [
      "no admin role in production",
      "prod",
      (c) => (c.cluster.adminRoleArns = []),
      /environment "prod", setting cluster\.adminRoleArns: must list at least one role in a production environment/,
    ],
    [
      "a runner connection that is not a CodeConnections ARN",
      "staging",
      (c) => (c.ci.runner.connectionArn = "arn:aws:iam::222222222222:role/github"),
      /environment "staging", setting ci\.runner\.connectionArn: must be the ARN of a CodeConnections connection to GitHub/,
    ],
    [
      "a runner connection under the old codestar-connections prefix, which the roles' codeconnections rights do not cover",
      "dev",
      (c) =>
        (c.ci.runner.connectionArn = c.ci.runner.connectionArn.replace(":codeconnections:", ":codestar-connections:")),
      /environment "dev", setting ci\.runner\.connectionArn: must be the ARN of a CodeConnections connection to GitHub, arn:aws:codeconnections:<region>:<account>:connection\/<id> \(a codestar-connections ARN, of a connection made before July 2024, is not covered by the roles' codeconnections rights: create a connection\)/,
    ],
    [
      "a runner compute type CodeBuild does not offer for Linux containers",
      "dev",
      (c) => (c.ci.runner.computeType = "BUILD_GENERAL1_HUGE" as "BUILD_GENERAL1_SMALL"),
      /environment "dev", setting ci\.runner\.computeType: Invalid option: expected one of "BUILD_GENERAL1_SMALL"\|"BUILD_GENERAL1_MEDIUM"\|"BUILD_GENERAL1_LARGE"/,
    ],
    [
      "a region AWS does not have (with zones to match)",
      "dev",
      (c) => {
        c.account.region = "us-east-7";
        c.network.availabilityZones = ["us-east-7a", "us-east-7b"];
      },
      /environment "dev", setting account\.region: must be an AWS region \(from the AWS SDK's partition data\)/,
    ],
    [
      "a real region the offer table does not price",
      "dev",
      (c) => {
        c.account.region = "ap-south-2";
        c.network.availabilityZones = ["ap-south-2a", "ap-south-2b"];
      },
      /environment "dev", setting account\.region: must be a region of config\/aws\/offers\.json \(as of 2026-11-27; it has us-east-1, us-west-2, eu-west-1, eu-central-1\)/,
    ],
    [
      "a zone the region does not have",
      "staging",
      (c) => (c.network.availabilityZones = ["us-east-1a", "us-east-1z", "us-east-1c"]),
      /environment "staging", setting network\.availabilityZones\[1\]: us-east-1z is not a zone of us-east-1; it has us-east-1a, /,
    ],
    [
      "an EC2 instance type that does not exist",
      "dev",
      (c) => (c.cluster.nodeGroups.spot.instanceTypes = ["m7j.large"]),
      /environment "dev", setting cluster\.nodeGroups\.spot\.instanceTypes\[0\]: m7j\.large is not an EC2 instance type \(AWS SDK list\)/,
    ],
    [
      "a real EC2 instance type without a price in the region",
      "dev",
      (c) => (c.cluster.nodeGroups.spot.instanceTypes = ["t3.medium", "x2iedn.32xlarge"]),
      /environment "dev", setting cluster\.nodeGroups\.spot\.instanceTypes\[1\]: x2iedn\.32xlarge is not in config\/aws\/offers\.json for us-east-1/,
    ],
    [
      "an RDS class the offer table does not have",
      "prod",
      (c) => (c.database.instanceClass = "db.x2iedn.32xlarge"),
      /environment "prod", setting database\.instanceClass: db\.x2iedn\.32xlarge is not in config\/aws\/offers\.json for us-east-1/,
    ],
    [
      "a PostgreSQL major that does not exist",
      "dev",
      (c) => (c.database.engineMajorVersion = "99"),
      /environment "dev", setting database\.engineMajorVersion: 99 is not one of the PostgreSQL major versions offered: 13, 14, 15, 16, 17/,
    ],
    [
      "a Redis OSS version given to Valkey",
      "staging",
      (c) => {
        c.cache.engine = "valkey";
        c.cache.engineVersion = "7.1";
      },
      /environment "staging", setting cache\.engineVersion: 7\.1 is not one of the valkey versions offered: 7\.2, 8\.0, 8\.1/,
    ],
    [
      "a cache node type the offer table does not have",
      "dev",
      (c) => (c.cache.nodeType = "cache.x9.huge"),
      /environment "dev", setting cache\.nodeType: cache\.x9\.huge is not in config\/aws\/offers\.json for us-east-1/,
    ],
    [
      "production relabelled as staging (with 1-day backups)",
      "prod",
      (c) => {
        c.stage = "staging";
        c.database.backupRetentionDays = 1;
      },
      /environment "prod", setting stage: must be "production": prod is listed in PRODUCTION_ENVIRONMENTS \(config\/index\.ts\)/,
    ],
    [
      "a production stage on an environment not declared production",
      "staging",
      (c) => {
        c.stage = "production";
      },
      /environment "staging", setting stage: "production" is allowed only for the environments listed in PRODUCTION_ENVIRONMENTS/,
    ],
    [
      "two admin roles with the same name (access entries are keyed by it)",
      "dev",
      (c) =>
        (c.cluster.adminRoleArns = [
          "arn:aws:iam::111111111111:role/Admin",
          "arn:aws:iam::111111111111:role/team/Admin",
        ]),
      /environment "dev", setting cluster\.adminRoleArns\[1\]: repeats the role name Admin: access entries are keyed by role name/,
    ],
    [
      "production without a final cache snapshot",
      "prod",
      (c) => (c.cache.finalSnapshot = false),
      /environment "prod", setting cache\.finalSnapshot: must be true in a production environment/,
    ],
    [
      "production whose key and image repository a plan could destroy",
      "prod",
      (c) => (c.retainOnDestroy = false),
      /environment "prod", setting retainOnDestroy: must be true in a production environment/,
    ],
    [
      "a production environment whose state reads are not recorded",
      "prod",
      (c) => (c.state.dataEventTrail = false),
      /environment "prod", setting state\.dataEventTrail: must be true in a production environment/,
    ],
    [
      "no role of the people may manage the state storage",
      "dev",
      (c) => (c.state.adminRoleNames = []),
      /environment "dev", setting state\.adminRoleNames: must list at least one role/,
    ],
    [
      "a state admin role given as an ARN (it could name another account's role, which the key policy never trusts)",
      "staging",
      (c) => (c.state.adminRoleNames = ["arn:aws:iam::111111111111:role/PlatformAdmin"]),
      /environment "staging", setting state\.adminRoleNames\[0\]: must be an IAM role name, with its path if any/,
    ],
    [
      "a backup window shorter than 30 minutes",
      "dev",
      (c) => (c.database.backupWindow = "03:00-03:20"),
      /environment "dev", setting database\.backupWindow: must last at least 30 minutes \(got 03:00-03:20\)/,
    ],
    [
      "a maintenance window shorter than 30 minutes",
      "dev",
      (c) => (c.database.maintenanceWindow = "Tue:10:00-Tue:10:29"),
      /environment "dev", setting database\.maintenanceWindow: must last at least 30 minutes/,
    ],
  ];

  it.each(mistakes)("fails on %s, naming environment, setting and what is allowed", (_name, env, breakIt, expected) => {
    expect(problemsWhen(env, breakIt)).toMatch(expected);
  });

  it.each([
    ["a window past midnight, clear of the backups", "23:00-00:30", "Tue:01:00-Tue:02:00"],
    ["a maintenance window one minute after backups end", "03:00-06:00", "Mon:06:01-Mon:06:31"],
    ["a 30-minute window on each side", "03:00-03:30", "Sun:23:30-Mon:00:00"],
  ])("accepts %s", (_name, backupWindow, maintenanceWindow) => {
    const load = loadingWith("dev", (config) => {
      config.database.backupWindow = backupWindow;
      config.database.maintenanceWindow = maintenanceWindow;
    });
    expect(load).not.toThrow();
  });

  it("accepts documentation ranges and example accounts outside production (placeholders until accounts exist)", () => {
    const configs = declaredByName();
    const config = configs.dev;
    config.cluster.endpointPublicAccessCidrs = ["192.0.2.0/24"];
    config.cluster.adminRoleArns = ["arn:aws:iam::111122223333:role/Admin"];
    // The parent zone's delegation roles trust the child's people: both sides name the same roles.
    const child = configs.prod.dns.childEnvironments.find((c) => c.name === "dev") as { adminRoleArns: string[] };
    child.adminRoleArns = config.cluster.adminRoleArns;
    expect(() => loadEnvironments("dev", Object.values(configs))).not.toThrow();
  });

  it("accepts a real CIDR on a production public endpoint", () => {
    const load = loadingWith("prod", (config) => {
      config.cluster.endpointPublicAccess = true;
      config.cluster.endpointPublicAccessCidrs = ["85.0.0.0/8"];
    });
    expect(load).not.toThrow();
  });

  it.each(["us-west-2", "eu-west-1", "eu-central-1"])("accepts the priced region %s with its zones", (region) => {
    const load = loadingWith("dev", (config) => {
      config.account.region = region;
      config.network.availabilityZones = [`${region}a`, `${region}b`];
    });
    expect(load).not.toThrow();
  });

  it("refuses an environment listed twice, naming the second", () => {
    expect(() => loadEnvironments(undefined, [...declaredEnvironments(), cloneConfig(dev)])).toThrow(
      'environment "dev", setting name: must be unique (listed twice)',
    );
  });

  it("refuses overlapping VPCs whichever environment holds the lower block, and accepts neighbours", () => {
    const configs = declaredByName();
    const [first, second] = [configs.dev, configs.staging];
    second.network.vpcCidr = "10.9.128.0/17";
    first.network.vpcCidr = "10.9.0.0/16";
    const load = () => loadEnvironments(undefined, Object.values(configs));
    expect(load).toThrow(
      'environment "staging", setting network.vpcCidr: 10.9.128.0/17 overlaps 10.9.0.0/16 of environment "dev" (added before staging); give staging a range of its own: VPC CIDRs must not overlap',
    );
    first.network.vpcCidr = "10.9.128.0/17";
    second.network.vpcCidr = "10.9.0.0/16";
    expect(load).toThrow(
      'environment "staging", setting network.vpcCidr: 10.9.0.0/16 overlaps 10.9.128.0/17 of environment "dev"',
    );
    second.network.vpcCidr = "10.8.0.0/16";
    first.network.vpcCidr = "10.7.0.0/16";
    const cidrs = Object.fromEntries(load().map((c) => [c.name, c.network.vpcCidr]));
    expect([cidrs.dev, cidrs.staging]).toEqual(["10.7.0.0/16", "10.8.0.0/16"]);
  });

  it("selects with spaces and empty entries in the list, and all of them for an empty selection", () => {
    expect(loadEnvironments(" staging ,, ").map((c) => c.name)).toEqual(["staging"]);
    expect(loadEnvironments("").map((c) => c.name)).toEqual(declaredNames());
  });

  it("reports every problem at once, not only the first", () => {
    const message = problemsWhen("dev", (c) => {
      c.app.replicas = 0;
      c.database.instanceClass = "huge";
    });
    expect(message).toMatch(/app\.replicas/);
    expect(message).toMatch(/database\.instanceClass/);
  });
});
