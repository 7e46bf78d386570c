import { mermaid } from "../../scripts/review/diagram";
import { inventory } from "../../scripts/review/inventory";
import { planDiff } from "../../scripts/review/plan-diff";
import { buildReview, shortPair, toMarkdown, topChanges } from "../../scripts/review/report";
import type { PlannedChange } from "../../scripts/review/plan-diff";
import { environments } from "../../scripts/review/synth-output";
import { block, copyOutput, synthOutputOf } from "./review-helpers";

describe("review report", () => {
  const prod = synthOutputOf("prod");

  it("orders stacks for deployment: bootstrap first, app after platform", () => {
    const [[env, stacks]] = [...environments(prod)];
    expect(env).toBe("prod");
    expect(stacks.map((s) => s.id)).toEqual([
      "prod-bootstrap",
      "prod-network",
      "prod-cluster",
      "prod-data",
      "prod-platform",
      "prod-app",
    ]);
  });

  it("inventories resources, pinned modules, providers, backend and outputs", () => {
    const data = inventory(prod.get("prod-data")!);
    expect(data.modules).toEqual({ postgres: "terraform-aws-modules/rds/aws@6.13.1" });
    expect(data.providers).toEqual({ aws: "6.25.0", random: "3.7.2" });
    expect(data.backend).toBe("s3://marketing-agents-tfstate-prod-333333333333/prod/data.tfstate (lock file)");
    expect(data.resources.aws_s3_bucket).toBe(2);
    expect(data.outputs).toContain("database_address");
    expect(data.dependsOn).toEqual(["prod-cluster", "prod-network"]);
  });

  it("draws each stack with its main resources and an arrow to every stack it reads", () => {
    const graph = mermaid([...prod.values()]);
    expect(graph).toContain('prod_data_0["postgres: rds module 6.13.1"]');
    expect(graph).toContain("prod_app --> prod_platform");
    expect(graph).toContain("prod_data --> prod_network");
  });

  it("prints each environment's budget next to its estimate, and every cost switch any environment has", () => {
    const markdown = toMarkdown(buildReview(prod));
    const estimate = buildReview(prod).environments[0].cost;
    expect(markdown).toContain(
      `| **budget** | $1500.00 (estimate ${Math.round((100 * estimate.totalUsd) / 1500)} %) |`,
    );
    expect(markdown).toMatch(/\| no interface endpoints \| off: \$[\d,.]+ \|/);
  });

  it("puts a warning about stateful replacements first in the Markdown", () => {
    const after = copyOutput(prod);
    block(after, "prod-data", "module.postgres").identifier = "renamed";
    const markdown = toMarkdown(buildReview(after, planDiff(prod, after)));
    expect(markdown.indexOf("## Changes")).toBeLessThan(markdown.indexOf("## Monthly cost"));
    expect(markdown).toContain("**Warning: 1 stateful resource(s) destroyed or replaced.**");
    expect(markdown).toContain(
      '| prod-data | `module.postgres` | **replace (stateful)** | `identifier`: "marketing-agents-prod" -> "renamed" |',
    );
  });

  const row = (c: Partial<PlannedChange>): PlannedChange => ({
    stack: "prod-app",
    address: "x.y",
    action: "update",
    stateful: false,
    changes: [],
    ...c,
  });

  it("lists the changes riskiest first, in the table and in the terminal summary", () => {
    const changes = [
      row({ address: "helm_release.a", action: "update", stateful: true }),
      row({ address: "module.eks", action: "roll" }),
      row({ address: "aws_security_group.b", action: "replace" }),
      row({ address: "aws_db_instance.c", action: "replace", stateful: true }),
      row({ address: "aws_iam_role.d", action: "create" }),
    ];
    const markdown = toMarkdown(buildReview(prod, changes));
    const order = ["aws_db_instance.c", "aws_security_group.b", "module.eks", "helm_release.a", "aws_iam_role.d"];
    const positions = order.map((a) => markdown.indexOf(`\`${a}\``));
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
    expect(topChanges(changes, 2)).toEqual([
      "  replace (stateful): prod-app aws_db_instance.c",
      "  replace: prod-app aws_security_group.b",
    ]);
  });

  it("marks only replace and destroy as stateful: a roll or an update of a stateful thing is not flagged", () => {
    const markdown = toMarkdown(
      buildReview(prod, [
        row({ address: "helm_release.a", action: "roll", stateful: true }),
        row({ address: "helm_release.b", action: "ignored", stateful: true }),
      ]),
    );
    expect(markdown).toContain("| prod-app | `helm_release.a` | roll |");
    expect(markdown).toContain("| prod-app | `helm_release.b` | ignored |");
    expect(markdown).not.toContain("(stateful)");
  });

  it("escapes a | inside a value so the row keeps its columns", () => {
    const change = row({ changes: [{ path: "condition", before: "^(infra)$", after: "^(infra|drift)$" }] });
    const line = toMarkdown(buildReview(prod, [change]))
      .split("\n")
      .find((l) => l.startsWith("| prod-app |")) as string;
    expect(line).toContain('"^(infra\\|drift)$"');
    expect(line.split(/(?<!\\)\|/).length - 2).toBe(5);
  });

  it("cuts long values around the first difference, so the change stays visible", () => {
    const prefix = "123456789012.dkr.ecr.us-east-1.amazonaws.com/marketing-agents-prod/";
    const [before, after] = shortPair(`${prefix}agents-api`, `${prefix}agents-worker`);
    expect(before.length).toBeLessThanOrEqual(60);
    expect(before).toContain("agents-api");
    expect(after).toContain("agents-worker");
    expect(shortPair("short", "other")).toEqual(['"short"', '"other"']);
  });
});
