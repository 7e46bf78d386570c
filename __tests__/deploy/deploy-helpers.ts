import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { App } from "cdktf";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeImagesCommand as DescribeAmisCommand, EC2Client } from "@aws-sdk/client-ec2";
import { DescribeImagesCommand, ECRClient, ValidatePullThroughCacheRuleCommand } from "@aws-sdk/client-ecr";
import { DescribeAddonVersionsCommand, DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import { RDSClient } from "@aws-sdk/client-rds";
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { ChartPin, HelmCharts, HelmReleaseChart } from "../../scripts/deploy/chart-mirror";
import { DeployError } from "../../scripts/deploy/deploy-error";
import type { HelmRegistryLogin } from "../../scripts/deploy/helm-registry-login";
import type { Terraform, TerraformRun } from "../../scripts/deploy/terraform";
import { LOCK_DIRECTORY, TERRAFORM_LOCK_FILE, lockFileOf, pinnedProviders } from "../../scripts/deploy/provider-locks";
import { loadStacks } from "../../scripts/deploy/stack-graph";
import { loadEnvironments, type EnvironmentConfig } from "../../config";
import { synthEnvironment } from "../helpers";
import { deployedAtGeneration } from "./applied-state-helpers";

/** The process environment with every AWS credential source switched off (no call can reach AWS). */
export function withoutAwsCredentials(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_CONFIG_FILE: "/nonexistent",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"])
    delete env[name];
  return env;
}

/**
 * An environment as a team deploys it: its own GitHub ids in place of the committed placeholders
 * (which preflight refuses for an apply, config/placeholders.ts).
 */
export function withOwnGithubIds(config: EnvironmentConfig): EnvironmentConfig {
  return { ...config, ci: { ...config.ci, runner: { ...config.ci.runner, actorAccountIds: [5550101, 5550102] } } };
}

/** A fresh copy of an environment's real synth output (the deploy command writes into it). */
export function synthOutputCopy(environment: string): string {
  const app = synthEnvironment(environment).stacks.app.node.root as App;
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-test-"));
  fs.cpSync(app.outdir, copy, { recursive: true });
  return copy;
}

/** The digest the mocked ECR reports for every tag. */
export const IMAGE_DIGEST = `sha256:${"ab".repeat(32)}`;

/** An AWS error as the SDK raises it. */
export function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

/** Mocks of every client preflight uses, answering as a healthy, fully deployed environment. */
export function healthyAws(account: string, role = "PlatformAdmin") {
  const mocks = {
    sts: mockClient(STSClient),
    s3: mockClient(S3Client),
    ecr: mockClient(ECRClient),
    secrets: mockClient(SecretsManagerClient),
    eks: mockClient(EKSClient),
    ssm: mockClient(SSMClient),
    ec2: mockClient(EC2Client),
    rds: mockClient(RDSClient),
  };
  mocks.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: "1.0.0" } });
  mocks.sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: account, Arn: `arn:aws:sts::${account}:assumed-role/${role}/alice` });
  mocks.s3.on(HeadBucketCommand).resolves({});
  mocks.s3.on(HeadObjectCommand).resolves({});
  // Each stack's state: the app's login at the committed generation (0 in every environment).
  mocks.s3.on(GetObjectCommand).callsFake(deployedAtGeneration(0));
  mocks.ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageTags: ["0.1.0"], imageDigest: IMAGE_DIGEST }] });
  // Every pull-through cache rule reaches its upstream with a valid credential.
  mocks.ecr.on(ValidatePullThroughCacheRuleCommand).callsFake((input: { ecrRepositoryPrefix: string }) => ({
    ecrRepositoryPrefix: input.ecrRepositoryPrefix,
    isValid: true,
  }));
  mocks.secrets.on(GetSecretValueCommand).resolves({
    SecretString: JSON.stringify({ OPENAI_API_KEY: "sk-a", ANTHROPIC_API_KEY: "sk-b", TAVILY_API_KEY: "tv-c" }),
  });
  // The pull-through cache's registry credentials have a current value (preflight never reads it).
  mocks.secrets.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { v1: ["AWSCURRENT"] } });
  mocks.eks
    .on(DescribeClusterCommand)
    .resolves({ cluster: { endpoint: "https://ABC.gr7.us-east-1.eks.amazonaws.com" } });
  // EKS offers exactly the versions config pins (the same in every environment), and a newer one.
  mocks.eks.on(DescribeAddonVersionsCommand).callsFake((input: { addonName: string }) => ({
    addons: [{ addonName: input.addonName, addonVersions: offeredAddonVersions(input.addonName) }],
  }));
  mocks.ec2.on(DescribeAmisCommand).resolves({ Images: [{ ImageId: "ami-0123456789abcdef0" }] });
  return mocks;
}

function offeredAddonVersions(addonName: string) {
  const [pinned] = loadEnvironments("dev").map((c) => (c.cluster.addonVersions as Record<string, string>)[addonName]);
  return [{ addonVersion: `${pinned.replace(/eksbuild\.\d+$/, "eksbuild.99")}` }, { addonVersion: pinned }];
}

/** Probes of a machine with a recent terraform that reaches the cluster. */
export const reachableProbes = {
  terraformVersion: async () => "1.10.5",
  canConnect: async () => true,
};

