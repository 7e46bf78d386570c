/**
 * The committed replace/update table (scripts/review/schema/replacements.json) is of the pinned
 * provider and module versions and covers every resource type the stacks synthesize: after a
 * provider or module bump, or a new resource type, `npm run review:tables` must run again.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { loadEnvironments } from "../../config";
import { EKS_MODULE } from "../../modules/eks-module";
import { RDS_MODULE } from "../../modules/rds-module";
import { VPC_MODULE } from "../../modules/vpc-module";
import { MODELLED_RULES } from "../../scripts/review/change-effects";
import { REPLACEMENTS } from "../../scripts/review/schema/replacement-table";
import { synthOutputOf } from "./review-helpers";

const bindings = path.join(__dirname, "..", "..", "node_modules", "@cdktf");

/** Pinned provider versions of the cdktf bindings: local name -> version. */
function pinnedProviders(): Record<string, string> {
  return Object.fromEntries(
    fs
      .readdirSync(bindings)
      .filter((d) => d.startsWith("provider-") && !["provider-generator", "provider-schema"].includes(d))
      .map((d) => {
        const { name, version } = JSON.parse(fs.readFileSync(path.join(bindings, d, "package.json"), "utf8")).cdktf
          .provider as { name: string; version: string };
        return [name.split("/").pop()!, version];
      }),
  );
}

describe("the replace/update table", () => {
  it("is read from each pinned provider's source at the pinned version's tag", () => {
    const table = Object.fromEntries(Object.entries(REPLACEMENTS.providers).map(([name, p]) => [name, p.version]));
    expect(table).toEqual(pinnedProviders());
    for (const provider of Object.values(REPLACEMENTS.providers)) {
      expect(provider.source.tag).toBe(`v${provider.version}`);
      expect(provider.source.commit).toMatch(/^[0-9a-f]{40}$/);
    }
  });

  it("traces each pinned registry module at its pinned tag", () => {
    const modules = Object.fromEntries(Object.entries(REPLACEMENTS.modules).map(([source, m]) => [source, m.version]));
    expect(modules).toEqual(Object.fromEntries([EKS_MODULE, RDS_MODULE, VPC_MODULE].map((m) => [m.source, m.version])));
  });

  it("covers every resource type every declared environment synthesizes, and every type inside the modules", () => {
    const covered = new Set(Object.values(REPLACEMENTS.providers).flatMap((p) => Object.keys(p.resources)));
    const synthesized = loadEnvironments().flatMap((config) =>
      [...synthOutputOf(config.name).values()].flatMap((s) => Object.keys((s.json.resource ?? {}) as object)),
    );
    const inModules = Object.values(REPLACEMENTS.modules).flatMap((m) =>
      Object.keys(m.resources).map((address) => address.split(".").slice(-2)[0]),
    );
    const providers = new Set(Object.keys(REPLACEMENTS.providers));
    const missing = [...new Set([...synthesized, ...inModules])].filter(
      (type) => providers.has(type.split("_")[0]) && !covered.has(type),
    );
    expect(missing).toEqual([]);
  });

  it("knows the arguments the review's own cases turn on", () => {
    const aws = REPLACEMENTS.providers.aws.resources;
    expect(aws.aws_route53_zone.replace).toContain("name");
    expect(aws.aws_eks_node_group.replace).toContain("instance_types");
    expect(aws.aws_db_instance.replace).toEqual(expect.arrayContaining(["storage_encrypted", "kms_key_id"]));
    expect(aws.aws_db_instance.replace).not.toContain("instance_class");
    expect(aws.aws_db_instance.replace).not.toContain("identifier");
    const random = REPLACEMENTS.providers.random.resources;
    expect(random.random_password.replaceRules?.keepers.modifier).toBe(
      "mapplanmodifiers.RequiresReplaceIfValuesNotNull",
    );
    // Inputs the wrapper may set are traced even where today's config leaves them out (database.restore).
    const rds = REPLACEMENTS.modules[RDS_MODULE.source];
    expect(rds.inputs.snapshot_identifier).toContain("module.db_instance.aws_db_instance.this#snapshot_identifier");
    expect(rds.inputs["restore_to_point_in_time.source_dbi_resource_id"]).toEqual([
      "module.db_instance.aws_db_instance.this#restore_to_point_in_time.source_dbi_resource_id",
    ]);
    const eks = REPLACEMENTS.modules[EKS_MODULE.source];
    expect(eks.resources["module.eks_managed_node_group[*].aws_eks_node_group.this"]).toMatchObject({
      ignoreChanges: ["scaling_config.desired_size"],
      createBeforeDestroy: true,
    });
  });

  it("models each provider rule the review decides by, as the pinned version's code has it", () => {
    // A provider bump that changes a modelled plan modifier changes its digest: the model must be re-read.
    const rules = Object.values(REPLACEMENTS.providers).flatMap((p) =>
      Object.values(p.resources).flatMap((r) => Object.values(r.replaceRules ?? {})),
    );
    const modelled = rules.filter((r) => MODELLED_RULES[r.modifier]);
    expect(modelled.length).toBeGreaterThan(0);
    for (const rule of modelled) expect(MODELLED_RULES[rule.modifier].digest).toBe(rule.digest);
  });
});
