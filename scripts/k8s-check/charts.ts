/**
 * Rendering the platform's Helm releases as the cluster would get them: each `helm_release` of a
 * synthesized stack through `helm template` at the cluster's version, with its synthesized values
 * (values known only at apply become placeholders). Charts come from a folder of packaged charts
 * (`<chart>-<version>.tgz`, CRDs in `<chart>-<version>-crds.tgz`), else from the chart repository.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { withPlaceholders, type ApiObject, type Json } from "./api-objects";

/** The Kubernetes version `helm template` renders for (the EKS cluster's). */
export const KUBE_VERSION = "1.35.4";

/** What a `helm_release` resource says. */
interface Release {
  readonly name: string;
  readonly chart: string;
  readonly repository: string;
  readonly version: string;
  readonly namespace: string;
  readonly values?: string[];
}

/** Every `helm_release` of a stack. */
export function releasesOf(json: Json): Release[] {
  const resources = (json.resource ?? {}) as Record<string, Record<string, Json>>;
  return Object.values(resources.helm_release ?? {}) as unknown as Release[];
}

/** Parses a multi-document YAML stream into its objects (empty documents left out). */
export function yamlObjects(text: string): Json[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Json | null)
    .filter((o): o is Json => Boolean(o && typeof o === "object" && o.kind));
}

/**
 * Charts that install only CRDs, mapped to the chart (same repository and tag) whose packaged CRD
 * archive holds the same definitions: the check installs those, and the release adds no object.
 */
export const CRD_ONLY_CHARTS: Readonly<Record<string, string>> = { "gateway-crds-helm": "gateway-helm" };

function chartReference(release: Release, chartsDir: string): string[] {
  const archive = path.join(chartsDir, `${release.chart}-${release.version}.tgz`);
  if (fs.existsSync(archive)) return [archive];
  // Outside this workplace: the chart repository, the environment's ECR (needs network and a registry login).
  return release.repository.startsWith("oci://")
    ? [`${release.repository}/${release.chart}`, "--version", release.version]
    : [release.chart, "--repo", release.repository, "--version", release.version];
}

/**
 * Renders one release; throws with helm's first error line when it cannot. `apiVersions` are the
 * API versions the cluster serves (charts pick an API version, or whether to render a
 * ServiceMonitor, from them, as `helm install` would against the real cluster).
 */
export function renderRelease(
  stack: string,
  release: Release,
  helm: string,
  chartsDir: string,
  apiVersions: readonly string[] = [],
): ApiObject[] {
  const ownArchive = fs.existsSync(path.join(chartsDir, `${release.chart}-${release.version}.tgz`));
  if (CRD_ONLY_CHARTS[release.chart] && !ownArchive) return [];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-check-values-"));
  try {
    const valueFiles = (release.values ?? []).flatMap((text, i) => {
      const file = path.join(work, `values-${i}.json`);
      fs.writeFileSync(file, JSON.stringify(withPlaceholders(JSON.parse(text))));
      return ["-f", file];
    });
    const args = ["template", release.name, ...chartReference(release, chartsDir), "--namespace", release.namespace];
    const capabilities = ["--kube-version", KUBE_VERSION, ...apiVersions.flatMap((v) => ["--api-versions", v])];
    const output = execFileSync(helm, [...args, ...capabilities, "--include-crds", ...valueFiles], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 256 << 20,
    });
    // `helm install` puts namespaced objects without a namespace into the release's, and runs
    // test hooks only on `helm test`.
    return yamlObjects(output)
      .filter((object) => !isTestHook(object))
      .map((object) => ({
        source: `${stack} helm ${release.name}`,
        object,
        defaultNamespace: release.namespace,
      }));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function isTestHook(object: Json): boolean {
  const annotations = ((object.metadata ?? {}) as Json).annotations as Record<string, string> | undefined;
  return /(^|,)\s*test(-success)?\s*(,|$)/.test(annotations?.["helm.sh/hook"] ?? "");
}

/** The CRDs packaged next to a chart (`<chart>-<version>-crds.tgz`), if any. */
export function packagedCrds(release: Release, chartsDir: string): Json[] {
  const chart = CRD_ONLY_CHARTS[release.chart] ?? release.chart;
  const archive = path.join(chartsDir, `${chart}-${release.version}-crds.tgz`);
  if (!fs.existsSync(archive)) return [];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-check-crds-"));
  try {
    execFileSync("tar", ["-xzf", archive, "-C", work]);
    const files = fs.readdirSync(work, { recursive: true, encoding: "utf8" }).filter((f) => /\.ya?ml$/.test(f));
    return files.flatMap((f) => yamlObjects(fs.readFileSync(path.join(work, f), "utf8")));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
