/** Rules on the typed Kubernetes workloads (kubernetes_deployment_v1 and friends). */
import type { Finding, PolicyRule } from "./rule";
import { list, podTemplates, resources, single, type JsonObject, type StackDocument } from "./terraform-json";

/** A rule over every container of every pod template. */
function eachContainer(complies: (container: JsonObject, pod: JsonObject) => boolean) {
  return (doc: StackDocument): Finding[] =>
    podTemplates(doc).flatMap((t) =>
      t.containers
        .filter((c) => !complies(c, t.pod))
        .map((c) => ({ address: t.address, detail: `container ${String(c.name)}` })),
    );
}

const resourcesOf = (c: JsonObject, kind: "requests" | "limits", name: "cpu" | "memory") =>
  single(single(c.resources)[kind])[name];
const securityContext = (c: JsonObject) => single(c.security_context);
const dropped = (c: JsonObject) => list(single(securityContext(c).capabilities).drop) as string[];

/** Image references that pin nothing: no tag, or latest. */
function imageIsPinned(image: unknown): boolean {
  const reference = String(image ?? "");
  if (reference.includes("@sha256:")) return true;
  const lastPart = reference.slice(reference.lastIndexOf("/") + 1);
  const tag = lastPart.includes(":") ? lastPart.slice(lastPart.indexOf(":") + 1) : "";
  return tag !== "" && tag !== "latest";
}

/** Namespaced typed resources: every kubernetes_* resource but the cluster-scoped ones. */
const CLUSTER_SCOPED = new Set(["kubernetes_namespace_v1", "kubernetes_storage_class_v1", "kubernetes_manifest"]);

export const KUBERNETES_RULES: PolicyRule[] = [
  {
    id: "CKV_K8S_8",
    why: "without a liveness probe a hung process is never restarted",
    fix: "add livenessProbe (the seed's /health)",
    check: eachContainer((c) => Object.keys(single(c.liveness_probe)).length > 0),
  },
  {
    id: "CKV_K8S_9",
    why: "without a readiness probe traffic reaches pods that cannot serve it",
    fix: "add readinessProbe (the seed's /ready)",
    check: eachContainer((c) => Object.keys(single(c.readiness_probe)).length > 0),
  },
  {
    id: "CKV_K8S_10",
    why: "without a CPU request the scheduler overpacks nodes and the HPA has no baseline",
    fix: "set resources.requests.cpu",
    check: eachContainer((c) => resourcesOf(c, "requests", "cpu") !== undefined),
  },
  {
    id: "CKV_K8S_11",
    why: "without a CPU limit one pod can starve its neighbours",
    fix: "set resources.limits.cpu",
    check: eachContainer((c) => resourcesOf(c, "limits", "cpu") !== undefined),
  },
  {
    id: "CKV_K8S_12",
    why: "without a memory request the scheduler overpacks nodes",
    fix: "set resources.requests.memory",
    check: eachContainer((c) => resourcesOf(c, "requests", "memory") !== undefined),
  },
  {
    id: "CKV_K8S_13",
    why: "without a memory limit a leak takes the node down",
    fix: "set resources.limits.memory",
    check: eachContainer((c) => resourcesOf(c, "limits", "memory") !== undefined),
  },
  {
    id: "CKV_K8S_14",
    why: "an image without a tag, or tagged latest, is not the image that was reviewed",
    fix: "use an immutable tag (the image-tag parameter a rollout writes: npm run deploy -- <env> app --image-tag <tag> --apply)",
    check: eachContainer((c) => imageIsPinned(c.image)),
  },
  {
    id: "CKV_K8S_16",
    why: "a privileged container owns the node",
    fix: "set securityContext.privileged: false",
    check: eachContainer((c) => securityContext(c).privileged !== true),
  },
  {
    id: "CKV_K8S_20",
    why: "processes must not gain more privileges than they started with",
    fix: "set securityContext.allowPrivilegeEscalation: false",
    check: eachContainer((c) => securityContext(c).allow_privilege_escalation === false),
  },
  {
    id: "CKV_K8S_22",
    why: "a writable root filesystem lets an intruder change the application",
    fix: "set securityContext.readOnlyRootFilesystem: true and mount emptyDirs where writes are needed",
    check: eachContainer((c) => securityContext(c).read_only_root_filesystem === true),
  },
  {
    id: "CKV_K8S_28",
    why: "NET_RAW allows packet spoofing inside the cluster",
    fix: 'drop "NET_RAW" (or "ALL") capabilities',
    check: eachContainer((c) => dropped(c).includes("ALL") || dropped(c).includes("NET_RAW")),
  },
  {
    id: "CKV_K8S_37",
    why: "the app needs no Linux capability",
    fix: 'set securityContext.capabilities.drop: ["ALL"]',
    check: eachContainer((c) => dropped(c).includes("ALL")),
  },
  {
    id: "CKV_K8S_31",
    why: "the runtime's default seccomp profile blocks dangerous system calls",
    fix: 'set the pod securityContext.seccompProfile.type: "RuntimeDefault"',
    check: eachContainer(
      (c, pod) =>
        single(single(pod.security_context).seccomp_profile).type === "RuntimeDefault" ||
        single(securityContext(c).seccomp_profile).type === "RuntimeDefault",
    ),
  },
  {
    id: "CKV_K8S_21",
    why: "the default namespace mixes workloads and their permissions",
    fix: "set metadata.namespace to the app's namespace",
    check: (doc) =>
      Object.keys((doc.json.resource ?? {}) as JsonObject)
        .filter((type) => type.startsWith("kubernetes_") && !CLUSTER_SCOPED.has(type))
        .flatMap((type) => resources(doc, type))
        .filter((b) => {
          const namespace = single(b.body.metadata).namespace;
          return namespace === undefined || namespace === "default";
        })
        .map((b) => ({ address: b.address })),
  },
];
