import { PLACEHOLDER_REVIEWER_TEAM_IDS, PLACEHOLDER_RUNNER_ACTOR_IDS } from "./placeholders";
import type { EnvironmentConfig } from "./schema";

/** Staging: production's protections on smaller sizes, so releases rehearse what prod will do. */
export const staging: EnvironmentConfig = {
  name: "staging",
  stage: "staging",
  // An account of its own: no other environment lives in it.
  account: { id: "222222222222", region: "us-east-1", sharedWith: [] },
  tags: { owner: "platform-team", costCenter: "marketing-ai" },
  state: {
    noncurrentVersionExpirationDays: 90,
    dataEventTrail: true,
    // The role platform engineers apply bootstrap with: nobody else changes or destroys the state storage.
    adminRoleNames: ["PlatformAdmin"],
  },
  network: {
    vpcCidr: "10.20.0.0/16",
    availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"],
    natGateways: "single",
    flowLogRetentionDays: 30,
    // Every flow, as prod records it, aggregated over 10 minutes, in the cheaper log class.
    flowLogAggregationSeconds: 600,
    flowLogTrafficType: "ALL",
    flowLogClass: "INFREQUENT_ACCESS",
    // None: the NAT gateway carries these calls; each endpoint would cost more than the traffic here.
    interfaceEndpoints: [],
  },
  cluster: {
    kubernetesVersion: "1.35",
    // Upgraded after dev, before prod (config/versions.ts keeps the order).
    supportType: "STANDARD",
    endpointPublicAccess: true,
    endpointPublicAccessCidrs: ["203.0.113.0/24"],
    adminRoleArns: ["arn:aws:iam::222222222222:role/PlatformAdmin"],
    logRetentionDays: 90,
    // Infrequent Access: half the ingestion price; Logs Insights still queries it (no Live Tail).
    containerLogClass: "INFREQUENT_ACCESS",
    nodeGroups: {
      spot: {
        instanceTypes: ["t3.medium"],
        capacityType: "SPOT",
        minSize: 2,
        maxSize: 10,
        desiredSize: 3,
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
    ecrKeepLastImages: 50,
    // Off: operators use the public endpoint from endpointPublicAccessCidrs.
    operatorAccess: { enabled: false, instanceType: "t4g.nano", amiRelease: "2023.9.20251208.0" },
  },
  ci: {
    createGithubOidcProvider: true,
    infraRepository: "acme/marketing-agents-infra",
    appRepository: "acme/marketing-agents",
    branches: ["main"],
    githubEnvironment: "staging",
    // Placeholders: the platform team's GitHub team id and reviewers' user ids (docs/runbook.md).
    reviewers: { teamIds: [...PLACEHOLDER_REVIEWER_TEAM_IDS], userIds: [] },
    runner: {
      // CodeConnections connection to GitHub, created once per account (docs/runbook.md).
      connectionArn: "arn:aws:codeconnections:us-east-1:222222222222:connection/00000000-0000-4000-8000-000000000000",
      computeType: "BUILD_GENERAL1_SMALL",
      // Placeholders: the platform team's GitHub account ids and the rollout app's bot user id (docs/runbook.md).
      actorAccountIds: [...PLACEHOLDER_RUNNER_ACTOR_IDS],
    },
  },
  database: {
    engineMajorVersion: "15",
    // PostgreSQL 15 is in RDS standard support until 2028-02-29 (config/versions.ts).
    acceptExtendedSupport: false,
    instanceClass: "db.t3.medium",
    allocatedStorageGib: 20,
    maxAllocatedStorageGib: 100,
    backupRetentionDays: 7,
    backupWindow: "03:00-06:00",
    maintenanceWindow: "Mon:00:00-Mon:02:30",
    multiAz: true,
    deletionProtection: true,
    finalSnapshot: true,
    performanceInsights: true,
    logRetentionDays: 90,
    // A month of daily AWS Backup copies; no second region.
    backupPlan: { startHourUtc: 7, retentionDays: 35, copy: null },
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
    nodeType: "cache.t3.micro",
    nodeCount: 1,
    snapshotRetentionDays: 3,
    finalSnapshot: true,
  },
  retainOnDestroy: false,
  // Deletion protection is on: turning it off and this on is a reviewed change of its own.
  lifecycle: { allowDestroy: false },
  secrets: { recoveryWindowDays: 7 },
  buckets: {
    retainOnDestroy: true,
    logsInfrequentAccessAfterDays: 30,
    logsExpireAfterDays: 180,
    noncurrentVersionExpireAfterDays: 60,
  },
  platform: {
    acmeEmail: "platform-team@example.com",
    letsEncryptStagingIssuer: false,
    prometheusRetention: "200h",
    prometheusStorageGib: 50,
    grafanaStorageGib: 10,
    controllerReplicas: 2,
    // 60 s, as the seed's nginx allowed: above the app's 30 s outbound timeout (app.apiTimeoutSeconds).
    // Idle client connections close after 5 minutes, before the NLB's 350 s would drop them.
    gateway: { proxyReplicas: 2, requestTimeoutSeconds: 60, idleTimeoutSeconds: 300, backendIdleTimeoutSeconds: 4 },
  },
  alerts: {
    emails: ["platform-team@example.com"],
    // Above the estimate (npm run review) with room: an alert means spend beyond the plan, not a normal month.
    monthlyBudgetUsd: 500,
    budgetAlertPercentages: [80, 100],
    databaseCpuPercent: 80,
    databaseFreeStorageGib: 5,
    // ~80 % of the default max_connections of db.t3.medium, 4 GiB (memory / 9531392).
    databaseMaxConnections: 360,
    cacheMemoryPercent: 80,
    cacheEvictions: 0,
    natPortAllocationErrors: 0,
    appErrorPercent: 5,
    appLatencyP95Seconds: 2,
    appRestarts: 3,
    certificateExpiryDays: 14,
  },
  dns: {
    // Created here and delegated from prod's example.com zone through the role prod offers.
    zoneName: "staging.example.com",
    zoneId: null,
    parent: {
      zoneId: "Z0000000000000EXAMPLE",
      roleArn: "arn:aws:iam::333333333333:role/marketing-agents-prod-dns-staging",
    },
    childEnvironments: [],
  },
  app: {
    domain: "marketing-agents.staging.example.com",
    imageTag: "0.1.0",
    replicas: 2,
    minReplicas: 2,
    maxReplicas: 5,
    logLevel: "INFO",
    maxWorkers: 4,
    cacheTtlSeconds: 3600,
    apiTimeoutSeconds: 30,
    // uvicorn's default; the gateway's backendIdleTimeoutSeconds (4) stays below it.
    keepAliveSeconds: 5,
    metricsEnabled: true,
  },
};
