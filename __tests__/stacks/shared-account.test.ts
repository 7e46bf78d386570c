/**
 * Two environments in one account (`account.sharedWith` on both sides): the account's GitHub OIDC
 * provider and its S3 Block Public Access are set by one bootstrap stack only (the other looks the
 * provider up), and each budget counts only its own environment's tagged costs, so neither alerts
 * on the other's spend. The pair is dev and qa (qa added as docs/environments.md says, then moved
 * into dev's account).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktf";
import { loadEnvironments, type EnvironmentConfig } from "../../config";
import { createEnvironmentStacks } from "../../stacks/environment-stacks";
import { addedAsDocumented, documentedSteps, freshSteps } from "../add-environment";
import { resourcesOf, synthEnvironment, type TerraformJson } from "../helpers";

/** The doc's example environment's name (`qa`, or the next free one once a real qa exists). */
const QA = freshSteps(documentedSteps()).name;

/** The declared environments and qa, with qa in dev's account and the sharing declared. */
function sharingDevsAccount(): EnvironmentConfig[] {
  const list = addedAsDocumented();
  const byName = Object.fromEntries(list.map((c) => [c.name, c]));
  const { dev, prod } = byName;
  const qa = byName[QA];
  qa.account.id = dev.account.id;
  (prod.dns.childEnvironments.find((c) => c.name === QA) as { accountId: string }).accountId = dev.account.id;
  qa.cluster.adminRoleArns = [...dev.cluster.adminRoleArns];
  (prod.dns.childEnvironments.find((c) => c.name === QA) as { adminRoleArns: string[] }).adminRoleArns = [
    ...dev.cluster.adminRoleArns,
  ];
  qa.ci.runner.connectionArn = dev.ci.runner.connectionArn;
  dev.account.sharedWith = [QA];
  qa.account.sharedWith = ["dev"];
  qa.ci.createGithubOidcProvider = false;
  return loadEnvironments(undefined, list);
}

/** Synthesizes some stacks of the environments, parsed by stack id. */
function synthesize(configs: readonly EnvironmentConfig[], concerns: string[]): Map<string, TerraformJson> {
  const app = Testing.app();
  configs.forEach((config) => createEnvironmentStacks(app, config));
  app.synth();
  const stacks = new Map<string, TerraformJson>();
  for (const config of configs) {
    for (const concern of concerns) {
      const file = path.join(app.outdir, "stacks", `${config.name}-${concern}`, "cdk.tf.json");
      stacks.set(`${config.name}-${concern}`, JSON.parse(fs.readFileSync(file, "utf8")) as TerraformJson);
    }
  }
  return stacks;
}

describe("two environments in one account", () => {
  let stacks: Map<string, TerraformJson>;
  beforeAll(() => {
    const shared = sharingDevsAccount().filter((c) => c.name === "dev" || c.name === QA);
    stacks = synthesize(shared, ["bootstrap", "network"]);
  });
  const json = (stack: string) => stacks.get(stack) as TerraformJson;

  it("create the account's GitHub OIDC provider once, in the environment config names; the other looks it up", () => {
    const created = ["dev", QA].filter(
      (env) => Object.keys(resourcesOf(json(`${env}-bootstrap`), "aws_iam_openid_connect_provider")).length > 0,
    );
    expect(created).toEqual(["dev"]);
    expect(Object.values(json(`${QA}-bootstrap`).data?.aws_iam_openid_connect_provider ?? {})).toEqual([
      expect.objectContaining({ url: "https://token.actions.githubusercontent.com" }),
    ]);
  });

  // One S3 Block Public Access per account: a second owner would fight the first, and its removal would delete it.
  it("set the account's S3 Block Public Access once, in the environment that creates its OIDC provider", () => {
    const owners = ["dev", QA].flatMap((env) =>
      Object.values(resourcesOf(json(`${env}-bootstrap`), "aws_s3_account_public_access_block")).map(() => env),
    );
    expect(owners).toEqual(["dev"]);
  });

  it.each(["dev", QA])("%s's budget counts only the costs tagged with its environment", (env) => {
    const [budget] = Object.values(resourcesOf(json(`${env}-network`), "aws_budgets_budget"));
    expect(budget.cost_filter).toEqual([{ name: "TagKeyValue", values: [`user:Environment$${env}`] }]);
  });
});

describe("an environment with an account of its own", () => {
  it("budgets the whole account (no filter: its spend is the environment's)", () => {
    const [budget] = Object.values(resourcesOf(synthEnvironment("dev").json("network"), "aws_budgets_budget"));
    expect(budget.cost_filter).toBeUndefined();
  });
});
