/**
 * npm run k8s-check [-- --dir cdktf.out]
 * Asks a real kube-apiserver (the cluster's version, started on 127.0.0.1 for the run) whether it
 * accepts every Kubernetes object the synthesized stacks would create: each Helm release rendered
 * with its synthesized values, and the app stack's typed resources and manifests. CRDs of the
 * pinned charts are installed and namespaces created first; every other object is applied with
 * `kubectl apply --server-side --dry-run=server` (schemas, CEL rules, strict fields). It builds the
 * tools first when they are missing (scripts/k8s-tools.sh), after reading its command line, so
 * `--help` costs nothing. It first
 * proves the check bites: deliberately broken objects must be rejected. One line per rejected
 * object with the server's message, a summary line; exit 1 on any rejection. It also refuses every
 * image reference that is not from the environment's own ECR (its repositories and pull-through
 * cache prefixes, ./image-sources.ts): the dry run accepts any image, a node then pulls it from
 * wherever it names; and every Helm release whose chart repository is not that ECR (a cache prefix
 * or the chart mirror, ./chart-repositories.ts): Terraform's Helm provider fetches the chart from
 * it at plan and apply. The control plane is stopped, by PID, whatever happens.
 */
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { environmentOfStackId } from "../../config/naming";
import { printedHelp } from "../command-line";
import { stackObjects, type ApiObject, type Json } from "./api-objects";
import { PUBLIC_CHART_PROBE, chartProblems } from "./chart-repositories";
import { CRD_ONLY_CHARTS, packagedCrds, releasesOf, renderRelease } from "./charts";
import { PUBLIC_IMAGE_PROBE, imageProblems, registriesOf } from "./image-sources";
import { startLocalCluster, type LocalCluster } from "./local-cluster";
import { BROKEN_OBJECTS } from "./self-check";
import { readSynthStacks, type SynthStack } from "./synth-stacks";

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, ".tools", "k8s", "bin");
const CHARTS =
  process.env.K8S_CHECK_CHARTS ?? path.resolve(ROOT, "..", "shared", "reference", "helm-charts", "packages");
const CONCURRENCY = 6;
const USAGE = [
  "usage: npm run k8s-check [-- --dir <synth output>]",
  "Builds kube-apiserver, kubectl, etcd and helm into .tools/k8s when missing (cold: about 15 minutes), then",
  "dry-runs every Kubernetes object of the synth output (--dir, default cdktf.out) on a local kube-apiserver.",
].join("\n");

class CheckError extends Error {}

interface Verdict {
  readonly item: ApiObject;
  readonly accepted: boolean;
  readonly message: string;
}

function label(object: Json, fallbackNamespace?: string): string {
  const metadata = (object.metadata ?? {}) as Json;
  const namespace = metadata.namespace ?? fallbackNamespace;
  return `${String(object.kind)} ${namespace ? `${String(namespace)}/` : ""}${String(metadata.name)}`;
}

