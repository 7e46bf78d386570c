/**
 * The database's final snapshots never reuse a name, whatever replaces the instance (a restore of
 * any kind, a restore undone, one repeated). Walked as a model of what each engine does:
 * - RDS: a DB snapshot's identifier is unique in an account and region; DeleteDBInstance with a
 *   FinalDBSnapshotIdentifier already taken fails with DBSnapshotAlreadyExists
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html, Errors).
 * - Terraform: a replacement deletes the old instance with the arguments its state holds (its
 *   final_snapshot_identifier), then creates the new one; which arguments replace aws_db_instance,
 *   and which module inputs reach them, is the review's table (scripts/review/schema/replacements.json,
 *   read from provider 6.25.0 and rds module 6.13.1).
 * - random_id: a new value whenever any keeper changes
 *   (https://registry.terraform.io/providers/hashicorp/random/3.7.2/docs#resource-keepers).
 * - The rds module 6.13.1 (modules/db_instance/main.tf): final_snapshot_identifier is
 *   "<final_snapshot_identifier_prefix>-<identifier>-<random_id.snapshot_identifier.hex>", keepers
 *   {id = identifier, snapshot_identifier}: restore_to_point_in_time is no keeper.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktf";
import type { EnvironmentConfig } from "../../config";
import { RDS_MODULE } from "../../modules/rds-module";
import { dangerous, planDiff } from "../../scripts/review/plan-diff";
import { moduleFlowsOf, resourceReplacement } from "../../scripts/review/schema/replacement-table";
import type { Json, SynthOutput } from "../../scripts/review/synth-output";
import { createEnvironmentStacks } from "../../stacks/environment-stacks";
import { loadedWith, type Mutable } from "../helpers";

type Restore = EnvironmentConfig["database"]["restore"];
const DB_INSTANCE = "module.db_instance.aws_db_instance.this";

/** prod's data stack with `database.restore` set to `restore`. */
function prodData(restore: Restore): Json {
  const config = loadedWith("prod", (c: Mutable<EnvironmentConfig>) => {
    c.database.restore = restore as Mutable<EnvironmentConfig>["database"]["restore"];
  });
  const app = Testing.app();
  createEnvironmentStacks(app, config);
  app.synth();
  return JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", "prod-data", "cdk.tf.json"), "utf8")) as Json;
}

const postgresOf = (data: Json) => (data.module as Record<string, Json>).postgres;
const randomIdsOf = (data: Json) =>
  ((data.resource as Record<string, Record<string, Json>>).random_id ?? {}) as Record<string, Json>;

/** The rds module's inputs that reach an argument replacing the DB instance (the review's table). */
function replacingInputs(): string[] {
  const flows = moduleFlowsOf(RDS_MODULE.source, RDS_MODULE.version);
  const replace = resourceReplacement("aws_db_instance")?.replace ?? [];
  if (!flows || replace.length === 0) throw new Error("the review's table lacks the rds module or aws_db_instance");
  const reaches = (attribute: string) => replace.includes(attribute) || replace.includes(attribute.split(".")[0]);
  return [
    ...new Set(
      Object.entries(flows.inputs)
        .filter(([, consumers]) => consumers.some((c) => c.resource === DB_INSTANCE && reaches(c.attribute)))
        .map(([input]) => input.split(".")[0]),
    ),
  ].sort();
}

/** AWS, Terraform and random_id as the header states, applying one synthesized data stack after another. */
class Account {
  readonly snapshots: string[] = [];
  private readonly randoms = new Map<string, { keepers: string; hex: string }>();
  private instance: { inputs: Json; finalSnapshot: string | null } | null = null;
  private generated = 0;

  /** `terraform apply` of the data stack: the instance is replaced, updated, or created. */
  apply(data: Json): "created" | "replaced" | "updated" {
    const inputs = postgresOf(data);
    for (const [name, random] of Object.entries(randomIdsOf(data))) this.random(`random_id.${name}`, random.keepers);
    const moduleRandom = this.random("module random_id.snapshot_identifier", {
      id: inputs.identifier,
      snapshot_identifier: inputs.snapshot_identifier ?? null,
    });
    const prefix = String(inputs.final_snapshot_identifier_prefix ?? "final").replace(
      /\$\{random_id\.([^.}]+)\.hex\}/g,
      (_, name: string) => this.randoms.get(`random_id.${name}`)?.hex ?? `(no random_id.${name})`,
    );
    const finalSnapshot = inputs.skip_final_snapshot ? null : `${prefix}-${String(inputs.identifier)}-${moduleRandom}`;
    const before = this.instance;
    this.instance = { inputs, finalSnapshot };
    if (!before) return "created";
    const changed = (input: string) => JSON.stringify(before.inputs[input]) !== JSON.stringify(inputs[input]);
    if (!replacingInputs().some(changed)) return "updated";
    this.deleteInstance(before.finalSnapshot);
    return "replaced";
  }

  /** `npm run destroy`: the last instance goes, with its final snapshot. */
  destroy(): void {
    if (this.instance) this.deleteInstance(this.instance.finalSnapshot);
    this.instance = null;
  }

  private deleteInstance(finalSnapshot: string | null): void {
    if (finalSnapshot === null) return;
    if (this.snapshots.includes(finalSnapshot)) {
      throw new Error(`DBSnapshotAlreadyExists: ${finalSnapshot} (taken at an earlier delete)`);
    }
    this.snapshots.push(finalSnapshot);
  }

  private random(address: string, keepers: unknown): string {
    const key = JSON.stringify(keepers ?? null);
    const known = this.randoms.get(address);
    if (known && known.keepers === key) return known.hex;
    this.generated += 1;
    const hex = `hex${this.generated}`;
    this.randoms.set(address, { keepers: key, hex });
    return hex;
  }
}

