import * as fs from "node:fs";
import * as path from "node:path";
import { CONCERNS } from "../../config";
import {
  describeWaves,
  loadStacks,
  outputLabel,
  outputReads,
  outsideDependencies,
  planWaves,
  readersOf,
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

describe("outputs one stack reads of another (remote state)", () => {
  const stacks = loadStacks(synthOutputCopy("dev"), "dev");
  const reads = outputReads(stacks);
  const declared = (id: string) => {
    const stack = stacks.find((s) => s.id === id) as StackNode;
    const json = JSON.parse(fs.readFileSync(path.join(stack.directory, "cdk.tf.json"), "utf8")) as {
      output?: Record<string, unknown>;
    };
    return Object.keys(json.output ?? {});
  };

  it("the app reads the data stack's login secret version and instance resource id, which name its login Jobs", () => {
    const fromData = reads.get("dev-app")?.get("dev-data") ?? [];
    expect(fromData.map(outputLabel)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^aws_secretsmanager_secret_versiondatabase-app-login_secret_value_\w+version_id$/),
        "modulepostgresdb_instance_resource_id",
      ]),
    );
  });

  it("a stack a stack only follows is not read: the app comes after the platform stack but reads none of its outputs", () => {
    const app = stacks.find((s) => s.id === "dev-app") as StackNode;
    expect(app.dependencies).toContain("dev-platform");
    expect([...(reads.get("dev-app")?.keys() ?? [])].sort()).toEqual(["dev-cluster", "dev-data"]);
  });

  it("names only outputs the read stack declares, and every stack a stack reads is one it depends on", () => {
    for (const stack of stacks) {
      for (const [upstream, outputs] of reads.get(stack.id) ?? []) {
        expect([stack.id, upstream, stack.dependencies.includes(upstream)]).toEqual([stack.id, upstream, true]);
        expect(outputs.length).toBeGreaterThan(0);
        expect(declared(upstream)).toEqual(expect.arrayContaining([...outputs]));
      }
    }
  });

  it("lists the readers of an output: the app for the login secret's version, none for the data stack's redis_endpoint", () => {
    const version = (reads.get("dev-app")?.get("dev-data") ?? []).find((o) => o.endsWith("version_id")) as string;
    expect(readersOf(reads, "dev-data", version)).toEqual(["dev-app"]);
    expect(declared("dev-data")).toContain("redis_endpoint");
    expect(readersOf(reads, "dev-data", "redis_endpoint")).toEqual([]);
  });
});
