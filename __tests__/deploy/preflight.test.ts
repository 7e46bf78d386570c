import { DescribeImagesCommand as DescribeAmisCommand } from "@aws-sdk/client-ec2";
import { DescribeImagesCommand, ValidatePullThroughCacheRuleCommand } from "@aws-sdk/client-ecr";
import { DescribeAddonVersionsCommand, DescribeClusterCommand } from "@aws-sdk/client-eks";
import { HeadBucketCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import {
  PLACEHOLDER_REVIEWER_TEAM_IDS,
  PLACEHOLDER_RUNNER_ACTOR_IDS,
  loadEnvironments,
  type EnvironmentConfig,
} from "../../config";
import { DeployError } from "../../scripts/deploy/deploy-error";
import { CHECKS, runPreflight, type PreflightProbes, type PreflightTarget } from "../../scripts/deploy/preflight";
import { CHART_SOURCES } from "../../modules/addons/chart-sources";
import { UPSTREAM_REGISTRIES, type UpstreamName } from "../../modules/image-mirror";
import { synthEnvironment } from "../helpers";
import { IMAGE_DIGEST, awsError, healthyAws, reachableProbes, withOwnGithubIds } from "./deploy-helpers";

const [devAsCommitted, prodAsCommitted] = loadEnvironments("dev,prod");
const [dev, prod] = [devAsCommitted, prodAsCommitted].map(withOwnGithubIds);
const EVERY_STACK = ["bootstrap", "network", "cluster", "data", "platform", "app"];

function target(overrides: Partial<PreflightTarget> = {}, config: EnvironmentConfig = dev): PreflightTarget {
  return { config, concerns: EVERY_STACK, deployedDependencies: [], imageTag: "0.1.0", mode: "apply", ...overrides };
}

async function failureOf(t: PreflightTarget, probes: PreflightProbes = reachableProbes): Promise<string> {
  try {
    await runPreflight(t, probes, () => undefined);
  } catch (error) {
    expect(error).toBeInstanceOf(DeployError);
    return (error as Error).message;
  }
  throw new Error("expected preflight to fail");
}

type Mocks = ReturnType<typeof healthyAws>;

describe("preflight", () => {
  let aws: Mocks;
  beforeEach(() => {
    aws = healthyAws(dev.account.id);
  });
  afterEach(() => Object.values(aws).forEach((m) => m.restore()));

  const failures: [string, (m: Mocks) => void, Partial<PreflightTarget>, Partial<PreflightProbes>, RegExp][] = [
    [
      "no AWS credentials",
      (m) =>
        m.sts.on(GetCallerIdentityCommand).rejects(awsError("CredentialsProviderError", "Could not load credentials")),
      {},
      {},
      /^preflight: environment "dev": no usable AWS credentials \(CredentialsProviderError\): sign in to account 111111111111/,
    ],
    [
      "credentials of another account",
      (m) =>
        m.sts
          .on(GetCallerIdentityCommand)
          .resolves({ Account: "999999999999", Arn: "arn:aws:sts::999999999999:assumed-role/PlatformAdmin/alice" }),
      {},
      {},
      /environment "dev" lives in account 111111111111, but your AWS credentials are for account 999999999999/,
    ],
    [
      "no terraform on PATH",
      () => undefined,
      {},
      { terraformVersion: async () => undefined },
      /terraform is not on PATH: install Terraform >= 1\.10/,
    ],
    [
      "a terraform older than 1.10",
      () => undefined,
      {},
      { terraformVersion: async () => "1.9.8" },
      /terraform 1\.9\.8 is too old/,
    ],
    [
      "no state bucket when bootstrap is not selected",
      (m) => m.s3.on(HeadBucketCommand).rejects(awsError("NotFound")),
      { concerns: ["network"] },
      {},
      /state bucket marketing-agents-tfstate-dev-111111111111 does not exist: deploy bootstrap first: npm run deploy -- dev bootstrap --apply$/,
    ],
    [
      "a dependency that was never applied",
      (m) => m.s3.on(HeadObjectCommand, { Key: "dev/platform.tfstate" }).rejects(awsError("NotFound")),
      { concerns: ["app"], deployedDependencies: ["dev-cluster", "dev-data", "dev-platform"] },
      {},
      /dev-platform has never been applied \(no dev\/platform\.tfstate in marketing-agents-tfstate-dev-111111111111\).*npm run deploy -- dev platform --apply$/,
    ],
    [
      "a caller without an EKS access entry",
      (m) =>
        m.sts
          .on(GetCallerIdentityCommand)
          .resolves({ Account: "111111111111", Arn: "arn:aws:sts::111111111111:assumed-role/Developer/bob" }),
      { concerns: ["platform"] },
      {},
      /assumed-role\/Developer\/bob has no EKS access entry.*cluster\.adminRoleArns \(arn:aws:iam::111111111111:role\/PlatformAdmin\) or the marketing-agents-dev-deploy role/,
    ],
    [
      "the plan role when applying",
      (m) =>
        m.sts.on(GetCallerIdentityCommand).resolves({
          Account: "111111111111",
          Arn: "arn:aws:sts::111111111111:assumed-role/marketing-agents-dev-plan/ci",
        }),
      { concerns: ["app"], mode: "apply" },
      {},
      /marketing-agents-dev-plan\/ci has no EKS access entry/,
    ],
    [
      "an app deploy before the image repository exists",
      (m) => m.ecr.on(DescribeImagesCommand).rejects(awsError("RepositoryNotFoundException")),
      {},
      {},
      /ECR repository marketing-agents-dev does not exist yet.*npm run deploy -- dev bootstrap network cluster data platform --apply\), push the image, set the API keys, then deploy app$/,
    ],
    [
      "an image tag that was never pushed",
      (m) => m.ecr.on(DescribeImagesCommand).rejects(awsError("ImageNotFoundException")),
      { concerns: ["app"], imageTag: "1.4.2" },
      {},
      /image tag "1\.4\.2" is not in ECR repository marketing-agents-dev: push it first/,
    ],
    [
      "an API-keys secret without a value",
      (m) => m.secrets.on(GetSecretValueCommand).rejects(awsError("ResourceNotFoundException")),
      { concerns: ["app"] },
      {},
      /secret marketing-agents\/dev\/api-keys has no value yet .*aws secretsmanager put-secret-value --secret-id marketing-agents\/dev\/api-keys/,
    ],
    [
      "an API-keys secret missing keys (or holding empty ones)",
      (m) =>
        m.secrets
          .on(GetSecretValueCommand)
          .resolves({ SecretString: JSON.stringify({ OPENAI_API_KEY: "sk-live-123", ANTHROPIC_API_KEY: " " }) }),
      { concerns: ["app"] },
      {},
      /secret marketing-agents\/dev\/api-keys lacks ANTHROPIC_API_KEY, TAVILY_API_KEY/,
    ],
    [
      "a cluster that does not exist when the cluster stack is not selected",
      (m) => m.eks.on(DescribeClusterCommand).rejects(awsError("ResourceNotFoundException")),
      { concerns: ["platform"] },
      {},
      /EKS cluster marketing-agents-dev does not exist: deploy the cluster first: npm run deploy -- dev cluster --apply$/,
    ],
    [
      "a public cluster endpoint this machine cannot reach",
      () => undefined,
      { concerns: ["platform"] },
      { canConnect: async () => false },
      /cluster API abc\.gr7\.us-east-1\.eks\.amazonaws\.com did not answer on 443 within 5 s: run from the in-VPC runner .*codebuild-marketing-agents-dev-runner\), or add your CIDR to cluster\.endpointPublicAccessCidrs in config\/dev\.ts$/,
    ],
    [
      "an add-on version EKS does not offer for the cluster's Kubernetes version",
      (m) =>
        m.eks
          .on(DescribeAddonVersionsCommand, { addonName: "coredns" })
          .resolves({ addons: [{ addonVersions: [{ addonVersion: "v1.13.2-eksbuild.3" }] }] }),
      { concerns: ["cluster"] },
      {},
      /^preflight: environment "dev": setting cluster\.addonVersions\.coredns: EKS offers no coredns v1\.13\.1-eksbuild\.1 for Kubernetes 1\.35 \(newest: v1\.13\.2-eksbuild\.3\): pick one from npm run eks-versions -- dev$/,
    ],
    [
      "a node AMI release AWS never published",
      (m) => m.ec2.on(DescribeAmisCommand).resolves({ Images: [] }),
      { concerns: ["cluster"] },
      {},
      /^preflight: environment "dev": setting cluster\.nodeAmiReleaseVersion: no EKS AMI amazon-eks-node-al2023-x86_64-standard-1\.35-v20251209 is published in us-east-1: pick one from npm run eks-versions -- dev$/,
    ],
    [
      "an expired GitHub Container Registry token (the charts' ghcr.io rule fails validation)",
      (m) =>
        m.ecr.on(ValidatePullThroughCacheRuleCommand, { ecrRepositoryPrefix: "dev-ghcr" }).resolves({
          ecrRepositoryPrefix: "dev-ghcr",
          isValid: false,
          failure: "Unable to authenticate with the upstream registry.\nCheck the credential.",
        }),
      { concerns: ["platform"] },
      {},
      /^preflight: environment "dev": pull-through cache rule dev-ghcr cannot pull from ghcr\.io \(ECR: Unable to authenticate with the upstream registry\. Check the credential\.\), so the platform's charts from there would fail to download: update secret ecr-pullthroughcache\/marketing-agents-dev\/ghcr with a valid token: aws secretsmanager put-secret-value --secret-id ecr-pullthroughcache\/marketing-agents-dev\/ghcr --secret-string '\{"username":"\.\.\.","accessToken":"\.\.\."\}'$/,
    ],
    [
      "a chart rule that does not exist when the cluster stack is not selected",
      (m) =>
        m.ecr
          .on(ValidatePullThroughCacheRuleCommand)
          .rejects(awsError("PullThroughCacheRuleNotFoundException", "The pull through cache rule does not exist")),
      { concerns: ["platform"] },
      {},
      /^preflight: environment "dev": pull-through cache rule dev-docker-hub does not exist, and the platform's charts come through it: deploy the cluster first: npm run deploy -- dev cluster --apply$/,
    ],
    [
      "an AWS error no check expects",
      (m) => m.s3.on(HeadBucketCommand).rejects(awsError("AccessDenied", "Access Denied")),
      {},
      {},
      /^preflight: could not check that the state bucket exists \(AccessDenied: Access Denied\)$/,
    ],
  ];

  it.each(failures)(
    "fails on %s with one line saying what to do",
    async (_name, arrange, overrides, probes, expected) => {
      arrange(aws);
      const message = await failureOf(target(overrides), { ...reachableProbes, ...probes });
      expect(message).toMatch(expected);
      expect(message).not.toContain("\n");
    },
  );

  describe("the committed placeholder GitHub ids (config/placeholders.ts)", () => {
    it.each([devAsCommitted, prodAsCommitted])(
      "$name: refuses to apply the cluster stack, before any AWS call, with one line naming the setting",
      async (config) => {
        const message = await failureOf(target({ concerns: ["network", "cluster"] }, config));
        expect(message).toBe(
          `preflight: environment "${config.name}": setting ci.runner.actorAccountIds holds the placeholder GitHub ids ${PLACEHOLDER_RUNNER_ACTOR_IDS.join(", ")}, so the in-VPC runner would start for none of your team (and for whoever owns those ids): replace them in config/${config.name}.ts with the GitHub account ids of the people who merge to main or start rollouts and of the rollout app's bot user (gh api users/<login> --jq .id) (docs/runbook.md, "First deploy of a new environment")`,
        );
        expect(Object.values(aws).map((m) => m.calls().length)).toEqual(Object.values(aws).map(() => 0));
      },
    );
    it("names only the placeholders left when some were replaced", async () => {
      const config = {
        ...dev,
        ci: { ...dev.ci, runner: { ...dev.ci.runner, actorAccountIds: [5550101, PLACEHOLDER_RUNNER_ACTOR_IDS[1]] } },
      };
      expect(await failureOf(target({ concerns: ["cluster"] }, config))).toMatch(
        new RegExp(`holds the placeholder GitHub ids ${PLACEHOLDER_RUNNER_ACTOR_IDS[1]}, so`),
      );
    });
    it("refuses to apply the repository's GitHub settings while any environment's reviewers are placeholders", async () => {
      const [first] = loadEnvironments();
      const message = await failureOf(target({ concerns: ["github"] }, prod));
      expect(message).toBe(
        `preflight: environment "${first.name}": setting ci.reviewers.teamIds holds the placeholder GitHub ids ${PLACEHOLDER_REVIEWER_TEAM_IDS.join(", ")}, so the GitHub environments would require a team that is not yours to approve deployments: replace them in config/${first.name}.ts with your platform team's id (gh api orgs/<org>/teams/<slug> --jq .id) (docs/runbook.md, "First deploy of a new environment")`,
      );
    });
    it("lets stacks that do not use them, and plans, through", async () => {
      await runPreflight(target({ concerns: ["network", "data"] }, devAsCommitted), reachableProbes, () => undefined);
      await runPreflight(target({ mode: "plan" }, devAsCommitted), reachableProbes, () => undefined);
    });
  });

  it("never shows a secret value, even when it lists what is missing", async () => {
    aws.secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ OPENAI_API_KEY: "sk-live-123" }) });
    expect(await failureOf(target({ concerns: ["app"] }))).not.toContain("sk-live-123");
  });

  it("says a private production endpoint is reached only from the in-VPC runner", async () => {
    Object.values(aws).forEach((m) => m.restore());
    aws = healthyAws(prod.account.id);
    const message = await failureOf(target({ concerns: ["app"] }, prod), {
      ...reachableProbes,
      canConnect: async () => false,
    });
    expect(message).toMatch(
      /codebuild-marketing-agents-prod-runner\) \(its endpoint is private: cluster\.endpointPublicAccess is false\)$/,
    );
  });

  it("passes a first deploy from an empty account: no bucket, no cluster, no app yet", async () => {
    aws.s3.on(HeadBucketCommand).rejects(awsError("NotFound"));
    aws.eks.on(DescribeClusterCommand).rejects(awsError("ResourceNotFoundException"));
    const facts = await runPreflight(
      target({ concerns: ["bootstrap", "network", "cluster", "data", "platform"] }),
      reachableProbes,
      () => undefined,
    );
    expect(facts).toEqual({
      stateBucketExists: false,
      bootstrapStateInBucket: false,
      deferred: true,
      imageTag: dev.app.imageTag,
    });
  });

  it("without --image-tag checks the image the environment runs (its parameter), not config's", async () => {
    const facts = await runPreflight(
      target({ concerns: ["app"], imageTag: undefined }),
      reachableProbes,
      () => undefined,
    );
    expect(facts.imageTag).toBe("1.0.0");
    expect(aws.ecr.commandCalls(DescribeImagesCommand)[0].args[0].input.imageIds).toEqual([{ imageTag: "1.0.0" }]);
  });

  it("lets the plan role plan the cluster stacks", async () => {
    aws.sts.on(GetCallerIdentityCommand).resolves({
      Account: "111111111111",
      Arn: "arn:aws:sts::111111111111:assumed-role/marketing-agents-dev-plan/ci",
    });
    await expect(runPreflight(target({ mode: "plan" }), reachableProbes, () => undefined)).resolves.toBeDefined();
  });

  it("checks every pinned add-on against the cluster's Kubernetes version, and the AMI by its release", async () => {
    await runPreflight(target({ concerns: ["cluster"] }), reachableProbes, () => undefined);
    const asked = aws.eks.commandCalls(DescribeAddonVersionsCommand).map((c) => c.args[0].input);
    expect(asked).toEqual(
      Object.keys(dev.cluster.addonVersions).map((addonName) => ({ addonName, kubernetesVersion: "1.35" })),
    );
    expect(aws.ec2.commandCalls(DescribeAmisCommand)[0].args[0].input).toEqual({
      Owners: ["amazon"],
      Filters: [{ Name: "name", Values: ["amazon-eks-node-al2023-x86_64-standard-1.35-v20251209"] }],
    });
  });

  describe("the operator access host's pinned AMI (prod, where the host is on)", () => {
    const access = prod.cluster.operatorAccess;
    const hostAmi = `al2023-ami-${access.amiRelease}-kernel-6.1-arm64`;
    const isHostAmi = (input: { Filters?: { Name?: string; Values?: string[] }[] }) =>
      input.Filters?.some((f) => f.Name === "name" && f.Values?.[0]?.startsWith("al2023-ami-")) ?? false;

    beforeEach(() => {
      Object.values(aws).forEach((m) => m.restore());
      aws = healthyAws(prod.account.id);
    });

    it("fails with one line naming the setting when AWS never published the release", async () => {
      aws.ec2
        .on(DescribeAmisCommand)
        .callsFake((input) => (isHostAmi(input) ? { Images: [] } : { Images: [{ ImageId: "ami-0123456789abcdef0" }] }));
      const message = await failureOf(target({ concerns: ["cluster"] }, prod));
      expect(message).toMatch(
        new RegExp(
          `^preflight: environment "prod": setting cluster\\.operatorAccess\\.amiRelease: no Amazon Linux 2023 AMI ${hostAmi.replace(/\./g, "\\.")} is published in us-east-1: pick a release that is`,
        ),
      );
      expect(message).not.toContain("\n");
    });

    it("asks for it exactly as the host's aws_ami data source does, deprecated images included", async () => {
      const lines: string[] = [];
      await runPreflight(target({ concerns: ["cluster"] }, prod), reachableProbes, (l) => lines.push(l));
      const asked = aws.ec2.commandCalls(DescribeAmisCommand).map((c) => c.args[0].input);
      expect(asked).toContainEqual({
        Owners: ["amazon"],
        IncludeDeprecated: true,
        Filters: [
          { Name: "name", Values: [hostAmi] },
          { Name: "architecture", Values: ["arm64"] },
        ],
      });
      const dataSource = Object.values(synthEnvironment("prod").json("cluster").data?.aws_ami ?? {});
      expect(dataSource).toEqual([
        expect.objectContaining({
          owners: ["amazon"],
          include_deprecated: true,
          filter: [
            { name: "name", values: [hostAmi] },
            { name: "architecture", values: ["arm64"] },
          ],
        }),
      ]);
      expect(lines.some((l) => l.endsWith(`operator host AMI ${hostAmi}`))).toBe(true);
    });

    it("does not ask where the host is off", async () => {
      Object.values(aws).forEach((m) => m.restore());
      aws = healthyAws(dev.account.id);
      await runPreflight(target({ concerns: ["cluster"] }), reachableProbes, () => undefined);
      expect(aws.ec2.commandCalls(DescribeAmisCommand).filter((c) => isHostAmi(c.args[0].input))).toEqual([]);
    });
  });

  describe("the pull-through cache rules the platform's charts come through", () => {
    const validated = () =>
      aws.ecr.commandCalls(ValidatePullThroughCacheRuleCommand).map((c) => c.args[0].input.ecrRepositoryPrefix);

    it("are validated, each once, when the platform stack is planned or applied", async () => {
      const lines: string[] = [];
      await runPreflight(target({ concerns: ["platform"], mode: "plan" }), reachableProbes, (l) => lines.push(l));
      // Docker Hub (Envoy Gateway) and GitHub Container Registry (most charts), each with its
      // credential; the registry.k8s.io and ECR Public rules serve images only, and the mirrored charts no rule.
      expect(validated()).toEqual(["dev-docker-hub", "dev-ghcr"]);
      expect(lines).toContain(
        "  ok    the charts' pull-through cache rules that hold a credential authenticate upstream: dev-docker-hub, dev-ghcr",
      );
    });

    it("leave out the rules of upstreams without a credential, which ECR does not validate (cert-manager's Quay)", async () => {
      // ValidatePullThroughCacheRule "Validates an existing pull through cache rule for an upstream
      // registry that requires authentication" (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ValidatePullThroughCacheRule.html).
      expect(CHART_SOURCES.some((s) => s.repository.startsWith("oci://quay.io/"))).toBe(true);
      expect(UPSTREAM_REGISTRIES.quay.credential).toBe(false);
      await runPreflight(target({ concerns: ["platform"], mode: "plan" }), reachableProbes, () => undefined);
      const upstreams = validated().map((prefix) => String(prefix).slice("dev-".length) as UpstreamName);
      expect(upstreams).not.toContain("quay");
      expect(upstreams.filter((u) => !UPSTREAM_REGISTRIES[u].credential)).toEqual([]);
    });

    it("are not asked about when the platform stack is not selected", async () => {
      await runPreflight(target({ concerns: ["network", "cluster", "data", "app"] }), reachableProbes, () => undefined);
      expect(validated()).toEqual([]);
    });

    it("say not yet, and are asked again later, when the selected cluster stack creates them", async () => {
      aws.ecr
        .on(ValidatePullThroughCacheRuleCommand)
        .rejects(awsError("PullThroughCacheRuleNotFoundException", "The pull through cache rule does not exist"));
      const facts = await runPreflight(target({ concerns: ["cluster", "platform"] }), reachableProbes, () => undefined);
      expect(facts.deferred).toBe(true);
    });

    it("stop at the first rule that fails, in the order of the upstreams, naming its secret in one line", async () => {
      aws.ecr.on(ValidatePullThroughCacheRuleCommand).callsFake((input: { ecrRepositoryPrefix: string }) => ({
        isValid: false,
        failure: `${input.ecrRepositoryPrefix} 401`,
      }));
      const message = await failureOf(target({ concerns: ["platform"] }));
      expect(message).toMatch(/^preflight: environment "dev": pull-through cache rule dev-docker-hub cannot pull/);
      expect(message).toContain("ecr-pullthroughcache/marketing-agents-dev/docker-hub");
      expect(message).not.toContain("\n");
    });
  });

  it("only reads: every AWS call it makes is a Get, Head, Describe or Validate", async () => {
    const lines: string[] = [];
    await runPreflight(target(), reachableProbes, (l) => lines.push(l));
    const commands = Object.values(aws).flatMap((m) => m.calls().map((c) => c.args[0].constructor.name));
    expect([...new Set(commands)].sort()).toEqual([
      "DescribeAddonVersionsCommand",
      "DescribeClusterCommand",
      "DescribeImagesCommand",
      "DescribeSecretCommand",
      "GetCallerIdentityCommand",
      "GetObjectCommand",
      "GetSecretValueCommand",
      "HeadBucketCommand",
      "HeadObjectCommand",
      "ValidatePullThroughCacheRuleCommand",
    ]);
    expect(lines.every((l) => l.startsWith("  ok    "))).toBe(true);
    expect(lines).toContain(
      `  ok    the image tag is in the environment's ECR repository: marketing-agents-dev:0.1.0 = ${IMAGE_DIGEST}`,
    );
    // Every check but "deployed dependencies" (the whole environment is selected), the
    // organization's placeholders (its guardrails are not) and the restore's source (none configured).
    expect(lines).toHaveLength(CHECKS.length - 3);
  });
});
