import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { Id } from "@cdktf/provider-random/lib/id";
import type { Construct } from "constructs";
import {
  APP_DATABASE,
  appLoginAt,
  backupCopyKeyAlias,
  defaultTags,
  imageTagParameterName,
  serviceRoleBoundaryArn,
  resourcePrefix,
  secretNames,
  type EnvironmentConfig,
} from "../config";
import { CacheAlarms } from "../modules/alarms/cache-alarms";
import { DatabaseAlarms } from "../modules/alarms/database-alarms";
import { DatabaseBackup } from "../modules/database-backup";
import { DatabaseLoginSecret } from "../modules/database-login-secret";
import type { PolicyStatement } from "../modules/iam-policy";
import { ImageTagParameter } from "../modules/image-tag-parameter";
import { ManagedSecret } from "../modules/managed-secret";
import { RdsModule, type RdsModuleProps } from "../modules/rds-module";
import { RedisCache } from "../modules/redis-cache";
import { RoleGrant, secretReadStatements, viaService } from "../modules/role-policies";
import { SecureBucket } from "../modules/secure-bucket";
import { ServiceSecurityGroup } from "../modules/service-security-group";
import { EnvironmentStack, type EnvironmentStackProps } from "./environment-stack";

/** What the data stack takes from the network and cluster stacks. */
export interface DataStackProps extends EnvironmentStackProps {
  /** VPC of the data stores. */
  readonly vpcId: string;
  /** Database-tier subnets (no route to the internet). */
  readonly databaseSubnetIds: string[];
  /** DB subnet group over those subnets. */
  readonly databaseSubnetGroupName: string;
  /** The environment's KMS key. */
  readonly kmsKeyArn: string;
  /** Security group of the EKS nodes (and so of the pods): the only client of the data stores. */
  readonly nodeSecurityGroupId: string;
  /** Role of the app's pods: gets its buckets. */
  readonly appRoleName: string;
  /** Role of external-secrets: gets this environment's secrets, the master secret excepted. */
  readonly externalSecretsRoleName: string;
  /** Role of the database-admin store: gets the master secret and the app's login. */
  readonly databaseAdminRoleName: string;
  /** The environment's alert topic (network stack). */
  readonly alertTopicArn: string;
}

/**
 * `<env>-data`: everything stateful. PostgreSQL (RDS) with its AWS Backup plan where config has one, Redis (ElastiCache), the logs and
 * artifacts buckets and the app's secrets; and the grants that let the app's and
 * external-secrets' roles (made by the cluster stack) use them.
 */
export class DataStack extends EnvironmentStack {
  /** The PostgreSQL instance. */
  readonly database: RdsModule;
  /** The Redis replication group. */
  readonly cache: RedisCache;
  /** Secret holding the three API keys (values set by people, not Terraform). */
  readonly apiKeysSecret: ManagedSecret;
  /** The app's own database login (the master user's stays with RDS and the create-app-user Job). */
  readonly databaseAppLogin: DatabaseLoginSecret;
  /** Bucket for the app's artifacts. */
  readonly artifactsBucket: SecureBucket;
  /** Bucket for logs (also receives the S3 access logs). */
  readonly logsBucket: SecureBucket;
  /**
   * The record of the image tag the environment runs. It lives here, with what only full plans
   * read, because refreshing it reads its value: a pull request's plan role may read no parameter.
   */
  readonly imageTag: ImageTagParameter;

