/**
 * The account's S3 Block Public Access (bootstrap): one owner per account across the declared
 * environments, all four settings on, and beyond the reach of every CI role and of every role CI
 * creates (evaluated by @cloud-copilot/iam-simulate on the synthesized stacks). The shared-account
 * case is in shared-account.test.ts.
 */
import { CI_ROLES, ciRoleName, loadEnvironments, type EnvironmentConfig } from "../../config";
import { boundedRoles, evaluate, evaluateBounded, loadProject } from "../model/iam-evaluator";
import { resourcesOf, synthEnvironment } from "../helpers";

const TYPE = "aws_s3_account_public_access_block";
const environments = loadEnvironments();
/** S3 Control's account-level calls take no resource: `*` (the Service Authorization Reference). */
const ACCOUNT_WIDE = "*";

const blocksOf = (config: EnvironmentConfig) =>
  Object.values(resourcesOf(synthEnvironment(config.name).json("bootstrap"), TYPE));

/** For each account an environment lives in: the environments whose bootstrap sets its public access block, once per block. */
function ownersByAccount(configs: readonly EnvironmentConfig[]): Record<string, string[]> {
  const owners: Record<string, string[]> = {};
  for (const config of configs) {
    owners[config.account.id] ??= [];
    owners[config.account.id].push(...blocksOf(config).map(() => config.name));
  }
  return owners;
}

describe("the account's S3 Block Public Access, across the declared environments", () => {
  it("is set by exactly one bootstrap stack in each account", () => {
    const owners = ownersByAccount(environments);
    const counts = Object.entries(owners).map(([account, names]) => [account, names.length]);
    expect(counts).toEqual(Object.keys(owners).map((account) => [account, 1]));
  });

  it.each(environments.filter((c) => blocksOf(c).length > 0).map((c) => [c.name, c] as const))(
    "%s: blocks public ACLs and policies and ignores or restricts existing ones, in its own account, kept from a destroy",
    (_name, config) => {
      expect(blocksOf(config)).toEqual([
        expect.objectContaining({
          account_id: config.account.id,
          block_public_acls: true,
          block_public_policy: true,
          ignore_public_acls: true,
          restrict_public_buckets: true,
          lifecycle: { prevent_destroy: true },
        }),
      ]);
    },
  );
});

describe.each(environments.map((c) => [c.name, c] as const))("%s: who may change it", (name, config) => {
  beforeAll(() => loadProject(), 120_000);

  it("no CI role may change or delete it (DeletePublicAccessBlock needs the same action)", async () => {
    const allowed: string[] = [];
    for (const role of CI_ROLES) {
      const decision = await evaluate({
        role: ciRoleName(config, role),
        action: "s3:PutAccountPublicAccessBlock",
        resource: ACCOUNT_WIDE,
      });
      if (decision === "Allowed") allowed.push(role);
    }
    expect(allowed).toEqual([]);
  });

  // Positive control: both plan bootstrap (a pull request's too), so both refresh it.
  it.each(["plan", "pr-plan"] as const)("the %s role reads it", async (role) => {
    const decision = await evaluate({
      role: ciRoleName(config, role),
      action: "s3:GetAccountPublicAccessBlock",
      resource: ACCOUNT_WIDE,
    });
    expect(decision).toBe("Allowed");
  });

  it("no role under a permissions boundary may change it, whatever policy the deploy role gives it", async () => {
    // Given every action, only its boundary decides: one role per boundary (workload, AWS service roles).
    const roles = [...new Map(boundedRoles(name).map((r) => [r.boundary.name, r])).values()];
    expect(roles).toHaveLength(2);
    const allowed: string[] = [];
    for (const role of roles) {
      const decision = await evaluateBounded({
        role,
        identity: [{ Effect: "Allow", Action: "*", Resource: "*" }],
        action: "s3:PutAccountPublicAccessBlock",
        resource: ACCOUNT_WIDE,
      });
      if (!decision.endsWith("Denied")) allowed.push(`${role.boundary.name}: ${decision}`);
    }
    expect(allowed).toEqual([]);
  });
});
