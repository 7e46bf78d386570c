/**
 * manifestOf against fake registries that answer the way Docker Hub, GitHub Container Registry,
 * Quay and ECR do: an anonymous Bearer challenge (realm, service, scope) then the manifest with the
 * token; or, with an ECR login, the manifest straight away.
 */
import { createHash } from "node:crypto";
import { MANIFEST_ACCEPT, chartTag, manifestOf, registryEndpoint } from "../../scripts/oci-registry";
import { UpstreamFetchError } from "../../scripts/upstream-fetch";
import { fakeFetch, ok, type FakeRequest } from "./fake-fetch";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const manifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: { mediaType: "application/vnd.cncf.helm.config.v1+json", digest: `sha256:${"1".repeat(64)}`, size: 1 },
  layers: [
    { mediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip", digest: `sha256:${"2".repeat(64)}`, size: 2 },
  ],
});
const digest = `sha256:${createHash("sha256").update(manifest).digest("hex")}`;

/** The manifest with the registry's headers (Docker-Content-Digest unless told otherwise). */
const served = (announced: string | undefined = digest) =>
  ok(manifest, { "content-type": OCI_MANIFEST, ...(announced ? { "docker-content-digest": announced } : {}) });

/** A registry that wants `Bearer <token>` and hands tokens out at its realm. */
function bearerRegistry(manifestUrl: string, challenge: string, tokenUrl: string, tokenJson: object) {
  return fakeFetch({
    [manifestUrl]: (request: FakeRequest) =>
      request.headers.authorization === "Bearer anonymous-token"
        ? served()
        : new Response('{"errors":[{"code":"UNAUTHORIZED"}]}', {
            status: 401,
            statusText: "Unauthorized",
            headers: { "www-authenticate": challenge },
          }),
    [tokenUrl]: ok(JSON.stringify(tokenJson)),
  });
}

