/**
 * Every name derived from the environment's name fits AWS's limit, for the longest environment
 * name the schema accepts (12 characters). Values known only at apply count at their real length
 * (a bucket suffix is 8 hex characters).
 */
import { Testing } from "cdktf";
import * as fs from "node:fs";
import * as path from "node:path";
import { CONCERNS, loadEnvironments, type EnvironmentConfig } from "../../config";
import { createEnvironmentStacks } from "../../stacks/environment-stacks";
import { addedAsDocumented } from "../add-environment";

type Json = Record<string, unknown>;
const LONGEST = "abcdefghijkl";

/** AWS's limits: resource type -> attribute -> maximum length. */
const LIMITS: Record<string, Record<string, number>> = {
  aws_iam_role: { name: 64, name_prefix: 38 },
  aws_iam_policy: { name: 128 },
  aws_iam_role_policy: { name: 128 },
  aws_s3_bucket: { bucket: 63 },
  aws_kms_alias: { name: 256 },
  aws_elasticache_replication_group: { replication_group_id: 40 },
  aws_codebuild_project: { name: 255 },
  aws_security_group: { name: 255 },
  aws_cloudwatch_log_group: { name: 512 },
  aws_secretsmanager_secret: { name: 512 },
  aws_ecr_repository: { name: 256 },
  aws_cloudtrail: { name: 128 },
  aws_db_subnet_group: { name: 255 },
  aws_elasticache_subnet_group: { name: 255 },
};

/** A `${...}` value's length once applied: random suffixes are 8 hex characters; others are not names. */
const applied = (value: string) => value.replace(/\$\{random_id\.[^}]+\.hex\}/g, "12345678");

/** An environment of that name, added as docs/environments.md says. */
function longestEnvironment(): EnvironmentConfig {
  return loadEnvironments(LONGEST, addedAsDocumented({ name: LONGEST }))[0];
}

describe(`names of the longest environment name (${LONGEST})`, () => {
  let outdir = "";
  // In beforeAll, not at collection: mutation runs filter these tests out and skip the synth.
  beforeAll(() => {
    const config = longestEnvironment();
    const app = Testing.app();
    createEnvironmentStacks(app, config);
    app.synth();
    outdir = app.outdir;
  });
  const stack = (concern: string) =>
    JSON.parse(fs.readFileSync(path.join(outdir, "stacks", `${LONGEST}-${concern}`, "cdk.tf.json"), "utf8")) as Json;

  it.each([...CONCERNS])("every named resource of %s fits its limit", (concern) => {
    const resources = (stack(concern).resource ?? {}) as Record<string, Record<string, Json>>;
    const checked: string[] = [];
    for (const [type, limits] of Object.entries(LIMITS)) {
      for (const [address, body] of Object.entries(resources[type] ?? {})) {
        for (const [attribute, max] of Object.entries(limits)) {
          if (typeof body[attribute] !== "string") continue;
          const value = applied(body[attribute] as string);
          checked.push(value);
          expect({ address, attribute, value, length: value.length <= max }).toEqual({
            address,
            attribute,
            value,
            length: true,
          });
        }
      }
    }
    if (["bootstrap", "data", "cluster"].includes(concern)) expect(checked.length).toBeGreaterThan(0);
  });

  it("the names the registry modules derive fit too", () => {
    const vpc = (stack("network").module as Record<string, Json>).vpc;
    expect(vpc.vpc_flow_log_iam_role_use_name_prefix).toBe(false);
    expect(String(vpc.vpc_flow_log_iam_role_name).length).toBeLessThanOrEqual(64);

    const eks = (stack("cluster").module as Record<string, Json>).eks;
    expect(String(eks.name).length).toBeLessThanOrEqual(100);
    // The module's cluster role is a name prefix: "<cluster name>-cluster-".
    expect(`${String(eks.name)}-cluster-`.length).toBeLessThanOrEqual(38);
    for (const group of Object.values(eks.eks_managed_node_groups as Record<string, Json>)) {
      expect(String(group.name).length).toBeLessThanOrEqual(63);
      expect(`${String(group.iam_role_name)}-`.length).toBeLessThanOrEqual(38);
    }

    const postgres = (stack("data").module as Record<string, Json>).postgres;
    expect(String(postgres.identifier).length).toBeLessThanOrEqual(63);
    expect(String(postgres.monitoring_role_name).length).toBeLessThanOrEqual(64);
  });
});
