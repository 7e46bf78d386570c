/** What config accepts as a restore of the database and a rotation of the app's login, and how it refuses the rest. */
import { loadedWith, problemsWhen } from "../helpers";

/** The lines config refuses with (each problem is one line). */
const lines = (problems: string) => problems.split("\n").map((line) => line.replace(/^ {2}- /, ""));

const SNAPSHOT_ARN = "arn:aws:rds:us-east-1:333333333333:snapshot:rds:marketing-agents-prod-2026-12-01-03-10";
const RECOVERY_POINT = "arn:aws:rds:us-east-1:333333333333:snapshot:awsbackup:job-0b1c2d3e-4f56-7890-abcd-ef0123456789";

describe("database.restore", () => {
  it.each([
    ["a snapshot by name", { from: "snapshot", snapshotIdentifier: "rds:marketing-agents-prod-2026-12-01-03-10" }],
    ["a snapshot by ARN", { from: "snapshot", snapshotIdentifier: SNAPSHOT_ARN }],
    ["an AWS Backup recovery point", { from: "backup", recoveryPointArn: RECOVERY_POINT }],
    [
      "a point in time",
      {
        from: "point-in-time",
        sourceDbiResourceId: "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        restoreTime: "2026-12-01T03:15:00Z",
      },
    ],
    [
      "the latest point",
      { from: "point-in-time", sourceDbiResourceId: "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ", restoreTime: "latest" },
    ],
  ])("accepts %s", (_, restore) => {
    const loaded = loadedWith("prod", (c) => {
      (c.database as { restore: unknown }).restore = restore;
    });
    expect(loaded.database.restore).toEqual(restore);
  });

  it.each([
    [
      "an unknown source",
      { from: "tape" },
      'environment "prod", setting database.restore.from: must say where the data comes from: from "snapshot", "backup" or "point-in-time" (or null)',
    ],
    [
      "AWS Backup's generic recovery point ARN",
      { from: "backup", recoveryPointArn: "arn:aws:backup:us-east-1:333333333333:recovery-point:1EB3B5E7" },
      'environment "prod", setting database.restore.recoveryPointArn: must be an RDS recovery point\'s ARN, arn:aws:rds:<region>:<account>:snapshot:awsbackup:job-<id> (aws backup list-recovery-points-by-backup-vault)',
    ],
    [
      "a recovery point copied to the backup plan's second region",
      { from: "backup", recoveryPointArn: RECOVERY_POINT.replace("us-east-1", "us-west-2") },
      'environment "prod", setting database.restore.recoveryPointArn: must be in us-east-1 and account 333333333333 (got us-west-2, 333333333333): copy it there first (aws rds copy-db-snapshot)',
    ],
    [
      "a snapshot of another account",
      { from: "snapshot", snapshotIdentifier: SNAPSHOT_ARN.replace("333333333333", "111111111111") },
      'environment "prod", setting database.restore.snapshotIdentifier: must be in us-east-1 and account 333333333333 (got us-east-1, 111111111111): copy it there first (aws rds copy-db-snapshot)',
    ],
    [
      "an instance identifier where the DbiResourceId belongs",
      { from: "point-in-time", sourceDbiResourceId: "marketing-agents-prod", restoreTime: "latest" },
      'environment "prod", setting database.restore.sourceDbiResourceId: must be a DbiResourceId such as "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ" (not the instance identifier)',
    ],
    [
      "a local time",
      { from: "point-in-time", sourceDbiResourceId: "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ", restoreTime: "2026-12-01 03:15" },
      'environment "prod", setting database.restore.restoreTime: must be a UTC time such as "2026-12-01T03:15:00Z", or "latest"',
    ],
    [
      "both a snapshot and a time",
      { from: "snapshot", snapshotIdentifier: "rds:x", restoreTime: "latest" },
      'environment "prod", setting database.restore: Unrecognized key: "restoreTime"',
    ],
  ])("refuses %s in one line", (_, restore, message) => {
    const problems = problemsWhen("prod", (c) => {
      (c.database as { restore: unknown }).restore = restore;
    });
    expect(lines(problems)).toContain(message);
  });

  it("refuses a point in time where no automated backups are kept", () => {
    const problems = problemsWhen("dev", (c) => {
      c.database.backupRetentionDays = 0;
      c.database.restore = {
        from: "point-in-time",
        sourceDbiResourceId: "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        restoreTime: "latest",
      };
    });
    expect(lines(problems)).toContain(
      'environment "dev", setting database.restore.from: "point-in-time" replays automated backups, and backupRetentionDays 0 keeps none: restore from "snapshot" or "backup"',
    );
  });
});

describe("database.liftDeletionProtection", () => {
  it("is accepted in production, where deletion protection is on (the drill's first step)", () => {
    const loaded = loadedWith("prod", (c) => {
      c.database.liftDeletionProtection = true;
    });
    expect(loaded.database).toMatchObject({ deletionProtection: true, liftDeletionProtection: true });
  });

  it("refuses to lift a protection that is off", () => {
    const problems = problemsWhen("dev", (c) => {
      c.database.liftDeletionProtection = true;
    });
    expect(lines(problems)).toContain(
      'environment "dev", setting database.liftDeletionProtection: lifts nothing: deletionProtection is already false; set liftDeletionProtection false',
    );
  });
});

describe("database.appLoginGeneration", () => {
  it.each([-1, 1.5])("refuses %s: it counts rotations", (generation) => {
    const problems = problemsWhen("staging", (c) => {
      c.database.appLoginGeneration = generation;
    });
    expect(
      lines(problems).some((l) => l.startsWith('environment "staging", setting database.appLoginGeneration: ')),
    ).toBe(true);
  });
});
