import { DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import { loadEnvironments, type EnvironmentConfig } from "../../config";
import { DeployError } from "../../scripts/deploy/deploy-error";
import { runPreflight, type PreflightTarget } from "../../scripts/deploy/preflight";
import { awsError, healthyAws, reachableProbes, withOwnGithubIds } from "./deploy-helpers";

const [dev] = loadEnvironments("dev").map(withOwnGithubIds);
const DOCKER_HUB = "ecr-pullthroughcache/marketing-agents-dev/docker-hub";
const GHCR = "ecr-pullthroughcache/marketing-agents-dev/ghcr";

function target(
  concerns: string[],
  mode: "plan" | "apply" = "apply",
  config: EnvironmentConfig = dev,
): PreflightTarget {
  return { config, concerns, deployedDependencies: [], imageTag: "0.1.0", mode };
}

async function run(t: PreflightTarget): Promise<{ lines: string[]; deferred: boolean; failure?: string }> {
  const lines: string[] = [];
  try {
    const facts = await runPreflight(t, reachableProbes, (line) => lines.push(line));
    return { lines, deferred: facts.deferred };
  } catch (error) {
    expect(error).toBeInstanceOf(DeployError);
    return { lines, deferred: false, failure: (error as Error).message };
  }
}

describe("preflight of the pull-through cache's registry credentials", () => {
  let aws: ReturnType<typeof healthyAws>;
  beforeEach(() => {
    aws = healthyAws(dev.account.id);
  });
  afterEach(() => Object.values(aws).forEach((m) => m.restore()));

  it("passes when both secrets have a current value, without ever reading one", async () => {
    const { lines, failure } = await run(target(["cluster"]));
    expect(failure).toBeUndefined();
    expect(lines).toContain(
      "  ok    the registry credentials of the pull-through cache have a value: 2 set (values not read)",
    );
    expect(aws.secrets.commandCalls(DescribeSecretCommand).map((c) => c.args[0].input.SecretId)).toEqual([
      DOCKER_HUB,
      GHCR,
    ]);
  });

  it("refuses the cluster's apply while a secret has no value, with the command that sets it", async () => {
    aws.secrets.on(DescribeSecretCommand, { SecretId: GHCR }).resolves({ VersionIdsToStages: {} });
    const { failure } = await run(target(["cluster"]));
    expect(failure).toBe(
      `preflight: environment "dev": ${GHCR} has no value yet, and ECR reads it when the cluster stack creates its pull-through cache rules: set it (docs/runbook.md, first deploy): aws secretsmanager put-secret-value --secret-id ${GHCR} --secret-string '{"username":"...","accessToken":"..."}'`,
    );
  });

  it("waits for the network stack of the same run to create the secrets, then checks again", async () => {
    aws.secrets.on(DescribeSecretCommand).rejects(awsError("ResourceNotFoundException"));
    const { deferred, failure } = await run(target(["network", "cluster"]));
    expect(failure).toBeUndefined();
    expect(deferred).toBe(true);
    expect((await run(target(["cluster"]))).failure).toMatch(
      /secret ecr-pullthroughcache\/marketing-agents-dev\/docker-hub does not exist: deploy the network stack first/,
    );
  });

  it("does not ask for them on a plan, or for stacks other than the cluster", async () => {
    aws.secrets.on(DescribeSecretCommand).resolves({ VersionIdsToStages: {} });
    expect((await run(target(["cluster"], "plan"))).failure).toBeUndefined();
    expect((await run(target(["data"]))).failure).toBeUndefined();
  });
});
