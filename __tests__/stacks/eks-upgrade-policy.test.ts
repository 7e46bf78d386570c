import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktf";
import type { EnvironmentConfig } from "../../config";
import { createEnvironmentStacks } from "../../stacks/environment-stacks";
import { cloneConfig, synthEnvironment, type SynthesizedEnvironment, type TerraformJson } from "../helpers";

type Json = Record<string, unknown>;
const eksOf = (json: TerraformJson) => json.module?.eks as Json;
const groupsOf = (json: TerraformJson) => eksOf(json).eks_managed_node_groups as Record<string, Json>;
const cluster = (env: SynthesizedEnvironment) => env.json("cluster");

/** The cluster stack of an edited copy of an environment's config. */
function clusterStackOf(config: EnvironmentConfig): TerraformJson {
  const app = Testing.app();
  createEnvironmentStacks(app, config);
  app.synth();
  return JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", `${config.name}-cluster`, "cdk.tf.json"), "utf8"));
}

describe("EKS upgrades, one environment at a time", () => {
  const dev = synthEnvironment("dev");
  const prod = synthEnvironment("prod");

  it("takes the EKS upgrade policy from config: dev STANDARD (upgraded, never extended), prod EXTENDED", () => {
    expect(eksOf(cluster(dev)).upgrade_policy).toEqual({ support_type: "STANDARD" });
    expect(eksOf(cluster(prod)).upgrade_policy).toEqual({ support_type: "EXTENDED" });
  });

  it("runs each node group at its AMI release's own minor, so nodes can roll after the control plane", () => {
    for (const group of Object.values(groupsOf(cluster(prod)))) {
      expect(group).toMatchObject({ kubernetes_version: "1.35", ami_release_version: "1.35.0-20251209" });
    }
    const config = cloneConfig(dev.config);
    config.cluster.nodeAmiReleaseVersion = "1.34.2-20251209";
    const behind = clusterStackOf(config);
    expect(eksOf(behind).kubernetes_version).toBe("1.35");
    for (const group of Object.values(groupsOf(behind))) expect(group.kubernetes_version).toBe("1.34");
  });
});