describe("manifestOf", () => {
  it("follows Docker Hub's anonymous challenge on registry-1.docker.io for a docker.io reference", async () => {
    const url = "https://registry-1.docker.io/v2/envoyproxy/gateway-helm/manifests/v1.9.0";
    const token =
      "https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Aenvoyproxy%2Fgateway-helm%3Apull";
    const { fetch, requests } = bearerRegistry(
      url,
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:envoyproxy/gateway-helm:pull"',
      token,
      { token: "anonymous-token", expires_in: 300 },
    );
    const answer = await manifestOf(fetch, {
      registry: "docker.io",
      repository: "envoyproxy/gateway-helm",
      reference: "v1.9.0",
    });
    expect(answer).toEqual({ digest, mediaType: OCI_MANIFEST, body: Buffer.from(manifest) });
    expect(requests.map((r) => [r.url, r.headers.authorization, r.headers.accept])).toEqual([
      [url, undefined, MANIFEST_ACCEPT],
      [token, undefined, "application/json"],
      [url, "Bearer anonymous-token", MANIFEST_ACCEPT],
    ]);
  });

  it("puts Docker Hub's one-segment names in library/", () => {
    expect(registryEndpoint("docker.io", "busybox")).toEqual({
      host: "registry-1.docker.io",
      repository: "library/busybox",
    });
    expect(registryEndpoint("index.docker.io", "envoyproxy/gateway-helm")).toEqual({
      host: "registry-1.docker.io",
      repository: "envoyproxy/gateway-helm",
    });
    expect(registryEndpoint("ghcr.io", "busybox")).toEqual({ host: "ghcr.io", repository: "busybox" });
  });

  it("asks Docker Hub for library/<name> and its token for that scope", async () => {
    const url = "https://registry-1.docker.io/v2/library/busybox/manifests/1.37";
    const { fetch, requests } = bearerRegistry(
      url,
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
      "https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fbusybox%3Apull",
      { token: "anonymous-token" },
    );
    await manifestOf(fetch, { registry: "docker.io", repository: "busybox", reference: "1.37" });
    expect(requests.map((r) => r.url)).toContain(url);
  });

  it("takes GitHub Container Registry's token and Quay's access_token (a challenge without a scope asks for pull)", async () => {
    const ghcr = "https://ghcr.io/v2/prometheus-community/charts/kube-prometheus-stack/manifests/88.5.3";
    const fromGhcr = bearerRegistry(
      ghcr,
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:prometheus-community/charts/kube-prometheus-stack:pull"',
      "https://ghcr.io/token?service=ghcr.io&scope=repository%3Aprometheus-community%2Fcharts%2Fkube-prometheus-stack%3Apull",
      { token: "anonymous-token" },
    );
    const repository = "prometheus-community/charts/kube-prometheus-stack";
    expect((await manifestOf(fromGhcr.fetch, { registry: "ghcr.io", repository, reference: "88.5.3" })).digest).toBe(
      digest,
    );

    const quay = "https://quay.io/v2/jetstack/charts/cert-manager/manifests/v1.21.1";
    const fromQuay = bearerRegistry(
      quay,
      'Bearer realm="https://quay.io/v2/auth",service="quay.io"',
      "https://quay.io/v2/auth?service=quay.io&scope=repository%3Ajetstack%2Fcharts%2Fcert-manager%3Apull",
      { access_token: "anonymous-token" },
    );
    const cert = { registry: "quay.io", repository: "jetstack/charts/cert-manager", reference: "v1.21.1" };
    expect((await manifestOf(fromQuay.fetch, cert)).digest).toBe(digest);
  });

  it("sends an ECR login's Basic authorization as is, and nothing else", async () => {
    const host = "111111111111.dkr.ecr.us-east-1.amazonaws.com";
    const url = `https://${host}/v2/dev-ghcr/stakater/charts/reloader/manifests/2.2.16`;
    const { fetch, requests } = fakeFetch({
      [url]: (r: FakeRequest) =>
        r.headers.authorization === "Basic QVdTOnNlY3JldA==" ? served() : new Response("", { status: 401 }),
    });
    const answer = await manifestOf(fetch, {
      registry: host,
      repository: "dev-ghcr/stakater/charts/reloader",
      reference: "2.2.16",
      authorization: "Basic QVdTOnNlY3JldA==",
    });
    expect(answer.digest).toBe(digest);
    expect(requests.map((r) => [r.url, r.headers.authorization])).toEqual([[url, "Basic QVdTOnNlY3JldA=="]]);
  });

  it("fails on a 401 with a given authorization, without trying anonymously", async () => {
    const host = "111111111111.dkr.ecr.us-east-1.amazonaws.com";
    const url = `https://${host}/v2/dev-charts/metrics-server/manifests/3.13.1`;
    const { fetch, requests } = fakeFetch({
      [url]: new Response("", {
        status: 401,
        statusText: "Unauthorized",
        headers: { "www-authenticate": `Basic realm="https://${host}/",service="ecr.amazonaws.com"` },
      }),
    });
    const request = {
      registry: host,
      repository: "dev-charts/metrics-server",
      reference: "3.13.1",
      authorization: "Basic expired",
    };
    await expect(manifestOf(fetch, request)).rejects.toThrow(`GET ${url} answered 401 Unauthorized`);
    expect(requests).toHaveLength(1);
  });

  it("names the digest of the bytes served when the registry sends no Docker-Content-Digest", async () => {
    const url = "https://quay.io/v2/jetstack/charts/cert-manager/manifests/v1.21.1";
    const { fetch } = fakeFetch({ [url]: served("") });
    const answer = await manifestOf(fetch, {
      registry: "quay.io",
      repository: "jetstack/charts/cert-manager",
      reference: "v1.21.1",
      authorization: "Bearer t",
    });
    expect(answer.digest).toBe(digest);
  });

  it("fails when Docker-Content-Digest names other bytes than those served", async () => {
    const url = "https://ghcr.io/v2/stakater/charts/reloader/manifests/2.2.16";
    const other = `sha256:${"f".repeat(64)}`;
    const { fetch } = fakeFetch({ [url]: served(other) });
    await expect(
      manifestOf(fetch, {
        registry: "ghcr.io",
        repository: "stakater/charts/reloader",
        reference: "2.2.16",
        authorization: "Bearer t",
      }),
    ).rejects.toThrow(`GET ${url}: Docker-Content-Digest says ${other} but the manifest served has ${digest}: refused`);
  });

  it("fails when a manifest asked for by digest has another", async () => {
    const wanted = `sha256:${"e".repeat(64)}`;
    const url = `https://ghcr.io/v2/stakater/charts/reloader/manifests/${wanted}`;
    const { fetch } = fakeFetch({ [url]: served("") });
    await expect(
      manifestOf(fetch, {
        registry: "ghcr.io",
        repository: "stakater/charts/reloader",
        reference: wanted,
        authorization: "Bearer t",
      }),
    ).rejects.toThrow(`the manifest served has ${digest}, not the digest asked for: refused`);
  });

  it("fails on a token realm over http, without requesting it", async () => {
    const url = "https://ghcr.io/v2/stakater/charts/reloader/manifests/2.2.16";
    const { fetch, requests } = bearerRegistry(
      url,
      'Bearer realm="http://ghcr.io/token",service="ghcr.io"',
      "http://ghcr.io/token",
      {},
    );
    const error = await manifestOf(fetch, {
      registry: "ghcr.io",
      repository: "stakater/charts/reloader",
      reference: "2.2.16",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamFetchError);
    expect((error as Error).message).toMatch(
      /^GET http:\/\/ghcr\.io\/token\?service=ghcr\.io&scope=.*: not https: refused, https only$/,
    );
    expect(requests).toHaveLength(1);
  });

  it("fails on a token answer without a token", async () => {
    const url = "https://ghcr.io/v2/stakater/charts/reloader/manifests/2.2.16";
    const tokenUrl = "https://ghcr.io/token?service=ghcr.io&scope=repository%3Astakater%2Fcharts%2Freloader%3Apull";
    const { fetch } = bearerRegistry(url, 'Bearer realm="https://ghcr.io/token",service="ghcr.io"', tokenUrl, {
      errors: [],
    });
    await expect(
      manifestOf(fetch, { registry: "ghcr.io", repository: "stakater/charts/reloader", reference: "2.2.16" }),
    ).rejects.toThrow(`GET ${tokenUrl}: the answer holds no token`);
  });

  it("pulls a chart version with a + under Helm's tag", () => {
    expect(chartTag("1.0.0+build.1")).toBe("1.0.0_build.1");
    expect(chartTag("v1.9.0")).toBe("v1.9.0");
  });
});
