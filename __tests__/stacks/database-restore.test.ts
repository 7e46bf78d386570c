/**
 * Restoring the database is a config change (database.restore): the data stack creates the same
 * instance from the backup with every one of its settings, the review calls it a replacement, and
 * the app's login Jobs run again to re-sync the login in the restored data.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktf";
import { CONCERNS, type EnvironmentConfig } from "../../config";
import { waiversFor } from "../../config/waivers";
import { evaluatePolicy, formatViolation } from "../../modules/policy";
import { dangerous, planDiff } from "../../scripts/review/plan-diff";
import type { Json, SynthOutput, SynthStack } from "../../scripts/review/synth-output";
import { createEnvironmentStacks } from "../../stacks/environment-stacks";
import { loadedWith, type Mutable } from "../helpers";

/** prod, changed by `change`, validated with every declared environment as config does. */
function prodConfig(change: (config: Mutable<EnvironmentConfig>) => void): EnvironmentConfig {
  return loadedWith("prod", change);
}

/** prod, changed by `change`, synthesized. */
function synthProd(change: (config: Mutable<EnvironmentConfig>) => void = () => undefined): SynthOutput {
  const config = prodConfig(change);
  const app = Testing.app();
  const stacks = createEnvironmentStacks(app, config);
  app.synth();
  return new Map(
    CONCERNS.map((concern) => {
      const id = `prod-${concern}`;
      const json = JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", id, "cdk.tf.json"), "utf8")) as Json;
      const dependencies = stacks[concern].dependencies.map((d) => d.node.id).sort();
      return [id, { id, environment: "prod", dependencies, json }];
    }),
  );
}

const postgres = (output: SynthOutput) => ((output.get("prod-data")?.json.module as Json).postgres ?? {}) as Json;
const jobs = (output: SynthOutput) =>
  Object.entries(((output.get("prod-app")?.json.resource as Json).kubernetes_job_v1 ?? {}) as Record<string, Json>);

const SNAPSHOT = "rds:marketing-agents-prod-2026-12-01-03-10";
const RECOVERY_POINT = "arn:aws:rds:us-east-1:333333333333:snapshot:awsbackup:job-0b1c2d3e-4f56-7890-abcd-ef0123456789";
const RESOURCE_ID = "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ";

