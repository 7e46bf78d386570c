import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktf";
import type { EnvironmentConfig } from "../../config";
import { createEnvironmentStacks } from "../../stacks/environment-stacks";
import { cloneConfig, synthEnvironment } from "../helpers";
import { dangerous, planDiff } from "../../scripts/review/plan-diff";
import type { Json } from "../../scripts/review/synth-output";
import { block, copyOutput, synthOutputOf } from "./review-helpers";

describe("plan diff", () => {
  const prod = synthOutputOf("prod");

  it("is empty for identical synths", () => {
    expect(planDiff(prod, copyOutput(prod))).toEqual([]);
  });

  it("flags a change that replaces the database: storage encryption is ForceNew in aws_db_instance", () => {
    const after = copyOutput(prod);
    block(after, "prod-data", "module.postgres").storage_encrypted = false;
    const changes = planDiff(prod, after).filter((c) => c.stack === "prod-data");
    expect(changes).toEqual([
      expect.objectContaining({
        stack: "prod-data",
        address: "module.postgres",
        action: "replace",
        stateful: true,
        changes: [{ path: "storage_encrypted", before: true, after: false }],
      }),
    ]);
    expect(changes[0].note).toContain(
      "replaces module.db_instance.aws_db_instance.this (storage_encrypted): a new, empty database",
    );
    expect(dangerous(changes)).toHaveLength(1);
  });

  it("treats a bigger database class as an in-place update", () => {
    const after = copyOutput(prod);
    block(after, "prod-data", "module.postgres").instance_class = "db.m7g.xlarge";
    const [change] = planDiff(prod, after);
    expect(change).toMatchObject({ action: "update", stateful: true });
    expect(dangerous([change])).toEqual([]);
  });

  it("reports a node group whose instance types change as a roll of its nodes, not as lost data", () => {
    const after = copyOutput(prod);
    const groups = block(after, "prod-cluster", "module.eks").eks_managed_node_groups as Record<string, Json>;
    groups.baseline.instance_types = ["m7i.xlarge"];
    const changes = planDiff(prod, after);
    expect(changes).toEqual([expect.objectContaining({ address: "module.eks", action: "roll" })]);
    expect(changes[0].effects).toEqual([
      {
        resource: 'module.eks_managed_node_group["baseline"].aws_eks_node_group.this',
        type: "aws_eks_node_group",
        action: "replace",
        because: ["instance_types"],
      },
    ]);
    expect(changes[0].note).toContain("the new one first (create_before_destroy)");
    expect(dangerous(changes)).toEqual([]);
  });

  it("flags a destroyed bucket, and hints at a rename when a block of the same type appears", () => {
    const after = copyOutput(prod);
    const buckets = (after.get("prod-data")?.json.resource as Record<string, Record<string, Json>>).aws_s3_bucket;
    const [logsName] = Object.keys(buckets).filter((k) => k.startsWith("logs"));
    buckets.renamed_logs = buckets[logsName];
    delete buckets[logsName];
    const changes = planDiff(prod, after);
    expect(changes.map((c) => `${c.action} ${c.address}`)).toEqual([
      `destroy aws_s3_bucket.${logsName}`,
      "create aws_s3_bucket.renamed_logs",
    ]);
    expect(changes[0]).toMatchObject({ stateful: true, note: expect.stringContaining("moved block") });
  });

  it("lists resources added by a new stack", () => {
    const before = copyOutput(prod);
    before.delete("prod-app");
    const changes = planDiff(before, prod);
    expect(changes.length).toBeGreaterThan(5);
    expect(new Set(changes.map((c) => `${c.stack} ${c.action}`))).toEqual(new Set(["prod-app create"]));
  });
});

