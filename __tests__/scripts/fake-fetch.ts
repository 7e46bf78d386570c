/**
 * A fake fetch for the scripts that reach public chart repositories and registries: answers from
 * a table of URL -> handler, records every request (URL and headers), and waits on the request's
 * signal like a real fetch does for a handler that never answers.
 */

/** One request the fake received. */
export interface FakeRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly redirect?: RequestRedirect;
}

/** Answers a request; `signal` is the request's, for a handler that answers slowly. */
export type FakeHandler = (request: FakeRequest, signal?: AbortSignal) => Response | "hang";

/** fetch over a table of URL -> handler (or a fixed Response); anything else is a 404. */
export function fakeFetch(routes: Record<string, FakeHandler | Response | string | Buffer>) {
  const requests: FakeRequest[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
    const request = { url, headers, redirect: init?.redirect };
    requests.push(request);
    const route = routes[url];
    if (route === undefined) return new Response("not found", { status: 404, statusText: "Not Found" });
    const answer =
      typeof route === "function"
        ? route(request, init?.signal ?? undefined)
        : typeof route === "string" || Buffer.isBuffer(route)
          ? ok(route)
          : route.clone();
    if (answer !== "hang") return answer;
    return new Promise<Response>((_, reject) => {
      const signal = init?.signal;
      signal?.addEventListener("abort", () => reject(signal.reason as Error));
    });
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

/** A 200 with this body. */
export function ok(body: string | Buffer, headers: Record<string, string> = {}): Response {
  return new Response(typeof body === "string" ? body : new Uint8Array(body), { status: 200, headers });
}

/** A redirect to `location`. */
export function redirect(location: string, status = 302): Response {
  return new Response(null, { status, headers: { location } });
}
