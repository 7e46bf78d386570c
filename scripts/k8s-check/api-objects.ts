/**
 * The Kubernetes API objects a synthesized stack asks Terraform to create: typed `kubernetes_*`
 * resources converted from the provider's schema (snake_case, blocks as lists, singular block
 * names) to the API's (camelCase, plural lists), and `kubernetes_manifest` objects as they are.
 * Values known only at apply (`${...}`) become placeholders, except references to another
 * Kubernetes object of the stack, which resolve to its name.
 */

export type Json = Record<string, unknown>;

/** A Kubernetes object and where it came from. */
export interface ApiObject {
  /** `<stack> <terraform address>` or `<stack> helm <release>`. */
  readonly source: string;
  readonly object: Json;
  /** Namespace for a namespaced object that names none (a Helm release's). @default "default" */
  readonly defaultNamespace?: string;
}

/** Provider resource type -> API group/version and kind. */
export const KINDS: Readonly<Record<string, { apiVersion: string; kind: string }>> = {
  kubernetes_namespace_v1: { apiVersion: "v1", kind: "Namespace" },
  kubernetes_config_map_v1: { apiVersion: "v1", kind: "ConfigMap" },
  kubernetes_secret_v1: { apiVersion: "v1", kind: "Secret" },
  kubernetes_service_account_v1: { apiVersion: "v1", kind: "ServiceAccount" },
  kubernetes_service_v1: { apiVersion: "v1", kind: "Service" },
  kubernetes_deployment_v1: { apiVersion: "apps/v1", kind: "Deployment" },
  kubernetes_horizontal_pod_autoscaler_v2: { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" },
  kubernetes_pod_disruption_budget_v1: { apiVersion: "policy/v1", kind: "PodDisruptionBudget" },
  kubernetes_network_policy_v1: { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" },
  kubernetes_storage_class_v1: { apiVersion: "storage.k8s.io/v1", kind: "StorageClass" },
  kubernetes_job_v1: { apiVersion: "batch/v1", kind: "Job" },
};

/** Provider block names whose API field has another name: repeated blocks (lists) become plurals. */
const RENAMES: Readonly<Record<string, string>> = {
  container: "containers",
  init_container: "initContainers",
  volume: "volumes",
  volume_mount: "volumeMounts",
  topology_spread_constraint: "topologySpreadConstraints",
  toleration: "tolerations",
  metric: "metrics",
  image_pull_secrets: "imagePullSecrets",
  port: "ports",
};

/** Scalar arguments the API names differently. */
const SCALAR_RENAMES: Readonly<Record<string, string>> = { storage_provisioner: "provisioner" };

/** Integers (or int-or-string values) the provider takes as strings ("1", "1000"). */
const NUMERIC_STRINGS = new Set([
  "replicas",
  "run_as_user",
  "run_as_group",
  "fs_group",
  "max_surge",
  "max_unavailable",
  "min_available",
  "port",
]);

/** Blocks the provider writes as a one-element list where the API has one object. */
const SINGLE_BLOCKS = new Set(["label_selector", "pre_stop", "post_start"]);

/** Maps of free strings (labels, data...): their keys and values are kept exactly. */
const STRING_MAPS = new Set([
  "labels",
  "annotations",
  "data",
  "string_data",
  "parameters",
  "match_labels",
  "selector",
  "node_selector",
  "limits",
  "requests",
]);

/**
 * Arguments of the Terraform resource that are not part of the object: only at the resource's top
 * level (a container's `lifecycle` is the API's, with its preStop hook).
 */
const TERRAFORM_ONLY = new Set([
  "//",
  "provider",
  "depends_on",
  "lifecycle",
  "timeouts",
  "count",
  "for_each",
  "wait_for_rollout",
  "wait_for_completion",
  "wait_for_load_balancer",
  "wait_for_default_service_account",
]);

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const TOKEN = /\$\{([^}]*)\}/g;

/** A reference `${<type>.<name>.metadata[0].name}` to a Kubernetes object of the same stack. */
type NameOf = (type: string, name: string) => string | undefined;

function resolveTokens(text: string, nameOf: NameOf): string {
  return text.replace(TOKEN, (_token, expression: string) => {
    const reference = /^(kubernetes_[a-z0-9_]+)\.([^.]+)\.metadata\[0\]\.name$/.exec(expression);
    return (reference && nameOf(reference[1], reference[2])) ?? "placeholder";
  });
}

/** Replaces every `${...}` in a value: references to the stack's objects by their names, the rest by "placeholder". */
export function withPlaceholders(value: unknown, nameOf: NameOf = () => undefined): unknown {
  if (typeof value === "string") return resolveTokens(value, nameOf);
  if (Array.isArray(value)) return value.map((v) => withPlaceholders(v, nameOf));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withPlaceholders(v, nameOf)]));
  }
  return value;
}

const isStringMap = (value: unknown) =>
  Boolean(value) &&
  typeof value === "object" &&
  !Array.isArray(value) &&
  Object.values(value as Json).every((v) => typeof v === "string");

function apiKey(key: string, value: unknown): string {
  if (Array.isArray(value) && RENAMES[key]) return RENAMES[key];
  return SCALAR_RENAMES[key] ?? camel(key);
}

function convert(value: unknown, key = "", topLevel = false): unknown {
  if (STRING_MAPS.has(key) && isStringMap(value)) return value;
  if (Array.isArray(value)) {
    const items = value.map((v) => convert(v));
    return SINGLE_BLOCKS.has(key) ? items[0] : items;
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Json)
      .filter(([k]) => !(topLevel && TERRAFORM_ONLY.has(k)))
      .map(([k, v]) => [apiKey(k, v), convert(v, k)]);
    return Object.fromEntries(entries);
  }
  if (NUMERIC_STRINGS.has(key) && typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  return value;
}

/** The API object of one typed `kubernetes_*` resource. */
export function typedResourceObject(type: string, body: Json, nameOf: NameOf): Json | undefined {
  const kind = KINDS[type];
  if (!kind) return undefined;
  const converted = convert(withPlaceholders(body, nameOf), "", true) as Json;
  if (type === "kubernetes_secret_v1" && converted.data) {
    // The provider takes plain values and encodes them; the API's `stringData` does the same.
    converted.stringData = converted.data;
    delete converted.data;
  }
  return { ...kind, ...converted };
}

/** Every Kubernetes object a stack's JSON declares, typed resources and manifests. */
export function stackObjects(stack: string, json: Json): ApiObject[] {
  const resources = (json.resource ?? {}) as Record<string, Record<string, Json>>;
  const nameOf: NameOf = (type, name) => {
    const metadata = resources[type]?.[name]?.metadata as Json | undefined;
    return typeof metadata?.name === "string" ? metadata.name : undefined;
  };
  const objects: ApiObject[] = [];
  for (const [type, byName] of Object.entries(resources)) {
    for (const [name, body] of Object.entries(byName)) {
      const source = `${stack} ${type}.${name}`;
      if (type === "kubernetes_manifest") {
        objects.push({ source, object: withPlaceholders(body.manifest, nameOf) as Json });
        continue;
      }
      const object = typedResourceObject(type, body, nameOf);
      if (object) objects.push({ source, object });
    }
  }
  return objects;
}
