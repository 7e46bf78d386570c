import { CONCERNS } from "../../config";
import {
  describeWaves,
  loadStacks,
  outsideDependencies,
  planWaves,
  selectStacks,
  type StackNode,
} from "../../scripts/deploy/stack-graph";
import { synthOutputCopy } from "./deploy-helpers";

const ids = (waves: StackNode[][]) => waves.map((w) => w.map((s) => s.id));

describe("deploy waves", () => {
  const stacks = loadStacks(synthOutputCopy("dev"), "dev");

  it("reads every stack of the environment from the synthesized manifest", () => {
    expect(stacks.map((s) => s.concern).sort()).toEqual([...CONCERNS].sort());
  });

  it("runs data and platform together: both need only the cluster", () => {
    expect(ids(planWaves(stacks))).toEqual([
      ["dev-bootstrap"],
      ["dev-network"],
      ["dev-cluster"],
      ["dev-data", "dev-platform"],
      ["dev-app"],
    ]);
  });

  it("prints which stacks run together", () => {
    expect(describeWaves(planWaves(stacks))).toEqual([
      "  wave 1: dev-bootstrap",
      "  wave 2: dev-network",
      "  wave 3: dev-cluster",
      "  wave 4: dev-data, dev-platform  (together)",
      "  wave 5: dev-app",
    ]);
  });

  it("puts every stack after each stack it depends on", () => {
    const waves = planWaves(stacks);
    const waveOf = new Map(waves.flatMap((w, i) => w.map((s) => [s.id, i] as const)));
    for (const stack of stacks) {
      for (const dependency of stack.dependencies) {
        expect(waveOf.get(dependency)).toBeLessThan(waveOf.get(stack.id) as number);
      }
    }
  });

  it("runs a single selected stack alone and names what it needs deployed already", () => {
    const app = selectStacks(stacks, "dev", ["app"]);
    expect(ids(planWaves(app))).toEqual([["dev-app"]]);
    expect(outsideDependencies(app)).toEqual(["dev-cluster", "dev-data", "dev-platform"]);
  });

  it("accepts full stack ids as well as concerns", () => {
    expect(selectStacks(stacks, "dev", ["dev-data", "platform"]).map((s) => s.id)).toEqual([
      "dev-data",
      "dev-platform",
    ]);
  });

  it("fails on a stack the environment does not have, listing the ones it has", () => {
    expect(() => selectStacks(stacks, "dev", ["database"])).toThrow(
      /environment "dev", stack "database" does not exist; allowed: .*network/,
    );
  });

  it("fails on a dependency cycle instead of looping", () => {
    const cyclic: StackNode[] = [
      { id: "x-a", concern: "a", dependencies: ["x-b"], directory: "" },
      { id: "x-b", concern: "b", dependencies: ["x-a"], directory: "" },
    ];
    expect(() => planWaves(cyclic)).toThrow("dependency cycle between x-a, x-b");
  });
});
