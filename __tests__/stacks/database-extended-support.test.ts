/**
 * RDS Extended Support is what config says (`database.acceptExtendedSupport`), not RDS's default.
 * RDS's rule, modelled: CreateDBInstance and the restores take EngineLifecycleSupport; left out, it
 * is `open-source-rds-extended-support`, which enrols the instance, charged from the day after its
 * major's end of standard support; `open-source-rds-extended-support-disabled` has RDS upgrade the
 * major then instead
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html,
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/extended-support-creating-db-instance.html).
 * The rds module 6.13.1 passes its `engine_lifecycle_support` to aws_db_instance as is (null by default).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktf";
import type { EnvironmentConfig } from "../../config";
import { createEnvironmentStacks } from "../../stacks/environment-stacks";
import { declaredNames, loadedWith, synthEnvironment } from "../helpers";

type Json = Record<string, unknown>;
const RDS_DEFAULT = "open-source-rds-extended-support";

/** What RDS does with the instance when its major leaves standard support, given the module call. */
function atEndOfStandardSupport(postgres: Json): "charged for Extended Support" | "upgraded by RDS" {
  const lifecycle = postgres.engine_lifecycle_support ?? RDS_DEFAULT;
  return lifecycle === RDS_DEFAULT ? "charged for Extended Support" : "upgraded by RDS";
}

const expected = (config: EnvironmentConfig) =>
  config.database.acceptExtendedSupport ? "charged for Extended Support" : "upgraded by RDS";

function prodPostgresAccepting(): { config: EnvironmentConfig; postgres: Json } {
  const config = loadedWith("prod", (c) => {
    c.database.acceptExtendedSupport = true;
  });
  const app = Testing.app();
  createEnvironmentStacks(app, config);
  app.synth();
  const file = path.join(app.outdir, "stacks", "prod-data", "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as { module: Record<string, Json> };
  return { config, postgres: json.module.postgres };
}

describe("RDS Extended Support follows database.acceptExtendedSupport", () => {
  it.each(declaredNames())("%s: as committed", (name) => {
    const env = synthEnvironment(name);
    const postgres = env.json("data").module?.postgres as Json;
    expect(atEndOfStandardSupport(postgres)).toBe(expected(env.config));
  });

  it("accepted, the instance is enrolled (and only then)", () => {
    const { config, postgres } = prodPostgresAccepting();
    expect(config.database.acceptExtendedSupport).toBe(true);
    expect(postgres.engine_lifecycle_support).toBe(RDS_DEFAULT);
    expect(atEndOfStandardSupport(postgres)).toBe(expected(config));
  });

  it("docs/day-2.md says when RDS reads the setting", () => {
    const day2 = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "day-2.md"), "utf8").replace(/\s+/g, " ");
    const majors = day2.slice(day2.indexOf("**PostgreSQL majors.**"), day2.indexOf("**Helm charts and their CRDs.**"));
    expect(majors).toContain("`engine_lifecycle_support`");
    expect(majors).toContain("only when it creates or restores the instance");
  });
});