describe("replacements followed into the stacks that read them", () => {
  const dev = synthOutputOf("dev");

  it("a new VPC CIDR changes the VPC and subnet ids dev-cluster and dev-data read: their security groups are replaced", () => {
    const after = copyOutput(dev);
    block(after, "dev-network", "module.vpc").cidr = "10.9.0.0/16";
    const changes = planDiff(dev, after);
    const stacks = new Set(changes.map((c) => c.stack));
    expect([...stacks]).toEqual(expect.arrayContaining(["dev-network", "dev-cluster", "dev-data"]));
    const groups = changes.filter((c) => c.stack === "dev-data" && c.address.startsWith("aws_security_group."));
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) {
      expect(group).toMatchObject({ action: "replace", changes: [expect.objectContaining({ path: "vpc_id" })] });
      expect(group.note).toContain("reads outputs of dev-network that a replacement changes: module.vpc.vpc_id");
    }
    const eks = changes.find((c) => c.stack === "dev-cluster" && c.address === "module.eks");
    expect(eks?.note).toContain("reads outputs of dev-network that a replacement changes:");
    expect(eks?.note).toContain("module.vpc.private_subnets");
  });

  it("an in-place update of the producer changes nothing downstream", () => {
    const after = copyOutput(dev);
    block(after, "dev-network", "module.vpc").tags = { extra: "tag" };
    expect(new Set(planDiff(dev, after).map((c) => c.stack))).toEqual(new Set(["dev-network"]));
  });
});

describe("JSON documents held in attributes", () => {
  it("shows the statement and key that changed inside a policy, not two long strings", () => {
    const before = synthOutputOf("dev");
    const after = copyOutput(before);
    const policies = (after.get("dev-data")?.json.resource as Record<string, Record<string, Record<string, unknown>>>)
      .aws_iam_role_policy;
    const [name, grant] = Object.entries(policies).find(([, p]) => String(p.name).endsWith("-app-data")) as [
      string,
      Record<string, unknown>,
    ];
    const document = JSON.parse(String(grant.policy));
    document.Statement[1].Action = ["s3:GetObject", "s3:PutObject"];
    grant.policy = JSON.stringify(document);
    const [change] = planDiff(before, after);
    expect(change).toMatchObject({ address: `aws_iam_role_policy.${name}`, action: "update" });
    expect(change.changes).toEqual([
      {
        path: "policy{}.Statement[Sid=ReadWriteArtifacts].Action[s3:DeleteObject]",
        before: "s3:DeleteObject",
        after: undefined,
      },
    ]);
  });

  it("matches statements by Sid and compares actions as sets: an inserted statement is one change, not a shift", () => {
    const before = synthOutputOf("dev");
    const after = copyOutput(before);
    const policies = (after.get("dev-data")?.json.resource as Record<string, Record<string, Record<string, unknown>>>)
      .aws_iam_role_policy;
    const [, grant] = Object.entries(policies).find(([, p]) => String(p.name).endsWith("-app-data")) as [
      string,
      Record<string, unknown>,
    ];
    const document = JSON.parse(String(grant.policy)) as { Statement: Record<string, unknown>[] };
    const actions = Array.from({ length: 12 }, (_, i) => `s3:Action${i}`);
    document.Statement.unshift({ Sid: "New", Effect: "Allow", Action: actions, Resource: "*" });
    const reordered = document.Statement.find((st) => Array.isArray(st.Action) && st.Action.length > 1);
    (reordered?.Action as string[]).reverse();
    grant.policy = JSON.stringify(document);
    const [change] = planDiff(before, after);
    const paths = change.changes.map((c) => c.path);
    expect(paths.every((p) => p.startsWith("policy{}.Statement[Sid=New]."))).toBe(true);
    expect(paths.filter((p) => p.includes(".Action["))).toEqual(
      actions.map((a) => `policy{}.Statement[Sid=New].Action[${a}]`).sort(naturally),
    );
    expect(paths.indexOf("policy{}.Statement[Sid=New].Action[s3:Action2]")).toBeLessThan(
      paths.indexOf("policy{}.Statement[Sid=New].Action[s3:Action10]"),
    );
  });
});

