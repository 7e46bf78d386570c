/**
 * docs/runbook.md's "Destroy and recreate" and "Drift" against what the code does: the destroy
 * order from the stacks' real dependencies, the recreate of dev in dependency order, the committed
 * settings and waits it names, and the drift workflow's schedule and stacks.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { CI_APPLIED_CONCERNS, CONCERNS, loadEnvironments } from "../../config";
import { CREDENTIALED_UPSTREAMS, PULL_THROUGH_SECRET_PREFIX } from "../../modules/image-mirror";
import { DNS_RECORDS_TIMEOUT_MS, KEPT_CONCERN, LOAD_BALANCER_TIMEOUT_MS } from "../../scripts/deploy/destroy";
import { loadStacks, planWaves } from "../../scripts/deploy/stack-graph";
import { synthOutputCopy } from "../deploy/deploy-helpers";
import { resourcesOf, synthEnvironment } from "../helpers";
import { runbookSection } from "./runbook-steps";

const root = path.resolve(__dirname, "..", "..");
const configs = loadEnvironments();
const oneLine = (text: string) => text.replace(/\s+/g, " ");

describe("runbook: Destroy and recreate", () => {
  const section = oneLine(runbookSection("Destroy and recreate"));
  const stacks = loadStacks(synthOutputCopy("dev"), "dev").filter((s) => s.concern !== KEPT_CONCERN);

  it("states the order the command destroys in (the deploy waves, reversed)", () => {
    const waves = planWaves(stacks).reverse();
    const order = waves
      .map((w) => w.map((s) => s.concern).join(" and ") + (w.length > 1 ? " together" : ""))
      .join("; then ");
    expect(section).toContain(`Deletes in reverse dependency order: ${order}.`);
  });

  // One command deploys its stacks in dependency order itself (the deploy waves).
  it("recreates dev after its destroy: every stack but bootstrap, none before one it depends on", () => {
    const commands = runbookSection("Destroy and recreate")
      .split("\n")
      .map((line) => /^npm run (destroy|deploy) -- dev((?: [a-z]+)*)/.exec(line.trim()))
      .flatMap((m) => (m ? [{ command: m[1], stacks: m[2].trim().split(/\s+/).filter(Boolean) }] : []));
    expect(commands[0]?.command).toBe("destroy");
    const deploys = commands.filter((c) => c.command === "deploy");
    const deployed: string[] = [];
    for (const { stacks: group } of deploys) {
      for (const concern of group) {
        const needs = stacks.find((s) => s.concern === concern)?.dependencies.map((d) => d.replace(/^dev-/, "")) ?? [];
        expect({
          concern,
          missing: needs.filter((d) => d !== KEPT_CONCERN && !deployed.includes(d) && !group.includes(d)),
        }).toEqual({
          concern,
          missing: [],
        });
      }
      deployed.push(...group);
    }
    expect(deployed.sort()).toEqual(CONCERNS.filter((c) => c !== KEPT_CONCERN).sort());
  });

  // The destroy deleted dev's registry credentials (recovery window 0) and the network stack makes
  // their secrets again without a value; the deploy preflight refuses the cluster apply until each
  // holds one (scripts/deploy/preflight.ts), so the recreate sets them in between.
  it("recreates dev setting each registry credential after the network stack and before the cluster", () => {
    const lines = runbookSection("Destroy and recreate")
      .split("\n")
      .map((line) => line.trim());
    const deploying = (concern: string) =>
      lines.findIndex((line) => new RegExp(`^npm run deploy -- dev(?: [a-z]+)* ${concern}\\b`).test(line));
    const credentials = Object.values(resourcesOf(synthEnvironment("dev").json("network"), "aws_secretsmanager_secret"))
      .map((secret) => String(secret.name))
      .filter((name) => name.startsWith(PULL_THROUGH_SECRET_PREFIX));
    expect(credentials).toHaveLength(CREDENTIALED_UPSTREAMS.length);
    for (const name of credentials) {
      const setting = lines.findIndex((line) =>
        line.startsWith(`aws secretsmanager put-secret-value --secret-id ${name} `),
      );
      expect({ name, network: deploying("network") < setting, cluster: setting < deploying("cluster") }).toEqual({
        name,
        network: true,
        cluster: true,
      });
    }
  });

  it("names the committed settings as config has them", () => {
    const allowed = configs.filter((c) => c.lifecycle.allowDestroy).map((c) => c.name);
    expect(allowed).toEqual(["dev"]);
    expect(section).toContain("(committed: dev true, staging and prod false)");
    const windows = Object.fromEntries(configs.map((c) => [c.name, c.secrets.recoveryWindowDays]));
    expect(section).toContain(
      `(committed: dev ${windows.dev}, at once; staging ${windows.staging}; prod ${windows.prod})`,
    );
    expect(section).toContain(`up to ${LOAD_BALANCER_TIMEOUT_MS / 60000} minutes`);
    expect(section).toContain(`up to ${DNS_RECORDS_TIMEOUT_MS / 60000} minutes`);
    const [key] = Object.values(resourcesOf(synthEnvironment("dev").json("network"), "aws_kms_key"));
    expect(section).toContain(`after their ${key.deletion_window_in_days}-day window`);
  });

  it("says what the committed dev keeps: nothing with prevent_destroy, and no backup vault", () => {
    const dev = configs.find((c) => c.name === "dev");
    expect([dev?.retainOnDestroy, dev?.buckets.retainOnDestroy, dev?.database.backupPlan]).toEqual([
      false,
      false,
      null,
    ]);
    expect(section).toContain("The committed dev keeps nothing with `prevent_destroy` and has no backup plan");
  });
});

describe("runbook: Drift", () => {
  const section = oneLine(runbookSection("Drift"));
  const drift = parse(fs.readFileSync(path.join(root, ".github", "workflows", "drift.yml"), "utf8")) as {
    on: { schedule: { cron: string }[] };
  };

  it("gives the schedule drift.yml has", () => {
    expect(drift.on.schedule.map((s) => s.cron)).toEqual(["17 6 * * 1-5"]);
    expect(section).toContain("each weekday at 06:17 UTC");
  });

  it("names the stacks it plans: those CI applies", () => {
    expect(section).toContain(`over the stacks CI applies (\`${CI_APPLIED_CONCERNS.join(" ")}\`)`);
  });
});
