/**
 * npm run chart-digests: the chart versions every environment's synthesized stacks install,
 * pinned from fake upstreams (an HTTPS chart repository per mirrored chart, an OCI registry with
 * an anonymous Bearer challenge per cached one), compared with or written to a temporary copy of
 * the pin file (never the real one).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { App } from "cdktf";
import { ecrRegistryHost, loadEnvironments } from "../../config";
import {
  CHART_DIGESTS_PATH,
  formatChartDigestFile,
  parseChartDigestFile,
  type ChartDigestPin,
} from "../../modules/addons/chart-digest-pins";
import { CHART_SOURCES, ENVOY_GATEWAY_CHART, pinnedChartDigest } from "../../modules/addons/chart-sources";
import { isMirroredChart } from "../../modules/image-mirror";
import { parseArguments } from "../../scripts/chart-digests/arguments";
import { ChartDigestsError, chartDigests, wantedCharts } from "../../scripts/chart-digests/pins";
import { registryEndpoint } from "../../scripts/oci-registry";
import { synthEnvironment } from "../helpers";

const root = path.resolve(__dirname, "..", "..");
const configs = loadEnvironments();
const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** One folder holding the real synth output of every environment (each is synthesized apart). */
function everyEnvironmentSynth(): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "chart-digests-synth-"));
  const stacks: Record<string, unknown> = {};
  for (const config of configs) {
    const app = synthEnvironment(config.name).stacks.app.node.root as App;
    fs.cpSync(app.outdir, outdir, { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(app.outdir, "manifest.json"), "utf8"));
    Object.assign(stacks, manifest.stacks);
  }
  fs.writeFileSync(path.join(outdir, "manifest.json"), JSON.stringify({ version: "0.21.0", stacks }));
  return outdir;
}

/** What the fake upstreams serve: an archive per mirrored chart version, a manifest per cached one. */
interface Upstreams {
  archives: Map<string, Buffer>;
  manifests: Map<string, string>;
  /** Index digest overrides by archive URL (a repository whose index disagrees with its archive). */
  indexDigests: Map<string, string>;
  /** URLs answering 404. */
  missing: Set<string>;
}

/** Chart versions installed, as `<chart>@<version>` -> upstream, from the synth. */
let synth: string;
let wanted: ReturnType<typeof wantedCharts>;
let workdir: string;
let file: string;
beforeAll(() => {
  synth = everyEnvironmentSynth();
  wanted = wantedCharts(synth, configs);
}, 120_000);
beforeEach(() => {
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), "chart-digests-"));
  file = path.join(workdir, "chart-digests.json");
  // A pin file with no pins, whatever the repository's committed one holds.
  fs.writeFileSync(file, formatChartDigestFile({}));
});

const archiveUrl = (repository: string, chart: string, version: string) =>
  `${repository.replace(/\/+$/, "")}/charts/${chart}-${version}.tgz`;

function upstreams(): Upstreams {
  const archives = new Map<string, Buffer>();
  const manifests = new Map<string, string>();
  for (const { source } of wanted.values()) {
    const { chart, version, repository } = source;
    if (isMirroredChart(source))
      archives.set(archiveUrl(repository, chart, version), Buffer.from(`${chart} ${version}`));
    else {
      const [registry, ...below] = repository.slice("oci://".length).split("/");
      const endpoint = registryEndpoint(registry, [...below, chart].join("/"));
      manifests.set(
        `https://${endpoint.host}/v2/${endpoint.repository}/manifests/${version}`,
        JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", chart, version }),
      );
    }
  }
  return { archives, manifests, indexDigests: new Map(), missing: new Set() };
}

/**
 * HTTPS chart repositories (index.yaml listing each archive by a relative URL) and OCI registries
 * that want an anonymous token first, as Docker Hub, ghcr.io and quay.io do.
 */
