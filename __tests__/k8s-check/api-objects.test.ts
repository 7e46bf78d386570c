import { stackObjects, withPlaceholders } from "../../scripts/k8s-check/api-objects";
import { synthEnvironment } from "../helpers";

type Json = Record<string, unknown>;
const objectsOf = (env: string, concern: "app" | "platform") =>
  stackObjects(`${env}-${concern}`, synthEnvironment(env).json(concern) as unknown as Json);
const find = (objects: { object: Json }[], kind: string) => objects.find((o) => o.object.kind === kind)?.object as Json;

describe("API objects of the typed kubernetes resources", () => {
  const app = objectsOf("prod", "app");
  const { account, database } = synthEnvironment("prod").config;

  it("converts the Deployment to the API's shape: camelCase, plural lists, numbers, no Terraform-only fields", () => {
    const deployment = find(app, "Deployment") as { apiVersion: string; spec: Json & { template: { spec: Json } } };
    expect(deployment.apiVersion).toBe("apps/v1");
    expect(deployment.spec).toMatchObject({
      replicas: 3,
      progressDeadlineSeconds: 300,
      selector: { matchLabels: { app: "marketing-agents" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    });
    const pod = deployment.spec.template.spec as Json & { containers: Json[] };
    expect(pod.securityContext).toMatchObject({ runAsUser: 1000, fsGroup: 1000, runAsNonRoot: true });
    expect(pod.containers[0]).toMatchObject({
      ports: [{ containerPort: 8000, name: "http", protocol: "TCP" }],
      volumeMounts: [
        { mountPath: "/app/logs", name: "logs" },
        { mountPath: "/tmp", name: "tmp" },
      ],
      envFrom: [
        { configMapRef: { name: "marketing-agents-config" } },
        // The Secret of the current login generation: a rotation moves the pods to a new one.
        { secretRef: { name: `marketing-agents-secrets-${database.appLoginGeneration}` } },
      ],
    });
    expect((pod.topologySpreadConstraints as Json[])[0].labelSelector).toEqual({
      matchLabels: { app: "marketing-agents" },
    });
    expect(deployment).not.toHaveProperty("waitForRollout");
    expect(deployment).not.toHaveProperty("timeouts");
  });

  it("keeps a container's lifecycle (the app's preStop wait) while dropping the resource's Terraform lifecycle", () => {
    const deployment = find(app, "Deployment") as Json & { spec: { template: { spec: { containers: Json[] } } } };
    expect(deployment).not.toHaveProperty("lifecycle");
    const container = deployment.spec.template.spec.containers.find((c) => c.name === "marketing-agents");
    expect(container?.lifecycle).toEqual({ preStop: { exec: { command: ["sleep", "10"] } } });
  });

  it("resolves references to the stack's own objects to their names, and the rest to placeholders", () => {
    const deployment = find(app, "Deployment") as {
      metadata: Json;
      spec: { template: { spec: { containers: Json[] } } };
    };
    expect(deployment.metadata.namespace).toBe("marketing-agents");
    // The registry is known from config; the tag only at apply (the variable or the recorded rollout).
    expect(deployment.spec.template.spec.containers[0].image).toBe(
      `${account.id}.dkr.ecr.${account.region}.amazonaws.com/marketing-agents-prod:placeholder`,
    );
    expect(withPlaceholders({ a: ["${var.x}-${var.y}"] })).toEqual({ a: ["placeholder-placeholder"] });
  });

  it("keeps int-or-string ports as numbers and named ports as names", () => {
    const policy = find(app, "NetworkPolicy") as { spec: { egress: { ports: Json[] }[] } };
    expect(policy.spec.egress[0].ports).toEqual([
      { port: 53, protocol: "UDP" },
      { port: 53, protocol: "TCP" },
    ]);
    const service = find(app, "Service") as { spec: { ports: Json[] } };
    expect(service.spec.ports).toEqual([{ name: "http", port: 80, protocol: "TCP", targetPort: "http" }]);
  });

  it("keeps the app's manifests (Gateway API, cert-manager, external-secrets, monitoring) as they are", () => {
    const kinds = app.filter((o) => o.source.includes("kubernetes_manifest")).map((o) => o.object.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(["Gateway", "HTTPRoute", "ExternalSecret", "ClusterIssuer", "ServiceMonitor"]),
    );
  });

  it("gives a Secret its plain values as stringData, and a StorageClass its provisioner", () => {
    const platform = objectsOf("prod", "platform");
    const secret = find(platform, "Secret");
    expect(secret).toMatchObject({ stringData: { "admin-user": "admin", "admin-password": "placeholder" } });
    expect(secret).not.toHaveProperty("data");
    expect(find(platform, "StorageClass")).toMatchObject({
      provisioner: "ebs.csi.aws.com",
      allowVolumeExpansion: true,
    });
  });
});
