/**
 * The request table (who-can-do-what.ts), evaluated by @cloud-copilot/iam-simulate over every
 * environment's synthesized stacks: identity policies, the permissions boundary, and the resource
 * policy of the target (state key, state bucket, a role's trust).
 */
import { loadEnvironments, type EnvironmentConfig } from "../../config";
import { arnOf, evaluate, evaluateAssumption, loadProject, type Decision } from "../model/iam-evaluator";
import { REQUESTS, isOutsider, roleNameOf, type RequestRow } from "./who-can-do-what";

/** IAM's decision on one row in one environment (an outsider's: STS's, with the organization's policies). */
async function decide(
  row: RequestRow,
  config: EnvironmentConfig,
  options: { withoutOrganizationPolicies?: boolean } = {},
): Promise<Decision> {
  const context = { config, arnOf: (type: string, path: string) => arnOf(config.name, type, path) };
  if (isOutsider(row.role)) {
    if (!row.assumption) throw new Error(`${row.role} ${row.action}: an outsider's row names its caller`);
    const { caller, trust } = row.assumption(context);
    return evaluateAssumption({
      caller,
      trust,
      action: row.action,
      roleArn: row.resource(context),
      context: row.context?.(context),
      ...options,
    });
  }
  return evaluate({
    role: roleNameOf(row, config),
    action: row.action,
    resource: row.resource(context),
    context: row.context?.(context),
    trust: row.targetTrust?.(context),
  });
}

const cases = loadEnvironments().flatMap((config) =>
  REQUESTS.filter((row) => row.when?.(config) ?? true).map((row) => ({ config, row })),
);

describe("who can do what, evaluated on the synthesized stacks", () => {
  beforeAll(() => loadProject(), 120_000);

  it.each(
    cases.map(({ config, row }) => [config.name, row.role, row.action, row.target, row.expected, { config, row }]),
  )("%s: %s %s on %s is %s", async (_env, _role, _action, _target, expected, { config, row }) => {
    expect(await decide(row, config)).toBe(expected);
  });

  it.each(
    cases
      .filter(({ row }) => row.needsOrganizationGuardrails)
      .map(({ config, row }) => [config.name, row.role, row.action, row.target, { config, row }]),
  )(
    "%s: %s %s on %s is denied by the organization's resource control policy alone",
    async (_env, _role, _action, _target, { config, row }) => {
      // Without it, the trust the deploy role wrote would let the request in.
      expect(await decide(row, config, { withoutOrganizationPolicies: true })).toBe("Allowed");
    },
  );

  it.each(
    cases
      .filter(({ row }) => isOutsider(row.role) && !row.needsOrganizationGuardrails)
      .map(({ config, row }) => [config.name, row.role, row.action, row.target, { config, row }]),
  )(
    "%s: %s %s on %s is decided the same without the organization guardrails",
    async (_env, _role, _action, _target, { config, row }) => {
      // docs/who-can.md marks the rows that hold only once prod-org-guardrails is applied: not this one.
      expect(await decide(row, config, { withoutOrganizationPolicies: true })).toBe(row.expected);
    },
  );

  it("holds positive controls for every role that plans or applies, and for the runner", () => {
    const allowed = new Set(REQUESTS.filter((r) => r.expected === "Allowed").map((r) => r.role));
    expect([...allowed].filter((role) => !isOutsider(role)).sort()).toEqual([
      "deploy",
      "plan",
      "pr-plan",
      "push-image",
      "runner",
    ]);
  });
});
