/**
 * upstreamFetch: HTTPS only (first URL and every redirect), a size cap, a timeout, one line
 * naming the URL. A fake fetch for the rules, and Node's own fetch for the redirect behaviour the
 * function relies on (`redirect: "manual"` hands back the 3xx with its Location).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { UpstreamFetchError, upstreamFetch } from "../../scripts/upstream-fetch";
import { fakeFetch, ok, redirect } from "./fake-fetch";

const LIMITS = { maxBytes: 1024, timeoutMs: 2000 };
const INDEX = "https://charts.example.org/index.yaml";

/** The error's message, or "no error". */
async function failureOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "no error";
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamFetchError);
    return (error as Error).message;
  }
}

describe("upstreamFetch", () => {
  it("reads a 2xx body whole, sends the Accept asked for, and follows no redirect by itself", async () => {
    const { fetch, requests } = fakeFetch({ [INDEX]: ok("entries: {}\n", { etag: "x" }) });
    const answer = await upstreamFetch(fetch, INDEX, { ...LIMITS, accept: "application/yaml" });
    expect(answer.body.toString()).toBe("entries: {}\n");
    expect(answer.headers.get("etag")).toBe("x");
    expect(answer.url).toBe(INDEX);
    expect(requests).toEqual([{ url: INDEX, headers: { accept: "application/yaml" }, redirect: "manual" }]);
  });

  it("follows https redirects, relative ones too, and answers with the final URL", async () => {
    const { fetch, requests } = fakeFetch({
      [INDEX]: redirect("https://cdn.example.net/charts/index.yaml", 301),
      "https://cdn.example.net/charts/index.yaml": redirect("/v2/index.yaml", 307),
      "https://cdn.example.net/v2/index.yaml": ok("apiVersion: v1\n"),
    });
    const answer = await upstreamFetch(fetch, INDEX, LIMITS);
    expect(answer.body.toString()).toBe("apiVersion: v1\n");
    expect(requests.map((r) => r.url)).toEqual([
      INDEX,
      "https://cdn.example.net/charts/index.yaml",
      "https://cdn.example.net/v2/index.yaml",
    ]);
  });

  it("fails on a redirect to http, without requesting it", async () => {
    const { fetch, requests } = fakeFetch({ [INDEX]: redirect("http://charts.example.org/index.yaml") });
    expect(await failureOf(upstreamFetch(fetch, INDEX, LIMITS))).toBe(
      `GET ${INDEX}: redirected to http://charts.example.org/index.yaml: refused, https only`,
    );
    expect(requests.map((r) => r.url)).toEqual([INDEX]);
  });

  it("fails on an http URL without requesting it", async () => {
    const { fetch, requests } = fakeFetch({});
    expect(await failureOf(upstreamFetch(fetch, "http://charts.example.org/index.yaml", LIMITS))).toBe(
      "GET http://charts.example.org/index.yaml: not https: refused, https only",
    );
    expect(requests).toEqual([]);
  });

  it("fails when a fetch that followed redirects itself answers from an http URL", async () => {
    const followed = ok("downgraded");
    Object.defineProperty(followed, "url", { value: "http://mirror.example.org/index.yaml" });
    const { fetch } = fakeFetch({ [INDEX]: () => followed });
    expect(await failureOf(upstreamFetch(fetch, INDEX, LIMITS))).toBe(
      `GET ${INDEX}: answered from http://mirror.example.org/index.yaml: refused, https only`,
    );
  });

  it("sends the Authorization to the first origin only, as fetch does across origins", async () => {
    const blob = "https://blobs.example.net/sha256/abc";
    const { fetch, requests } = fakeFetch({
      "https://registry.example.org/v2/a/blobs/x": redirect("/v2/a/blobs/y"),
      "https://registry.example.org/v2/a/blobs/y": redirect(blob),
      [blob]: ok("blob"),
    });
    await upstreamFetch(fetch, "https://registry.example.org/v2/a/blobs/x", { ...LIMITS, authorization: "Bearer t" });
    expect(requests.map((r) => r.headers.authorization)).toEqual(["Bearer t", "Bearer t", undefined]);
  });

  it("fails past the size cap, declared or streamed, and stops reading", async () => {
    const declared = fakeFetch({ [INDEX]: ok("x", { "content-length": "5000" }) });
    expect(await failureOf(upstreamFetch(declared.fetch, INDEX, LIMITS))).toBe(
      `GET ${INDEX}: 5000 bytes, over the limit of 1024`,
    );
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(512));
      },
    });
    const streamed = fakeFetch({ [INDEX]: () => new Response(endless, { status: 200 }) });
    expect(await failureOf(upstreamFetch(streamed.fetch, INDEX, LIMITS))).toBe(
      `GET ${INDEX}: over the limit of 1024 bytes`,
    );
    expect(pulled).toBeLessThan(10);
  });

  it("takes a body of exactly the cap", async () => {
    const { fetch } = fakeFetch({ [INDEX]: ok(Buffer.alloc(1024, 1)) });
    expect((await upstreamFetch(fetch, INDEX, LIMITS)).body.length).toBe(1024);
  });

  it("fails with the timeout when no answer comes", async () => {
    const { fetch } = fakeFetch({ [INDEX]: () => "hang" });
    expect(await failureOf(upstreamFetch(fetch, INDEX, { maxBytes: 1024, timeoutMs: 50 }))).toBe(
      `GET ${INDEX}: timed out after 0.05 s`,
    );
  });

  it("fails with the timeout when the body stalls after the headers", async () => {
    const { fetch } = fakeFetch({
      [INDEX]: (_request, signal) => {
        const stalled = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new Uint8Array(10));
            // Like a real fetch, the request's signal ends the body it is reading.
            signal?.addEventListener("abort", () => controller.error(signal.reason));
          },
        });
        return new Response(stalled, { status: 200 });
      },
    });
    expect(await failureOf(upstreamFetch(fetch, INDEX, { maxBytes: 1024, timeoutMs: 50 }))).toBe(
      `GET ${INDEX}: timed out after 0.05 s`,
    );
  });

  it("fails on a non-2xx answer naming the status, and keeps status and headers for the caller", async () => {
    const { fetch } = fakeFetch({
      [INDEX]: new Response("no", {
        status: 401,
        statusText: "Unauthorized",
        headers: { "www-authenticate": "Bearer" },
      }),
    });
    const error = await upstreamFetch(fetch, INDEX, LIMITS).catch((e: unknown) => e as UpstreamFetchError);
    expect(error).toMatchObject({ message: `GET ${INDEX} answered 401 Unauthorized`, status: 401 });
    expect((error as UpstreamFetchError).headers?.get("www-authenticate")).toBe("Bearer");
  });

  it("fails on a network error naming the URL and the host to reach", async () => {
    const fetch = (() =>
      Promise.reject(
        new TypeError("fetch failed", { cause: new Error("getaddrinfo ENOTFOUND charts.example.org") }),
      )) as typeof globalThis.fetch;
    expect(await failureOf(upstreamFetch(fetch, INDEX, LIMITS))).toBe(
      `GET ${INDEX} failed (getaddrinfo ENOTFOUND charts.example.org): this machine must reach charts.example.org over HTTPS`,
    );
  });

  it("fails after more than 20 redirects", async () => {
    const { fetch } = fakeFetch({ [INDEX]: redirect(INDEX) });
    expect(await failureOf(upstreamFetch(fetch, INDEX, LIMITS))).toBe(`GET ${INDEX}: more than 20 redirects`);
  });
});