const SOURCE = "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const AT_LATEST: Restore = { from: "point-in-time", sourceDbiResourceId: SOURCE, restoreTime: "latest" };
const AT_TIME: Restore = { from: "point-in-time", sourceDbiResourceId: SOURCE, restoreTime: "2026-12-01T03:15:00Z" };
const SNAPSHOT: Restore = { from: "snapshot", snapshotIdentifier: "rds:marketing-agents-prod-2026-12-01-03-10" };

describe("final snapshot names (prod: database.finalSnapshot true)", () => {
  const synthesized = new Map<string, Json>();
  const dataWith = (restore: Restore) => {
    const key = JSON.stringify(restore);
    if (!synthesized.has(key)) synthesized.set(key, prodData(restore));
    return synthesized.get(key) as Json;
  };

  it("the walk's premise: a restore of any kind replaces the instance (the review's table)", () => {
    expect(replacingInputs()).toEqual(expect.arrayContaining(["restore_to_point_in_time", "snapshot_identifier"]));
  });

  it("never repeats across restores, a restore undone and one repeated, up to the destroy", () => {
    const account = new Account();
    const steps: Restore[] = [null, AT_LATEST, AT_TIME, AT_LATEST, SNAPSHOT, null, AT_TIME];
    const outcomes = steps.map((restore) => account.apply(dataWith(restore)));
    account.destroy();
    expect(outcomes).toEqual(["created", ...steps.slice(1).map(() => "replaced")]);
    expect(account.snapshots).toHaveLength(steps.length);
    expect(new Set(account.snapshots).size).toBe(steps.length);
  });

  it("every module input that replaces the instance renames its final snapshot", () => {
    const keepers = Object.values(randomIdsOf(dataWith(null)))
      .filter((r) => r.keepers)
      .flatMap((r) => Object.keys(r.keepers as Json));
    expect([...new Set(keepers)].sort()).toEqual(replacingInputs());
    expect(postgresOf(dataWith(null)).final_snapshot_identifier_prefix).toMatch(
      /^marketing-agents-prod-final-\$\{random_id\.[^.}]+\.hex\}$/,
    );
  });

  it("npm run review lists the suffix's keepers changing with a restore, beside the replacement", () => {
    const output = (json: Json): SynthOutput =>
      new Map([["prod-data", { id: "prod-data", environment: "prod", dependencies: [], json }]]);
    const changes = planDiff(output(dataWith(null)), output(dataWith(AT_LATEST)));
    expect(dangerous(changes).map((c) => [c.address, c.action])).toEqual([["module.postgres", "replace"]]);
    // Its keepers hold the KMS key's reference, so the review leaves the verdict to the plan.
    expect(changes.find((c) => c.address === "random_id.postgres-final-snapshot-suffix")).toMatchObject({
      changes: [
        {
          path: "keepers.restore_to_point_in_time",
          before: "",
          after: `source_dbi_resource_id=${SOURCE},use_latest_restorable_time=true`,
        },
      ],
      note: expect.stringContaining("keepers.restore_to_point_in_time"),
    });
  });

  it("adopting the suffix updates the running instance in place: the name it will leave, nothing else", () => {
    const now = dataWith(null);
    const suffixes = Object.keys(randomIdsOf(now)).filter((name) => name !== "bucket-suffix");
    const before: Json = {
      ...now,
      module: {
        ...(now.module as Json),
        postgres: { ...postgresOf(now), final_snapshot_identifier_prefix: "marketing-agents-prod-final" },
      },
      resource: {
        ...(now.resource as Json),
        random_id: Object.fromEntries(Object.entries(randomIdsOf(now)).filter(([name]) => !suffixes.includes(name))),
      },
    };
    const output = (json: Json): SynthOutput =>
      new Map([["prod-data", { id: "prod-data", environment: "prod", dependencies: [], json }]]);
    const changes = planDiff(output(before), output(now));
    expect(dangerous(changes)).toEqual([]);
    expect(changes.find((c) => c.address === "module.postgres")).toMatchObject({
      action: "update",
      changes: [expect.objectContaining({ path: "final_snapshot_identifier_prefix" })],
      effects: [
        expect.objectContaining({ resource: DB_INSTANCE, action: "update", because: ["final_snapshot_identifier"] }),
      ],
    });
  });
});
