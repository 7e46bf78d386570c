/** The organization guardrails never go out with config/organization.ts's committed placeholders. */
import { ORGANIZATION, ORGANIZATION_CONCERN, PLACEHOLDER_ORGANIZATION_ID, loadEnvironments } from "../../config";
import { DeployError } from "../../scripts/deploy/deploy-error";
import { runPreflight, type PreflightTarget } from "../../scripts/deploy/preflight";
import { healthyAws, reachableProbes } from "./deploy-helpers";

const [prod] = loadEnvironments("prod");

function target(mode: PreflightTarget["mode"]): PreflightTarget {
  return { config: prod, concerns: [ORGANIZATION_CONCERN], deployedDependencies: [], imageTag: "0.1.0", mode };
}

describe("preflight of the organization guardrails", () => {
  let aws: ReturnType<typeof healthyAws>;
  beforeEach(() => {
    aws = healthyAws(prod.account.id);
  });
  afterEach(() => Object.values(aws).forEach((m) => m.restore()));

  it("refuses to apply them while config/organization.ts holds the committed placeholders", async () => {
    expect(ORGANIZATION.id).toBe(PLACEHOLDER_ORGANIZATION_ID);
    const run = runPreflight(target("apply"), reachableProbes, () => undefined);
    await expect(run).rejects.toBeInstanceOf(DeployError);
    await expect(run).rejects.toThrow(
      "preflight: organization (config/organization.ts): id (o-a1b2c3d4e5) and policyAdminAccountId (111122223333) are the committed placeholder, so the guardrails would go to an organization that is not yours: put your organization's id and policy administrator account (docs/organization-guardrails.md)",
    );
  });

  it("lets a plan through this check: a plan changes nothing", async () => {
    const passed: string[] = [];
    await runPreflight(target("plan"), reachableProbes, (line) => passed.push(line.trim())).catch(() => undefined);
    expect(passed.some((line) => line.includes("config names your organization"))).toBe(false);
    expect(passed.some((line) => line.startsWith("ok    AWS credentials are for the environment's account"))).toBe(
      true,
    );
  });
});