/** One terraform call as the fake saw it. */
export interface RecordedCall {
  readonly stack: string;
  readonly args: readonly string[];
  /** Whether a backend override file was present when it ran. */
  readonly localBackend: boolean;
  /** The dependency lock file in the working directory when it ran, if any. */
  readonly lockFile?: string;
  /** The variables the run added to terraform's environment (a registry login's HELM_CONFIG_HOME). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Lock files for every concern of a synth output, locking exactly the versions its stacks pin
 * (hashes are placeholders: only terraform checks them).
 */
export function writeMatchingLocks(outdir: string, root: string, environment = "dev"): void {
  fs.mkdirSync(path.join(root, LOCK_DIRECTORY), { recursive: true });
  for (const stack of loadStacks(outdir, environment)) {
    const blocks = [...pinnedProviders(stack.directory)].map(
      ([address, version]) =>
        `provider "${address}" {\n  version     = "${version}"\n  constraints = "${version}"\n  hashes = []\n}\n`,
    );
    fs.writeFileSync(lockFileOf(root, stack.concern), blocks.join("\n"));
  }
}

/**
 * A terraform that records its calls and answers from a script: `plan` reports changes unless
 * told otherwise; `fail` makes one stack's command (by first argument) exit 1.
 */
export class FakeTerraform implements Terraform {
  readonly calls: RecordedCall[] = [];
  readonly events: string[] = [];
  constructor(
    private readonly script: {
      fail?: { stack: string; command: string };
      delayMs?: (stack: string) => number;
      /** What `terraform show -json` prints for a stack's saved plan. */
      planJson?: (stack: string) => unknown;
    } = {},
  ) {}

  async read(directory: string, args: readonly string[]): Promise<{ code: number; stdout: string }> {
    const stack = path.basename(directory);
    this.calls.push({ stack, args, localBackend: false });
    const plan = this.script.planJson?.(stack) ?? { resource_changes: [] };
    return { code: 0, stdout: JSON.stringify(plan) };
  }

  async run(
    directory: string,
    args: readonly string[],
    _logFile?: string,
    env?: Readonly<Record<string, string>>,
  ): Promise<TerraformRun> {
    const stack = path.basename(directory);
    const localBackend = fs.existsSync(path.join(directory, "backend_override.tf.json"));
    const lockPath = path.join(directory, TERRAFORM_LOCK_FILE);
    const lockFile = fs.existsSync(lockPath) ? fs.readFileSync(lockPath, "utf8") : undefined;
    this.calls.push({ stack, args, localBackend, lockFile, env });
    this.events.push(`start ${stack} ${args[0]}`);
    await new Promise((resolve) => setTimeout(resolve, this.script.delayMs?.(stack) ?? 0));
    this.events.push(`end ${stack} ${args[0]}`);
    if (this.script.fail?.stack === stack && this.script.fail.command === args[0]) {
      return { code: 1, tail: ["╷", "│ Error: creating RDS DB Instance: InvalidParameterCombination", "╵"] };
    }
    if (args[0] === "plan") return { code: 2, tail: [] };
    return { code: 0, tail: [] };
  }

  /** The stacks it ran a command on, in order of first call. */
  stacks(command?: string): string[] {
    return [...new Set(this.calls.filter((c) => !command || c.args[0] === command).map((c) => c.stack))];
  }
}

/** A pin the fake chart access holds for every chart version unless told otherwise. */
const FAKE_PIN: ChartPin = { digest: `sha256:${"cd".repeat(32)}`, of: "manifest" };

/**
 * Chart access that records what a deploy asks of it into an event list (a FakeTerraform's, so the
 * order against terraform shows): `mirror <env> <charts>`, `login <home>`, `cleanup <home>`. Like
 * the real one, it refuses a stack's charts when one has no pin.
 */
export class FakeHelmCharts implements HelmCharts {
  readonly mirrored: (readonly HelmReleaseChart[])[] = [];
  constructor(
    private readonly events: string[],
    /** The mirror fails with this message (a DeployError), or with this error. */
    private readonly mirrorFailure?: string | Error,
    /** The pinned digests. @default every chart version pinned */
    readonly pin: (chart: string, version: string) => ChartPin | undefined = () => FAKE_PIN,
  ) {}

  /** `mirror <env> <charts>` (the pin checks and mirror), then the login. */
  async prepare(config: EnvironmentConfig, releases: readonly HelmReleaseChart[], print: (line: string) => void) {
    this.mirrored.push(releases);
    this.events.push(`mirror ${config.name} ${releases.map((r) => r.chart).join(",")}`);
    if (this.mirrorFailure instanceof Error) throw this.mirrorFailure;
    if (this.mirrorFailure) throw new DeployError(this.mirrorFailure);
    const unpinned = releases.filter((r) => !this.pin(r.chart, r.version));
    if (unpinned.length > 0) {
      throw new DeployError(`charts ${config.name}: ${unpinned[0].chart}@${unpinned[0].version} has no pinned digest`);
    }
    print(`  charts ${config.name}: ${releases.length} release(s) checked`);
    return this.login(config);
  }

  async login(config: EnvironmentConfig): Promise<HelmRegistryLogin> {
    const home = `/tmp/fake-helm-${config.name}-${this.events.filter((e) => e.startsWith("login")).length}`;
    this.events.push(`login ${home}`);
    return { env: { HELM_CONFIG_HOME: home }, cleanup: () => this.events.push(`cleanup ${home}`) };
  }
}
