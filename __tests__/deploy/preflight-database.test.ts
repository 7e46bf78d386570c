import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktf";
import {
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
} from "@aws-sdk/client-rds";
import { GetObjectCommand, HeadBucketCommand } from "@aws-sdk/client-s3";
import { loadEnvironments, type EnvironmentConfig } from "../../config";
import { DeployError } from "../../scripts/deploy/deploy-error";
import { runPreflight, type PreflightTarget } from "../../scripts/deploy/preflight";
import { createEnvironmentStacks } from "../../stacks/environment-stacks";
import {
  STATE_SECRET,
  appDeployment,
  appExternalSecrets,
  databaseInstance,
  loginPassword,
  stateResource,
  statesByConcern,
} from "./applied-state-helpers";
import { awsError, healthyAws, reachableProbes, withOwnGithubIds } from "./deploy-helpers";

const [dev] = loadEnvironments("dev").map(withOwnGithubIds);

type Database = EnvironmentConfig["database"];
const withDatabase = (database: Partial<Database>): EnvironmentConfig => ({
  ...dev,
  database: { ...dev.database, ...database } as Database,
});
const atGeneration = (appLoginGeneration: number) => withDatabase({ appLoginGeneration });

function target(config: EnvironmentConfig, concerns = ["data", "app"]): PreflightTarget {
  return { config, concerns, deployedDependencies: [], imageTag: "0.1.0", mode: "apply" };
}

async function outcome(t: PreflightTarget): Promise<{ failure?: string; lines: string[] }> {
  const lines: string[] = [];
  try {
    await runPreflight(t, reachableProbes, (line) => lines.push(line));
    return { lines };
  } catch (error) {
    expect(error).toBeInstanceOf(DeployError);
    return { failure: (error as Error).message, lines };
  }
}

async function failureOf(t: PreflightTarget): Promise<string> {
  const { failure } = await outcome(t);
  if (failure === undefined) throw new Error("expected preflight to fail");
  expect(failure).not.toContain("\n");
  return failure;
}

type Mocks = ReturnType<typeof healthyAws>;

