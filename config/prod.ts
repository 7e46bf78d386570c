import { PLACEHOLDER_REVIEWER_TEAM_IDS, PLACEHOLDER_RUNNER_ACTOR_IDS } from "./placeholders";
import type { EnvironmentConfig } from "./schema";

/** Production: three zones, a NAT gateway per zone, Multi-AZ data stores that refuse deletion. */
export const prod: EnvironmentConfig = {
  name: "prod",
  stage: "production",
  // An account of its own: no other environment lives in it.
  account: { id: "333333333333", region: "us-east-1", sharedWith: [] },
  tags: { owner: "platform-team", costCenter: "marketing-ai" },
  state: {
    noncurrentVersionExpirationDays: 365,
    dataEventTrail: true,
    // The role platform engineers apply bootstrap with: nobody else changes or destroys the state storage.
    adminRoleNames: ["PlatformAdmin"],
  },
  network: {
    vpcCidr: "10.30.0.0/16",
    availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"],
    natGateways: "one-per-az",
    flowLogRetentionDays: 365,
    // Every flow (a year of forensics), aggregated over 10 minutes instead of 1, in the
    // Infrequent Access class (npm run review prices each choice).
    flowLogAggregationSeconds: 600,
    flowLogTrafficType: "ALL",
    flowLogClass: "INFREQUENT_ACCESS",
    // Image pulls, credentials, secrets and logs stay off the NAT gateways; ssm and ssmmessages
    // are the operator access host's only way to Session Manager (it sends nothing out of the VPC).
    interfaceEndpoints: ["ecr.api", "ecr.dkr", "sts", "secretsmanager", "logs", "ssm", "ssmmessages"],
  },
  cluster: {
    kubernetesVersion: "1.35",
    // EXTENDED: EKS never upgrades prod on its own; past standard support it costs $0.60 instead
    // of $0.10 per hour (npm run review prices it from that date).
    supportType: "EXTENDED",
    // API reachable only inside the VPC: CI's platform and app jobs run on the in-VPC runner.
    endpointPublicAccess: false,
    endpointPublicAccessCidrs: [],
    adminRoleArns: ["arn:aws:iam::333333333333:role/PlatformAdmin"],
    logRetentionDays: 365,
    // A year of container logs in Infrequent Access: half the ingestion price of Standard;
    // Logs Insights still queries them (no Live Tail: use kubectl logs for a live view).
    containerLogClass: "INFREQUENT_ACCESS",
    nodeGroups: {
      // The seed's group: SPOT t3.medium, 2..10 nodes, 3 at creation.
      spot: {
        instanceTypes: ["t3.medium"],
        capacityType: "SPOT",
        minSize: 2,
        maxSize: 10,
        desiredSize: 3,
        diskSizeGib: 50,
      },
      // On-demand floor so a SPOT reclaim wave never takes every node at once.
      baseline: {
        instanceTypes: ["m7i.large"],
        capacityType: "ON_DEMAND",
        minSize: 2,
        maxSize: 4,
        desiredSize: 2,
        diskSizeGib: 50,
      },
    },
    // Versions AWS offers for 1.35 (npm run eks-versions -- <env>); upgrade dev first, then staging, then prod.
    addonVersions: {
      "eks-pod-identity-agent": "v1.3.10-eksbuild.1",
      "vpc-cni": "v1.21.1-eksbuild.1",
      "kube-proxy": "v1.35.0-eksbuild.2",
      coredns: "v1.13.1-eksbuild.1",
      "aws-ebs-csi-driver": "v1.53.0-eksbuild.1",
    },
    nodeAmiReleaseVersion: "1.35.0-20251209",
    deletionProtection: true,
    ecrKeepLastImages: 100,
    // The private endpoint's way for people: Session Manager port forwarding (docs/runbook.md).
    operatorAccess: { enabled: true, instanceType: "t4g.nano", amiRelease: "2023.9.20251208.0" },
  },
  ci: {
    createGithubOidcProvider: true,
    infraRepository: "acme/marketing-agents-infra",
    appRepository: "acme/marketing-agents",
    branches: ["main"],
    githubEnvironment: "prod",
    // Placeholders: the platform team's GitHub team id and reviewers' user ids (docs/runbook.md).
    reviewers: { teamIds: [...PLACEHOLDER_REVIEWER_TEAM_IDS], userIds: [] },
    runner: {
      // CodeConnections connection to GitHub, created once per account (docs/runbook.md).
      connectionArn: "arn:aws:codeconnections:us-east-1:333333333333:connection/00000000-0000-4000-8000-000000000000",
      computeType: "BUILD_GENERAL1_SMALL",
      // Placeholders: the platform team's GitHub account ids and the rollout app's bot user id (docs/runbook.md).
      actorAccountIds: [...PLACEHOLDER_RUNNER_ACTOR_IDS],
    },
  },
  database: {
    engineMajorVersion: "15",
    // PostgreSQL 15 is in RDS standard support until 2028-02-29 (config/versions.ts).
    acceptExtendedSupport: false,
    instanceClass: "db.m7g.large",
    allocatedStorageGib: 20,
    maxAllocatedStorageGib: 100,
    backupRetentionDays: 7,
    backupWindow: "03:00-06:00",
    maintenanceWindow: "Mon:00:00-Mon:02:30",
    multiAz: true,
    deletionProtection: true,
    finalSnapshot: true,
    performanceInsights: true,
    logRetentionDays: 365,
    // A year of daily backups, and a copy of each kept 90 days in a second region.
    backupPlan: { startHourUtc: 7, retentionDays: 365, copy: { region: "us-west-2", retentionDays: 90 } },
    // Deletion protection stays on; true only during a restore drill (docs/runbook.md, "Restore the database").
    liftDeletionProtection: false,
    // Created empty: a restore is a config change here, kept while the restored instance lives (docs/runbook.md).
    restore: null,
    // Bump by one to rotate the app's database login without an outage (docs/day-2.md).
    appLoginGeneration: 0,
  },
  cache: {
    engine: "redis",
    engineVersion: "7.1",
    nodeType: "cache.t3.small",
    nodeCount: 2,
    snapshotRetentionDays: 7,
    finalSnapshot: true,
  },
  retainOnDestroy: true,
  // Never destroyed by a command: the production floor keeps deletion protection on (docs/runbook.md, "Destroy and recreate").
  lifecycle: { allowDestroy: false },
  secrets: { recoveryWindowDays: 30 },
  buckets: {
    retainOnDestroy: true,
    logsInfrequentAccessAfterDays: 30,
    logsExpireAfterDays: 365,
    noncurrentVersionExpireAfterDays: 90,
  },
  platform: {
    acmeEmail: "platform-team@example.com",
    letsEncryptStagingIssuer: false,
    prometheusRetention: "200h",
    prometheusStorageGib: 100,
    grafanaStorageGib: 10,
    controllerReplicas: 2,
    // 60 s, as the seed's nginx allowed: above the app's 30 s outbound timeout (app.apiTimeoutSeconds).
    // Idle client connections close after 5 minutes, before the NLB's 350 s would drop them.
    // One proxy per zone.
    gateway: { proxyReplicas: 3, requestTimeoutSeconds: 60, idleTimeoutSeconds: 300, backendIdleTimeoutSeconds: 4 },
  },
  alerts: {
    emails: ["platform-team@example.com", "oncall@example.com"],
    // Above the estimate (npm run review) with room: an alert means spend beyond the plan, not a normal month.
    monthlyBudgetUsd: 1500,
    budgetAlertPercentages: [80, 100],
    databaseCpuPercent: 80,
    databaseFreeStorageGib: 5,
    // ~80 % of the default max_connections of db.m7g.large, 8 GiB (memory / 9531392).
    databaseMaxConnections: 720,
    cacheMemoryPercent: 80,
    cacheEvictions: 0,
    natPortAllocationErrors: 0,
    appErrorPercent: 5,
    appLatencyP95Seconds: 2,
    appRestarts: 3,
    certificateExpiryDays: 14,
  },
  dns: {
    // The domain's existing zone (placeholder id); dev's and staging's zones are delegated from it.
    zoneName: "example.com",
    zoneId: "Z0000000000000EXAMPLE",
    parent: null,
    childEnvironments: [
      {
        name: "dev",
        accountId: "111111111111",
        zoneName: "dev.example.com",
        adminRoleArns: ["arn:aws:iam::111111111111:role/PlatformAdmin"],
      },
      {
        name: "staging",
        accountId: "222222222222",
        zoneName: "staging.example.com",
        adminRoleArns: ["arn:aws:iam::222222222222:role/PlatformAdmin"],
      },
    ],
  },
  app: {
    domain: "marketing-agents.example.com",
    imageTag: "0.1.0",
    replicas: 3,
    minReplicas: 2,
    maxReplicas: 10,
    logLevel: "INFO",
    maxWorkers: 4,
    cacheTtlSeconds: 3600,
    apiTimeoutSeconds: 30,
    // uvicorn's default; the gateway's backendIdleTimeoutSeconds (4) stays below it.
    keepAliveSeconds: 5,
    metricsEnabled: true,
  },
};
