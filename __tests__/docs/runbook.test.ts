/** docs/runbook.md against the stacks' real dependencies and the deploy command's waves. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import {
  CONCERNS,
  GITHUB_CONCERN,
  GITHUB_SETTINGS_ENVIRONMENT,
  imageTagParameterName,
  loadEnvironments,
} from "../../config";
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
    ...text.matchAll(
      /gh workflow run infra\.yml (?:--ref main )?-f environment=(\w+) -f stacks="?([a-z ]+?)"?(?: -f|`|$)/gm,
    ),
  ].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  return commands.map((m) => m[2].trim().split(/\s+/));
}

describe("runbook", () => {
  const stacks = loadStacks(synthOutputCopy("dev"), "dev");
  const concernOf = (id: string) => id.replace(/^dev-/, "");
  const dependencies = new Map(stacks.map((s) => [s.concern, s.dependencies.map(concernOf)]));

  describe("first deploy of a new environment", () => {
    // The repository's GitHub settings are a prerequisite applied on their own (checked below), not an environment's stack.
    const groups = stackGroups(section("First deploy of a new environment")).filter((g) => !g.includes(GITHUB_CONCERN));
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
    expect(rollout).toMatch(/npm run deploy -- staging app --image-tag sha-0123abc --apply\n/);
  });

  it("shows, like docs/deploy.md, what --plan prints on a machine without credentials", () => {
    const line =
      'deploy: preflight: environment "dev": no usable AWS credentials (CredentialsProviderError): sign in to account 111111111111';
    expect(runbook).toContain(line);
    expect(fs.readFileSync(path.join(root, "docs", "deploy.md"), "utf8")).toContain(line);
  });

  describe("CI: GitHub environments, rollouts and recovery", () => {
    const oneLine = (text: string) => text.replace(/\\\n/g, " ").replace(/\s+/g, " ");

    it("runs every documented rollout on main (--ref main; the rollout's first job refuses any other ref)", () => {
      const documents = ["docs/runbook.md", "docs/day-2.md", "README.md", "help"].map((f) =>
        fs.readFileSync(path.join(root, f), "utf8"),
      );
      const commands = documents.flatMap((text) =>
        [...text.matchAll(/gh workflow run infra\.yml[^\n`]*/g)].map((m) => m[0]),
      );
      expect(commands.length).toBeGreaterThanOrEqual(5);
      expect(commands.filter((c) => !/ --ref main /.test(c))).toEqual([]);
    });

    it("has both GitHub environments, <env> (applies) and <env>-plan, made by applying the settings stack, not by hand", () => {
      const setup = oneLine(section("First deploy of a new environment"));
      expect(setup).not.toMatch(/Create two GitHub environments/);
      const bullet = /- The infra repository's GitHub settings are code[^]*?(?= - |$)/.exec(setup)?.[0] ?? "";
      expect(bullet).toMatch(/`<ci\.githubEnvironment>` \(applies\) and `<ci\.githubEnvironment>-plan`/);
      expect(bullet).toMatch(/required reviewers of `ci\.reviewers`/);
      expect(bullet).toMatch(/deployments from `main` only/);
      expect(bullet).toContain(`npm run deploy -- ${GITHUB_SETTINGS_ENVIRONMENT} ${GITHUB_CONCERN} --apply`);
      expect(stackGroups(setup).filter((g) => g.includes(GITHUB_CONCERN))).toEqual([[GITHUB_CONCERN]]);
    });

    it("names the queueing group the workflow uses, and says a rollout can overlap a merge's delivery", () => {
      const infra = parse(fs.readFileSync(path.join(root, ".github", "workflows", "infra.yml"), "utf8")) as {
        jobs: Record<string, { concurrency?: { group: string } }>;
      };
      for (const { name } of loadEnvironments()) {
        expect(infra.jobs[`deliver-${name}`].concurrency?.group).toBe(`deliver-${name}`);
      }
      const pipeline = oneLine(section("The pipeline after a merge, and rollouts beside it"));
      expect(pipeline).toContain("the concurrency group `deliver-<env>` is held from the plan until the apply ends");
      expect(pipeline).toContain("It can therefore overlap a merge's delivery of the same environment");
      expect(pipeline).toContain("`Error acquiring the state lock`");
    });

    it("recovers a refused apply by planning again (re-run all jobs, or a new rollout)", () => {
      const recovery = oneLine(section("Recovery"));
      expect(recovery).toContain("**An apply was refused**");
      expect(recovery).toContain("**Re-run all jobs** (`gh run rerun <run-id>`");
      expect(recovery).toContain("start a new rollout (`gh workflow run infra.yml --ref main");
    });

    it("records an image tag by hand with the command the deploy command prints when recording fails", () => {
      const recovery = oneLine(section("Recovery"));
      const parameter = imageTagParameterName({ name: "<env>" });
      expect(recovery).toContain(
        `aws ssm put-parameter --region <region> --name ${parameter} --type String --value <tag> --overwrite`,
      );
      expect(recovery).toContain("`recording the image tag failed`");
    });
  });
});
