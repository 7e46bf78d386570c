import { Id } from "@cdktf/provider-random/lib/id";
import type { Construct } from "constructs";
import type { AwsManagedPolicyName } from "./aws-managed-policies";
import { RegistryModule, type RegistryModuleSpec } from "./registry-module";

/** terraform-aws-modules/rds/aws: 6.13.1 is the newest release that accepts AWS provider 6.25.0. */
export const RDS_MODULE: RegistryModuleSpec = {
  source: "terraform-aws-modules/rds/aws",
  version: "6.13.1",
  inputs: [
    "identifier",
    "engine",
    "engine_version",
    "engine_lifecycle_support",
    "family",
    "major_engine_version",
    "instance_class",
    "allocated_storage",
    "max_allocated_storage",
    "storage_type",
    "storage_encrypted",
    "kms_key_id",
    "db_name",
    "username",
    "port",
    "manage_master_user_password",
    "master_user_secret_kms_key_id",
    "multi_az",
    "create_db_subnet_group",
    "db_subnet_group_name",
    "vpc_security_group_ids",
    "publicly_accessible",
    "maintenance_window",
    "backup_window",
    "backup_retention_period",
    "skip_final_snapshot",
    "final_snapshot_identifier_prefix",
    "deletion_protection",
    "delete_automated_backups",
    "snapshot_identifier",
    "restore_to_point_in_time",
    "copy_tags_to_snapshot",
    "allow_major_version_upgrade",
    "auto_minor_version_upgrade",
    "iam_database_authentication_enabled",
    "performance_insights_enabled",
    "performance_insights_kms_key_id",
    "performance_insights_retention_period",
    "enabled_cloudwatch_logs_exports",
    "create_cloudwatch_log_group",
    "cloudwatch_log_group_retention_in_days",
    "cloudwatch_log_group_kms_key_id",
    "monitoring_interval",
    "create_monitoring_role",
    "monitoring_role_name",
    "monitoring_role_permissions_boundary",
    "create_db_parameter_group",
    "parameter_group_name",
    "parameters",
    "create_db_option_group",
    "tags",
  ],
};

/** Values of `engine_lifecycle_support` (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html). */
export type EngineLifecycleSupport = "open-source-rds-extended-support" | "open-source-rds-extended-support-disabled";

/**
 * The module's inputs whose change replaces the DB instance: they reach arguments of
 * aws_db_instance that force a new resource in AWS provider 6.25.0 (the review's table,
 * scripts/review/schema/replacements.json, checks this list).
 */
export const INSTANCE_REPLACING_INPUTS = [
  "db_name",
  "engine",
  "kms_key_id",
  "restore_to_point_in_time",
  "snapshot_identifier",
  "storage_encrypted",
  "username",
] as const;

/** A module input as a keeper's string: a map (`restore_to_point_in_time`) as sorted `key=value` pairs. */
function keeperValue(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "object") return String(value);
  return Object.entries(value)
    .map(([key, item]) => `${key}=${String(item)}`)
    .sort()
    .join(",");
}

/** One database parameter (module `parameters` item). */
export interface RdsParameter {
  /** Parameter name, e.g. rds.force_ssl. */
  readonly name: string;
  /** Value, as a string. */
  readonly value: string;
  /** `immediate` or `pending-reboot` (static parameters). */
  readonly apply_method?: "immediate" | "pending-reboot";
}

