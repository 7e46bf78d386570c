import { planChanges } from "../../scripts/deploy/plan-fingerprint";

const change = (address: string, actions: string[], after: unknown = { name: "x" }) => ({
  address,
  change: { actions, before: null, after, after_unknown: {} },
});

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
});
