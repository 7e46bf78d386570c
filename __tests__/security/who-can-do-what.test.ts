/**
 * The request table (who-can-do-what.ts), evaluated by @cloud-copilot/iam-simulate over every
 * environment's synthesized stacks: identity policies, the permissions boundary, and the resource
 * policy of the target (state key, state bucket, a role's trust).
 */
import { loadEnvironments } from "../../config";
import { arnOf, evaluate, loadProject } from "../model/iam-evaluator";
import { REQUESTS, roleNameOf } from "./who-can-do-what";

const cases = loadEnvironments().flatMap((config) =>
  REQUESTS.filter((row) => row.when?.(config) ?? true).map((row) => ({ config, row })),
);

describe("who can do what, evaluated on the synthesized stacks", () => {
  beforeAll(() => loadProject(), 120_000);

  it.each(
    cases.map(({ config, row }) => [config.name, row.role, row.action, row.target, row.expected, { config, row }]),
  )("%s: %s %s on %s is %s", async (_env, _role, _action, _target, expected, { config, row }) => {
    const context = { config, arnOf: (type: string, path: string) => arnOf(config.name, type, path) };
    const decision = await evaluate({
      role: roleNameOf(row, config),
      action: row.action,
      resource: row.resource(context),
      context: row.context?.(context),
    });
    expect(decision).toBe(expected);
  });

  it("holds positive controls for every role that plans or applies", () => {
    const allowed = new Set(REQUESTS.filter((r) => r.expected === "Allowed").map((r) => r.role));
    expect([...allowed].sort()).toEqual(["deploy", "plan", "pr-plan", "push-image"]);
  });
});
