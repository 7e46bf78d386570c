/**
 * Whether `database.restore` names something RDS can restore from. A restore replaces the
 * instance, and Terraform deletes the old one before it creates the new one: a source that does
 * not exist would fail the create only after the environment's database is gone. Asked only while
 * the restore is still to be applied: once the instance came from it, the source may expire
 * (automated snapshots and backups do) without anything to check.
 */
import {
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  type RDSClient,
} from "@aws-sdk/client-rds";
import { resourcePrefix, type EnvironmentConfig } from "../../config";
import { attributesOf, type AppliedState } from "./applied-state";
import { awsErrorName } from "./aws-errors";
import { DeployError } from "./deploy-error";

type Restore = NonNullable<EnvironmentConfig["database"]["restore"]>;

/**
 * True when the data stack's instance was created from exactly this source (its state's
 * `snapshot_identifier` or `restore_to_point_in_time`, as stacks/data-stack.ts sets them).
 */
export function restoreApplied(state: AppliedState | undefined, restore: Restore): boolean {
  const [instance] = state ? attributesOf(state, "aws_db_instance") : [];
  if (!instance) return false;
  if (restore.from !== "point-in-time") {
    const source = restore.from === "snapshot" ? restore.snapshotIdentifier : restore.recoveryPointArn;
    return String(instance.snapshot_identifier ?? "").toLowerCase() === source.toLowerCase();
  }
  const [pointInTime] = (instance.restore_to_point_in_time ?? []) as Record<string, unknown>[];
  if (!pointInTime || pointInTime.source_dbi_resource_id !== restore.sourceDbiResourceId) return false;
  return restore.restoreTime === "latest"
    ? String(pointInTime.use_latest_restorable_time) === "true"
    : Date.parse(String(pointInTime.restore_time)) === Date.parse(restore.restoreTime);
}

/**
 * Throws a one-line DeployError when the source is missing; returns what it found. `state` is the
 * data stack's (undefined: never applied), which says whether an instance would be deleted first.
 */
export async function checkRestoreSource(
  rds: RDSClient,
  config: EnvironmentConfig,
  state: AppliedState | undefined,
): Promise<string> {
  const restore = config.database.restore as Restore;
  const failure = (state ? attributesOf(state, "aws_db_instance") : []).length
    ? "the restore would fail only after Terraform deleted the running instance"
    : "the apply would fail creating the instance";
  return restore.from === "point-in-time"
    ? pointInTimeFound(rds, config, restore, failure)
    : snapshotFound(rds, config, restore, failure);
}

/**
 * A DB snapshot, by its name in this account and region (config takes no other: config/schema.ts);
 * an AWS Backup recovery point of RDS is the snapshot `awsbackup:job-<id>`. RDS finds an
 * automated one (`rds:...`) only when asked for that type:
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBSnapshots.html
 */
async function snapshotFound(
  rds: RDSClient,
  config: EnvironmentConfig,
  restore: Extract<Restore, { from: "snapshot" | "backup" }>,
  failure: string,
): Promise<string> {
  const [setting, source] =
    restore.from === "snapshot"
      ? ["snapshotIdentifier", restore.snapshotIdentifier]
      : ["recoveryPointArn", restore.recoveryPointArn];
  const name = source.includes(":snapshot:")
    ? source.slice(source.indexOf(":snapshot:") + ":snapshot:".length)
    : source;
  const type = name.startsWith("rds:") ? "automated" : name.startsWith("awsbackup:") ? "awsbackup" : undefined;
  const where = `${config.account.region} of account ${config.account.id}`;
  const list =
    restore.from === "snapshot"
      ? `aws rds describe-db-snapshots --db-instance-identifier ${resourcePrefix(config)} --query 'DBSnapshots[].[DBSnapshotIdentifier,SnapshotCreateTime]'`
      : `aws backup list-recovery-points-by-backup-vault --backup-vault-name ${resourcePrefix(config)}-database --query 'RecoveryPoints[].[RecoveryPointArn,CreationDate]'`;
  const snapshot = await describeSnapshot(rds, name, type);
  if (!snapshot) {
    throw new DeployError(
      `environment "${config.name}": setting database.restore.${setting}: no DB snapshot ${name} in ${where}, and ${failure}: pick one that exists (${list}) (docs/runbook.md, "Restore the database")`,
    );
  }
  const status = snapshot.Status;
  if (status !== "available") {
    throw new DeployError(
      `environment "${config.name}": setting database.restore.${setting}: DB snapshot ${name} is ${status ?? "of unknown status"}, not available, and RDS restores only an available one: wait until it is (aws rds describe-db-snapshots --db-snapshot-identifier ${name}${type ? ` --snapshot-type ${type}` : ""} --query 'DBSnapshots[].Status'), then deploy again`,
    );
  }
  return `DB snapshot ${name} (available)`;
}