function kubectl(kubeconfig: string, args: string[], input?: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      path.join(BIN, "kubectl"),
      [`--kubeconfig=${kubeconfig}`, ...args],
      { maxBuffer: 64 << 20 },
      (error, stdout, stderr) => resolve({ ok: !error, output: `${stderr}${stdout}`.trim() }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Namespace -> the Pod Security level it enforces (unlabelled: privileged, the API server's default). */
const enforcedLevels = new Map<string, string>();

/**
 * A workload's pod template as a bare Pod: for a workload the API server only warns, at the
 * namespace's `warn` level (restricted everywhere), so a dry-run Pod is what its `enforce` level
 * judges. No service account (the chart's is not created by a dry run) and no token mount, which
 * Pod Security does not look at.
 */
function podOfTemplate(item: ApiObject): ApiObject | undefined {
  const spec = (item.object.spec ?? {}) as Json;
  const jobTemplate = (spec.jobTemplate ?? {}) as Json;
  const template = (spec.template ?? (jobTemplate.spec as Json | undefined)?.template) as Json | undefined;
  if (!template?.spec || item.object.kind === "Pod") return undefined;
  const metadata = (item.object.metadata ?? {}) as Json;
  const podSpec: Json = { ...(template.spec as Json), automountServiceAccountToken: false };
  delete podSpec.serviceAccountName;
  delete podSpec.serviceAccount;
  return {
    source: `${item.source} (pod template)`,
    defaultNamespace: item.defaultNamespace,
    object: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${String(metadata.name)}-pod-template`.slice(0, 63),
        ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
        labels: ((template.metadata ?? {}) as Json).labels ?? {},
      },
      spec: podSpec,
    },
  };
}

/** Server-side apply of one object, for real or as a dry run; the server's message when refused. */
async function apply(cluster: LocalCluster, item: ApiObject, dryRun: boolean): Promise<Verdict> {
  const args = ["apply", "--server-side", "--force-conflicts", "--field-manager=k8s-check", "-f", "-"];
  if (dryRun) args.push("--dry-run=server");
  const ownNamespace = ((item.object.metadata ?? {}) as Json).namespace;
  if (item.defaultNamespace && !ownNamespace) args.push("-n", item.defaultNamespace);
  const { ok, output } = await kubectl(cluster.kubeconfig, args, JSON.stringify(item.object));
  // Pod Security Admission enforces on Pods only; for a workload (Deployment, Job...) the API server
  // answers with a warning at the namespace's warn level: a refusal where that level is enforced
  // (elsewhere the pod-template dry run judges the enforced level).
  const namespace = String(ownNamespace ?? item.defaultNamespace ?? "default");
  const enforced = enforcedLevels.get(namespace) ?? "privileged";
  const podSecurity = output
    .split("\n")
    .filter((l) => /would violate PodSecurity/.test(l) && l.includes(`"${enforced}:`));
  const message = output
    .split("\n")
    .filter((l) => l && (!/^Warning:/.test(l) || podSecurity.includes(l)))
    .join(" ")
    .replace(/\s+/g, " ");
  return { item, accepted: ok && podSecurity.length === 0, message };
}

async function inBatches(items: ApiObject[], run: (item: ApiObject) => Promise<Verdict>): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  for (let i = 0; i < items.length; i += CONCURRENCY)
    verdicts.push(...(await Promise.all(items.slice(i, i + CONCURRENCY).map(run))));
  return verdicts;
}

type Stack = SynthStack;

function loadStacks(outdir: string): Stack[] {
  const stacks = readSynthStacks(outdir);
  if (!stacks) throw new CheckError(`no synth output in ${outdir}: run npm run synth first`);
  return stacks;
}

const nameOf = (object: Json) => String((object.metadata as Json).name);

/** The CRDs packaged with the pinned charts, one of each. */
function chartCrds(stacks: Stack[]): ApiObject[] {
  const crds = new Map<string, ApiObject>();
  for (const stack of stacks) {
    for (const release of releasesOf(stack.json)) {
      const source = `${release.chart}-${release.version}-crds.tgz`;
      for (const crd of packagedCrds(release, CHARTS)) crds.set(nameOf(crd), { source, object: crd });
    }
  }
  return [...crds.values()];
}

/** Every object the stacks would create: rendered releases, then typed resources and manifests. */
function stackObjectsAll(
  stacks: Stack[],
  apiVersions: string[],
): { objects: ApiObject[]; releases: number; crdOnly: number } {
  const objects: ApiObject[] = [];
  let releases = 0;
  let crdOnly = 0;
  for (const stack of stacks) {
    for (const release of releasesOf(stack.json)) {
      releases += 1;
      if (CRD_ONLY_CHARTS[release.chart]) crdOnly += 1;
      try {
        objects.push(...renderRelease(stack.id, release, path.join(BIN, "helm"), CHARTS, apiVersions));
      } catch (error) {
        const stderr = String((error as { stderr?: string }).stderr ?? error)
          .split("\n")
          .find((l) => l.trim());
        throw new CheckError(
          `cannot render ${stack.id} helm ${release.name} (${release.chart} ${release.version}): ${stderr}`,
        );
      }
    }
    objects.push(...stackObjects(stack.id, stack.json));
  }
  return { objects, releases, crdOnly };
}

/**
 * Every namespace the objects use, created before them: a stack's own Namespace object as it is
 * (its Pod Security labels then apply to what the check creates in it), else a bare one.
 */
function namespacesOf(objects: ApiObject[]): ApiObject[] {
  const namespaces = new Map<string, ApiObject>();
  for (const item of objects) {
    const { object, defaultNamespace } = item;
    const metadata = (object.metadata ?? {}) as Json;
    if (object.kind === "Namespace") {
      const seen = namespaces.get(String(metadata.name));
      if (!seen || seen.source === "namespaces") namespaces.set(String(metadata.name), item);
      continue;
    }
    const name = metadata.namespace ? String(metadata.namespace) : defaultNamespace;
    if (name && !namespaces.has(name)) {
      namespaces.set(name, {
        source: "namespaces",
        object: { apiVersion: "v1", kind: "Namespace", metadata: { name } },
      });
    }
  }
  return [...namespaces.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, item]) => item);
}

async function main(argv: readonly string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return 0;
  // Offline, helm can render a chart only from its packaged archive; without them it would try the
  // chart's repository and fail on the network, far from the cause.
  if (!fs.existsSync(CHARTS)) {
    throw new CheckError(
      `the pinned chart archives are not in ${CHARTS}: set K8S_CHECK_CHARTS to the folder holding them (reference/helm-charts/packages of ../shared)`,
    );
  }
  // The build prints its own one-line failure (and where its log is).
  const tools = spawnSync("bash", [path.join(ROOT, "scripts", "k8s-tools.sh")], { stdio: "inherit" });
  if (tools.status !== 0) return 1;
  const dirAt = argv.indexOf("--dir");
  const outdir = dirAt >= 0 ? argv[dirAt + 1] : path.join(ROOT, "cdktf.out");
  for (const tool of ["kube-apiserver", "kubectl", "etcd", "helm"]) {
    if (!fs.existsSync(path.join(BIN, tool)))
      throw new CheckError(`${tool} is not built: run bash scripts/k8s-tools.sh`);
  }
  const stacks = loadStacks(outdir);
  const environments = new Set(stacks.map((s) => environmentOfStackId(s.id)));
  const crds = chartCrds(stacks);
  const cluster = await startLocalCluster(BIN, (line) => console.log(`k8s-check: ${line}`));
  const stop = () => cluster.stop();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    const installed = await inBatches(crds, (crd) => apply(cluster, crd, false));
    await kubectl(cluster.kubeconfig, ["wait", "--for=condition=established", "--timeout=120s", "crd", "--all"]);
    const apiVersions = (await kubectl(cluster.kubeconfig, ["api-versions"])).output.split("\n").filter(Boolean);
    const { objects: all, releases, crdOnly } = stackObjectsAll(stacks, apiVersions);
    // CRDs only a chart's own crds/ folder holds (external-dns's), once each.
    const known = new Set(crds.map((c) => nameOf(c.object)));
    const extraCrds = new Map<string, ApiObject>();
    for (const o of all) {
      if (o.object.kind === "CustomResourceDefinition" && !known.has(nameOf(o.object)))
        extraCrds.set(nameOf(o.object), o);
    }
    installed.push(...(await inBatches([...extraCrds.values()], (crd) => apply(cluster, crd, false))));
    await kubectl(cluster.kubeconfig, ["wait", "--for=condition=established", "--timeout=120s", "crd", "--all"]);
    const objects = all.filter((o) => o.object.kind !== "CustomResourceDefinition");
    const namespaces = namespacesOf(objects);
    const created = await inBatches(namespaces, (ns) => apply(cluster, ns, false));
    // The `default` service account the controller manager (not run here) puts in every namespace:
    // the ServiceAccount admission plugin refuses a Pod (a pod-template dry run) without it.
    created.push(
      ...(await inBatches(
        namespaces.map((ns) => ({
          source: "namespaces",
          object: {
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: { name: "default", namespace: nameOf(ns.object) },
          },
        })),
        (sa) => apply(cluster, sa, false),
      )),
    );
    for (const { object } of namespaces) {
      const metadata = object.metadata as Json;
      const labels = (metadata.labels ?? {}) as Record<string, string>;
      enforcedLevels.set(String(metadata.name), labels["pod-security.kubernetes.io/enforce"] ?? "privileged");
    }

    const bites = await inBatches(BROKEN_OBJECTS, (item) => apply(cluster, item, true));
    for (const verdict of bites)
      console.log(
        `k8s-check: self-check ${verdict.item.source}: ${verdict.accepted ? "ACCEPTED (the check does not bite)" : `rejected as expected: ${verdict.message}`}`,
      );

    const registries = registriesOf(stacks);
    const imageBites = imageProblems(PUBLIC_IMAGE_PROBE(stacks[0].id), registries).length > 0;
    console.log(
      `k8s-check: image self-check docker.io/library/busybox: ${imageBites ? "refused as expected" : "ACCEPTED (the image check does not bite)"}`,
    );
    const imageRefusals = objects
      .filter((o) => o.object.kind !== "Namespace")
      .flatMap((o) => imageProblems(o, registries).map((problem) => ({ item: o, problem })));
    for (const { item, problem } of imageRefusals)
      console.error(`REJECTED ${item.source} ${label(item.object, item.defaultNamespace)}: ${problem}`);

    const chartBites = chartProblems(stacks[0].id, PUBLIC_CHART_PROBE, registries).length > 0;
    console.log(
      `k8s-check: chart self-check ${PUBLIC_CHART_PROBE.repository}: ${chartBites ? "refused as expected" : "ACCEPTED (the chart check does not bite)"}`,
    );
    const chartRefusals = stacks.flatMap((stack) =>
      releasesOf(stack.json).flatMap((release) =>
        chartProblems(stack.id, release, registries).map((problem) => ({ stack: stack.id, release, problem })),
      ),
    );
    for (const { stack, release, problem } of chartRefusals)
      console.error(`REJECTED ${stack} helm ${release.name}: ${problem}`);

    const podTemplates = objects.flatMap((o) => podOfTemplate(o) ?? []);
    const checked = await inBatches(
      [...objects.filter((o) => o.object.kind !== "Namespace"), ...podTemplates],
      (item) => apply(cluster, item, true),
    );
    const rejected = [...installed, ...created, ...checked].filter((v) => !v.accepted);
    for (const v of rejected)
      console.error(`REJECTED ${v.item.source} ${label(v.item.object, v.item.defaultNamespace)}: ${v.message}`);
    const toothless = bites.filter((v) => v.accepted).length;
    console.log(
      `k8s-check: ${environments.size} environments, ${releases} releases rendered (${crdOnly} CRD-only, checked through their chart's CRD archive); ${crds.length + extraCrds.size} CRDs installed, ${namespaces.length} namespaces created (${[...enforcedLevels.values()].filter((l) => l === "restricted").length} enforcing Pod Security restricted), ${checked.length - podTemplates.length} objects and ${podTemplates.length} pod templates (as Pods, judged at their namespace's enforced level) dry-run on kube-apiserver; ${rejected.length} rejected; ${imageRefusals.length} image references and ${chartRefusals.length} of ${releases} chart repositories not the environment's ECR; self-check ${bites.length - toothless}/${bites.length} broken objects rejected`,
    );
    const refused = rejected.length + imageRefusals.length + chartRefusals.length;
    return refused > 0 || toothless > 0 || !imageBites || !chartBites ? 1 : 0;
  } finally {
    stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    console.error(error instanceof CheckError ? `k8s-check: ${message}` : `k8s-check: unexpected error: ${message}`);
    process.exitCode = 1;
  },
);
