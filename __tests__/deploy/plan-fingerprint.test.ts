/**
 * The reviewed-plan fingerprint binds an apply to what the review saw change. Resource changes are
 * shaped as `terraform show -json` writes them (https://developer.hashicorp.com/terraform/internals/json-format,
 * "Change Representation"): for an update, `after` repeats every value the plan leaves alone,
 * including the computed values that drift between the review and the apply.
 */
import { planChanges } from "../../scripts/deploy/plan-fingerprint";

const change = (address: string, actions: string[], after: unknown = { name: "x" }) => ({
  address,
  change: { actions, before: null, after, after_unknown: {} },
});

/** An update whose refreshed values (`drift`) appear in `before` and, unchanged, in `after`. */
function update(address: string, before: Record<string, unknown>, after: Record<string, unknown>, drift: object) {
  return {
    address,
    change: {
      actions: ["update"],
      before: { ...before, ...drift },
      after: { ...after, ...drift },
      after_unknown: {},
      before_sensitive: {},
      after_sensitive: {},
    },
  };
}

const database = (latestRestorableTime: string) =>
  update(
    "module.database.aws_db_instance.this[0]",
    { instance_class: "db.t4g.small", allocated_storage: 20 },
    { instance_class: "db.t4g.medium", allocated_storage: 20 },
    { latest_restorable_time: latestRestorableTime },
  );
const deployment = (resourceVersion: string, generation: number) =>
  update(
    "kubernetes_deployment_v1.app",
    { spec: [{ replicas: 2, template: [{ spec: [{ container: [{ image: "app:1.4.1" }] }] }] }] },
    { spec: [{ replicas: 2, template: [{ spec: [{ container: [{ image: "app:1.4.2" }] }] }] }] },
    { metadata: [{ name: "app", resource_version: resourceVersion, generation }] },
  );
const nodeGroup = (desiredSize: number) =>
  update(
    'module.eks.module.eks_managed_node_group["default"].aws_eks_node_group.this[0]',
    { release_version: "1.35.4-20260101" },
    { release_version: "1.35.4-20260201" },
    { scaling_config: [{ min_size: 2, max_size: 6, desired_size: desiredSize }] },
  );

const fingerprint = (resourceChanges: unknown[]) =>
  planChanges(JSON.stringify({ resource_changes: resourceChanges })).fingerprint;

describe("plan fingerprint", () => {
  it("is the same for the same changes, whatever the order of resources and keys", () => {
    const a = planChanges(
      JSON.stringify({ resource_changes: [change("b.one", ["create"]), change("a.two", ["update"], { y: 1, x: 2 })] }),
    );
    const b = planChanges(
      JSON.stringify({ resource_changes: [change("a.two", ["update"], { x: 2, y: 1 }), change("b.one", ["create"])] }),
    );
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it("changes when a value changes, even one it never shows", () => {
    const before = planChanges(
      JSON.stringify({ resource_changes: [change("random_password.x", ["create"], { result: "one" })] }),
    );
    const after = planChanges(
      JSON.stringify({ resource_changes: [change("random_password.x", ["create"], { result: "two" })] }),
    );
    expect(before.fingerprint).not.toBe(after.fingerprint);
    expect(before.summary).toEqual(["create random_password.x"]);
    expect(before.summary.join()).not.toContain("one");
  });

  it("ignores resources that do not change", () => {
    const withNoOp = planChanges(
      JSON.stringify({ resource_changes: [change("a.x", ["no-op"]), change("b.y", ["delete", "create"])] }),
    );
    const without = planChanges(JSON.stringify({ resource_changes: [change("b.y", ["delete", "create"])] }));
    expect(withNoOp).toEqual(without);
    expect(without.summary).toEqual(["delete/create b.y"]);
  });

  it.each([
    ["an RDS instance's latest_restorable_time", database("2026-12-07T10:00:00Z"), database("2026-12-07T10:05:00Z")],
    ["a Deployment's resource_version and generation", deployment("81723", 14), deployment("82950", 17)],
    ["a node group's desired_size", nodeGroup(3), nodeGroup(5)],
  ])("is the same when only %s drifted between review and apply", (_what, reviewed, now) => {
    expect(fingerprint([reviewed])).toBe(fingerprint([now]));
  });

  it("is the same when plans differ only in before, where the plan writes or deletes anyway", () => {
    const overwritten = (instanceClass: string) => {
      const c = database("2026-12-07T10:00:00Z");
      return { ...c, change: { ...c.change, before: { ...c.change.before, instance_class: instanceClass } } };
    };
    const deleted = (before: object) => ({
      address: "aws_ssm_parameter.old",
      change: { actions: ["delete"], before, after: null, after_unknown: {} },
    });
    expect(fingerprint([overwritten("db.t4g.small"), deleted({ version: 3 })])).toBe(
      fingerprint([overwritten("db.t4g.micro"), deleted({ version: 4 })]),
    );
  });

  const reviewed = [database("2026-12-07T10:00:00Z"), deployment("81723", 14), nodeGroup(3)];
  const withChange = (index: number, edit: (c: ReturnType<typeof update>["change"]) => object) =>
    reviewed.map((r, i) => (i === index ? { ...r, change: { ...r.change, ...edit(r.change) } } : r));
  it.each([
    ["an after value", withChange(0, (c) => ({ after: { ...c.after, instance_class: "db.t4g.large" } }))],
    ["a drifted value the plan now writes", withChange(2, (c) => ({ after: { ...c.after, scaling_config: [] } }))],
    ["the actions", withChange(1, () => ({ actions: ["delete", "create"] }))],
    ["an after_unknown", withChange(0, () => ({ after_unknown: { endpoint: true } }))],
    ["a replace path", withChange(0, () => ({ replace_paths: [["identifier"]] }))],
    ["an added resource change", [...reviewed, change("aws_sns_topic.alarms", ["create"])]],
    ["the reason for an action", reviewed.map((r, i) => (i === 0 ? { ...r, action_reason: "replace_by_request" } : r))],
  ])("differs when %s differs", (_what, planned) => {
    expect(fingerprint(planned)).not.toBe(fingerprint(reviewed));
  });
});

describe("outputs a plan changes", () => {
  // `output_changes` maps each root output's name to its change, no-op ones included
  // (`MarshalOutputChanges`, internal/command/jsonplan/plan.go in Terraform 1.10.5).
  const shown = {
    resource_changes: [change("random_password.login", ["create"])],
    output_changes: {
      login_version: { actions: ["update"], before: "v1", after_unknown: true, before_sensitive: true },
      redis_endpoint: { actions: ["no-op"], before: "r:6379", after: "r:6379", after_unknown: false },
      artifacts_bucket: { actions: ["create"], after: "bucket-name", after_unknown: false },
    },
  };

  it("names each output whose action is not no-op, with its actions and no value", () => {
    const { outputs } = planChanges(JSON.stringify(shown));
    expect(outputs).toEqual([
      { name: "artifacts_bucket", actions: ["create"] },
      { name: "login_version", actions: ["update"] },
    ]);
    expect(JSON.stringify(outputs)).not.toMatch(/v1|bucket-name|6379/);
  });

  it("names none for a plan without output changes", () => {
    expect(planChanges(JSON.stringify({ resource_changes: [] })).outputs).toEqual([]);
  });
});
