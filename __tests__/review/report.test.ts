import { mermaid } from "../../scripts/review/diagram";
import { inventory } from "../../scripts/review/inventory";
import { planDiff } from "../../scripts/review/plan-diff";
import { buildReview, toMarkdown } from "../../scripts/review/report";
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
});
