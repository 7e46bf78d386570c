/** Bootstrap's IAM Access Analyzer: a role trusting a principal outside the account becomes a finding. */
import { Testing } from "cdktf";
import { CI_ROLES, ciRoleArn, loadEnvironments } from "../../config";
import { BootstrapStack } from "../../stacks/bootstrap-stack";
import { resourcesOf, synthEnvironment, type TerraformJson } from "../helpers";

describe.each(loadEnvironments().map((c) => [c.name, c] as const))("%s bootstrap's access analyzer", (name, config) => {
  const json = synthEnvironment(name).json("bootstrap");
  const rules = Object.values(resourcesOf(json, "aws_accessanalyzer_archive_rule"));
  const filterOf = (rule: string) =>
    rules.find((r) => r.rule_name === rule)?.filter as { criteria: string; eq?: string[]; contains?: string[] }[];

  it("analyzes external access to the account, made once per account (with its OIDC provider)", () => {
    const analyzers = Object.values(resourcesOf(json, "aws_accessanalyzer_analyzer"));
    expect(config.ci.createGithubOidcProvider).toBe(true);
    expect(analyzers.map((a) => [a.analyzer_name, a.type])).toEqual([
      [`marketing-agents-${name}-external-access`, "ACCOUNT"],
    ]);
  });

  it("archives the GitHub federation of the four CI roles only: any other role trusting GitHub is a finding", () => {
    const filter = filterOf("ci-roles-github-federation");
    expect(filter.find((f) => f.criteria === "resource")?.eq?.sort()).toEqual(
      CI_ROLES.map((role) => ciRoleArn(config, role)).sort(),
    );
    expect(filter.find((f) => f.criteria === "principal.Federated")?.eq).toHaveLength(1);
  });

  it("archives the trusts of the child environments' accounts only where it delegates zones to them", () => {
    const children = config.dns.childEnvironments.map((c) => c.accountId);
    const rule = filterOf("project-accounts");
    if (children.length === 0) expect(rule).toBeUndefined();
    else expect(rule).toEqual([{ criteria: "principal.AWS", contains: children }]);
  });
});

describe("an environment sharing another's account", () => {
  it("makes no second analyzer (IAM Access Analyzer allows one account-level analyzer per account and region)", () => {
    const [dev] = loadEnvironments("dev");
    const guest = {
      ...dev,
      name: "devtwo",
      account: { ...dev.account, sharedWith: ["dev"] },
      ci: { ...dev.ci, createGithubOidcProvider: false },
    };
    const stack = new BootstrapStack(Testing.app(), { config: guest });
    const json = JSON.parse(Testing.synth(stack)) as TerraformJson;
    expect(resourcesOf(json, "aws_accessanalyzer_analyzer")).toEqual({});
  });
});
