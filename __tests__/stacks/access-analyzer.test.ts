/** Bootstrap's IAM Access Analyzer: a role trusting a principal outside the account becomes a finding. */
import { Testing } from "cdktf";
import {
  CI_ROLES,
  ZONE_READER_SUFFIX,
  ciRoleArn,
  loadEnvironments,
  resourcePrefix,
  zoneDelegationRoleArn,
} from "../../config";
import { BootstrapStack } from "../../stacks/bootstrap-stack";
import { resourcesOf, synthEnvironment, type TerraformJson } from "../helpers";
import { archivingRules, type ArchiveRule } from "../model/access-analyzer-archive";

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

  const accountRoot = (accountId: string) => `arn:aws:iam::${accountId}:root`;
  const children = config.dns.childEnvironments.filter((c) => c.accountId !== config.account.id);
  const delegationRoles = (child: string) => {
    const writer = zoneDelegationRoleArn(config, child);
    return [writer, `${writer}${ZONE_READER_SUFFIX}`];
  };
  const archivedBy = (resource: string, principal: Record<string, string>) =>
    archivingRules(rules as unknown as ArchiveRule[], { resource, principal });

  it("archives a child environment's trust on that child's zone delegation roles only", () => {
    for (const child of children) {
      for (const role of delegationRoles(child.name)) {
        expect(archivedBy(role, { AWS: accountRoot(child.accountId) })).toHaveLength(1);
      }
    }
  });

  it("keeps active a finding of a child environment's account on any other role of the account", () => {
    const own = (name: string) => `arn:aws:iam::${config.account.id}:role/${name}`;
    for (const child of children) {
      // A role the deploy role could make, a CI role, and another child's delegation roles.
      const others = [
        own(`${resourcePrefix(config)}-made-by-deploy`),
        ciRoleArn(config, "deploy"),
        ...children.filter((c) => c.name !== child.name).flatMap((c) => delegationRoles(c.name)),
      ];
      const archived = others.filter((role) => archivedBy(role, { AWS: accountRoot(child.accountId) }).length > 0);
      expect({ child: child.name, archived }).toEqual({ child: child.name, archived: [] });
    }
  });

  it("has one archive rule for the CI roles' federation and one per child environment in another account", () => {
    expect(rules.map((r) => r.rule_name).sort()).toEqual(
      ["ci-roles-github-federation", ...children.map((c) => `zone-delegation-${c.name}`)].sort(),
    );
  });

  it("keeps active a finding of an account outside the project, even on a zone delegation role", () => {
    for (const child of children) {
      for (const role of delegationRoles(child.name)) {
        expect(archivedBy(role, { AWS: accountRoot("999999999999") })).toEqual([]);
      }
    }
  });

  it("archives GitHub's federation on the CI roles, and on no other role", () => {
    const github = filterOf("ci-roles-github-federation").find((f) => f.criteria === "principal.Federated")?.eq?.[0];
    expect(github).toBeDefined();
    expect(archivedBy(ciRoleArn(config, "deploy"), { Federated: String(github) })).toEqual([
      "ci-roles-github-federation",
    ]);
    expect(
      archivedBy(`arn:aws:iam::${config.account.id}:role/${resourcePrefix(config)}-made-by-deploy`, {
        Federated: String(github),
      }),
    ).toEqual([]);
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
