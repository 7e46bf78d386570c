/**
 * Pushes a Helm chart artifact to an OCI registry over plain HTTP with the OCI distribution API
 * (https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#push): each blob by a
 * monolithic upload (POST a session, PUT the bytes with their digest), then the manifest by tag.
 * Anonymous: the local registry of the chart check has no authentication.
 */

import { OCI_MANIFEST_MEDIA_TYPE, type HelmChartArtifact } from "../deploy/helm-chart-artifact";

/** The pieces of an artifact a push sends (what helmChartArtifact returns, or a variant of it). */
export type PushableArtifact = Pick<
  HelmChartArtifact,
  "tag" | "config" | "configDigest" | "layer" | "layerDigest" | "manifest"
>;

/** A refusal by the registry, with its status and error body. */
export class PushError extends Error {}

async function expectStatus(response: Response, status: number, what: string): Promise<void> {
  if (response.status === status) return;
  const body = (await response.text()).replace(/\s+/g, " ").trim();
  throw new PushError(`${what}: HTTP ${response.status} (expected ${status}) ${body}`);
}

/** POST /v2/<name>/blobs/uploads/, then PUT <location>?digest=<digest> with the whole blob. */
async function pushBlob(base: string, repository: string, digest: string, bytes: Buffer): Promise<void> {
  const started = await fetch(`${base}/v2/${repository}/blobs/uploads/`, { method: "POST" });
  await expectStatus(started, 202, `start of the upload of ${digest} to ${repository}`);
  const location = started.headers.get("location");
  if (!location) throw new PushError(`the registry gave no upload location for ${digest} in ${repository}`);
  // The spec lets Location be relative or absolute, and it may carry its own query (the session state).
  const url = new URL(location, base);
  url.searchParams.set("digest", digest);
  const put = await fetch(url, {
    method: "PUT",
    headers: { "Content-Type": "application/octet-stream", "Content-Length": String(bytes.length) },
    body: new Uint8Array(bytes),
  });
  await expectStatus(put, 201, `upload of ${digest} to ${repository}`);
}

/**
 * Pushes config and layer blobs, then the manifest as `<repository>:<tag>`; returns the digest
 * the registry computed for the manifest (its Docker-Content-Digest header).
 */
export async function pushArtifact(host: string, repository: string, artifact: PushableArtifact): Promise<string> {
  const base = `http://${host}`;
  await pushBlob(base, repository, artifact.configDigest, artifact.config);
  await pushBlob(base, repository, artifact.layerDigest, artifact.layer);
  const put = await fetch(`${base}/v2/${repository}/manifests/${artifact.tag}`, {
    method: "PUT",
    headers: { "Content-Type": OCI_MANIFEST_MEDIA_TYPE },
    body: artifact.manifest,
  });
  await expectStatus(put, 201, `manifest ${repository}:${artifact.tag}`);
  return put.headers.get("docker-content-digest") ?? "";
}
