/**
 * The names config derives. Each is an identity AWS keeps (a state key, a bucket, a role that
 * trust policies and access entries name): changing one replaces or orphans what carries it, so
 * each is pinned here for one environment.
 */
import {
  APPLY_SESSION_SECONDS,
  APP_DATABASE,
  CI_APPLIED_CONCERNS,
  CI_LOG_RETENTION_DAYS,
  CI_ROLES,
  CONCERNS,
  IAM_NAME_PREFIX_MAX,
  PEOPLE_ONLY_CONCERNS,
  PROJECT,
  PULL_REQUEST_CONCERNS,
  appLoginAt,
  auditBucketName,
  ciRoleArn,
  ciRoleName,
  clusterName,
  defaultTags,
  imageRepositoryName,
  imageTagParameterName,
  nodeRoleName,
  permissionsBoundaryArn,
  permissionsBoundaryName,
  planEnvironment,
  resourcePrefix,
  runnerProjectName,
  secretNames,
  stackId,
  stateBucketName,
  stateKey,
  stateKeyAlias,
  stateTrailName,
} from "../../config";

import { prod as prodConfig } from "../../config/prod";
import type { EnvironmentConfig } from "../../config";

// The raw file, not loadEnvironments(): validation at import would make every rule "static" to
// mutation testing (run against every test instead of those that cover it).
const prod = prodConfig as unknown as EnvironmentConfig;

describe("derived names (prod, account 333333333333)", () => {
  it.each([
    ["resource prefix", resourcePrefix(prod), "marketing-agents-prod"],
    ["stack id", stackId(prod, "data"), "prod-data"],
    ["state bucket", stateBucketName(prod), "marketing-agents-tfstate-prod-333333333333"],
    ["state key", stateKey(prod, "app"), "prod/app.tfstate"],
    ["state key alias", stateKeyAlias(prod), "alias/marketing-agents-prod-tfstate"],
    ["audit bucket", auditBucketName(prod), "marketing-agents-audit-prod-333333333333"],
    ["state trail", stateTrailName(prod), "marketing-agents-prod-state-access"],
    ["image repository", imageRepositoryName(prod), "marketing-agents-prod"],
    ["image-tag parameter", imageTagParameterName(prod), "/marketing-agents/prod/image-tag"],
    ["cluster", clusterName(prod), "marketing-agents-prod"],
    ["node role prefix", nodeRoleName(prod, "spot"), "marketing-agents-prod-spot"],
    ["runner project", runnerProjectName(prod), "marketing-agents-prod-runner"],
    ["deploy role", ciRoleName(prod, "deploy"), "marketing-agents-prod-deploy"],
    ["plan role ARN", ciRoleArn(prod, "plan"), "arn:aws:iam::333333333333:role/marketing-agents-prod-plan"],
    ["plan environment", planEnvironment(prod), "prod-plan"],
    ["boundary", permissionsBoundaryName(prod), "marketing-agents-prod-boundary"],
    ["boundary ARN", permissionsBoundaryArn(prod), "arn:aws:iam::333333333333:policy/marketing-agents-prod-boundary"],
  ])("%s: %s", (_what, actual, expected) => {
    expect(actual).toBe(expected);
  });

  it("names the app's secrets under the project and environment", () => {
    expect(secretNames(prod)).toEqual({
      apiKeys: "marketing-agents/prod/api-keys",
      redis: "marketing-agents/prod/redis",
      databaseApp: "marketing-agents/prod/database-app",
    });
  });

  it("gives the app its own role and two logins, apart from the master user, in its own schema", () => {
    expect(APP_DATABASE).toEqual({
      name: "marketing_agents",
      masterUser: "marketing_agents",
      appRole: "marketing_agents_app",
      appLogins: ["marketing_agents_app_a", "marketing_agents_app_b"],
      schema: "marketing_agents",
      port: 5432,
    });
  });

  it("alternates the app's logins from one rotation generation to the next", () => {
    expect([0, 1, 2, 3].map(appLoginAt)).toEqual([
      "marketing_agents_app_a",
      "marketing_agents_app_b",
      "marketing_agents_app_a",
      "marketing_agents_app_b",
    ]);
  });

  it("tags every resource with project, environment, stack, owner and cost center", () => {
    expect(defaultTags(prod, "network")).toEqual({
      Project: PROJECT,
      Environment: "prod",
      Stack: "network",
      ManagedBy: "cdktf",
      Owner: prod.tags.owner,
      CostCenter: prod.tags.costCenter,
    });
  });
});

describe("delivery limits", () => {
  it("deploys the concerns in order, bootstrap first", () => {
    expect(CONCERNS).toEqual(["bootstrap", "network", "cluster", "data", "platform", "app"]);
  });

  it("lets people alone apply bootstrap, the repository's GitHub settings and the organization's guardrails, and CI every other stack", () => {
    expect(PEOPLE_ONLY_CONCERNS).toEqual(["bootstrap", "github", "org-guardrails"]);
    expect(CI_APPLIED_CONCERNS).toEqual(["network", "cluster", "data", "platform", "app"]);
  });

  it("plans in pull requests only the stacks whose state holds no secret", () => {
    expect(PULL_REQUEST_CONCERNS).toEqual(["bootstrap", "network", "cluster"]);
  });

  it("has four CI roles, three-hour apply sessions, a year of runner logs and IAM's 38-character prefixes", () => {
    expect(CI_ROLES).toEqual(["deploy", "plan", "pr-plan", "push-image"]);
    expect(APPLY_SESSION_SECONDS).toBe(10800);
    expect(CI_LOG_RETENTION_DAYS).toBe(365);
    expect(IAM_NAME_PREFIX_MAX).toBe(64 - 26);
  });
});
