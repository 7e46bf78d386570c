/**
 * Versions that age: how long AWS supports each Kubernetes minor on EKS and each PostgreSQL major
 * on RDS (dated tables, compared with a date), what this project pins for each Kubernetes minor,
 * and the rule that keeps the environments' minors in promotion order, so each one upgrades on
 * its own (dev first) instead of all in one commit.
 */

/** One version's support window: the last day of standard support and of extended support. */
export interface SupportWindow {
  /** Last day of standard support (ISO date, UTC); extended-support charges start the day after. */
  readonly standardEnds: string;
  /** Last day of extended support (ISO date, UTC); afterwards AWS upgrades the version itself. */
  readonly extendedEnds: string;
}

/** Where a version stands on a date. */
export type SupportPhase = "standard" | "extended" | "ended";

/**
 * EKS Kubernetes minors, from the Amazon EKS release calendar (read 2026-12-07):
 * https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html. Standard support is
 * 14 months from EKS's release, extended support 12 more; past it EKS upgrades the cluster.
 */
export const EKS_KUBERNETES_SUPPORT: Readonly<Record<string, SupportWindow>> = {
  "1.32": { standardEnds: "2026-03-23", extendedEnds: "2027-03-23" },
  "1.33": { standardEnds: "2026-07-29", extendedEnds: "2027-07-29" },
  "1.34": { standardEnds: "2026-12-02", extendedEnds: "2027-12-02" },
  "1.35": { standardEnds: "2027-03-27", extendedEnds: "2028-03-27" },
};

/**
 * RDS for PostgreSQL majors, from the RDS for PostgreSQL release calendar (read 2026-12-07):
 * https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html.
 * After standard support RDS enrols the instance in RDS Extended Support (charged per vCPU-hour,
 * standby included) for up to 3 years: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/extended-support-charges.html.
 */
export const RDS_POSTGRES_SUPPORT: Readonly<Record<string, SupportWindow>> = {
  "13": { standardEnds: "2026-02-28", extendedEnds: "2029-02-28" },
  "14": { standardEnds: "2027-02-28", extendedEnds: "2030-02-28" },
  "15": { standardEnds: "2028-02-29", extendedEnds: "2031-02-28" },
  "16": { standardEnds: "2029-02-28", extendedEnds: "2032-02-29" },
  "17": { standardEnds: "2030-02-28", extendedEnds: "2033-02-28" },
};

/** What this project pins for a Kubernetes minor: the add-ons whose version follows the cluster's. */
export interface KubernetesMinorPins {
  /** cluster-autoscaler chart whose autoscaler minor equals the cluster's (it must match). */
  readonly clusterAutoscalerChart: string;
  /** kubectl of kube-prometheus-stack's CRD upgrade Job (kubectl supports one minor either side). */
  readonly crdUpgradeKubectlTag: string;
}

/**
 * The Kubernetes minors an environment may run: one row per minor whose add-ons are pinned. A new
 * minor is a new row (the chart must be in shared/reference/helm-charts for the values check and
 * k8s-check); then dev moves to it first (`kubernetesPromotionProblems`).
 */
export const KUBERNETES_MINOR_PINS: Readonly<Record<string, KubernetesMinorPins>> = {
  // cluster-autoscaler 9.59.0 runs autoscaler 1.35.0.
  "1.35": { clusterAutoscalerChart: "9.59.0", crdUpgradeKubectlTag: "v1.35.0" },
};

const DAY_MS = 24 * 60 * 60 * 1000;
const dayOf = (date: Date) => date.toISOString().slice(0, 10);

/** Whether a version is in standard support, in extended support, or past both on `date`. */
export function supportPhase(window: SupportWindow, date: Date): SupportPhase {
  const day = dayOf(date);
  if (day <= window.standardEnds) return "standard";
  return day <= window.extendedEnds ? "extended" : "ended";
}

/** Whole days from `date` to the end of standard support (negative once past it). */
export function daysOfStandardSupportLeft(window: SupportWindow, date: Date): number {
  return Math.round((Date.parse(`${window.standardEnds}T00:00:00Z`) - Date.parse(`${dayOf(date)}T00:00:00Z`)) / DAY_MS);
}

/**
 * RDS Extended Support's price band on `date`: years 1 and 2 after standard support, or year 3
 * (priced twice as much: https://aws.amazon.com/rds/postgresql/pricing/, "Extended Support").
 */
export function rdsExtendedSupportYear(window: SupportWindow, date: Date): "years 1-2" | "year 3" {
  const end = new Date(`${window.standardEnds}T00:00:00Z`);
  const yearThree = new Date(Date.UTC(end.getUTCFullYear() + 2, end.getUTCMonth(), end.getUTCDate()));
  return dayOf(date) <= dayOf(yearThree) ? "years 1-2" : "year 3";
}

/** "1.35" -> 135, comparable. */
function minorNumber(minor: string): number {
  const [major, minorPart] = minor.split(".").map(Number);
  return major * 100 + minorPart;
}

/** What the promotion rule reads from each environment. */
export interface PromotedVersion {
  readonly name: string;
  readonly cluster: { readonly kubernetesVersion: string };
}

/**
 * Environments in promotion order (config/index.ts ENVIRONMENTS) must run non-increasing
 * Kubernetes minors (dev >= staging >= prod: each soaks a minor before the next gets it) and stay
 * within one minor of each other (EKS upgrades one minor at a time, and an add-on pin covers one).
 */
export function kubernetesPromotionProblems(configs: readonly PromotedVersion[]): string[] {
  const problems: string[] = [];
  configs.forEach((env, i) => {
    const earlier = configs[i - 1];
    const minor = env.cluster.kubernetesVersion;
    if (earlier && minorNumber(minor) > minorNumber(earlier.cluster.kubernetesVersion)) {
      problems.push(
        `environment "${env.name}", setting cluster.kubernetesVersion: must be at most ${earlier.cluster.kubernetesVersion}, the minor of "${earlier.name}" which comes before it in promotion order (got ${minor}); upgrade "${earlier.name}" first`,
      );
    }
  });
  const minors = configs.map((c) => minorNumber(c.cluster.kubernetesVersion));
  const newest = configs[minors.indexOf(Math.max(...minors))];
  configs.forEach((env) => {
    const gap = minorNumber(newest.cluster.kubernetesVersion) - minorNumber(env.cluster.kubernetesVersion);
    if (gap > 1) {
      problems.push(
        `environment "${env.name}", setting cluster.kubernetesVersion: must be within one minor of ${newest.cluster.kubernetesVersion} ("${newest.name}"), got ${env.cluster.kubernetesVersion}; upgrade it one minor before "${newest.name}" moves again`,
      );
    }
  });
  return problems;
}

/** The Kubernetes minor of an EKS AMI release ("1.35.0-20251209" -> "1.35"). */
export function amiReleaseMinor(release: string): string {
  return release.split(".").slice(0, 2).join(".");
}

/** `minor` is `of` or one minor below it. */
export function isSameOrOneMinorBelow(minor: string, of: string): boolean {
  const gap = minorNumber(of) - minorNumber(minor);
  return gap === 0 || gap === 1;
}