/**
 * The automated backups of an instance, by DbiResourceId, kept after it was deleted: their restore
 * window runs from the earliest backup to, for a live instance, its LatestRestorableTime.
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstanceAutomatedBackups.html
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html
 */
async function pointInTimeFound(
  rds: RDSClient,
  config: EnvironmentConfig,
  restore: Extract<Restore, { from: "point-in-time" }>,
  failure: string,
): Promise<string> {
  const id = restore.sourceDbiResourceId;
  const backups = await automatedBackupsOf(rds, id);
  const live = await rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: "dbi-resource-id", Values: [id] }] }));
  const list = `aws rds describe-db-instance-automated-backups --db-instance-identifier ${resourcePrefix(config)} --query 'DBInstanceAutomatedBackups[].[DbiResourceId,RestoreWindow.EarliestTime,RestoreWindow.LatestTime]'`;
  if (backups.length === 0) {
    throw new DeployError(
      `environment "${config.name}": setting database.restore.sourceDbiResourceId: RDS keeps no automated backups of ${id} in ${config.account.region} of account ${config.account.id}, and ${failure}: pick an instance that has some (${list}) (docs/runbook.md, "Restore the database")`,
    );
  }
  const earliest = earliestOf(backups.map((b) => b.RestoreWindow?.EarliestTime));
  const latest =
    live.DBInstances?.[0]?.LatestRestorableTime ?? latestOf(backups.map((b) => b.RestoreWindow?.LatestTime));
  const window = `${iso(earliest)} to ${iso(latest)}`;
  if (restore.restoreTime === "latest") return `automated backups of ${id}, restorable ${window}`;
  const time = new Date(restore.restoreTime);
  if ((earliest && time < earliest) || (latest && time > latest)) {
    throw new DeployError(
      `environment "${config.name}": setting database.restore.restoreTime ${restore.restoreTime} is outside the restore window of ${id} (${window}, UTC), and ${failure}: pick a time within it, or "latest" (docs/runbook.md, "Restore the database")`,
    );
  }
  return `automated backups of ${id}, restorable ${window}`;
}

/** The snapshot, or undefined when RDS has none of that name (and type). */
async function describeSnapshot(rds: RDSClient, name: string, type: string | undefined) {
  try {
    const found = await rds.send(
      new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: name, ...(type ? { SnapshotType: type } : {}) }),
    );
    return found.DBSnapshots?.[0];
  } catch (error) {
    if (/^DBSnapshotNotFound(Fault)?$/.test(awsErrorName(error))) return undefined;
    throw error;
  }
}

async function automatedBackupsOf(rds: RDSClient, id: string) {
  try {
    const found = await rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DbiResourceId: id }));
    return found.DBInstanceAutomatedBackups ?? [];
  } catch (error) {
    if (/^DBInstanceAutomatedBackupNotFound(Fault)?$/.test(awsErrorName(error))) return [];
    throw error;
  }
}

function earliestOf(times: (Date | undefined)[]): Date | undefined {
  const known = times.filter((t): t is Date => t instanceof Date);
  return known.length > 0 ? new Date(Math.min(...known.map((t) => t.getTime()))) : undefined;
}

function latestOf(times: (Date | undefined)[]): Date | undefined {
  const known = times.filter((t): t is Date => t instanceof Date);
  return known.length > 0 ? new Date(Math.max(...known.map((t) => t.getTime()))) : undefined;
}

/** 2026-12-01T03:15:00Z, as config writes a restore time; "unknown" when RDS gave none. */
function iso(time: Date | undefined): string {
  return time ? time.toISOString().replace(/\.\d{3}Z$/, "Z") : "unknown";
}