describe("Node's fetch, as upstreamFetch uses it", () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((request, response) => {
      if (request.url === "/start") response.writeHead(302, { location: "http://downgrade.invalid/index.yaml" });
      response.end("body");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('hands back the 3xx and its Location with redirect: "manual", following nothing', async () => {
    const response = await fetch(`http://${base}/start`, { redirect: "manual" });
    expect({ status: response.status, location: response.headers.get("location"), url: response.url }).toEqual({
      status: 302,
      location: "http://downgrade.invalid/index.yaml",
      url: `http://${base}/start`,
    });
  });

  it("lets upstreamFetch refuse the downgrade before requesting it (https requests served by the local server)", async () => {
    // The local server speaks plain HTTP: the wrapper carries the https requests there, so the
    // redirect answer comes from Node's real fetch.
    const requested: string[] = [];
    const overHttp = (async (input: string | URL | Request, init?: RequestInit) => {
      requested.push(String(input));
      const response = await fetch(String(input).replace(/^https:/, "http:"), init);
      return Object.defineProperty(response, "url", { value: String(input) });
    }) as typeof globalThis.fetch;
    expect(await failureOf(upstreamFetch(overHttp, `https://${base}/start`, LIMITS))).toBe(
      `GET https://${base}/start: redirected to http://downgrade.invalid/index.yaml: refused, https only`,
    );
    expect(requested).toEqual([`https://${base}/start`]);
  });
});