describe("restoring the database by config", () => {
  const created = synthProd();
  const fromSnapshot = synthProd((c) => {
    c.database.restore = { from: "snapshot", snapshotIdentifier: SNAPSHOT };
  });

  it("an environment created empty passes no restore input and keeps automated backups after a delete", () => {
    expect(postgres(created)).not.toHaveProperty("snapshot_identifier");
    expect(postgres(created)).not.toHaveProperty("restore_to_point_in_time");
    expect(postgres(created)).toMatchObject({ delete_automated_backups: false, deletion_protection: true });
  });

  it("restores a snapshot into the same instance, every other setting intact", () => {
    const { snapshot_identifier: snapshot, ...rest } = postgres(fromSnapshot);
    expect(snapshot).toBe(SNAPSHOT);
    // Security group, parameter group forcing TLS, Multi-AZ, KMS key, monitoring...: all as before.
    expect(rest).toEqual(postgres(created));
    expect(rest).toMatchObject({
      identifier: "marketing-agents-prod",
      multi_az: true,
      storage_encrypted: true,
      kms_key_id: expect.stringMatching(/environment-key/),
      vpc_security_group_ids: [expect.stringMatching(/database-sg/)],
      parameters: expect.arrayContaining([{ name: "rds.force_ssl", value: "1" }]),
      monitoring_interval: 60,
      create_monitoring_role: true,
      deletion_protection: true,
    });
  });

  it("restores an AWS Backup recovery point as the DB snapshot it is, by its ARN", () => {
    const output = synthProd((c) => {
      c.database.restore = { from: "backup", recoveryPointArn: RECOVERY_POINT };
    });
    expect(postgres(output).snapshot_identifier).toBe(RECOVERY_POINT);
  });

  it.each([
    ["2026-12-01T03:15:00Z", { source_dbi_resource_id: RESOURCE_ID, restore_time: "2026-12-01T03:15:00Z" }],
    ["latest", { source_dbi_resource_id: RESOURCE_ID, use_latest_restorable_time: "true" }],
  ])("restores to a point in time (%s) from the automated backups of an instance, by DbiResourceId", (time, block) => {
    const output = synthProd((c) => {
      c.database.restore = { from: "point-in-time", sourceDbiResourceId: RESOURCE_ID, restoreTime: time };
    });
    expect(postgres(output).restore_to_point_in_time).toEqual(block);
    expect(postgres(output)).not.toHaveProperty("snapshot_identifier");
  });

  it("lifts deletion protection, and nothing else, for the first step of a drill", () => {
    const lifted = synthProd((c) => {
      c.database.liftDeletionProtection = true;
    });
    expect(postgres(lifted).deletion_protection).toBe(false);
    expect(postgres(lifted)).toEqual({ ...postgres(created), deletion_protection: false });
  });

  it.each([
    [
      "the drill's lifted deletion protection",
      (c: Mutable<EnvironmentConfig>) => (c.database.liftDeletionProtection = true),
    ],
    [
      "a restored instance",
      (c: Mutable<EnvironmentConfig>) => (c.database.restore = { from: "snapshot", snapshotIdentifier: SNAPSHOT }),
    ],
  ])("the policy gate passes %s in production, with the waivers config gives it", (_, change) => {
    const data = synthProd(change).get("prod-data") as SynthStack;
    const waivers = waiversFor([prodConfig(change)]).filter((w) => w.stack === data.id);
    const report = evaluatePolicy([{ stack: data.id, production: true, json: data.json }], waivers);
    expect(report.violations.map(formatViolation)).toEqual([]);
    expect(report.waiverProblems).toEqual([]);
  });

  it("runs the app's login Jobs again, named after the data's origin and the instance's DbiResourceId", () => {
    const names = (output: SynthOutput) => jobs(output).map(([, job]) => (job.metadata as Json).name as string);
    const origin = (output: SynthOutput) =>
      jobs(output).map(([, job]) => ((job.metadata as Json).annotations as Json)["marketing-agents/database-origin"]);
    expect(names(created)).toHaveLength(2);
    for (const name of names(created)) expect(name).toMatch(/db_instance_resource_id/);
    expect(names(fromSnapshot)).not.toEqual(names(created));
    expect(origin(created)).toEqual(["created empty", "created empty"]);
    expect(origin(fromSnapshot)).toEqual([`snapshot ${SNAPSHOT}`, `snapshot ${SNAPSHOT}`]);
  });

  it("npm run review calls the restore a replacement of the database, and the Jobs' re-run", () => {
    const changes = planDiff(created, fromSnapshot);
    expect(dangerous(changes)).toEqual([
      expect.objectContaining({
        stack: "prod-data",
        address: "module.postgres",
        action: "replace",
        note: expect.stringContaining("snapshot_identifier"),
      }),
    ]);
    // Both Jobs get a new name (Kubernetes runs a renamed Job anew) and say where the data came from.
    const jobChanges = changes.filter((c) => c.address.startsWith("kubernetes_job_v1."));
    // PGHOST reads the module's address: review does not trace module outputs one by one, so a
    // replaced module marks every output it feeds as known after apply (docs/review.md, Limits).
    const jobPaths = [
      "metadata.annotations.marketing-agents/database-origin",
      "metadata.name",
      "spec.template.spec.container[name=psql].env[name=PGHOST].value",
    ];
    expect(jobChanges.map((c) => c.changes.map((a) => a.path))).toEqual([jobPaths, jobPaths]);
  });

  it("the runbook's drill names what the code does: the review's words, the Jobs' annotation, the vault", () => {
    const runbook = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "runbook.md"), "utf8");
    const drill = runbook.slice(runbook.indexOf("### Restore the database")).replace(/\s+/g, " ");
    expect(drill).toContain("`module.postgres` **replace**");
    expect(drill).toContain("`snapshot_identifier` (or `restore_to_point_in_time`)");
    expect(drill).toContain("`marketing-agents/database-origin`");
    expect(drill).toContain("`database.liftDeletionProtection: true`");
    expect(drill).toContain("--backup-vault-name marketing-agents-<env>-database ");
    expect(drill).toContain("npm run deploy -- <env> data app --apply");
    expect(drill).toContain("**Expected downtime**");
  });

  it("npm run review calls removing the restore a replacement too (the instance would come back empty)", () => {
    const [change] = dangerous(planDiff(fromSnapshot, created));
    expect(change).toMatchObject({ address: "module.postgres", action: "replace" });
  });
});
