/**
 * A Helm chart archive (.tgz) as the OCI artifact `helm push` makes of it, so an environment's ECR
 * can hold charts whose projects publish none (https://helm.sh/docs/topics/registries/; helm
 * v3.18.4 pkg/registry/client.go Push): an OCI image manifest whose config blob is the chart's
 * metadata as JSON and whose one layer is the archive unchanged. Pure: no AWS, no network.
 *
 * The config is what helm v3.18.4 writes, byte for byte where it matters: Chart.yaml read as
 * Helm's loader reads it (sigs.k8s.io/yaml into chart.Metadata: keys matched as encoding/json
 * matches them, numbers and booleans turned into text where the field is text, requirements.yaml
 * over it, apiVersion v1 when unset), the strings chart.Metadata.Validate sanitizes sanitized, and
 * marshalled as encoding/json marshals chart.Metadata (its field order, omitempty, map keys
 * sorted, `<`, `>` and `&` escaped). Numbers in text fields are written the way JavaScript writes
 * them, which matches Go's float32 formatting for short decimals (`1.16`), not for every number.
 * When this was written, the configs of ten of the eleven pinned charts (all but gateway-crds-helm,
 * whose archive was not at hand) were compared byte for byte with what helm v3.22.0's chart loader
 * and encoding/json make of the same archives: identical.
 * The manifest is ocispec.Manifest with its annotations as pkg/registry/util.go
 * generateOCIAnnotations makes them, plus its `mediaType` (helm leaves it out; the OCI image spec
 * says it SHOULD be there, and it is the type PutImage is given). `created` is Chart.yaml's time in
 * the archive (helm push takes the archive file's), so one archive always makes one manifest digest.
 */
import { createHash } from "node:crypto";
import { parse, type Tags } from "yaml";
import { chartFiles, type ChartFile } from "./chart-archive";

/** OCI image manifest (what ECR's PutImage is told in imageManifestMediaType). */
export const OCI_MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
/** Helm's config blob (pkg/registry/constants.go ConfigMediaType). */
export const HELM_CONFIG_MEDIA_TYPE = "application/vnd.cncf.helm.config.v1+json";
/** Helm's chart layer (pkg/registry/constants.go ChartLayerMediaType). */
export const HELM_CHART_MEDIA_TYPE = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

/** One chart, ready to push: blobs, their sha256 digests (`sha256:<hex>`) and the manifest. */
export interface HelmChartArtifact {
  /** Chart name (Chart.yaml `name`): the last segment of its repository. */
  readonly name: string;
  /** Chart version (Chart.yaml `version`). */
  readonly version: string;
  /** OCI tag: the version with `+` as `_` (tags allow no `+`; Helm pulls `1.0.0+1` as `1.0.0_1`). */
  readonly tag: string;
  /** The chart metadata as JSON. */
  readonly config: Buffer;
  readonly configDigest: string;
  /** The archive, unchanged. */
  readonly layer: Buffer;
  readonly layerDigest: string;
  /** The manifest as pushed (its bytes are what manifestDigest hashes). */
  readonly manifest: string;
  readonly manifestDigest: string;
}

/** The artifact of a chart archive; throws one line when Helm could not load the chart. */
export function helmChartArtifact(archive: Buffer): HelmChartArtifact {
  const files = chartFiles(archive);
  const metadata = chartMetadata(files);
  const config = Buffer.from(goJson(metadataJson(metadata)), "utf8");
  const chartYaml = files.filter((f) => f.path === "Chart.yaml").pop() as ChartFile;
  const manifest = goJson({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    config: descriptor(HELM_CONFIG_MEDIA_TYPE, config),
    layers: [descriptor(HELM_CHART_MEDIA_TYPE, archive)],
    annotations: sortedMap(manifestAnnotations(metadata, chartYaml.modified)),
  });
  const { name, version } = metadata as { name: string; version: string };
  return {
    name,
    version,
    tag: ociTag(version),
    config,
    configDigest: sha256(config),
    layer: archive,
    layerDigest: sha256(archive),
    manifest,
    manifestDigest: sha256(Buffer.from(manifest, "utf8")),
  };
}