/** Inputs of the RDS module we set; names follow its variables.tf in camelCase. */
export interface RdsModuleProps {
  /** Name of the DB instance. */
  readonly identifier: string;
  /** Database engine, e.g. postgres. */
  readonly engine: string;
  /** Engine version; a major alone ("15") lets RDS pick the newest minor. */
  readonly engineVersion: string;
  /**
   * RDS Extended Support enrolment: `open-source-rds-extended-support` lets the major run past its
   * end of standard support (charged), `-disabled` has RDS upgrade it then. RDS reads it only when
   * it creates or restores the instance. @default null (RDS enrols)
   */
  readonly engineLifecycleSupport?: EngineLifecycleSupport;
  /** Parameter group family, e.g. postgres15. */
  readonly family: string;
  /** Major version of the option group. */
  readonly majorEngineVersion: string;
  /** Instance class, e.g. db.t3.micro. */
  readonly instanceClass: string;
  /** Initial storage (GiB). */
  readonly allocatedStorage: number;
  /** Storage autoscaling ceiling (GiB); 0 turns autoscaling off. @default 0 */
  readonly maxAllocatedStorage?: number;
  /** gp3, gp2, io1... @default null (gp2, or gp3 by the engine's default) */
  readonly storageType?: string;
  /** Encrypt storage. @default true */
  readonly storageEncrypted?: boolean;
  /** KMS key ARN for storage encryption. @default null (aws/rds) */
  readonly kmsKeyId?: string;
  /** Database created at launch. @default null (none) */
  readonly dbName?: string;
  /** Master user name (not secret). @default null */
  readonly username?: string;
  /** Listener port. @default null (engine default) */
  readonly port?: string;
  /** RDS generates the master password and keeps it in Secrets Manager. @default true */
  readonly manageMasterUserPassword?: boolean;
  /** KMS key ARN of that secret. @default null (aws/secretsmanager) */
  readonly masterUserSecretKmsKeyId?: string;
  /** Standby in another AZ. @default false */
  readonly multiAz?: boolean;
  /** Let the module create a subnet group. @default false */
  readonly createDbSubnetGroup?: boolean;
  /** Existing DB subnet group. @default null */
  readonly dbSubnetGroupName?: string;
  /** Security groups of the instance. @default [] */
  readonly vpcSecurityGroupIds?: string[];
  /** Public IP address. @default false */
  readonly publiclyAccessible?: boolean;
  /** Weekly maintenance window, ddd:hh:mm-ddd:hh:mm UTC. @default null */
  readonly maintenanceWindow?: string;
  /** Daily backup window, hh:mm-hh:mm UTC. @default null */
  readonly backupWindow?: string;
  /** Days of automated backups. @default null */
  readonly backupRetentionPeriod?: number;
  /** Skip the final snapshot on delete. @default false */
  readonly skipFinalSnapshot?: boolean;
  /**
   * Prefix of the final snapshot's name; the wrapper appends a random suffix that changes whenever
   * the instance is replaced (see {@link RdsModule}). @default "final"
   */
  readonly finalSnapshotIdentifierPrefix?: string;
  /** Refuse deletes. @default false */
  readonly deletionProtection?: boolean;
  /**
   * Delete the automated backups with the instance; false keeps them (until their retention ends),
   * so an instance replaced by a restore can still be restored to a point in time. @default true
   */
  readonly deleteAutomatedBackups?: boolean;
  /**
   * Create the instance from this DB snapshot (name or ARN; an AWS Backup recovery point of RDS is
   * one). Changing it replaces the instance. @default null (an empty database)
   */
  readonly snapshotIdentifier?: string;
  /**
   * Create the instance from automated backups at a point in time (module `restore_to_point_in_time`,
   * the keys of the resource's block: `source_dbi_resource_id`, `restore_time` or
   * `use_latest_restorable_time`...). Changing it replaces the instance. @default null
   */
  readonly restoreToPointInTime?: Readonly<Record<string, string>>;
  /** Copy tags to snapshots. @default false */
  readonly copyTagsToSnapshot?: boolean;
  /**
   * Major version upgrades are allowed: RDS refuses an `engineVersion` of another major without it.
   * Changing it causes no outage and upgrades nothing by itself. @default false
   */
  readonly allowMajorVersionUpgrade?: boolean;
  /** Apply minor engine upgrades in the maintenance window. @default true */
  readonly autoMinorVersionUpgrade?: boolean;
  /** IAM database authentication. @default false */
  readonly iamDatabaseAuthenticationEnabled?: boolean;
  /** Performance Insights. @default false */
  readonly performanceInsightsEnabled?: boolean;
  /** KMS key ARN of Performance Insights data. @default null */
  readonly performanceInsightsKmsKeyId?: string;
  /** Days of Performance Insights data (7 is free). @default 7 */
  readonly performanceInsightsRetentionPeriod?: number;
  /** Logs exported to CloudWatch, e.g. ["postgresql", "upgrade"]. @default [] */
  readonly enabledCloudwatchLogsExports?: string[];
  /** Create the log groups (so retention and encryption are ours). @default false */
  readonly createCloudwatchLogGroup?: boolean;
  /** Retention of those log groups (days). @default 7 */
  readonly cloudwatchLogGroupRetentionInDays?: number;
  /** KMS key ARN of those log groups. @default null */
  readonly cloudwatchLogGroupKmsKeyId?: string;
  /** Enhanced Monitoring interval (s): 0, 1, 5, 10, 15, 30 or 60. @default 0 */
  readonly monitoringInterval?: number;
  /** Create the Enhanced Monitoring role. @default false */
  readonly createMonitoringRole?: boolean;
  /** Name of that role. @default "rds-monitoring-role" */
  readonly monitoringRoleName?: string;
  /** Permissions boundary of the enhanced-monitoring role. @default null */
  readonly monitoringRolePermissionsBoundary?: string;
  /** Create a parameter group. @default true */
  readonly createDbParameterGroup?: boolean;
  /** Name of the parameter group. @default null (identifier) */
  readonly parameterGroupName?: string;
  /** Parameters of the group. @default [] */
  readonly parameters?: RdsParameter[];
  /** Create an option group (PostgreSQL has no options). @default true */
  readonly createDbOptionGroup?: boolean;
  /** Tags on every resource of the module. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * The AWS managed policy the module attaches to the enhanced-monitoring role it creates
 * (`create_monitoring_role`), read from modules/db_instance/main.tf at v6.13.1
 * (https://github.com/terraform-aws-modules/terraform-aws-rds/blob/v6.13.1/modules/db_instance/main.tf).
 */
export const RDS_MONITORING_ROLE_POLICY = "AmazonRDSEnhancedMonitoringRole" satisfies AwsManagedPolicyName;

/**
 * A DB instance with its parameter group, log groups and monitoring role (terraform-aws-modules/rds/aws).
 *
 * Its final snapshot gets a name no earlier instance of it used. The module (v6.13.1,
 * modules/db_instance/main.tf) names it `<prefix>-<identifier>-<random_id hex>` and renews that
 * random only when `identifier` or `snapshot_identifier` changes, so an instance replaced for
 * another reason (a point-in-time restore, a restore undone, a new KMS key) would get the name its
 * predecessor's delete just took, and its own delete would fail with DBSnapshotAlreadyExists
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html). The
 * prefix therefore ends with a random of our own, renewed with every input that replaces the
 * instance. Changing the name is an in-place update of state only: AWS provider 6.25 sends no
 * ModifyDBInstance for `final_snapshot_identifier` (resourceInstanceUpdate) and passes it at the delete.
 */
export class RdsModule extends RegistryModule {
  constructor(scope: Construct, id: string, props: RdsModuleProps) {
    super(scope, id, RDS_MODULE, props);
    if (!props.skipFinalSnapshot) this.nameFinalSnapshotsApart(id, props);
  }