  constructor(scope: Construct, props: DataStackProps) {
    super(scope, "data", props);
    new RandomProvider(this, "random");
    const { config } = this;
    const prefix = resourcePrefix(config);
    const onlyNodes = { "eks-nodes": props.nodeSecurityGroupId };
    this.imageTag = new ImageTagParameter(this, "image-tag", {
      name: imageTagParameterName(config),
      initialTag: config.app.imageTag,
    });

    const databaseSg = new ServiceSecurityGroup(this, "database-sg", {
      name: `${prefix}-postgres`,
      description: "PostgreSQL",
      vpcId: props.vpcId,
      port: APP_DATABASE.port,
      allowedSecurityGroupIds: onlyNodes,
    });
    this.database = new RdsModule(this, "postgres", postgresInputs(config, props, databaseSg.id));

    const backupPlan = config.database.backupPlan;
    if (backupPlan) {
      new DatabaseBackup(this, "database-backup", {
        name: prefix,
        resourceArn: this.database.arn,
        kmsKeyArn: props.kmsKeyArn,
        accountId: config.account.id,
        startHourUtc: backupPlan.startHourUtc,
        retentionDays: backupPlan.retentionDays,
        copy: backupPlan.copy,
        copyKeyAlias: backupCopyKeyAlias(config),
        permissionsBoundaryArn: serviceRoleBoundaryArn(config),
        tags: defaultTags(config, this.concern),
        preventDestroy: config.retainOnDestroy,
      });
    }

    const cacheSg = new ServiceSecurityGroup(this, "cache-sg", {
      name: `${prefix}-redis`,
      description: "Redis",
      vpcId: props.vpcId,
      port: 6379,
      allowedSecurityGroupIds: onlyNodes,
    });
    this.cache = new RedisCache(this, "redis", {
      name: prefix,
      engine: config.cache.engine,
      engineVersion: config.cache.engineVersion,
      nodeType: config.cache.nodeType,
      nodeCount: config.cache.nodeCount,
      snapshotRetentionDays: config.cache.snapshotRetentionDays,
      finalSnapshotIdentifier: config.cache.finalSnapshot ? `${prefix}-final` : undefined,
      subnetIds: props.databaseSubnetIds,
      securityGroupId: cacheSg.id,
      kmsKeyArn: props.kmsKeyArn,
      secretName: secretNames(config).redis,
      secretRecoveryWindowDays: config.secrets.recoveryWindowDays,
    });

    new DatabaseAlarms(this, "database-alarms", {
      identifier: this.database.instanceIdentifier,
      cpuPercent: config.alerts.databaseCpuPercent,
      freeStorageGib: config.alerts.databaseFreeStorageGib,
      maxConnections: config.alerts.databaseMaxConnections,
      topicArn: props.alertTopicArn,
    });
    new CacheAlarms(this, "cache-alarms", {
      replicationGroupId: prefix,
      nodeCount: config.cache.nodeCount,
      memoryPercent: config.alerts.cacheMemoryPercent,
      evictions: config.alerts.cacheEvictions,
      topicArn: props.alertTopicArn,
    });

    this.apiKeysSecret = new ManagedSecret(this, "api-keys", {
      name: secretNames(config).apiKeys,
      description: "OPENAI_API_KEY, ANTHROPIC_API_KEY and TAVILY_API_KEY as JSON; set by people (README)",
      kmsKeyArn: props.kmsKeyArn,
      recoveryWindowDays: config.secrets.recoveryWindowDays,
    });

    // One of the app's two logins, the other at each rotation: the app stack's Job sets its
    // password while the pods still use the other one (docs/day-2.md).
    this.databaseAppLogin = new DatabaseLoginSecret(this, "database-app-login", {
      name: secretNames(config).databaseApp,
      description: `The app's PostgreSQL login (${APP_DATABASE.appLogins.join(" or ")}, acting as ${APP_DATABASE.appRole}), set by the app stack's create-app-user Job`,
      username: appLoginAt(config.database.appLoginGeneration),
      rotation: config.database.appLoginGeneration,
      kmsKeyArn: props.kmsKeyArn,
      recoveryWindowDays: config.secrets.recoveryWindowDays,
    });

    // The seed names buckets with a random suffix: names stay unique without revealing the account.
    const suffix = new Id(this, "bucket-suffix", { byteLength: 4 }).hex;
    this.logsBucket = new SecureBucket(this, "logs", {
      bucketName: `${prefix}-logs-${suffix}`,
      receivesAccessLogsFromAccount: config.account.id,
      noncurrentVersionExpireAfterDays: config.buckets.noncurrentVersionExpireAfterDays,
      currentObjects: {
        infrequentAccessAfterDays: config.buckets.logsInfrequentAccessAfterDays,
        expireAfterDays: config.buckets.logsExpireAfterDays,
      },
      preventDestroy: config.buckets.retainOnDestroy,
    });
    this.artifactsBucket = new SecureBucket(this, "artifacts", {
      bucketName: `${prefix}-artifacts-${suffix}`,
      kmsKeyArn: props.kmsKeyArn,
      accessLogsBucket: this.logsBucket,
      noncurrentVersionExpireAfterDays: config.buckets.noncurrentVersionExpireAfterDays,
      preventDestroy: config.buckets.retainOnDestroy,
    });

    new RoleGrant(this, "app-grant", {
      roleName: props.appRoleName,
      policyName: `${prefix}-app-data`,
      statements: this.appStatements(props.kmsKeyArn, config.account.region),
    });
    new RoleGrant(this, "external-secrets-grant", {
      roleName: props.externalSecretsRoleName,
      policyName: `${prefix}-external-secrets-read`,
      statements: secretReadStatements(
        [this.databaseAppLogin.arn, this.cache.secretArn, this.apiKeysSecret.arn],
        props.kmsKeyArn,
        config.account.region,
      ),
    });
    new RoleGrant(this, "database-admin-grant", {
      roleName: props.databaseAdminRoleName,
      policyName: `${prefix}-database-admin-read`,
      statements: secretReadStatements(
        [this.database.masterUserSecretArn, this.databaseAppLogin.arn],
        props.kmsKeyArn,
        config.account.region,
      ),
    });

    this.addOutputs({
      database_address: this.database.address,
      database_secret_arn: this.database.masterUserSecretArn,
      redis_endpoint: this.cache.primaryEndpoint,
      logs_bucket: this.logsBucket.bucketName,
      artifacts_bucket: this.artifactsBucket.bucketName,
      api_keys_secret_name: this.apiKeysSecret.name,
      database_app_secret_name: this.databaseAppLogin.name,
    });
  }

