/**
 * A PostgreSQL major upgrade is a config change (`database.engineMajorVersion`): the data stack
 * must ask for it in a way RDS accepts, else the apply fails after the review approved it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktf";
import { loadEnvironments, type EnvironmentConfig } from "../../config";
import { dev } from "../../config/dev";
import { prod } from "../../config/prod";
import { staging } from "../../config/staging";
import { planDiff } from "../../scripts/review/plan-diff";
import type { Json, SynthOutput } from "../../scripts/review/synth-output";
import { createEnvironmentStacks } from "../../stacks/environment-stacks";
import { cloneConfig, type Mutable } from "../helpers";

/** prod's data stack at a PostgreSQL major, config validated with the other environments. */
function prodDataAt(major: string): SynthOutput {
  const changed = cloneConfig(prod) as Mutable<EnvironmentConfig>;
  changed.database.engineMajorVersion = major;
  const [config] = loadEnvironments("prod", [cloneConfig(dev), cloneConfig(staging), changed]);
  const app = Testing.app();
  createEnvironmentStacks(app, config);
  app.synth();
  const file = path.join(app.outdir, "stacks", "prod-data", "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as Json;
  return new Map([["prod-data", { id: "prod-data", environment: "prod", dependencies: [], json }]]);
}

const postgres = (output: SynthOutput) => (output.get("prod-data")?.json.module as Json).postgres as Json;

/**
 * RDS's rule for a ModifyDBInstance (what the provider sends for an in-place engine_version change,
 * with the module's `allow_major_version_upgrade` as AllowMajorVersionUpgrade): "Major version
 * upgrades must be allowed when specifying a value for the EngineVersion parameter that's a
 * different major version than the DB instance's current version", and a non-default parameter
 * group must be one of the new version's family.
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html
 * https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/db_instance
 */
function rdsRefusal(running: Json, requested: Json): string | undefined {
  const major = (v: unknown) => String(v).split(".")[0];
  if (major(requested.engine_version) === major(running.engine_version)) return undefined;
  if (requested.allow_major_version_upgrade !== true) {
    return "refused: a different major version without AllowMajorVersionUpgrade";
  }
  if (requested.family !== `postgres${major(requested.engine_version)}`) {
    return `refused: parameter group family ${String(requested.family)} is not the new version's`;
  }
  return undefined;
}

describe("a PostgreSQL major upgrade through config", () => {
  const at15 = prodDataAt("15");
  const at16 = prodDataAt("16");

  it("is one RDS accepts: major upgrades allowed, the parameter group of the new family", () => {
    expect(postgres(at16)).toMatchObject({ engine_version: "16", family: "postgres16" });
    expect(rdsRefusal(postgres(at15), postgres(at16))).toBeUndefined();
  });

  it("allows major upgrades at every major: the flag alone upgrades nothing, and the plan that bumps the major needs it", () => {
    expect(postgres(at15)).toMatchObject({ engine_version: "15", allow_major_version_upgrade: true });
  });

  it("is an in-place update the review calls a major upgrade, not a replacement", () => {
    const [change] = planDiff(at15, at16).filter((c) => c.address === "module.postgres");
    expect(change).toMatchObject({ action: "update" });
    expect(JSON.stringify(change)).toContain("major engine upgrade 15 -> 16");
  });
});