  /** Appends to the final snapshot's prefix a random renewed whenever the instance is replaced. */
  private nameFinalSnapshotsApart(id: string, props: RdsModuleProps): void {
    const inputs = this.module.variables as Record<string, unknown>;
    const keepers = Object.fromEntries(INSTANCE_REPLACING_INPUTS.map((input) => [input, keeperValue(inputs[input])]));
    const suffix = new Id(this, "final-snapshot-suffix", { byteLength: 4, keepers });
    suffix.overrideLogicalId(`${id}-final-snapshot-suffix`);
    this.module.set(
      "final_snapshot_identifier_prefix",
      `${props.finalSnapshotIdentifierPrefix ?? "final"}-${suffix.hex}`,
    );
  }

  /** Host name of the instance (output `db_instance_address`). */
  get address(): string {
    return this.output("db_instance_address");
  }

  /** Port of the instance (output `db_instance_port`). */
  get port(): string {
    return this.output("db_instance_port");
  }

  /** ARN of the RDS-managed secret holding the master credentials (output `db_instance_master_user_secret_arn`). */
  get masterUserSecretArn(): string {
    return this.output("db_instance_master_user_secret_arn");
  }

  /** ARN of the instance (output `db_instance_arn`). */
  get arn(): string {
    return this.output("db_instance_arn");
  }

  /** DbiResourceId of the instance: new whenever the instance is (output `db_instance_resource_id`). */
  get resourceId(): string {
    return this.output("db_instance_resource_id");
  }

  /** Identifier of the instance (output `db_instance_identifier`). */
  get instanceIdentifier(): string {
    return this.output("db_instance_identifier");
  }
}