describe("preflight: the app login's generation moves by one rotation at most", () => {
  let aws: Mocks;
  beforeEach(() => {
    aws = healthyAws(dev.account.id);
  });
  afterEach(() => Object.values(aws).forEach((m) => m.restore()));

  const applied = (data: number | undefined, app: number[] | undefined) =>
    aws.s3.on(GetObjectCommand).callsFake(
      statesByConcern({
        ...(data === undefined ? {} : { data: [loginPassword(data), databaseInstance()] }),
        ...(app === undefined ? {} : { app: [appDeployment(app[app.length - 1]), appExternalSecrets(...app)] }),
      }),
    );

  it("fails on a jump by two, before any terraform, with one line naming the setting, the applied value and what is allowed", async () => {
    applied(0, [0]);
    expect(await failureOf(target(atGeneration(2)))).toBe(
      'preflight: environment "dev": setting database.appLoginGeneration is 2, but the environment runs generation 0 (its pods log in as marketing_agents_app_a): allowed 0 or 1, and 2 would set a new password on marketing_agents_app_a while the pods use it (an outage until they roll): set 1 in config/dev.ts, deploy data and app, then add one again (docs/day-2.md, "On a credential rotation")',
    );
  });

  it("fails when a second rotation is merged while the first waits for its second delivery (data applied, app not)", async () => {
    applied(1, [0]);
    expect(await failureOf(target(atGeneration(2)))).toMatch(
      /setting database\.appLoginGeneration is 2, but the environment runs generation 0 \(its pods log in as marketing_agents_app_a\) and dev-data already applied 1: allowed 1, and 2 would set a new password on marketing_agents_app_a while the pods use it/,
    );
  });

  it("fails on a rollout of the app alone, too", async () => {
    applied(0, [0]);
    expect(await failureOf(target(atGeneration(2), ["app"]))).toMatch(/setting database\.appLoginGeneration is 2/);
  });

  it("fails on a decrease", async () => {
    applied(3, [3]);
    expect(await failureOf(target(atGeneration(2)))).toMatch(
      /is 2, but the environment runs generation 3 \(its pods log in as marketing_agents_app_b\): allowed 3 or 4, and a generation never decreases: set 3 in config\/dev\.ts \(docs/,
    );
  });

  it("counts a rollout that failed half-way by the login its old ExternalSecret (still deposed) feeds", async () => {
    applied(1, [0, 1]);
    expect(await failureOf(target(atGeneration(2)))).toMatch(/runs generation 0 .* allowed 1,/);
  });

  it.each([
    ["the same generation", 0, [0], 0, "0, as applied"],
    ["one rotation", 0, [0], 1, "0 -> 1: a rotation"],
    ["the second delivery of a rotation", 1, [0], 1, "0 -> 1: a rotation"],
    ["a rotation once the last one is done", 1, [1], 2, "1 -> 2: a rotation"],
  ])("passes %s", async (_name, data, app, wanted, note) => {
    applied(data, app);
    const { failure, lines } = await outcome(target(atGeneration(wanted)));
    expect(failure).toBeUndefined();
    expect(lines).toContain(`  ok    database.appLoginGeneration moves by one rotation at most: ${note}`);
  });

  it("passes a first deploy: no state yet, or no state bucket yet", async () => {
    applied(undefined, undefined);
    expect((await outcome(target(atGeneration(4)))).failure).toBeUndefined();
    aws.s3.on(HeadBucketCommand).rejects(awsError("NotFound"));
    const { failure, lines } = await outcome(target(atGeneration(4), ["bootstrap", "network", "cluster", "data"]));
    expect(failure).toBeUndefined();
    expect(lines).toContain(
      "  ok    database.appLoginGeneration moves by one rotation at most: 4 (no state yet: a first deploy)",
    );
  });

  it("reads neither state where neither data nor app is selected", async () => {
    applied(0, [0]);
    await outcome(target(atGeneration(2), ["network", "cluster"]));
    expect(aws.s3.commandCalls(GetObjectCommand)).toEqual([]);
  });

  it("shows nothing of the states it reads", async () => {
    applied(0, [0]);
    const { failure, lines } = await outcome(target(atGeneration(2)));
    expect([failure, ...lines].join("\n")).not.toContain(STATE_SECRET);
  });

  describe("reads the generation where the stacks, as synthesized, record it", () => {
    const synthesizedAt = (generation: number) => {
      const config = atGeneration(generation);
      const app = Testing.app();
      createEnvironmentStacks(app, config);
      app.synth();
      const json = (concern: string) =>
        JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", `dev-${concern}`, "cdk.tf.json"), "utf8"));
      // The state keeps each resource's arguments as its attributes.
      const asState = (concern: string, types: string[]) =>
        types.flatMap((type) =>
          Object.entries((json(concern).resource?.[type] ?? {}) as Record<string, Record<string, unknown>>).map(
            ([name, attributes]) => stateResource(type, name, [attributes]),
          ),
        );
      return statesByConcern({
        data: asState("data", ["random_password", "random_id"]),
        app: asState("app", ["kubernetes_deployment_v1", "kubernetes_manifest", "kubernetes_job_v1"]),
      });
    };

    it("an environment applied at generation 3 may go to 4, not to 5", async () => {
      aws.s3.on(GetObjectCommand).callsFake(synthesizedAt(3));
      expect((await outcome(target(atGeneration(4)))).failure).toBeUndefined();
      expect(await failureOf(target(atGeneration(5)))).toMatch(
        /is 5, but the environment runs generation 3 \(its pods log in as marketing_agents_app_b\): allowed 3 or 4/,
      );
    });
  });
});

describe("preflight: the source of database.restore exists", () => {
  let aws: Mocks;
  beforeEach(() => {
    aws = healthyAws(dev.account.id);
  });
  afterEach(() => Object.values(aws).forEach((m) => m.restore()));

  const snapshot = withDatabase({
    restore: { from: "snapshot", snapshotIdentifier: "rds:marketing-agents-dev-2026-12-01-03-10" },
  });
  const jobArn = "arn:aws:rds:us-east-1:111111111111:snapshot:awsbackup:job-0123abcd-4567-89ef-0123-456789abcdef";
  const backup = withDatabase({ restore: { from: "backup", recoveryPointArn: jobArn } });
  const pointInTime = (restoreTime: string) =>
    withDatabase({
      restore: { from: "point-in-time", sourceDbiResourceId: "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ", restoreTime },
    });
  const window = (earliest: string, latest: string) => {
    aws.rds.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({
      DBInstanceAutomatedBackups: [
        {
          DbiResourceId: "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
          Status: "active",
          RestoreWindow: { EarliestTime: new Date(earliest) },
        },
      ],
    });
    aws.rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ LatestRestorableTime: new Date(latest) }] });
  };

  it("fails on a DB snapshot RDS does not have, with one line naming the setting", async () => {
    aws.rds.on(DescribeDBSnapshotsCommand).rejects(awsError("DBSnapshotNotFoundFault", "DBSnapshot not found"));
    expect(await failureOf(target(snapshot, ["data"]))).toBe(
      `preflight: environment "dev": setting database.restore.snapshotIdentifier: no DB snapshot rds:marketing-agents-dev-2026-12-01-03-10 in us-east-1 of account 111111111111, and the restore would fail only after Terraform deleted the running instance: pick one that exists (aws rds describe-db-snapshots --db-instance-identifier marketing-agents-dev --query 'DBSnapshots[].[DBSnapshotIdentifier,SnapshotCreateTime]') (docs/runbook.md, "Restore the database")`,
    );
  });

  it("says so where no instance would be deleted first (a recreate from a snapshot)", async () => {
    aws.s3.on(GetObjectCommand).callsFake(statesByConcern({}));
    aws.rds.on(DescribeDBSnapshotsCommand).rejects(awsError("DBSnapshotNotFoundFault", "DBSnapshot not found"));
    expect(await failureOf(target(snapshot, ["data"]))).toMatch(
      /no DB snapshot rds:marketing-agents-dev-2026-12-01-03-10 in us-east-1 of account 111111111111, and the apply would fail creating the instance: pick one/,
    );
  });

  it("asks for an automated snapshot by its type, as RDS requires", async () => {
    aws.rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ Status: "available" }] });
    const { failure, lines } = await outcome(target(snapshot, ["data"]));
    expect(failure).toBeUndefined();
    expect(aws.rds.commandCalls(DescribeDBSnapshotsCommand)[0].args[0].input).toEqual({
      DBSnapshotIdentifier: "rds:marketing-agents-dev-2026-12-01-03-10",
      SnapshotType: "automated",
    });
    expect(lines).toContain(
      "  ok    the source of database.restore exists: DB snapshot rds:marketing-agents-dev-2026-12-01-03-10 (available)",
    );
  });

  it("fails on a snapshot that is not available yet", async () => {
    aws.rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ Status: "creating" }] });
    expect(await failureOf(target(snapshot, ["data"]))).toMatch(
      /setting database\.restore\.snapshotIdentifier: DB snapshot rds:marketing-agents-dev-2026-12-01-03-10 is creating, not available/,
    );
  });

  it("fails on an AWS Backup recovery point RDS does not have, asked as the awsbackup snapshot it is", async () => {
    aws.rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });
    expect(await failureOf(target(backup, ["data"]))).toMatch(
      /^preflight: environment "dev": setting database\.restore\.recoveryPointArn: no DB snapshot awsbackup:job-0123abcd-4567-89ef-0123-456789abcdef in us-east-1 of account 111111111111, .*aws backup list-recovery-points-by-backup-vault --backup-vault-name marketing-agents-dev-database/,
    );
    expect(aws.rds.commandCalls(DescribeDBSnapshotsCommand)[0].args[0].input).toEqual({
      DBSnapshotIdentifier: "awsbackup:job-0123abcd-4567-89ef-0123-456789abcdef",
      SnapshotType: "awsbackup",
    });
  });

  it("fails on a point in time of an instance RDS keeps no automated backups of", async () => {
    aws.rds
      .on(DescribeDBInstanceAutomatedBackupsCommand)
      .rejects(awsError("DBInstanceAutomatedBackupNotFoundFault", "not found"));
    aws.rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    expect(await failureOf(target(pointInTime("latest"), ["data"]))).toMatch(
      /^preflight: environment "dev": setting database\.restore\.sourceDbiResourceId: RDS keeps no automated backups of db-ABCDEFGHIJKLMNOPQRSTUVWXYZ in us-east-1 of account 111111111111, /,
    );
  });

  it.each([
    ["before the earliest backup", "2026-11-30T23:59:59Z"],
    ["after the latest restorable time", "2026-12-07T10:00:00Z"],
  ])("fails on a point in time %s", async (_name, time) => {
    window("2026-12-01T03:10:00Z", "2026-12-07T09:55:00Z");
    expect(await failureOf(target(pointInTime(time), ["data"]))).toBe(
      `preflight: environment "dev": setting database.restore.restoreTime ${time} is outside the restore window of db-ABCDEFGHIJKLMNOPQRSTUVWXYZ (2026-12-01T03:10:00Z to 2026-12-07T09:55:00Z, UTC), and the restore would fail only after Terraform deleted the running instance: pick a time within it, or "latest" (docs/runbook.md, "Restore the database")`,
    );
  });

  it("passes a point in time within the window, and the latest one", async () => {
    window("2026-12-01T03:10:00Z", "2026-12-07T09:55:00Z");
    expect((await outcome(target(pointInTime("2026-12-05T12:00:00Z"), ["data"]))).failure).toBeUndefined();
    expect((await outcome(target(pointInTime("latest"), ["data"]))).failure).toBeUndefined();
  });

  it("asks nothing once the instance came from that source: the source may expire after the restore", async () => {
    aws.s3.on(GetObjectCommand).callsFake(
      statesByConcern({
        data: [
          loginPassword(0),
          databaseInstance({ snapshot_identifier: "rds:marketing-agents-dev-2026-12-01-03-10" }),
        ],
      }),
    );
    aws.rds.on(DescribeDBSnapshotsCommand).rejects(awsError("DBSnapshotNotFoundFault"));
    const { failure, lines } = await outcome(target(snapshot, ["data"]));
    expect(failure).toBeUndefined();
    expect(aws.rds.calls()).toEqual([]);
    expect(lines).toContain(
      "  ok    the source of database.restore exists: dev-data's instance came from it already (not asked again)",
    );
  });

  it("asks again when the instance came from another source, or at another point in time", async () => {
    aws.s3.on(GetObjectCommand).callsFake(
      statesByConcern({
        data: [
          loginPassword(0),
          databaseInstance({
            restore_to_point_in_time: [
              {
                source_dbi_resource_id: "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                restore_time: "2026-12-02T00:00:00Z",
                use_latest_restorable_time: false,
              },
            ],
          }),
        ],
      }),
    );
    window("2026-12-01T03:10:00Z", "2026-12-07T09:55:00Z");
    expect((await outcome(target(pointInTime("2026-12-02T00:00:00Z"), ["data"]))).failure).toBeUndefined();
    expect(aws.rds.calls()).toEqual([]);
    expect(await failureOf(target(pointInTime("2026-11-30T00:00:00Z"), ["data"]))).toMatch(
      /outside the restore window/,
    );
  });

  it("asks nothing where no restore is configured, or the data stack is not selected", async () => {
    await outcome(target(dev, ["data"]));
    await outcome(target(snapshot, ["app"]));
    expect(aws.rds.calls()).toEqual([]);
  });
});
