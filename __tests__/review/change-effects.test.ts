/**
 * The review judges replace, update and roll the way Terraform (the pinned providers' ForceNew /
 * RequiresReplace, the pinned modules' own resources and lifecycles) and AWS will, and shows Helm values
 * and Kubernetes manifests per key, secrets masked.
 */
import { dangerous, MASKED, planDiff } from "../../scripts/review/plan-diff";
import type { Json, SynthOutput } from "../../scripts/review/synth-output";
import { block, copyOutput, synthOutputOf } from "./review-helpers";

const resourcesOf = (output: SynthOutput, stack: string, type: string) =>
  (output.get(stack)?.json.resource as Record<string, Record<string, Json>>)[type];

/** The one resource of `type` in `stack` whose body matches. */
function resource(output: SynthOutput, stack: string, type: string, match: (body: Json) => boolean): [string, Json] {
  const found = Object.entries(resourcesOf(output, stack, type)).find(([, body]) => match(body));
  if (!found) throw new Error(`no ${type} in ${stack}`);
  return found;
}

describe("replace, update or roll, as Terraform and AWS will", () => {
  const staging = synthOutputOf("staging");
  const prod = synthOutputOf("prod");

  it("a zone rename replaces aws_route53_zone (name is ForceNew): new name servers", () => {
    const after = copyOutput(staging);
    const [name, zone] = resource(after, "staging-network", "aws_route53_zone", () => true);
    zone.name = "stage.example.com";
    const changes = planDiff(staging, after).filter((c) => c.address === `aws_route53_zone.${name}`);
    expect(changes).toEqual([expect.objectContaining({ action: "replace", stateful: true })]);
    expect(changes[0].note).toContain("replaced because name changed");
    expect(changes[0].note).toContain("new name servers");
    expect(dangerous(changes)).toHaveLength(1);
  });

  it("a desired size change is ignored after creation (the node-group module ignores it; cluster-autoscaler owns it)", () => {
    const after = copyOutput(prod);
    const groups = block(after, "prod-cluster", "module.eks").eks_managed_node_groups as Record<string, Json>;
    groups.spot.desired_size = 5;
    const [change] = planDiff(prod, after);
    expect(change).toMatchObject({ address: "module.eks", action: "ignored" });
    expect(change.effects).toEqual([
      expect.objectContaining({ action: "ignored", because: ["scaling_config.desired_size"] }),
    ]);
    expect(change.note).toContain("ignored after creation (lifecycle ignore_changes in the module)");
  });

  it("a major engine upgrade is an in-place upgrade of the database (and a new parameter group), not a replacement", () => {
    const after = copyOutput(prod);
    const postgres = block(after, "prod-data", "module.postgres");
    Object.assign(postgres, { engine_version: "16", major_engine_version: "16", family: "postgres16" });
    const [change] = planDiff(prod, after);
    expect(change.action).toBe("update");
    expect(change.note).toContain("major engine upgrade 15 -> 16: in place with downtime");
    expect(change.note).toContain(
      "replaces module.db_parameter_group.aws_db_parameter_group.this (family, the new one first (create_before_destroy))",
    );
    expect(dangerous([change])).toEqual([]);
  });

  it("a database rename keeps the data (identifier is updated in place) but replaces its log group", () => {
    const after = copyOutput(prod);
    block(after, "prod-data", "module.postgres").identifier = "marketing-agents-prod-2";
    const [change] = planDiff(prod, after);
    expect(change.note).toContain("renamed in place: the data stays, the endpoint address changes");
    expect(change.note).toContain("replaces module.db_instance.aws_cloudwatch_log_group.this (name");
    expect(change.note).not.toContain("a new, empty database");
  });

  it("a Kubernetes version bump upgrades the control plane, and rolls only node groups whose own version moves", () => {
    const after = copyOutput(prod);
    const eks = block(after, "prod-cluster", "module.eks");
    eks.kubernetes_version = "1.36";
    const controlPlaneOnly = planDiff(prod, after)[0];
    // The node groups pin their own kubernetes_version (the module uses the cluster's only when they do not).
    expect(controlPlaneOnly.action).toBe("update");
    expect(controlPlaneOnly.note).toContain("control-plane upgrade 1.35 -> 1.36");
    (eks.eks_managed_node_groups as Record<string, Json>).baseline.kubernetes_version = "1.36";
    const [change] = planDiff(prod, after);
    expect(change.action).toBe("roll");
    const byResource = Object.fromEntries((change.effects ?? []).map((e) => [e.resource, e.action]));
    expect(byResource).toEqual({
      "aws_eks_cluster.this": "update",
      "time_sleep.this": "update",
      'module.eks_managed_node_group["baseline"].aws_eks_node_group.this': "roll",
    });
  });

  it("renaming a Kubernetes object through kubernetes_manifest replaces it (metadata.name requires replacement)", () => {
    const after = copyOutput(prod);
    const [name, gateway] = resource(
      after,
      "prod-app",
      "kubernetes_manifest",
      (b) => (b.manifest as Json).kind === "Gateway",
    );
    ((gateway.manifest as Json).metadata as Json).name = "public-v2";
    const [change] = planDiff(prod, after).filter((c) => c.address === `kubernetes_manifest.${name}`);
    expect(change).toMatchObject({ action: "replace", note: "replaced because manifest.metadata.name changed" });
  });

  it("a restore input the config does not pass yet still reaches the database: a replacement from that backup", () => {
    const restored = copyOutput(prod);
    block(restored, "prod-data", "module.postgres").snapshot_identifier = "rds:marketing-agents-prod-1";
    const [change] = dangerous(planDiff(prod, restored));
    expect(change).toMatchObject({ address: "module.postgres", action: "replace" });
    expect(change.note).toContain(
      "replaces module.db_instance.aws_db_instance.this (snapshot_identifier): restored from snapshot rds:marketing-agents-prod-1: the current instance is deleted",
    );
    expect(change.note).toContain("what was written after it is lost");
    // Taking the restore out again is a replacement by an empty instance.
    const [back] = dangerous(planDiff(restored, prod));
    expect(back.note).toContain("(snapshot_identifier): a new, empty database: the data is lost");
  });

  it("a point-in-time restore names the fields that changed, read through the module's lookup()", () => {
    const restored = copyOutput(prod);
    block(restored, "prod-data", "module.postgres").restore_to_point_in_time = {
      source_dbi_resource_id: "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
      use_latest_restorable_time: "true",
    };
    const [change] = planDiff(prod, restored);
    expect(change.action).toBe("replace");
    const database = change.effects?.find((e) => e.resource === "module.db_instance.aws_db_instance.this");
    expect(database).toMatchObject({
      action: "replace",
      because: [
        "restore_to_point_in_time.source_dbi_resource_id",
        "restore_to_point_in_time.use_latest_restorable_time",
      ],
    });
    expect(change.note).toContain("restored from a point in time (restore_to_point_in_time)");
  });

  it("a database parameter's value reaches the parameter group's value only, not its name", () => {
    const after = copyOutput(prod);
    const parameters = block(after, "prod-data", "module.postgres").parameters as Json[];
    parameters.find((p) => p.name === "rds.force_ssl")!.value = "0";
    const [change] = planDiff(prod, after);
    expect(change.effects).toEqual([
      {
        resource: "module.db_parameter_group.aws_db_parameter_group.this",
        type: "aws_db_parameter_group",
        action: "update",
        because: ["parameter.value"],
      },
    ]);
  });
});

