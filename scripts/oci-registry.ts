/**
 * Reads one manifest from an OCI registry (the distribution API,
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests) and
 * names its digest: the sha256 of the manifest bytes exactly as served, which is what a tag
 * resolves to and what a pull-through cache keeps.
 *
 * Credentials: with `authorization` (ECR: `Basic <GetAuthorizationToken's authorizationToken>`,
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html#registry_auth_http)
 * it is sent as is. Without, the registry's anonymous Bearer challenge is followed, as Docker Hub,
 * GitHub Container Registry and Quay ask of anyone: a 401 whose `WWW-Authenticate: Bearer
 * realm="...",service="...",scope="..."` names a token endpoint, a GET there with the service and
 * scope, and the manifest again with `Authorization: Bearer <token>` (the token is `token` or
 * `access_token` in the JSON answer:
 * https://distribution.github.io/distribution/spec/auth/token/).
 */
import { createHash } from "node:crypto";
import { UPSTREAM_REGISTRIES } from "../modules/image-mirror";
import { UpstreamFetchError, upstreamFetch, type UpstreamResponse } from "./upstream-fetch";

/** The manifest types a Helm chart (and a single-platform image) is pushed as, OCI first. */
export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** Registries should take manifests up to 4 MiB (distribution-spec, "Pushing Manifests"). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_TOKEN_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;

/** Which manifest, where. */
export interface ManifestRequest {
  /** Registry host as references name it (`ghcr.io`, `docker.io`, `<account>.dkr.ecr.<region>.amazonaws.com`). */
  readonly registry: string;
  /** Repository path below it (`prometheus-community/charts/kube-prometheus-stack`). */
  readonly repository: string;
  /** A tag or a `sha256:` digest. */
  readonly reference: string;
  /** Sent as the Authorization header; without it, the anonymous Bearer challenge is followed. */
  readonly authorization?: string;
  /** For each request. @default 30000 */
  readonly timeoutMs?: number;
}

/** The manifest as served. */
export interface Manifest {
  /** `sha256:<hex>` of `body`. */
  readonly digest: string;
  readonly mediaType: string;
  readonly body: Buffer;
}

/** The tag Helm pushes and pulls a chart version under: OCI tags allow no `+` (helm.sh/docs/topics/registries). */
export function chartTag(version: string): string {
  return version.replace(/\+/g, "_");
}

/**
 * Where the API of a registry is: Docker Hub's references say `docker.io` (or `index.docker.io`)
 * but its API is `registry-1.docker.io`, and its one-segment names live in `library/`
 * (modules/image-mirror.ts UPSTREAM_REGISTRIES, the same rule the pull-through cache follows).
 */
export function registryEndpoint(registry: string, repository: string): { host: string; repository: string } {
  const known = Object.values(UPSTREAM_REGISTRIES).find((r) => (r.hosts as readonly string[]).includes(registry));
  if (!known) return { host: registry, repository };
  const namespace = "defaultNamespace" in known ? known.defaultNamespace : undefined;
  const path = namespace && !repository.includes("/") ? `${namespace}/${repository}` : repository;
  return { host: known.url, repository: path };
}

/** GETs the manifest and names its digest; throws one line (an UpstreamFetchError) on any failure. */
export async function manifestOf(fetchImpl: typeof fetch, request: ManifestRequest): Promise<Manifest> {
  const { host, repository } = registryEndpoint(request.registry, request.repository);
  const url = `https://${host}/v2/${repository}/manifests/${request.reference}`;
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const get = (authorization?: string) =>
    upstreamFetch(fetchImpl, url, { maxBytes: MAX_MANIFEST_BYTES, timeoutMs, accept: MANIFEST_ACCEPT, authorization });
  let response: UpstreamResponse;
  try {
    response = await get(request.authorization);
  } catch (error) {
    const challenge = bearerChallenge(error);
    if (request.authorization || !challenge) throw error;
    const token = await anonymousToken(fetchImpl, url, challenge, repository, timeoutMs);
    response = await get(`Bearer ${token}`);
  }
  return checkedManifest(url, request.reference, response);
}

/** The parameters of a 401's Bearer challenge, when the error is one. */
function bearerChallenge(error: unknown): Record<string, string> | undefined {
  if (!(error instanceof UpstreamFetchError) || error.status !== 401) return undefined;
  const header = error.headers?.get("www-authenticate") ?? "";
  const match = /^\s*Bearer\s+(.*)$/i.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const [, key, quoted, bare] of match[1].matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[key.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, "$1") : bare;
  }
  return params.realm ? params : undefined;
}

/** An anonymous pull token from the challenge's realm (itself fetched over HTTPS only). */
async function anonymousToken(
  fetchImpl: typeof fetch,
  manifestUrl: string,
  challenge: Record<string, string>,
  repository: string,
  timeoutMs: number,
): Promise<string> {
  let tokenUrl: URL;
  try {
    tokenUrl = new URL(challenge.realm);
  } catch {
    throw new UpstreamFetchError(`GET ${manifestUrl}: its token realm ${challenge.realm} is not a URL`, manifestUrl);
  }
  if (challenge.service) tokenUrl.searchParams.set("service", challenge.service);
  tokenUrl.searchParams.set("scope", challenge.scope ?? `repository:${repository}:pull`);
  const answer = await upstreamFetch(fetchImpl, tokenUrl.toString(), {
    maxBytes: MAX_TOKEN_BYTES,
    timeoutMs,
    accept: "application/json",
  });
  let parsed: { token?: unknown; access_token?: unknown };
  try {
    parsed = JSON.parse(answer.body.toString("utf8")) as typeof parsed;
  } catch {
    throw new UpstreamFetchError(`GET ${tokenUrl.toString()}: the token answer is not JSON`, tokenUrl.toString());
  }
  const token = typeof parsed.token === "string" ? parsed.token : parsed.access_token;
  if (typeof token !== "string" || token === "") {
    throw new UpstreamFetchError(`GET ${tokenUrl.toString()}: the answer holds no token`, tokenUrl.toString());
  }
  return token;
}

/** The digest of the bytes served, refused when the registry or the reference names another. */
function checkedManifest(url: string, reference: string, response: UpstreamResponse): Manifest {
  const digest = `sha256:${createHash("sha256").update(response.body).digest("hex")}`;
  const announced = response.headers.get("docker-content-digest");
  if (announced && announced.startsWith("sha256:") && announced !== digest) {
    throw new UpstreamFetchError(
      `GET ${url}: Docker-Content-Digest says ${announced} but the manifest served has ${digest}: refused`,
      url,
    );
  }
  if (reference.startsWith("sha256:") && reference !== digest) {
    throw new UpstreamFetchError(
      `GET ${url}: the manifest served has ${digest}, not the digest asked for: refused`,
      url,
    );
  }
  return { digest, mediaType: mediaTypeOf(response), body: response.body };
}

function mediaTypeOf(response: UpstreamResponse): string {
  const header = (response.headers.get("content-type") ?? "").split(";")[0].trim();
  if (header && header !== "application/json") return header;
  try {
    const inBody = (JSON.parse(response.body.toString("utf8")) as { mediaType?: unknown }).mediaType;
    if (typeof inBody === "string") return inBody;
  } catch {
    // not JSON: the header is all there is
  }
  return header;
}