/** `sha256:<hex>` of the bytes. */
export function sha256(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** chart.Maintainer. */
interface Maintainer {
  name?: string;
  email?: string;
  url?: string;
}

/** chart.Dependency (name and repository have no omitempty). */
interface Dependency {
  name: string;
  version?: string;
  repository: string;
  condition?: string;
  tags?: string[];
  enabled?: boolean;
  "import-values"?: unknown[];
  alias?: string;
}

/** chart.Metadata, its fields in its declaration order (encoding/json writes them in that order). */
interface Metadata {
  name?: string;
  home?: string;
  sources?: string[];
  version?: string;
  description?: string;
  keywords?: string[];
  maintainers?: Maintainer[];
  icon?: string;
  apiVersion?: string;
  condition?: string;
  tags?: string;
  appVersion?: string;
  deprecated?: boolean;
  annotations?: Record<string, string>;
  kubeVersion?: string;
  dependencies?: Dependency[];
  type?: string;
}

const METADATA_FIELDS: readonly (keyof Metadata)[] = [
  "name",
  "home",
  "sources",
  "version",
  "description",
  "keywords",
  "maintainers",
  "icon",
  "apiVersion",
  "condition",
  "tags",
  "appVersion",
  "deprecated",
  "annotations",
  "kubeVersion",
  "dependencies",
  "type",
];

/** Masterminds/semver v3 (what chart.Metadata.Validate checks the version with). */
const SEMVER = /^v?\d+(\.\d+)?(\.\d+)?(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
/** https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pulling-manifests */
const OCI_TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** The metadata as Helm's loader leaves it: every Chart.yaml, then requirements.yaml, then Validate. */
function chartMetadata(files: readonly ChartFile[]): Metadata {
  const charts = files.filter((f) => f.path === "Chart.yaml");
  if (charts.length === 0) throw new Error("the chart archive has no Chart.yaml in the chart's folder");
  const metadata: Metadata = {};
  for (const file of charts) Object.assign(metadata, metadataFields(yamlMapping(file)));
  metadata.apiVersion ||= "v1"; // Helm 2 charts may leave it out
  for (const file of files.filter((f) => f.path === "requirements.yaml")) {
    Object.assign(metadata, metadataFields(yamlMapping(file)));
  }
  return validated(metadata);
}

/**
 * go-yaml v2 (under sigs.k8s.io/yaml) reads YAML 1.1 booleans (`yes`, `on`...) and octals, but
 * keeps dates and `1:20` as text when the target is not a time: so YAML 1.1 without those tags.
 */
const GO_YAML_V2 = {
  version: "1.1",
  customTags: (tags: Tags) =>
    tags.filter((t) => typeof t === "string" || !(t.tag.endsWith(":timestamp") || t.format === "TIME")),
} as const;

function yamlMapping(file: ChartFile): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parse(file.data.toString("utf8"), GO_YAML_V2);
  } catch (error) {
    throw new Error(`${file.path}: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isMapping(parsed)) throw new Error(`${file.path} is not a mapping`);
  return parsed;
}

/** The fields one YAML document sets, keys found the way encoding/json finds them (exact, then any case). */
function metadataFields(doc: Record<string, unknown>): Metadata {
  const fields: Record<string, unknown> = {};
  for (const field of METADATA_FIELDS) {
    const key = keyFor(doc, field);
    if (key === undefined) continue;
    const value = doc[key];
    fields[field] = converted(field, value);
  }
  return fields as Metadata;
}

function converted(field: keyof Metadata, value: unknown): unknown {
  const where = `Chart.yaml ${field}`;
  switch (field) {
    case "sources":
    case "keywords":
      return list(value, where)?.map((item) => text(item, where) ?? "");
    case "maintainers":
      return list(value, where)?.map((item) => maintainer(item, where));
    case "dependencies":
      return list(value, where)?.map((item) => dependency(item, where));
    case "annotations":
      return annotations(value, where);
    case "deprecated":
      if (value !== null && typeof value !== "boolean") throw new Error(`${where} is not true or false`);
      return value ?? false;
    default:
      return text(value, where);
  }
}

function maintainer(value: unknown, where: string): Maintainer {
  if (value === null) throw new Error(`${where} must not contain empty or null nodes`);
  if (!isMapping(value)) throw new Error(`${where} holds an entry that is not a mapping`);
  const out: Maintainer = {};
  for (const field of ["name", "email", "url"] as const) {
    const key = keyFor(value, field);
    if (key !== undefined) out[field] = text(value[key], `${where} ${field}`);
  }
  return out;
}

function dependency(value: unknown, where: string): Dependency {
  if (value === null) throw new Error(`${where} must not contain empty or null nodes`);
  if (!isMapping(value)) throw new Error(`${where} holds an entry that is not a mapping`);
  const get = (field: string) => {
    const key = keyFor(value, field);
    return key === undefined ? undefined : value[key];
  };
  const tags = list(get("tags"), `${where} tags`)?.map((t) => text(t, `${where} tags`) ?? "");
  const enabled = get("enabled");
  if (enabled !== undefined && enabled !== null && typeof enabled !== "boolean") {
    throw new Error(`${where} enabled is not true or false`);
  }
  return {
    name: text(get("name"), `${where} name`) ?? "",
    version: text(get("version"), `${where} version`),
    repository: text(get("repository"), `${where} repository`) ?? "",
    condition: text(get("condition"), `${where} condition`),
    tags,
    enabled: enabled === true ? true : undefined,
    "import-values": list(get("import-values"), `${where} import-values`),
    alias: text(get("alias"), `${where} alias`),
  };
}

function annotations(value: unknown, where: string): Record<string, string> | undefined {
  if (value === null || value === undefined) return undefined;
  if (!isMapping(value)) throw new Error(`${where} is not a mapping`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, text(v, `${where} ${k}`) ?? ""]));
}

/** Text as sigs.k8s.io/yaml leaves it for a string field: numbers and booleans become text. */
function text(value: unknown, where: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  throw new Error(`${where} is not text`);
}

function list(value: unknown, where: string): unknown[] | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Array.isArray(value)) throw new Error(`${where} is not a list`);
  return value;
}

/** chart.Metadata.Validate: sanitizes its strings, refuses what Helm refuses to load. */
function validated(m: Metadata): Metadata {
  const s = sanitize;
  const out: Metadata = {
    ...m,
    name: m.name && s(m.name),
    description: m.description && s(m.description),
    home: m.home && s(m.home),
    icon: m.icon && s(m.icon),
    condition: m.condition && s(m.condition),
    tags: m.tags && s(m.tags),
    appVersion: m.appVersion && s(m.appVersion),
    kubeVersion: m.kubeVersion && s(m.kubeVersion),
    sources: m.sources?.map(s),
    keywords: m.keywords?.map(s),
    maintainers: m.maintainers?.map((x) => ({
      name: x.name && s(x.name),
      email: x.email && s(x.email),
      url: x.url && s(x.url),
    })),
    dependencies: m.dependencies?.map((d) => ({
      ...d,
      name: s(d.name),
      version: d.version && s(d.version),
      repository: s(d.repository),
      condition: d.condition && s(d.condition),
      tags: d.tags?.map(s),
    })),
  };
  if (!out.name) throw new Error("Chart.yaml has no name");
  if (out.name.includes("/")) throw new Error(`Chart.yaml name "${out.name}" is not a plain name`);
  if (!out.version) throw new Error(`Chart.yaml of ${out.name} has no version`);
  if (!SEMVER.test(out.version)) throw new Error(`Chart.yaml of ${out.name}: version "${out.version}" is not SemVer`);
  if (!["", undefined, "application", "library"].includes(out.type)) {
    throw new Error(`Chart.yaml of ${out.name}: type must be application or library`);
  }
  return out;
}

/** Go's unicode.IsSpace: ASCII and Latin-1 spaces, and Unicode's White_Space. */
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
/** Go's unicode.IsPrint (spaces aside): letters, marks, numbers, punctuation, symbols. */
const GO_PRINT = /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u;

/** chart.sanitizeString: every space becomes " ", anything not printable goes. */
function sanitize(value: string): string {
  return [...value].map((c) => (GO_SPACE.test(c) ? " " : GO_PRINT.test(c) ? c : "")).join("");
}

/** pkg/registry/util.go generateOCIAnnotations: the chart's own annotations may not replace title or version. */
function manifestAnnotations(m: Metadata, created: Date): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (key: string, value: string | undefined) => {
    if (value !== undefined && value.replace(new RegExp(GO_SPACE.source, "gu"), "") !== "") out[key] = value;
  };
  add("org.opencontainers.image.description", m.description);
  add("org.opencontainers.image.title", m.name);
  add("org.opencontainers.image.version", m.version);
  add("org.opencontainers.image.url", m.home);
  add("org.opencontainers.image.created", created.toISOString().replace(/\.\d{3}Z$/, "Z"));
  add("org.opencontainers.image.source", m.sources?.[0]);
  const authors = (m.maintainers ?? []).map((x) => `${x.name ?? ""}${x.email ? ` (${x.email})` : ""}`);
  if (authors.length > 0) add("org.opencontainers.image.authors", authors.join(", "));
  for (const [key, value] of Object.entries(m.annotations ?? {})) {
    if (key !== "org.opencontainers.image.title" && key !== "org.opencontainers.image.version") out[key] = value;
  }
  return out;
}

/** ocispec.Descriptor: mediaType, digest, size. */
function descriptor(mediaType: string, blob: Buffer) {
  return { mediaType, digest: sha256(blob), size: blob.length };
}

function ociTag(version: string): string {
  const tag = version.replace(/\+/g, "_");
  if (!OCI_TAG.test(tag)) throw new Error(`chart version "${version}" makes no valid OCI tag`);
  return tag;
}

/**
 * encoding/json's text of a value already in Go's shape (fields in struct order, empty ones
 * undefined, maps sorted): `<`, `>`, `&`, U+2028 and U+2029 escaped as \u sequences, as Go does.
 */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** chart.Metadata as encoding/json writes it: struct order, omitempty, map keys sorted. */
function metadataJson(m: Metadata): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    ...m,
    maintainers: nonEmpty(
      m.maintainers?.map((x) => ({ name: nonEmpty(x.name), email: nonEmpty(x.email), url: nonEmpty(x.url) })),
    ),
    annotations: nonEmpty(m.annotations && sortedMap(m.annotations)),
    dependencies: nonEmpty(m.dependencies?.map(dependencyJson)),
  };
  return Object.fromEntries(METADATA_FIELDS.map((field) => [field, nonEmpty(fields[field])]));
}

/** chart.Dependency: name and repository are always written. */
function dependencyJson(d: Dependency): Record<string, unknown> {
  return {
    name: d.name,
    version: nonEmpty(d.version),
    repository: d.repository,
    condition: nonEmpty(d.condition),
    tags: nonEmpty(d.tags),
    enabled: nonEmpty(d.enabled),
    "import-values": nonEmpty(d["import-values"]?.map(sortedDeep)),
    alias: nonEmpty(d.alias),
  };
}

/** omitempty: "", false, 0, an empty list or map, nil are left out. */
function nonEmpty<T>(value: T): T | undefined {
  if (value === null || value === "" || value === false || value === 0) return undefined;
  if (Array.isArray(value) && value.length === 0) return undefined;
  if (isMapping(value) && Object.keys(value).length === 0) return undefined;
  return value;
}

/** A Go map's keys in encoding/json's order (bytewise). */
function sortedMap<T>(map: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
}

/** An interface{} value (import-values): every map inside sorted. */
function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (!isMapping(value)) return value;
  return sortedMap(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sortedDeep(v)])));
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function keyFor(doc: Record<string, unknown>, field: string): string | undefined {
  if (field in doc) return field;
  return Object.keys(doc).find((k) => k.toLowerCase() === field.toLowerCase());
}