describe("random keepers: replaced by the provider's own rule, read at the pinned version", () => {
  const staging = synthOutputOf("staging");
  const password = (output: SynthOutput) =>
    resource(output, "staging-data", "random_password", (b) => b.keepers !== undefined);

  it("a new keeper value replaces the password (a new random value), not 'may be replaced'", () => {
    const after = copyOutput(staging);
    const [name, body] = password(after);
    (body.keepers as Json).rotation = "1";
    const [change] = planDiff(staging, after).filter((c) => c.address === `random_password.${name}`);
    expect(change).toMatchObject({ action: "replace", stateful: true });
    expect(change.note).toBe("replaced because keepers.rotation changed; a new random value is generated");
  });

  it("a keeper added with a null value, or a removed keeper, as RequiresReplaceIfValuesNotNull decides", () => {
    const withNull = copyOutput(staging);
    const [name, body] = password(withNull);
    (body.keepers as Json).spare = null;
    const of = (before: SynthOutput, after: SynthOutput) =>
      planDiff(before, after).find((c) => c.address === `random_password.${name}`);
    expect(of(staging, withNull)).toMatchObject({ action: "update" });
    // The key is in the state now: removing it is a change of the map.
    expect(of(withNull, staging)).toMatchObject({ action: "replace" });
  });

  it("a keeper that is a Terraform reference is known only at plan time: may be replaced", () => {
    const after = copyOutput(staging);
    const [name, body] = password(after);
    (body.keepers as Json).rotation = "${aws_db_instance.x.resource_id}";
    const [change] = planDiff(staging, after).filter((c) => c.address === `random_password.${name}`);
    expect(change).toMatchObject({ action: "update" });
    expect(change.note).toContain("may be replaced: the provider decides at plan time for keepers.rotation");
  });
});

