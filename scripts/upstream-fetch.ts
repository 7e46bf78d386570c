/**
 * One GET of something public the project pins (a chart repository's index.yaml and archives, an
 * OCI registry's manifests and tokens): HTTPS only, bounded in size and time, one line on failure.
 *
 * Redirects are followed here, not by fetch: Node's fetch (undici, Node 20 and 24) follows a
 * redirect from https to http without a word (fetch allows it:
 * https://fetch.spec.whatwg.org/#http-redirect-fetch only refuses a non-HTTP(S) scheme), and
 * `response.url` only tells afterwards, when the plain-HTTP request has already gone out. With
 * `redirect: "manual"` Node's fetch hands back the 3xx itself with its Location header readable
 * (__tests__/scripts/upstream-fetch.test.ts runs this against Node's own fetch), so every hop is
 * checked before it is requested. Like fetch, an Authorization header is dropped when a redirect
 * leaves the origin (registries send blobs and archives to a CDN or object store).
 */

/** What may be fetched, and how. */
export interface UpstreamFetchOptions {
  /** The body may be at most this long; a longer one is refused (and not read further). */
  readonly maxBytes: number;
  /** The whole GET, redirects and body included, must be done within this. */
  readonly timeoutMs: number;
  /** The Accept header. @default - none sent */
  readonly accept?: string;
  /** The Authorization header, sent to the first URL's origin only. @default - none sent */
  readonly authorization?: string;
}

/** A 2xx answer, read whole. */
export interface UpstreamResponse {
  readonly body: Buffer;
  readonly headers: Headers;
  /** The URL that answered (after redirects). */
  readonly url: string;
}

/** Why a GET failed, as one line naming the URL; an HTTP answer keeps its status and headers. */
export class UpstreamFetchError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
    readonly headers?: Headers,
  ) {
    super(message);
    this.name = "UpstreamFetchError";
  }
}

/** The fetch spec's limit on redirects (https://fetch.spec.whatwg.org/#http-redirect-fetch). */
const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** GETs `url` over HTTPS only; throws an UpstreamFetchError for anything but a 2xx within the limits. */
export async function upstreamFetch(
  fetchImpl: typeof fetch,
  url: string,
  options: UpstreamFetchOptions,
): Promise<UpstreamResponse> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const first = httpsUrl(url, url);
  let current = first;
  for (let hops = 0; ; hops += 1) {
    const response = await request(fetchImpl, url, current, first.origin, options, signal);
    // A fetch that followed redirects by itself (a test double, another runtime) still may not downgrade.
    if (response.url) httpsUrl(response.url, url, "answered from");
    if (!REDIRECT_STATUSES.has(response.status)) return complete(url, response, options, signal);
    discard(response);
    const location = response.headers.get("location");
    if (!location) throw new UpstreamFetchError(`GET ${url}: a ${response.status} redirect without a Location`, url);
    if (hops + 1 > MAX_REDIRECTS) throw new UpstreamFetchError(`GET ${url}: more than ${MAX_REDIRECTS} redirects`, url);
    current = httpsUrl(new URL(location, current).toString(), url, "redirected to");
  }
}

/** `target` as a URL when it is https; refuses anything else, naming the URL asked for. */
function httpsUrl(target: string, asked: string, how = ""): URL {
  let parsed: URL;
  try {
    parsed = new URL(target);
  } catch {
    throw new UpstreamFetchError(`GET ${asked}: ${how ? `${how} ` : ""}${target} is not a URL`, asked);
  }
  if (parsed.protocol !== "https:") {
    const what = how ? `${how} ${target}` : "not https";
    throw new UpstreamFetchError(`GET ${asked}: ${what}: refused, https only`, asked);
  }
  return parsed;
}

async function request(
  fetchImpl: typeof fetch,
  asked: string,
  target: URL,
  firstOrigin: string,
  options: UpstreamFetchOptions,
  signal: AbortSignal,
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (options.accept) headers.accept = options.accept;
  if (options.authorization && target.origin === firstOrigin) headers.authorization = options.authorization;
  try {
    return await fetchImpl(target.toString(), { headers, redirect: "manual", signal });
  } catch (error) {
    throw failure(asked, target.toString(), error, options, signal);
  }
}

/** The body of a 2xx answer, read up to the size cap; any other status is an error. */
async function complete(
  asked: string,
  response: Response,
  options: UpstreamFetchOptions,
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  const url = response.url || asked;
  const where = url === asked ? `GET ${asked}` : `GET ${asked} (from ${url})`;
  if (response.status < 200 || response.status > 299) {
    discard(response);
    const text = `${response.status} ${response.statusText}`.trim();
    throw new UpstreamFetchError(`${where} answered ${text}`, asked, response.status, response.headers);
  }
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > options.maxBytes) {
    discard(response);
    throw new UpstreamFetchError(`${where}: ${declared} bytes, over the limit of ${options.maxBytes}`, asked);
  }
  try {
    return { body: await cappedBody(response, options.maxBytes, where, asked), headers: response.headers, url };
  } catch (error) {
    if (error instanceof UpstreamFetchError) throw error;
    throw failure(asked, url, error, options, signal);
  }
}

/** Reads the body in chunks and stops at the first byte past the limit. */
async function cappedBody(response: Response, maxBytes: number, where: string, asked: string): Promise<Buffer> {
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      void reader.cancel().catch(() => undefined);
      throw new UpstreamFetchError(`${where}: over the limit of ${maxBytes} bytes`, asked);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * Lets go of a body not read. Not awaited: cancelling one branch of a tee'd stream (a cloned
 * Response) settles only once the other branch is cancelled too.
 */
function discard(response: Response): void {
  void response.body?.cancel().catch(() => undefined);
}

/** A request that got no HTTP answer: the timeout, or the network's own reason. */
function failure(
  asked: string,
  target: string,
  error: unknown,
  options: UpstreamFetchOptions,
  signal: AbortSignal,
): UpstreamFetchError {
  const where = target === asked ? `GET ${asked}` : `GET ${asked} (at ${target})`;
  if (signal.aborted) {
    return new UpstreamFetchError(`${where}: timed out after ${options.timeoutMs / 1000} s`, asked);
  }
  const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
  const host = new URL(target).host;
  return new UpstreamFetchError(
    `${where} failed (${cause.split("\n")[0]}): this machine must reach ${host} over HTTPS`,
    asked,
  );
}
