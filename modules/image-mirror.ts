/**
 * Where the cluster pulls public images and Helm charts from: the environment's own ECR registry,
 * through one pull-through cache rule per upstream registry (modules/image-pull-through-cache.ts),
 * never anonymously from Docker Hub over NAT (pull limits). This file only names things: the
 * upstreams ECR can cache, how an upstream image reference is rewritten to the cache, and where a
 * chart is pulled from (its upstream's cache, or the environment's chart mirror).
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html
 */
import type { ChartSource } from "./addons/platform-addon";

/** An upstream registry ECR can cache. */
export interface UpstreamRegistry {
  /** ECR's `upstream_registry_url` for it (CreatePullThroughCacheRule). */
  readonly url: string;
  /** Host names image references use for it. */
  readonly hosts: readonly string[];
  /**
   * ECR needs a Secrets Manager credential for it (`ecr-pullthroughcache/...`): Docker Hub and
   * GitHub Container Registry do; ECR Public, Quay and registry.k8s.io do not.
   */
  readonly credential: boolean;
  /** Namespace of single-segment names (Docker Hub's official images: `busybox` is `library/busybox`). */
  readonly defaultNamespace?: string;
}

/** The upstreams the charts' and the app's images come from, by the suffix of their ECR prefix. */
export const UPSTREAM_REGISTRIES = {
  "ecr-public": { url: "public.ecr.aws", hosts: ["public.ecr.aws"], credential: false },
  "docker-hub": {
    url: "registry-1.docker.io",
    hosts: ["docker.io", "registry-1.docker.io", "index.docker.io"],
    credential: true,
    defaultNamespace: "library",
  },
  quay: { url: "quay.io", hosts: ["quay.io"], credential: false },
  ghcr: { url: "ghcr.io", hosts: ["ghcr.io"], credential: true },
  k8s: { url: "registry.k8s.io", hosts: ["registry.k8s.io"], credential: false },
} as const satisfies Record<string, UpstreamRegistry>;

export type UpstreamName = keyof typeof UPSTREAM_REGISTRIES;
export const UPSTREAM_NAMES = Object.keys(UPSTREAM_REGISTRIES) as UpstreamName[];

/**
 * The suffix of the prefix under which the environment's chart mirror repositories sit
 * (`<prefixStart>-charts/<chart>`). No upstream is named so, so no cache rule ever claims them.
 */
export const CHART_MIRROR_SUFFIX = "charts";

/**
 * Whether a chart comes through the mirror rather than a cache: ECR's pull-through cache serves
 * Helm charts stored as OCI artifacts (https://github.com/aws/containers-roadmap/issues/1855) but
 * can never cache an HTTPS chart repository (an `index.yaml` and its archives), so a chart published
 * only there is pushed into `<prefixStart>-charts/<chart>` by the deploy command.
 */
export function isMirroredChart(source: ChartSource): boolean {
  return source.repository.startsWith("https://");
}

/**
 * ECR reads an upstream's credential from a secret whose name starts with this (the only ones
 * the console lists and ECR's service-linked role may read):
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-creating-rule.html
 */
export const PULL_THROUGH_SECRET_PREFIX = "ecr-pullthroughcache/";

/** The upstreams that need a credential. */
export const CREDENTIALED_UPSTREAMS = UPSTREAM_NAMES.filter((name) => UPSTREAM_REGISTRIES[name].credential);

/** Settings of the mirror. */
export interface ImageMirrorProps {
  /** The environment's private registry, `<account>.dkr.ecr.<region>.amazonaws.com`. */
  readonly registryHost: string;
  /**
   * Start of every cache prefix (`<start>-<upstream>`, e.g. `dev-quay`): environments sharing an
   * account and region keep their rules apart. ECR allows 2-30 characters.
   */
  readonly prefixStart: string;
}

/** A repository reference split the way charts take it: registry host, then the path below it. */
export interface MirroredRepository {
  readonly registry: string;
  readonly repository: string;
}

/** Where a chart comes from (ImageMirror.chartLocation). */
export type ChartLocation =
  | {
      /** Through the pull-through cache of an OCI upstream. */
      readonly kind: "cached";
      readonly upstream: UpstreamName;
      /** The ECR repository Helm pulls it from, e.g. `dev-ghcr/prometheus-community/charts/kube-prometheus-stack`. */
      readonly repositoryName: string;
      /** What the cache fetches, e.g. `ghcr.io/prometheus-community/charts/kube-prometheus-stack` (no tag). */
      readonly upstreamReference: string;
      /** The upstream reference's host (`ghcr.io`) and the path below it (`prometheus-community/charts/kube-prometheus-stack`). */
      readonly upstreamHost: string;
      readonly upstreamRepository: string;
    }
  | {
      /** Pushed by the deploy command into the environment's chart mirror. */
      readonly kind: "mirrored";
      /** The ECR repository Helm pulls it from, e.g. `dev-charts/metrics-server`. */
      readonly repositoryName: string;
      /** The HTTPS chart repository the deploy fetches its archive from, as the source names it. */
      readonly upstreamReference: string;
    };

/** Rewrites upstream image references to the environment's pull-through cache. */
export class ImageMirror {
  constructor(private readonly props: ImageMirrorProps) {}

