/** docs/runbook.md against the stacks' real dependencies and the deploy command's waves. */
import * as fs from "node:fs";
import * as path from "node:path";
import { CONCERNS } from "../../config";
import { loadStacks, planWaves } from "../../scripts/deploy/stack-graph";
import { synthOutputCopy } from "../deploy/deploy-helpers";

const root = path.resolve(__dirname, "..", "..");
const runbook = fs.readFileSync(path.join(root, "docs", "runbook.md"), "utf8");

function section(title: string): string {
  const start = runbook.indexOf(`## ${title}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = runbook.indexOf("\n## ", start + 1);
  return runbook.slice(start, end < 0 ? undefined : end);
}

/** The stacks each deploy command of a section names, in the order they appear. */
function stackGroups(text: string): string[][] {
  const commands = [
    ...text.matchAll(/npm run deploy -- (\w+) ((?:[a-z]+ ?)+)/g),
    ...text.matchAll(/gh workflow run infra\.yml -f environment=(\w+) -f stacks="?([a-z ]+?)"?(?: -f|`|$)/gm),
  ].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  return commands.map((m) => m[2].trim().split(/\s+/));
}

describe("runbook", () => {
  const stacks = loadStacks(synthOutputCopy("dev"), "dev");
  const concernOf = (id: string) => id.replace(/^dev-/, "");
  const dependencies = new Map(stacks.map((s) => [s.concern, s.dependencies.map(concernOf)]));

  describe("first deploy of a new environment", () => {
    const groups = stackGroups(section("First deploy of a new environment"));
    const firstGroup = new Map<string, number>();
    groups.forEach((g, i) => g.forEach((s) => firstGroup.has(s) || firstGroup.set(s, i)));

    it("deploys every stack", () => {
      expect([...firstGroup.keys()].sort()).toEqual([...CONCERNS].sort());
    });

    it("never deploys a stack before one it depends on (derived from the synthesized stacks)", () => {
      for (const [stack, group] of firstGroup) {
        for (const dependency of dependencies.get(stack) ?? []) {
          expect({ stack, dependency, before: (firstGroup.get(dependency) as number) <= group }).toEqual({
            stack,
            dependency,
            before: true,
          });
        }
      }
    });

    it("follows the deploy command's waves: no step needs a stack of a later wave", () => {
      const waveOf = new Map(planWaves(stacks).flatMap((w, i) => w.map((s) => [s.concern, i] as const)));
      const distinct = groups.filter((g, i) => groups.findIndex((h) => h.join() === g.join()) === i);
      for (let i = 1; i < distinct.length; i++) {
        const previous = Math.max(...distinct[i - 1].map((s) => waveOf.get(s) as number));
        const current = Math.min(...distinct[i].map((s) => waveOf.get(s) as number));
        expect(previous).toBeLessThan(current);
      }
    });
  });

  it("rolls out an image by deploying the app stack alone, with the tag", () => {
    const rollout = section("Roll out a new image");
    expect(stackGroups(rollout).every((g) => g.join() === "app")).toBe(true);
    expect(rollout).toMatch(/npm run deploy -- prod app --image-tag sha-0123abc --apply\n/);
  });

  it("shows, like the README, what --plan prints on a machine without credentials", () => {
    const line =
      'deploy: preflight: environment "dev": no usable AWS credentials (CredentialsProviderError): sign in to account 111111111111';
    expect(runbook).toContain(line);
    expect(fs.readFileSync(path.join(root, "README.md"), "utf8")).toContain(line);
  });
});