function fakeUpstreams(served: Upstreams) {
  const requested: string[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    requested.push(url);
    const parsed = new URL(url);
    const authorization = new Headers(init?.headers).get("authorization");
    if (served.missing.has(url)) return new Response("", { status: 404, statusText: "Not Found" });
    if (parsed.pathname === "/token") return new Response(JSON.stringify({ token: `token-for-${parsed.host}` }));
    const manifest = served.manifests.get(url);
    if (manifest !== undefined) {
      if (authorization !== `Bearer token-for-${parsed.host}`) {
        const scope = `repository:${parsed.pathname.split("/manifests/")[0].slice("/v2/".length)}:pull`;
        const challenge = `Bearer realm="https://${parsed.host}/token",service="${parsed.host}",scope="${scope}"`;
        return new Response("", {
          status: 401,
          statusText: "Unauthorized",
          headers: { "www-authenticate": challenge },
        });
      }
      return new Response(manifest, { headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" } });
    }
    const archive = served.archives.get(url);
    if (archive) return new Response(new Uint8Array(archive));
    if (parsed.pathname.endsWith("/index.yaml")) {
      const repository = url.slice(0, -"index.yaml".length);
      const entries = [...served.archives.entries()].filter(([u]) => u.startsWith(`${repository}charts/`));
      const lines = ["apiVersion: v1", "entries:"];
      for (const [u, body] of entries) {
        const [chart, version] = body.toString().split(" ");
        const digest = (served.indexDigests.get(u) ?? sha256(body)).slice("sha256:".length);
        lines.push(
          `  ${chart}:`,
          `  - version: ${version}`,
          `    digest: ${digest}`,
          `    urls: [${u.slice(repository.length)}]`,
        );
      }
      return new Response(lines.join("\n"));
    }
    return new Response("", { status: 404, statusText: "Not Found" });
  }) as typeof globalThis.fetch;
  return { fetch, requested };
}

/** Runs the command over the fake upstreams; its exit code and lines. */
async function run(write: boolean, served = upstreams()) {
  const out: string[] = [];
  const err: string[] = [];
  const { fetch } = fakeUpstreams(served);
  const code = await chartDigests({
    outdir: synth,
    configs,
    file,
    write,
    fetch,
    print: (l) => out.push(l),
    warn: (l) => err.push(l),
  });
  return { code, out, err };
}

/** The pins the fake upstreams stand for. */
function expectedPins(served: Upstreams): Record<string, ChartDigestPin> {
  const pins: Record<string, ChartDigestPin> = {};
  for (const [key, { source }] of wanted) {
    const { chart, version, repository } = source;
    if (isMirroredChart(source)) {
      const url = archiveUrl(repository, chart, version);
      pins[key] = { digest: sha256(served.archives.get(url) as Buffer), of: "archive", from: url };
    } else {
      const [registry, ...below] = repository.slice("oci://".length).split("/");
      const endpoint = registryEndpoint(registry, [...below, chart].join("/"));
      const manifest = served.manifests.get(`https://${endpoint.host}/v2/${endpoint.repository}/manifests/${version}`);
      pins[key] = {
        digest: sha256(manifest as string),
        of: "manifest",
        from: `${registry}/${[...below, chart].join("/")}:${version}`,
      };
    }
  }
  return pins;
}

describe("chart-digests: which charts", () => {
  it("finds every chart version every environment's stacks install, each with its CHART_SOURCES upstream", () => {
    const installed = new Set<string>();
    for (const config of configs) {
      const releases = synthEnvironment(config.name).json("platform").resource?.helm_release ?? {};
      for (const r of Object.values(releases) as { chart: string; version: string }[])
        installed.add(`${r.chart}@${r.version}`);
    }
    expect([...wanted.keys()]).toEqual([...installed].sort());
    for (const { source, usedBy } of wanted.values()) {
      expect(source.repository).toBe(CHART_SOURCES.find((s) => s.chart === source.chart)?.repository);
      expect(usedBy.length).toBeGreaterThanOrEqual(configs.length);
    }
    const kinds = [...wanted.values()].map(({ source }) => (isMirroredChart(source) ? "archive" : "manifest"));
    expect(new Set(kinds)).toEqual(new Set(["archive", "manifest"]));
  });

  it("fails naming the stack and release when a release pulls from anywhere but its environment's ECR rewrite", () => {
    const [dev] = configs;
    const broken = fs.mkdtempSync(path.join(os.tmpdir(), "chart-digests-broken-"));
    fs.cpSync(synth, broken, { recursive: true });
    const stackFile = path.join(broken, "stacks", `${dev.name}-platform`, "cdk.tf.json");
    const json = JSON.parse(fs.readFileSync(stackFile, "utf8"));
    json.resource.helm_release["metrics-server"].repository = "https://kubernetes-sigs.github.io/metrics-server/";
    fs.writeFileSync(stackFile, JSON.stringify(json));
    const { version } = json.resource.helm_release["metrics-server"];
    expect(() => wantedCharts(broken, configs)).toThrow(ChartDigestsError);
    expect(() => wantedCharts(broken, configs)).toThrow(
      `${dev.name}-platform: release metrics-server pulls metrics-server ${version} from https://kubernetes-sigs.github.io/metrics-server/, which is not oci://${ecrRegistryHost(dev)}/${dev.name}-charts; add the chart there`,
    );
  });

  it("fails saying to synthesize when an environment's stacks are not in the synth output", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "chart-digests-empty-"));
    expect(() => wantedCharts(empty, configs)).toThrow(`no synth output in ${empty}: run npm run synth first`);
    fs.writeFileSync(path.join(empty, "manifest.json"), JSON.stringify({ stacks: {} }));
    expect(() => wantedCharts(empty, configs)).toThrow(
      `no ${configs[0].name}-platform stack in ${empty}: run npm run synth (every environment) first`,
    );
  });
});