  /** The private registry host. */
  get registryHost(): string {
    return this.props.registryHost;
  }

  /** The ECR repository prefix of an upstream's cache rule. */
  prefix(upstream: UpstreamName): string {
    return `${this.props.prefixStart}-${upstream}`;
  }

  /** Every cache prefix, one per upstream. */
  prefixes(): string[] {
    return UPSTREAM_NAMES.map((name) => this.prefix(name));
  }

  /**
   * `quay.io/jetstack/cert-manager-controller` -> `<registry>`, `<prefix>/jetstack/cert-manager-controller`;
   * `docker.io/busybox` -> `<registry>`, `<prefix>/library/busybox`. A tag or digest stays where it is.
   * Throws for a host no rule caches: such an image would not be pullable.
   */
  split(reference: string): MirroredRepository {
    const [, ...rest] = reference.split("/");
    const upstream = this.upstreamOf(reference);
    if (!upstream || rest.length === 0) {
      throw new Error(`${reference}: no pull-through cache rule for its registry (cached: ${this.upstreamHosts()})`);
    }
    const registry: UpstreamRegistry = UPSTREAM_REGISTRIES[upstream];
    const path = rest.length === 1 && registry.defaultNamespace ? [registry.defaultNamespace, ...rest] : rest;
    return { registry: this.props.registryHost, repository: [this.prefix(upstream), ...path].join("/") };
  }

  /**
   * What replaces an upstream host for charts that take a registry and build the rest
   * themselves: `quay.io` -> `<registry>/<prefix of quay>`.
   */
  registryFor(host: string): string {
    const { registry, repository } = this.split(`${host}/x`);
    return `${registry}/${repository.slice(0, -"/x".length)}`;
  }

  /** The whole rewritten reference, `<registry>/<prefix>/<path>[:tag]`. */
  image(reference: string): string {
    const { registry, repository } = this.split(reference);
    return `${registry}/${repository}`;
  }

  /** The prefix of the environment's chart mirror repositories, `<prefixStart>-charts`. */
  chartMirrorPrefix(): string {
    return `${this.props.prefixStart}-${CHART_MIRROR_SUFFIX}`;
  }

  /**
   * The same chart, version and namespace, pulled from the environment's ECR: an OCI upstream
   * through its cache rule (`oci://ghcr.io/prometheus-community/charts` ->
   * `oci://<registry>/<prefix of ghcr>/prometheus-community/charts`), an HTTPS chart repository
   * from the mirror (`oci://<registry>/<prefixStart>-charts`; helm then pulls
   * `<prefixStart>-charts/<chart>:<version>`). Throws for any other repository, and for an OCI
   * registry no rule caches: Helm could not pull such a chart.
   */
  chart(source: ChartSource): ChartSource {
    // Helm appends the chart's name to the repository: the repository is the location's minus it.
    const { repositoryName } = this.chartLocation(source);
    const repository = repositoryName.slice(0, -`/${source.chart}`.length);
    return { ...source, repository: `oci://${this.props.registryHost}/${repository}` };
  }

  /**
   * Where a chart comes from, the one place that says so (IAM grants, preflight, the deploy's
   * mirror and pin checks and the docs read it here rather than re-parse `chart().repository`):
   * cached through an upstream's rule or mirrored, the ECR repository Helm pulls it from, and the
   * upstream it is fetched from. Throws as `chart` does.
   */
  chartLocation(source: ChartSource): ChartLocation {
    const { chart, version, repository } = source;
    if (isMirroredChart(source)) {
      return {
        kind: "mirrored",
        repositoryName: `${this.chartMirrorPrefix()}/${chart}`,
        upstreamReference: repository,
      };
    }
    if (!repository.startsWith("oci://")) {
      throw new Error(
        `chart ${chart} ${version}: repository ${repository} is neither oci:// (cached) nor https:// (mirrored); the environment's ECR cannot serve it`,
      );
    }
    // The chart's own name goes through the rewrite (Docker Hub's single-segment rule applies to
    // the whole reference).
    const upstreamReference = `${repository.slice("oci://".length).replace(/\/+$/, "")}/${chart}`;
    const upstream = this.upstreamOf(upstreamReference);
    if (!upstream) {
      throw new Error(
        `chart ${chart} ${version}: repository ${repository} has no pull-through cache rule (cached: ${this.upstreamHosts()})`,
      );
    }
    const [upstreamHost, ...path] = upstreamReference.split("/");
    return {
      kind: "cached",
      upstream,
      repositoryName: this.split(upstreamReference).repository,
      upstreamReference,
      upstreamHost,
      upstreamRepository: path.join("/"),
    };
  }

  /** The upstream whose hosts include a reference's host; undefined when no rule caches it. */
  private upstreamOf(reference: string): UpstreamName | undefined {
    const host = reference.split("/")[0];
    return UPSTREAM_NAMES.find((name) => (UPSTREAM_REGISTRIES[name].hosts as readonly string[]).includes(host));
  }

  private upstreamHosts(): string {
    return UPSTREAM_NAMES.flatMap((name) => UPSTREAM_REGISTRIES[name].hosts).join(", ");
  }
}