/** `Action2` before `Action10`. */
const naturally = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });

/** The prod-cluster changes a config edit makes, from two real synths. */
function clusterChangesAfter(edit: (config: EnvironmentConfig) => void) {
  const before = synthOutputOf("prod");
  const config = cloneConfig(synthEnvironment("prod").config);
  edit(config);
  const app = Testing.app();
  createEnvironmentStacks(app, config);
  app.synth();
  const after = copyOutput(before);
  const cluster = after.get("prod-cluster") as { json: Record<string, unknown> };
  cluster.json = JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", "prod-cluster", "cdk.tf.json"), "utf8"));
  return planDiff(before, after).filter((c) => c.stack === "prod-cluster");
}

describe("pinned upgrades", () => {
  it("a new AMI release is flagged as a roll of every node group, and changes nothing else", () => {
    const changes = clusterChangesAfter((c) => {
      (c.cluster as { nodeAmiReleaseVersion: string }).nodeAmiReleaseVersion = "1.35.2-20260301";
    });
    expect(changes).toEqual([expect.objectContaining({ address: "module.eks", action: "roll" })]);
    expect(changes[0].changes.map((c) => c.path)).toEqual([
      "eks_managed_node_groups.baseline.ami_release_version",
      "eks_managed_node_groups.spot.ami_release_version",
    ]);
    expect(changes[0].note).toBe(
      "node roll: every baseline node is replaced (AMI 1.35.0-20251209 -> 1.35.2-20260301); node roll: every spot node is replaced (AMI 1.35.0-20251209 -> 1.35.2-20260301)",
    );
  });

  it("a new add-on version is flagged as that add-on's update", () => {
    const changes = clusterChangesAfter((c) => {
      (c.cluster.addonVersions as Record<string, string>).coredns = "v1.13.2-eksbuild.1";
    });
    expect(changes.map((c) => [c.address, c.action, c.note])).toEqual([
      ["module.eks", "update", "add-on update: coredns v1.13.1-eksbuild.1 -> v1.13.2-eksbuild.1"],
    ]);
  });
});

describe("pinning what used to float", () => {
  it("says a running add-on and running nodes may change once, when their versions are first pinned", () => {
    const after = synthOutputOf("prod");
    const before = copyOutput(after);
    const eks = block(before, "prod-cluster", "module.eks");
    delete ((eks.addons as Record<string, Json>).coredns as Json).addon_version;
    delete ((eks.eks_managed_node_groups as Record<string, Json>).spot as Json).ami_release_version;
    const [change] = planDiff(before, after);
    expect(change.note).toBe(
      "add-on pinned: coredns to v1.13.1-eksbuild.1 (a running add-on of another version is updated); node AMI pinned: spot to 1.35.0-20251209 (nodes running another release are replaced)",
    );
  });
});

describe("access entries", () => {
  it("adding one admin adds exactly that entry (and lets it start operator sessions): no other entry changes or moves", () => {
    const all = clusterChangesAfter((c) => {
      (c.cluster as { adminRoleArns: string[] }).adminRoleArns = [
        "arn:aws:iam::333333333333:role/Oncall",
        ...c.cluster.adminRoleArns,
      ];
    });
    expect(all.map((c) => c.action)).toEqual(["update", "update"]);
    const policy = all.find((c) => c.address.startsWith("aws_iam_policy.operator-access"));
    expect(JSON.stringify(policy?.changes)).toContain("role/Oncall");
    const changes = all.filter((c) => c !== policy);
    expect(changes.map((c) => [c.address, c.action])).toEqual([["module.eks", "update"]]);
    const paths = changes[0].changes.map((c) => c.path);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.every((p) => p.startsWith("access_entries.admin-Oncall."))).toBe(true);
    expect(changes[0].changes.every((c) => c.before === undefined)).toBe(true);
  });
});