describe("chart-digests: check and --write", () => {
  it("check mode: with no pins, says each chart version is missing, exit 1, file untouched", async () => {
    const before = fs.readFileSync(file, "utf8");
    const { code, out, err } = await run(false);
    expect(code).toBe(1);
    expect(out).toHaveLength(wanted.size);
    expect(
      out.every((l) => /^ {2}\S+@\S+: missing \(upstream sha256:[0-9a-f]{64}, (archive|manifest) \S+\)$/.test(l)),
    ).toBe(true);
    expect(err).toEqual([
      expect.stringMatching(
        new RegExp(`^chart-digests: ${wanted.size} of ${wanted.size} chart version\\(s\\) missing or different in `),
      ),
    ]);
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });

  it("--write pins archives of mirrored charts and upstream manifests of cached ones, then check mode passes", async () => {
    const served = upstreams();
    const written = await run(true, served);
    expect(written.code).toBe(0);
    expect(written.out.at(-1)).toMatch(
      /^chart-digests: wrote .*chart-digests\.json \(\d+ chart versions\); review and commit it$/,
    );
    const pins = parseChartDigestFile(JSON.parse(fs.readFileSync(file, "utf8"))).charts;
    expect(pins).toEqual(expectedPins(served));
    const gateway = `${ENVOY_GATEWAY_CHART.chart}@${ENVOY_GATEWAY_CHART.version}`;
    expect(pins[gateway]).toMatchObject({
      of: "manifest",
      from: `docker.io/envoyproxy/gateway-helm:${ENVOY_GATEWAY_CHART.version}`,
    });

    const checked = await run(false, served);
    expect(checked.code).toBe(0);
    expect(checked.out.slice(0, -1).every((l) => /: pinned \(sha256:/.test(l))).toBe(true);
    expect(checked.err).toEqual([]);
  });

  it("--write writes keys in a stable order, formatted as prettier would", async () => {
    await run(true);
    const text = fs.readFileSync(file, "utf8");
    const keys = Object.keys(JSON.parse(text).charts);
    expect(keys).toEqual([...keys].sort());
    expect(text).toBe(formatChartDigestFile(JSON.parse(text).charts));
    const prettier = spawnSync(
      path.join(root, "node_modules", ".bin", "prettier"),
      ["--check", "--config", path.join(root, ".prettierrc.json"), file],
      { encoding: "utf8" },
    );
    expect({ status: prettier.status, stderr: prettier.stderr }).toEqual({ status: 0, stderr: "" });
  }, 30_000);

  it("check mode: says which pin differs from upstream (a re-published version) and which is unused, exit 1", async () => {
    const served = upstreams();
    await run(true, served);
    const [mirroredUrl] = served.archives.keys();
    served.archives.set(
      mirroredUrl,
      Buffer.concat([served.archives.get(mirroredUrl) as Buffer, Buffer.from(" again")]),
    );
    const pins = JSON.parse(fs.readFileSync(file, "utf8")).charts;
    pins["old-chart@0.0.1"] = { digest: sha256("old"), of: "archive", from: "https://example.org/old-chart-0.0.1.tgz" };
    fs.writeFileSync(file, formatChartDigestFile(pins));

    const { code, out, err } = await run(false, served);
    expect(code).toBe(1);
    const changed = [...wanted].find(([, w]) =>
      mirroredUrl.includes(`/${w.source.chart}-${w.source.version}.tgz`),
    )?.[0];
    expect(out).toContain(
      `  ${changed}: differs (committed archive ${pins[changed as string].digest}, upstream archive ${sha256(served.archives.get(mirroredUrl) as Buffer)}, ${mirroredUrl})`,
    );
    expect(out).toContain("  old-chart@0.0.1: unused (no stack installs it; --write drops it)");
    expect(err).toEqual([
      expect.stringMatching(/^chart-digests: 1 of \d+ chart version\(s\) missing or different in /),
    ]);
  });

  it("--write says what changed and drops pins no stack uses", async () => {
    const served = upstreams();
    await run(true, served);
    const pins = JSON.parse(fs.readFileSync(file, "utf8")).charts;
    pins["old-chart@0.0.1"] = { digest: sha256("old"), of: "archive", from: "https://example.org/old-chart-0.0.1.tgz" };
    fs.writeFileSync(file, formatChartDigestFile(pins));
    const { code, out } = await run(true, served);
    expect(code).toBe(0);
    expect(out).toEqual([
      "  old-chart@0.0.1: dropped (no stack installs it)",
      expect.stringMatching(/^chart-digests: wrote .* review and commit it$/),
    ]);
    expect(Object.keys(JSON.parse(fs.readFileSync(file, "utf8")).charts)).not.toContain("old-chart@0.0.1");
  });

  it("refuses an archive whose sha256 is not its index's digest: one line naming the chart and URL, nothing written", async () => {
    const served = upstreams();
    const [url, body] = [...served.archives.entries()][0];
    served.indexDigests.set(url, sha256("something else"));
    const before = fs.readFileSync(file, "utf8");
    const { code, err } = await run(true, served);
    expect(code).toBe(1);
    const key = [...wanted].find(([, w]) => url.endsWith(`/${w.source.chart}-${w.source.version}.tgz`))?.[0];
    expect(err[0]).toBe(
      `chart-digests: ${key}: ${url} has sha256 ${sha256(body).slice(7)}, but ${url.slice(0, url.lastIndexOf("charts/"))}index.yaml says ${sha256("something else").slice(7)}: refused`,
    );
    expect(err).toHaveLength(2);
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });

  it("a registry that cannot be read: one line naming the chart and URL, exit 1, nothing written", async () => {
    const served = upstreams();
    const [manifestUrl] = served.manifests.keys();
    served.missing.add(manifestUrl);
    const before = fs.readFileSync(file, "utf8");
    const { code, err } = await run(true, served);
    expect(code).toBe(1);
    expect(err).toEqual([
      expect.stringMatching(/^chart-digests: \S+@\S+: GET https:\/\/\S+ answered 404 Not Found$/),
      expect.stringMatching(/^chart-digests: 1 of \d+ chart\(s\) could not be read; .* left as it was$/),
    ]);
    expect(err[0]).toContain(manifestUrl);
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });
});

describe("chart-digests: the pin file", () => {
  it("the committed file parses, and pinnedChartDigest knows exactly its pins", () => {
    const committed = parseChartDigestFile(
      JSON.parse(fs.readFileSync(path.join(root, CHART_DIGESTS_PATH), "utf8")),
    ).charts;
    for (const [key, pin] of Object.entries(committed)) {
      const at = key.lastIndexOf("@");
      expect(pinnedChartDigest(key.slice(0, at), key.slice(at + 1))).toEqual(pin);
    }
    expect(pinnedChartDigest("not-a-pinned-chart", "0.0.0")).toBeUndefined();
  });

  it("pinnedChartDigest reads the file's pin of a chart version", () => {
    const pin = { digest: sha256("x"), of: "manifest", from: "ghcr.io/stakater/charts/reloader:2.2.16" };
    jest.isolateModules(() => {
      jest.doMock("../../modules/addons/chart-digests.json", () => ({
        comment: "",
        charts: { "reloader@2.2.16": pin },
      }));
      const fresh = jest.requireActual(
        "../../modules/addons/chart-sources",
      ) as typeof import("../../modules/addons/chart-sources");
      expect(fresh.pinnedChartDigest("reloader", "2.2.16")).toEqual(pin);
      expect(fresh.pinnedChartDigest("reloader", "2.2.17")).toBeUndefined();
    });
    jest.dontMock("../../modules/addons/chart-digests.json");
  });

  it("refuses a pin that is not a sha256 digest of an archive or manifest, naming the file and key", () => {
    const bad = { charts: { "reloader@2.2.16": { digest: "sha256:abc", of: "manifest", from: "x" } } };
    expect(() => parseChartDigestFile(bad)).toThrow(
      `${CHART_DIGESTS_PATH}: charts["reloader@2.2.16"] must be <chart>@<version> -> { digest: "sha256:<64 hex>", of: "archive" | "manifest", from: "<url>" }; npm run chart-digests -- --write writes it`,
    );
    const wrongKind = { charts: { "reloader@2.2.16": { digest: sha256("x"), of: "image", from: "x" } } };
    expect(() => parseChartDigestFile(wrongKind)).toThrow(/charts\["reloader@2\.2\.16"\] must be/);
  });
});

describe("chart-digests: command line", () => {
  it("takes --write or nothing, refuses anything else with one line", () => {
    expect(parseArguments([], {})).toEqual({ write: false });
    expect(parseArguments(["--write"], {})).toEqual({ write: true });
    expect(parseArguments(["--force"], {})).toBe(
      "chart-digests: unknown argument --force; usage: npm run chart-digests [-- --write]",
    );
  });

  it("refuses a --write that npm took as its own (no --): the run would only check", () => {
    expect(parseArguments([], { npm_config_write: "true" })).toMatch(
      /^chart-digests: npm took --write as its own option, so the command never saw it; put -- before it: usage: /,
    );
    expect(parseArguments([], { npm_config_write: "" })).toEqual({ write: false });
  });

  it("npm run chart-digests -- --bogus: one line, exit 2, the pin file untouched", () => {
    const real = path.join(root, CHART_DIGESTS_PATH);
    const before = fs.readFileSync(real, "utf8");
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(env)) if (name.toLowerCase().startsWith("npm_config_")) delete env[name];
    const npm = (...args: string[]) =>
      spawnSync("npm", ["run", "--silent", "chart-digests", ...args], { cwd: root, env, encoding: "utf8" });
    const bogus = npm("--", "--bogus");
    expect({ status: bogus.status, stderr: bogus.stderr.trim().split("\n") }).toEqual({
      status: 2,
      stderr: ["chart-digests: unknown argument --bogus; usage: npm run chart-digests [-- --write]"],
    });
    const swallowed = npm("--write");
    expect(swallowed.status).toBe(2);
    expect(swallowed.stderr.trim().split("\n")).toHaveLength(1);
    expect(fs.readFileSync(real, "utf8")).toBe(before);
  }, 60_000);
});