  /** The app reads and writes its artifacts and only writes logs; the key works only through S3. */
  private appStatements(kmsKeyArn: string, region: string): PolicyStatement[] {
    const artifacts = this.artifactsBucket.arn;
    return [
      { Sid: "ListArtifacts", Effect: "Allow", Action: "s3:ListBucket", Resource: artifacts },
      {
        Sid: "ReadWriteArtifacts",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: `${artifacts}/*`,
      },
      { Sid: "WriteLogs", Effect: "Allow", Action: "s3:PutObject", Resource: `${this.logsBucket.arn}/*` },
      {
        Sid: "UseEnvironmentKeyThroughS3",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: kmsKeyArn,
        Condition: viaService("s3", region),
      },
    ];
  }
}

function postgresInputs(config: EnvironmentConfig, props: DataStackProps, securityGroupId: string): RdsModuleProps {
  const db = config.database;
  const prefix = resourcePrefix(config);
  return {
    identifier: prefix,
    engine: "postgres",
    engineVersion: db.engineMajorVersion,
    // RDS enrols an instance in paid Extended Support unless told otherwise at its creation or
    // restore; disabled, RDS upgrades the major itself when standard support ends (docs/day-2.md).
    engineLifecycleSupport: db.acceptExtendedSupport
      ? "open-source-rds-extended-support"
      : "open-source-rds-extended-support-disabled",
    family: `postgres${db.engineMajorVersion}`,
    majorEngineVersion: db.engineMajorVersion,
    instanceClass: db.instanceClass,
    allocatedStorage: db.allocatedStorageGib,
    maxAllocatedStorage: db.maxAllocatedStorageGib,
    storageType: "gp3",
    storageEncrypted: true,
    kmsKeyId: props.kmsKeyArn,
    dbName: APP_DATABASE.name,
    username: APP_DATABASE.masterUser,
    port: String(APP_DATABASE.port),
    // RDS generates and rotates the password in Secrets Manager: no password in Terraform.
    manageMasterUserPassword: true,
    masterUserSecretKmsKeyId: props.kmsKeyArn,
    multiAz: db.multiAz,
    createDbSubnetGroup: false,
    dbSubnetGroupName: props.databaseSubnetGroupName,
    vpcSecurityGroupIds: [securityGroupId],
    publiclyAccessible: false,
    maintenanceWindow: db.maintenanceWindow,
    backupWindow: db.backupWindow,
    backupRetentionPeriod: db.backupRetentionDays,
    skipFinalSnapshot: !db.finalSnapshot,
    finalSnapshotIdentifierPrefix: `${prefix}-final`,
    // Off during a restore drill only: RDS refuses to delete a protected instance, and a restore replaces it.
    deletionProtection: db.deletionProtection && !db.liftDeletionProtection,
    // Kept after the instance goes (until their retention ends): a replaced instance can still be
    // restored to a point in time by its DbiResourceId.
    deleteAutomatedBackups: false,
    ...restoreInputs(db.restore),
    copyTagsToSnapshot: true,
    // The major is `database.engineMajorVersion` alone, and the review names every change of it a
    // major upgrade; RDS refuses one without this flag, which by itself upgrades nothing:
    // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html
    allowMajorVersionUpgrade: true,
    autoMinorVersionUpgrade: true,
    iamDatabaseAuthenticationEnabled: true,
    performanceInsightsEnabled: db.performanceInsights,
    performanceInsightsKmsKeyId: db.performanceInsights ? props.kmsKeyArn : undefined,
    performanceInsightsRetentionPeriod: db.performanceInsights ? 7 : undefined,
    enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
    createCloudwatchLogGroup: true,
    cloudwatchLogGroupRetentionInDays: db.logRetentionDays,
    cloudwatchLogGroupKmsKeyId: props.kmsKeyArn,
    monitoringInterval: 60,
    createMonitoringRole: true,
    monitoringRoleName: `${prefix}-rds-monitoring`,
    monitoringRolePermissionsBoundary: serviceRoleBoundaryArn(config),
    createDbParameterGroup: true,
    parameterGroupName: prefix,
    parameters: [
      { name: "rds.force_ssl", value: "1" },
      { name: "log_min_duration_statement", value: "1000" },
    ],
    createDbOptionGroup: false,
  };
}

/**
 * The module inputs that create the instance from `database.restore`; none for an empty one. An
 * AWS Backup recovery point of RDS is a DB snapshot, named by its ARN.
 */
function restoreInputs(restore: EnvironmentConfig["database"]["restore"]): Partial<RdsModuleProps> {
  if (restore === null) return {};
  switch (restore.from) {
    case "snapshot":
      return { snapshotIdentifier: restore.snapshotIdentifier };
    case "backup":
      return { snapshotIdentifier: restore.recoveryPointArn };
    case "point-in-time":
      return {
        restoreToPointInTime: {
          source_dbi_resource_id: restore.sourceDbiResourceId,
          ...(restore.restoreTime === "latest"
            ? { use_latest_restorable_time: "true" }
            : { restore_time: restore.restoreTime }),
        },
      };
  }
}
