/**
 * Adding an environment exactly as the README says: copy config/staging.ts, change its name,
 * account, CIDR, GitHub environment, runner connection, zone and host, offer it a delegation in
 * prod's dns.childEnvironments, list it in ENVIRONMENTS. It must
 * validate and pass the policy gate with no waiver written for it by name.
 */
import { Testing, type App } from "cdktf";
import { loadEnvironments, type EnvironmentConfig } from "../../config";
import { dev } from "../../config/dev";
import { prod } from "../../config/prod";
import { staging } from "../../config/staging";
import { waiversFor } from "../../config/waivers";
import { evaluatePolicy, formatViolation, readSynthesizedStacks } from "../../modules/policy";
import { createEnvironmentStacks } from "../../stacks/environment-stacks";
import { cloneConfig, delegatedFrom } from "../helpers";

function qaAsTheReadmeSays(): EnvironmentConfig {
  const qa = cloneConfig(staging) as {
    -readonly [K in keyof EnvironmentConfig]: EnvironmentConfig[K];
  } & EnvironmentConfig;
  return {
    ...qa,
    name: "qa",
    account: { ...qa.account, id: "444444444444" },
    network: { ...qa.network, vpcCidr: "10.40.0.0/16" },
    ci: {
      ...qa.ci,
      githubEnvironment: "qa",
      runner: { ...qa.ci.runner, connectionArn: qa.ci.runner.connectionArn.replace("222222222222", "444444444444") },
    },
  };
}

describe("a new environment added as the README says", () => {
  // Validated inside the tests, not at collection (see names.test.ts on mutation testing).
  const environments = () => {
    const { parent, child } = delegatedFrom(prod, qaAsTheReadmeSays());
    return loadEnvironments(undefined, [dev, staging, parent, child]);
  };

  it("validates next to the others", () => {
    expect(environments().map((c) => c.name)).toEqual(["dev", "staging", "prod", "qa"]);
  });

  it("synthesizes and passes the policy gate with the waivers its settings call for", () => {
    const qa = environments().find((c) => c.name === "qa") as EnvironmentConfig;
    const app = Testing.app() as App;
    createEnvironmentStacks(app, qa);
    app.synth();
    const report = evaluatePolicy(
      readSynthesizedStacks(app.outdir, () => false),
      waiversFor([qa]),
    );
    expect(report.violations.map(formatViolation)).toEqual([]);
    expect(report.waiverProblems).toEqual([]);
    expect(report.waived.map((w) => w.waiver.stack)).toContain("qa-cluster");
  });
});
