import { versionChanges, versionChangesMarkdown } from "../../scripts/review/version-changes";
import type { Json, SynthOutput } from "../../scripts/review/synth-output";
import { block, copyOutput, synthOutputOf } from "./review-helpers";

type Edit = (output: SynthOutput) => void;

const eks = (output: SynthOutput) => block(output, "dev-cluster", "module.eks");
const groups = (output: SynthOutput) => eks(output).eks_managed_node_groups as Record<string, Json>;
const addon = (output: SynthOutput, name: string) => (eks(output).addons as Record<string, Json>)[name];
const release = (output: SynthOutput, name: string) =>
  Object.values(((output.get("dev-platform")?.json.resource as Json).helm_release ?? {}) as Record<string, Json>).find(
    (r) => r.name === name,
  ) as Json;

const upgradeControlPlane: Edit = (o) => {
  eks(o).kubernetes_version = "1.36";
  eks(o).upgrade_policy = { support_type: "EXTENDED" };
};
const upgradeAddons: Edit = (o) => {
  addon(o, "kube-proxy").addon_version = "v1.36.0-eksbuild.1";
  addon(o, "vpc-cni").addon_version = "v1.21.2-eksbuild.1";
  release(o, "cluster-autoscaler").version = "9.60.0";
};
const rollNodes: Edit = (o) => {
  for (const group of Object.values(groups(o))) {
    group.kubernetes_version = "1.36";
    group.ami_release_version = "1.36.0-20260401";
  }
};

function changed(...edits: Edit[]) {
  const baseline = synthOutputOf("dev");
  const current = copyOutput(baseline);
  edits.forEach((edit) => edit(current));
  const [dev] = versionChanges(baseline, current).filter((e) => e.environment === "dev");
  return dev;
}

describe("version changes in review", () => {
  it("lists nothing when no version moves", () => {
    expect(changed().changes).toEqual([]);
  });

  it("orders a whole upgrade: control plane, then add-ons (EKS and Helm), then nodes", () => {
    const { changes } = changed(rollNodes, upgradeAddons, upgradeControlPlane);
    expect(changes.map((c) => `${c.order}. ${c.step}: ${c.what} ${c.from} -> ${c.to}`)).toEqual([
      "1. control plane: Kubernetes 1.35 -> 1.36",
      "1. control plane: EKS upgrade policy STANDARD -> EXTENDED",
      "2. add-ons: vpc-cni v1.21.1-eksbuild.1 -> v1.21.2-eksbuild.1",
      "2. add-ons: kube-proxy v1.35.0-eksbuild.2 -> v1.36.0-eksbuild.1",
      "2. add-ons: helm cluster-autoscaler 9.59.0 -> 9.60.0",
      "3. nodes: node group spot Kubernetes 1.35 -> 1.36",
      "3. nodes: node group spot AMI 1.35.0-20251209 -> 1.36.0-20260401",
    ]);
  });

  it("warns when one apply would roll the nodes before the add-ons the eks module updates after them", () => {
    expect(changed(upgradeControlPlane, upgradeAddons, rollNodes).warnings).toEqual([
      'one apply rolls the nodes before kube-proxy (the eks module updates them after its node groups): apply the control plane and add-ons first, the nodes in a second change (docs/day-2.md, "Kubernetes itself")',
    ]);
    expect(changed(upgradeControlPlane, upgradeAddons).warnings).toEqual([]);
    expect(changed(rollNodes).warnings).toEqual([]);
  });

  it("warns when the control plane skips a minor", () => {
    expect(changed((o) => (eks(o).kubernetes_version = "1.37")).warnings).toEqual([
      "Kubernetes 1.35 -> 1.37 skips a minor: EKS upgrades one minor at a time",
    ]);
  });

  it("lists a PostgreSQL major upgrade apart from the cluster's steps", () => {
    const { changes } = changed((o) => (block(o, "dev-data", "module.postgres").engine_version = "16"));
    expect(changes).toEqual([
      expect.objectContaining({ order: 4, step: "data stores", what: "PostgreSQL", from: "15", to: "16" }),
    ]);
  });

  it("says it in the review's Markdown, environment by environment", () => {
    const baseline = synthOutputOf("dev");
    const current = copyOutput(baseline);
    upgradeControlPlane(current);
    const markdown = versionChangesMarkdown(versionChanges(baseline, current)).join("\n");
    expect(markdown).toContain("## Version changes, in upgrade order (control plane, then add-ons, then nodes");
    expect(markdown).toContain(
      "  1. control plane: Kubernetes 1.35 -> 1.36 (dev-cluster module.eks kubernetes_version)",
    );
  });
});