describe("Helm values and Kubernetes manifests, per key", () => {
  const prod = synthOutputOf("prod");

  it("a Gateway listener change shows the listener and key that changed", () => {
    const after = copyOutput(prod);
    const [name, gateway] = resource(
      after,
      "prod-app",
      "kubernetes_manifest",
      (b) => (b.manifest as Json).kind === "Gateway",
    );
    const listeners = ((gateway.manifest as Json).spec as Json).listeners as Json[];
    listeners.find((l) => l.name === "https")!.port = 8443;
    const [change] = planDiff(prod, after).filter((c) => c.address === `kubernetes_manifest.${name}`);
    expect(change).toMatchObject({ action: "update" });
    expect(change.changes).toEqual([{ path: "manifest.spec.listeners[name=https].port", before: 443, after: 8443 }]);
    // Gateway is a CRD with a structural schema: the provider updates it in place, no "may be replaced".
    expect(change.note ?? "").not.toContain("may be replaced");
  });

  it("external-dns values show the key that changed, not two truncated strings", () => {
    const after = copyOutput(prod);
    const release = resourcesOf(after, "prod-platform", "helm_release")["external-dns"];
    const values = JSON.parse((release.values as string[])[0]);
    values.domainFilters = ["example.com", "example.org"];
    values.policy = "upsert-only";
    release.values = [JSON.stringify(values)];
    const [change] = planDiff(prod, after).filter((c) => c.address === "helm_release.external-dns");
    expect(change.changes).toEqual([
      { path: "values[0]{}.domainFilters[1]", before: undefined, after: "example.org" },
      { path: "values[0]{}.policy", before: "sync", after: "upsert-only" },
    ]);
  });

  it("YAML values are opened per key too", () => {
    const before = copyOutput(prod);
    const after = copyOutput(prod);
    resourcesOf(before, "prod-platform", "helm_release")["metrics-server"].values = [
      "replicas: 2\nargs:\n  - --kubelet-insecure-tls\n",
    ];
    resourcesOf(after, "prod-platform", "helm_release")["metrics-server"].values = [
      "replicas: 3\nargs:\n  - --kubelet-insecure-tls\n",
    ];
    const [change] = planDiff(before, after).filter((c) => c.address === "helm_release.metrics-server");
    expect(change.changes).toEqual([{ path: "values[0]{}.replicas", before: 2, after: 3 }]);
  });

  it("never prints a secret: provider-sensitive arguments and secret-named keys in values are masked", () => {
    const after = copyOutput(prod);
    const [secretName, secret] = resource(after, "prod-platform", "kubernetes_secret_v1", () => true);
    (secret.data as Json)["admin-user"] = "root";
    const release = resourcesOf(after, "prod-platform", "helm_release")["external-dns"];
    const values = JSON.parse((release.values as string[])[0]);
    values.aws = { credentials: { secretKey: "s3cr3t-value" } };
    release.values = [JSON.stringify(values)];
    const changes = planDiff(prod, after);
    const text = JSON.stringify(changes);
    expect(text).not.toContain("s3cr3t-value");
    expect(text).not.toContain('"root"');
    expect(changes.find((c) => c.address === `kubernetes_secret_v1.${secretName}`)?.changes).toEqual([
      { path: "data.admin-user", before: MASKED, after: MASKED },
    ]);
    expect(changes.find((c) => c.address === "helm_release.external-dns")?.changes).toEqual([
      { path: "values[0]{}.aws.credentials.secretKey", before: undefined, after: MASKED },
    ]);
  });
});
