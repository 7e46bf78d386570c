/**
 * Where the rendered objects' images come from: every image reference must be in the
 * environment's own ECR registry, either one of its repositories or below one of its pull-through
 * cache prefixes (modules/image-mirror.ts), so no node ever pulls from Docker Hub or another public
 * registry over NAT. What an environment may pull from is read from its own synthesized stacks:
 * the repositories and prefixes from its `aws_ecr_repository` and `aws_ecr_pull_through_cache_rule`
 * resources, the registry from the AWS provider (account and region) of the stack holding them.
 */
import { environmentOfStackId } from "../../config/naming";
import type { ApiObject, Json } from "./api-objects";

/** One environment's private registry and what it serves. */
export interface EnvironmentRegistry {
  /** `<account>.dkr.ecr.<region>.amazonaws.com`. */
  readonly host: string;
  /** Its own repositories (the app's). */
  readonly repositories: readonly string[];
  /** Its pull-through cache prefixes. */
  readonly prefixes: readonly string[];
}

/** A synthesized stack, as k8s-check loads it. */
interface StackJson {
  readonly id: string;
  readonly json: Json;
}

const values = (v: unknown): Json[] => Object.values((v ?? {}) as Record<string, Json>);

/** Every environment's registry, from its stacks. */
export function registriesOf(stacks: readonly StackJson[]): Map<string, EnvironmentRegistry> {
  const found = new Map<string, { host?: string; repositories: string[]; prefixes: string[] }>();
  for (const { id, json } of stacks) {
    const env = environmentOfStackId(id);
    const entry = found.get(env) ?? { repositories: [], prefixes: [] };
    const resources = (json.resource ?? {}) as Json;
    const repositories = values(resources.aws_ecr_repository).map((r) => String(r.name));
    const prefixes = values(resources.aws_ecr_pull_through_cache_rule).map((r) => String(r.ecr_repository_prefix));
    // The host is the account and region of the stack holding the ECR: an environment's stacks may
    // work in other accounts (prod-org-guardrails in the organization's management account).
    const [aws] = ((json.provider as Json | undefined)?.aws as Json[] | undefined) ?? [];
    const account = (aws?.allowed_account_ids as string[] | undefined)?.[0];
    if (account && aws?.region && repositories.length + prefixes.length > 0) {
      entry.host = `${account}.dkr.ecr.${String(aws.region)}.amazonaws.com`;
    }
    entry.repositories.push(...repositories);
    entry.prefixes.push(...prefixes);
    found.set(env, entry);
  }
  return new Map(
    [...found].flatMap(([env, e]) =>
      e.host ? [[env, { host: e.host, repositories: e.repositories, prefixes: e.prefixes }] as const] : [],
    ),
  );
}

/** Hosts whose images must come through the cache instead (and Docker Hub's short names). */
const PUBLIC_REGISTRY =
  /(?:^|[\s"'=,:[(])((?:docker\.io|registry-1\.docker\.io|index\.docker\.io|quay\.io|ghcr\.io|registry\.k8s\.io|k8s\.gcr\.io|gcr\.io|public\.ecr\.aws|mcr\.microsoft\.com|registry\.gitlab\.com)\/[a-z0-9][\w./-]*(?:[:@][\w.:-]+)?)/g;

/** Every `image` field of an object (containers, init and ephemeral containers, custom resources). */
export function imageFields(value: unknown, path = ""): { path: string; image: string }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => imageFields(v, `${path}[${i}]`));
  if (!value || typeof value !== "object") return [];
  return Object.entries(value as Json).flatMap(([key, v]) => {
    const at = path ? `${path}.${key}` : key;
    return key === "image" && typeof v === "string" ? [{ path: at, image: v }] : imageFields(v, at);
  });
}

/** Public image references anywhere in an object's strings (arguments, embedded configuration). */
export function publicImageMentions(value: unknown, path = ""): { path: string; image: string }[] {
  if (typeof value === "string") return [...value.matchAll(PUBLIC_REGISTRY)].map((m) => ({ path, image: m[1] }));
  if (Array.isArray(value)) return value.flatMap((v, i) => publicImageMentions(v, `${path}[${i}]`));
  if (!value || typeof value !== "object") return [];
  return Object.entries(value as Json).flatMap(([key, v]) => publicImageMentions(v, path ? `${path}.${key}` : key));
}

/** Whether a reference is the registry's own repository or below one of its cache prefixes. */
export function servedBy(image: string, registry: EnvironmentRegistry): boolean {
  if (!image.startsWith(`${registry.host}/`)) return false;
  const path = image.slice(registry.host.length + 1);
  const repository = path.split("@")[0].replace(/:[^/:]*$/, "");
  return (
    registry.repositories.includes(repository) ||
    registry.prefixes.some((prefix) => repository.startsWith(`${prefix}/`))
  );
}

/** Why an object's images are not all from its environment's registry (empty: they are). */
export function imageProblems(item: ApiObject, registries: ReadonlyMap<string, EnvironmentRegistry>): string[] {
  const env = environmentOfStackId(item.source.split(" ")[0]);
  const registry = registries.get(env);
  if (!registry) return [`environment ${env} has no ECR registry in its stacks (AWS provider account and region)`];
  const where = `${registry.host} (repositories ${registry.repositories.join(", ") || "none"}; cache prefixes ${registry.prefixes.join(", ") || "none"})`;
  const fields = imageFields(item.object)
    .filter((f) => !servedBy(f.image, registry))
    .map((f) => `${f.path}: ${f.image} is not from ${env}'s ECR ${where}`);
  const mentions = publicImageMentions(item.object)
    .filter((m) => !fields.some((f) => f.startsWith(`${m.path}:`)))
    .map((m) => `${m.path}: names the public image ${m.image}, which would be pulled from outside ${env}'s ECR`);
  return [...fields, ...mentions];
}

/** An object the image check must refuse: proof that it bites. */
export const PUBLIC_IMAGE_PROBE = (stackId: string): ApiObject => ({
  source: `${stackId} (image self-check)`,
  object: {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "image-self-check" },
    spec: { containers: [{ name: "busybox", image: "docker.io/library/busybox:1.37.0" }] },
  },
});
