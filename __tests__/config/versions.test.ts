import type { EnvironmentConfig } from "../../config";
import { OFFERS } from "../../config/aws-data";
import {
  EKS_KUBERNETES_SUPPORT,
  KUBERNETES_MINOR_PINS,
  RDS_POSTGRES_SUPPORT,
  kubernetesPromotionProblems,
  rdsExtendedSupportYear,
  supportPhase,
} from "../../config/versions";
import { declaredEnvironments, problemsOf, problemsWhen, type Mutable } from "../helpers";

const at = (day: string) => new Date(`${day}T12:00:00Z`);

/** Runs `test` as if today were `day` (config compares support windows with today). */
function on<T>(day: string, test: () => T): T {
  jest.useFakeTimers({ now: at(day), doNotFake: ["nextTick", "setImmediate"] });
  try {
    return test();
  } finally {
    jest.useRealTimers();
  }
}

/** Runs `test` with one more pinned Kubernetes minor (a row a real upgrade adds first). */
function withPinnedMinor<T>(minor: string, test: () => T): T {
  const pins = KUBERNETES_MINOR_PINS as Record<
    string,
    { clusterAutoscalerChart: string; crdUpgradeKubectlTag: string }
  >;
  pins[minor] = { clusterAutoscalerChart: "9.59.0", crdUpgradeKubectlTag: `v${minor}.0` };
  try {
    return test();
  } finally {
    delete pins[minor];
  }
}

/** An environment moved to another minor, with the add-on and node releases EKS wants for it. */
function runMinor(config: Mutable<EnvironmentConfig>, minor: string): void {
  config.cluster.kubernetesVersion = minor;
  config.cluster.addonVersions["kube-proxy"] = `v${minor}.1-eksbuild.2`;
  config.cluster.nodeAmiReleaseVersion = `${minor}.2-20251209`;
}

describe("support windows", () => {
  const window = EKS_KUBERNETES_SUPPORT["1.35"];

  it("keeps a version in standard support through its last day, then extended, then ended", () => {
    expect(supportPhase(window, at(window.standardEnds))).toBe("standard");
    expect(supportPhase(window, at("2027-03-28"))).toBe("extended");
    expect(supportPhase(window, at(window.extendedEnds))).toBe("extended");
    expect(supportPhase(window, at("2028-03-28"))).toBe("ended");
  });

  it("prices RDS Extended Support's third year apart (it doubles)", () => {
    const pg13 = RDS_POSTGRES_SUPPORT["13"];
    expect(rdsExtendedSupportYear(pg13, at("2026-03-01"))).toBe("years 1-2");
    expect(rdsExtendedSupportYear(pg13, at("2028-02-28"))).toBe("years 1-2");
    expect(rdsExtendedSupportYear(pg13, at("2028-02-29"))).toBe("year 3");
  });

  it("has dates for every pinned Kubernetes minor and every PostgreSQL major the offer table accepts", () => {
    expect(Object.keys(KUBERNETES_MINOR_PINS).filter((m) => !EKS_KUBERNETES_SUPPORT[m])).toEqual([]);
    expect(OFFERS.postgres_major_versions.filter((m) => !RDS_POSTGRES_SUPPORT[m])).toEqual([]);
  });
});

describe("Kubernetes minors in promotion order", () => {
  const envs = (...minors: string[]) =>
    minors.map((minor, i) => ({ name: ["dev", "staging", "prod"][i], cluster: { kubernetesVersion: minor } }));

  it("lets dev lead by one minor, and staging follow it before prod", () => {
    expect(kubernetesPromotionProblems(envs("1.36", "1.35", "1.35"))).toEqual([]);
    expect(kubernetesPromotionProblems(envs("1.36", "1.36", "1.35"))).toEqual([]);
  });

  it("fails when an environment runs a newer minor than the one before it", () => {
    expect(kubernetesPromotionProblems(envs("1.35", "1.35", "1.36"))).toEqual([
      'environment "prod", setting cluster.kubernetesVersion: must be at most 1.35, the minor of "staging" which comes before it in promotion order (got 1.36); upgrade "staging" first',
    ]);
  });

  it("fails when an environment is more than one minor behind the newest", () => {
    expect(kubernetesPromotionProblems(envs("1.36", "1.35", "1.34"))).toEqual([
      'environment "prod", setting cluster.kubernetesVersion: must be within one minor of 1.36 ("dev"), got 1.34; upgrade it one minor before "dev" moves again',
    ]);
  });

  it("is applied by config: no declared environment may run ahead of the one before it", () =>
    on("2026-12-07", () =>
      withPinnedMinor("1.34", () => {
        const configs = declaredEnvironments();
        const [first, second] = configs;
        runMinor(first, "1.34");
        first.cluster.supportType = "EXTENDED";
        expect(problemsOf(configs)).toEqual([
          `environment "${second.name}", setting cluster.kubernetesVersion: must be at most 1.34, the minor of "${first.name}" which comes before it in promotion order (got ${second.cluster.kubernetesVersion}); upgrade "${first.name}" first`,
        ]);
      }),
    ));

  it("lets nodes stay one minor behind the control plane until they roll", () => {
    const configs = declaredEnvironments();
    configs[0].cluster.nodeAmiReleaseVersion = "1.34.2-20251209";
    expect(problemsOf(configs)).toEqual([]);
  });
});

describe("the end of support", () => {
  it("fails when EKS would upgrade a STANDARD cluster itself: its minor is past standard support", () =>
    on("2027-04-01", () =>
      expect(problemsWhen("dev", (c) => (c.cluster.supportType = "STANDARD"))).toMatch(
        /environment "dev", setting cluster\.supportType: must be "EXTENDED" while the cluster runs Kubernetes 1\.35, past its EKS standard support \(2027-03-27\)/,
      ),
    ));

  it("accepts an EXTENDED cluster in extended support (review prices it)", () =>
    on("2027-04-01", () => {
      const configs = declaredEnvironments();
      for (const c of configs) c.cluster.supportType = "EXTENDED";
      expect(problemsOf(configs)).toEqual([]);
    }));

  it("fails on a minor past EKS extended support whatever the policy", () =>
    on("2028-03-28", () =>
      expect(problemsWhen("prod", (c) => (c.cluster.supportType = "EXTENDED"))).toMatch(
        /environment "prod", setting cluster\.kubernetesVersion: Kubernetes 1\.35 left EKS extended support on 2028-03-27/,
      ),
    ));

  it("fails on a PostgreSQL major past RDS standard support unless its Extended Support charge is accepted", () =>
    on("2026-12-07", () => {
      expect(problemsWhen("staging", (c) => (c.database.engineMajorVersion = "13"))).toMatch(
        /environment "staging", setting database\.engineMajorVersion: PostgreSQL 13 left RDS standard support on 2026-02-28: upgrade the major, or set database\.acceptExtendedSupport to true/,
      );
      const configs = declaredEnvironments();
      configs[1].database.engineMajorVersion = "13";
      configs[1].database.acceptExtendedSupport = true;
      expect(problemsOf(configs)).toEqual([]);
    }));

  it("fails on a PostgreSQL major past RDS Extended Support", () =>
    on("2029-03-01", () =>
      expect(
        problemsWhen("dev", (c) => {
          c.database.engineMajorVersion = "13";
          c.database.acceptExtendedSupport = true;
        }),
      ).toMatch(
        /environment "dev", setting database\.engineMajorVersion: PostgreSQL 13 left RDS Extended Support on 2029-02-28/,
      ),
    ));
});
