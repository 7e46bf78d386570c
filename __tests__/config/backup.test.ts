/** The AWS Backup settings (config/schema.ts): start hour clear of RDS's windows, a copy elsewhere, required in production. */
import { validateEnvironment, type EnvironmentConfig } from "../../config";
import { prod } from "../../config/prod";
import { staging } from "../../config/staging";
import { cloneConfig } from "../helpers";

/** A config whose backup plan and copy the test may set freely (they exist in staging's and prod's). */
type Editable = Omit<EnvironmentConfig, "database" | "stage"> & {
  stage: string;
  database: Omit<EnvironmentConfig["database"], "backupPlan"> & {
    backupPlan: {
      startHourUtc: number;
      retentionDays: number;
      copy: { region: string; retentionDays: number } | null;
    } | null;
  };
};

function problems(base: EnvironmentConfig, change: (c: Editable) => void) {
  const config = cloneConfig(base) as unknown as Editable;
  change(config);
  return validateEnvironment(config).problems;
}

describe("database.backupPlan", () => {
  it.each([
    [1, false], // 01:00-02:00 falls in Monday's maintenance 00:00-02:30
    [2, false], // 02:00-03:00 touches backupWindow 03:00-06:00
    [3, false],
    [5, false],
    [6, false], // 06:00-07:00 touches its end
    [7, true],
    [23, false], // 23:00-00:00 touches Monday's maintenance from 00:00
    [22, true],
  ])("starting at %i:00 in staging is accepted: %s", (hour, accepted) => {
    const found = problems(staging, (c) => (c.database.backupPlan!.startHourUtc = hour));
    if (accepted) expect(found).toEqual([]);
    else
      expect(found.join("\n")).toMatch(
        /setting database\.backupPlan\.startHourUtc: must start clear of (backupWindow|maintenanceWindow)/,
      );
  });

  it.each([
    [2, "backupWindow 03:00-06:00 (its start window 02:00-03:00 meets it): RDS runs one backup at a time"],
    [23, "maintenanceWindow Mon:00:00-Mon:02:30 (its start window 23:00-00:00 meets it)"],
  ])("says which window the start hour %i meets, and when", (hour, clash) => {
    expect(problems(staging, (c) => (c.database.backupPlan!.startHourUtc = hour))).toContain(
      `environment "staging", setting database.backupPlan.startHourUtc: must start clear of ${clash}`,
    );
  });

  it.each([-1, 24])("refuses the start hour %i, saying the hours allowed", (hour) => {
    expect(problems(staging, (c) => (c.database.backupPlan!.startHourUtc = hour))).toContain(
      `environment "staging", setting database.backupPlan.startHourUtc: must be an hour of the day (UTC) from 0 to 23 (got ${hour})`,
    );
  });

  it("refuses a copy in the environment's own region, and a region AWS does not have", () => {
    expect(problems(prod, (c) => (c.database.backupPlan!.copy!.region = "us-east-1"))).toEqual([
      'environment "prod", setting database.backupPlan.copy.region: must be another region than us-east-1',
    ]);
    expect(problems(prod, (c) => (c.database.backupPlan!.copy!.region = "us-west-9")).join("\n")).toMatch(
      /setting database\.backupPlan\.copy\.region: must be an AWS region/,
    );
  });

  it.each([
    ["retentionDays", 0],
    ["copy.retentionDays", 0],
    ["retentionDays", 36501],
    ["copy.retentionDays", 36501],
  ])("refuses %s of %i days", (field, days) => {
    const found = problems(prod, (c) => {
      if (field === "retentionDays") c.database.backupPlan!.retentionDays = days;
      else c.database.backupPlan!.copy!.retentionDays = days;
    });
    expect(found.join("\n")).toMatch(new RegExp(`setting database\\.backupPlan\\.${field.replace(".", "\\.")}:`));
  });

  it.each([
    ["retentionDays", 1],
    ["copy.retentionDays", 36500],
  ])("accepts %s of %i days", (field, days) => {
    const found = problems(prod, (c) => {
      if (field === "retentionDays") c.database.backupPlan!.retentionDays = days;
      else c.database.backupPlan!.copy!.retentionDays = days;
    });
    expect(found).toEqual([]);
  });

  it("is required in production, with a copy", () => {
    expect(problems(prod, (c) => (c.database.backupPlan = null))).toEqual([
      'environment "prod", setting database.backupPlan: must be set (AWS Backup beyond the automated backups) in a production environment',
    ]);
    expect(problems(prod, (c) => (c.database.backupPlan!.copy = null))).toEqual([
      `environment "prod", setting database.backupPlan.copy: must name a second region (a copy of every backup outside the environment's region) in a production environment`,
    ]);
  });

  it("is optional outside production, and so is the copy", () => {
    expect(problems(staging, (c) => (c.database.backupPlan = null))).toEqual([]);
    expect(problems(prod, (c) => ((c.stage = "staging"), (c.database.backupPlan = null)))).toEqual([]);
  });
});
