/**
 * Checks made before the deploy command changes anything. Each stops the run with one line that
 * says what is wrong and what to do; the first failure ends the preflight. Only reads: no check
 * writes to AWS or to state.
 */
import { DescribeImagesCommand as DescribeAmisCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  DescribeImagesCommand,
  ECRClient,
  ValidatePullThroughCacheRuleCommand,
  type ValidatePullThroughCacheRuleCommandOutput,
} from "@aws-sdk/client-ecr";
import { DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import { RDSClient } from "@aws-sdk/client-rds";
import { HeadBucketCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import {
  GITHUB_CONCERN,
  ORGANIZATION,
  ORGANIZATION_CONCERN,
  PLACEHOLDER_REVIEWER_TEAM_IDS,
  PLACEHOLDER_RUNNER_ACTOR_IDS,
  amiReleaseMinor,
  ciRoleName,
  clusterName,
  imageMirrorNames,
  imageRepositoryName,
  loadEnvironments,
  organizationPlaceholders,
  resourcePrefix,
  runnerProjectName,
  secretNames,
  stateBucketName,
  stateKey,
  type Concern,
  type EnvironmentConfig,
} from "../../config";
import { CHART_SOURCES } from "../../modules/addons/chart-sources";
import {
  CREDENTIALED_UPSTREAMS,
  ImageMirror,
  PULL_THROUGH_SECRET_PREFIX,
  UPSTREAM_NAMES,
  UPSTREAM_REGISTRIES,
  type UpstreamName,
} from "../../modules/image-mirror";
import { APP_API_KEYS } from "../../modules/kubernetes/app-external-secret";
import { amiName, architectureOf } from "../../modules/operator-access-host";
import { readAppliedState, type AppliedState } from "./applied-state";
import { DeployError } from "./deploy-error";
import { addonVersionsOffered, eksAmiName } from "./eks-versions";
import { awsErrorName, missingCredentials } from "./aws-errors";
import { runningImageTag } from "./image-record";
import { appLoginGeneration, dataLoginGeneration, generationRefusal } from "./login-generation";
import { checkRestoreSource, restoreApplied } from "./restore-source";

/** Oldest Terraform that can lock S3 state with a lock file (`use_lockfile`). */
export const MIN_TERRAFORM = [1, 10] as const;
/** How long the cluster API may take to accept a TCP connection. */
export const ENDPOINT_TIMEOUT_MS = 5000;

/** What is about to be deployed. */
export interface PreflightTarget {
  readonly config: EnvironmentConfig;
  /** Concerns of the selected stacks. */
  readonly concerns: readonly string[];
  /** Stacks the selection depends on but does not include: they must be deployed already. */
  readonly deployedDependencies: readonly string[];
  /** The image tag to roll out (--image-tag). @default - the one the environment runs (its parameter), else config's */
  readonly imageTag?: string;
  /** `plan` only reads; `apply` changes things. */
  readonly mode: "plan" | "apply";
}

/** Local probes, injectable for tests. */
export interface PreflightProbes {
  /** Version of `terraform` on PATH (e.g. "1.10.5"), or undefined when there is none. */
  terraformVersion(): Promise<string | undefined>;
  /** Whether a TCP connection to host:port opens within the timeout. */
  canConnect(host: string, port: number, timeoutMs: number): Promise<boolean>;
}

/** What preflight learned that the run needs. */
export interface PreflightFacts {
  /** The state bucket exists (false: bootstrap's first apply creates it). */
  readonly stateBucketExists: boolean;
  /** Bootstrap's own state is already in the bucket. */
  readonly bootstrapStateInBucket: boolean;
  /** The image tag the app stack will run. */
  readonly imageTag: string;
  /**
   * Some check could not be made because an earlier selected stack creates what it needs (the
   * bucket, the cluster): preflight must run again before the later waves.
   */
  readonly deferred: boolean;
}

interface Context {
  readonly target: PreflightTarget;
  readonly probes: PreflightProbes;
  readonly clients: ReturnType<typeof createClients>;
  callerArn?: string;
  stateBucketExists?: boolean;
  bootstrapStateInBucket?: boolean;
  deferred?: boolean;
  imageTag?: string;
  /** States read so far, by concern (undefined: never applied). */
  readonly states: Map<Concern, AppliedState | undefined>;
}

/** One client per service, in the environment's region. */
function createClients(region: string) {
  return {
    sts: new STSClient({ region }),
    s3: new S3Client({ region }),
    ecr: new ECRClient({ region }),
    secrets: new SecretsManagerClient({ region }),
    eks: new EKSClient({ region }),
    ec2: new EC2Client({ region }),
    rds: new RDSClient({ region }),
  };
}

interface Check {
  readonly name: string;
  /** False skips the check for this target. */
  applies(context: Context): boolean;
  /** Throws a DeployError when the check fails; may return a note shown after "ok". */
  run(context: Context): Promise<string | void>;
}

const has = (context: Context, ...concerns: Concern[]) => concerns.some((c) => context.target.concerns.includes(c));
const env = (context: Context) => `environment "${context.target.config.name}"`;
const deployHint = (context: Context, stacks: string) =>
  `npm run deploy -- ${context.target.config.name} ${stacks} --apply`;

/** A setting that holds GitHub ids, the committed placeholders for it, and the stack that uses it. */
interface GithubIdSetting {
  /** The setting's path in config/<env>.ts. */
  readonly setting: string;
  /** The stack whose deploy would go wrong with a placeholder. */
  readonly concern: string;
  readonly ids: (config: EnvironmentConfig) => readonly number[];
  /** The stack reads this setting of every environment (the repository's GitHub settings), not only its own. */
  readonly ofEveryEnvironment?: boolean;
  readonly placeholders: readonly number[];
  /** What a placeholder breaks, and what to put instead. */
  readonly consequence: string;
  readonly fix: string;
}

const GITHUB_ID_SETTINGS: readonly GithubIdSetting[] = [
  {
    setting: "ci.runner.actorAccountIds",
    concern: "cluster",
    ids: (config) => config.ci.runner.actorAccountIds,
    placeholders: PLACEHOLDER_RUNNER_ACTOR_IDS,
    consequence: "the in-VPC runner would start for none of your team (and for whoever owns those ids)",
    fix: "the GitHub account ids of the people who merge to main or start rollouts and of the rollout app's bot user (gh api users/<login> --jq .id)",
  },
  {
    setting: "ci.reviewers.teamIds",
    concern: GITHUB_CONCERN,
    ids: (config) => config.ci.reviewers.teamIds,
    ofEveryEnvironment: true,
    placeholders: PLACEHOLDER_REVIEWER_TEAM_IDS,
    consequence: "the GitHub environments would require a team that is not yours to approve deployments",
    fix: "your platform team's id (gh api orgs/<org>/teams/<slug> --jq .id)",
  },
];

/**
 * Before anything else, and without AWS: an apply never puts a committed placeholder id into an
 * account (a plan may show them: it changes nothing that uses them).
 */
const noPlaceholderGithubIds: Check = {
  name: "config names your GitHub ids, not the committed placeholders",
  applies: (context) =>
    context.target.mode === "apply" && GITHUB_ID_SETTINGS.some((s) => context.target.concerns.includes(s.concern)),
  async run(context) {
    const checked: string[] = [];
    for (const s of GITHUB_ID_SETTINGS.filter((s) => context.target.concerns.includes(s.concern))) {
      for (const config of s.ofEveryEnvironment ? loadEnvironments() : [context.target.config]) {
        const found = s.ids(config).filter((id) => s.placeholders.includes(id));
        if (found.length > 0) {
          throw new DeployError(
            `environment "${config.name}": setting ${s.setting} holds the placeholder GitHub ids ${found.join(", ")}, so ${s.consequence}: replace them in config/${config.name}.ts with ${s.fix} (docs/runbook.md, "First deploy of a new environment")`,
          );
        }
      }
      checked.push(s.setting);
    }
    return checked.join(", ");
  },
};

/**
 * Without AWS, like the GitHub ids: the organization guardrails never go out with the committed
 * placeholders of config/organization.ts (Terraform would stop at the policy's precondition anyway,
 * after assuming a role in someone else's account).
 */
const noPlaceholderOrganization: Check = {
  name: "config names your organization, not the committed placeholders",
  applies: (context) => context.target.mode === "apply" && context.target.concerns.includes(ORGANIZATION_CONCERN),
  async run() {
    const found = organizationPlaceholders(ORGANIZATION);
    if (found.length > 0) {
      throw new DeployError(
        `organization (config/organization.ts): ${found.join(" and ")} ${found.length === 1 ? "is" : "are"} the committed placeholder, so the guardrails would go to an organization that is not yours: put your organization's id and policy administrator account (docs/organization-guardrails.md)`,
      );
    }
    return ORGANIZATION.id;
  },
};

const callerAccount: Check = {
  name: "AWS credentials are for the environment's account",
  applies: () => true,
  async run(context) {
    const expected = context.target.config.account.id;
    try {
      const identity = await context.clients.sts.send(new GetCallerIdentityCommand({}));
      context.callerArn = identity.Arn;
      if (identity.Account !== expected) {
        throw new DeployError(
          `${env(context)} lives in account ${expected}, but your AWS credentials are for account ${identity.Account} (${identity.Arn}): switch profile (AWS_PROFILE) or sign in to ${expected}`,
        );
      }
      return identity.Arn;
    } catch (error) {
      if (error instanceof DeployError) throw error;
      if (missingCredentials(error)) {
        throw new DeployError(
          `${env(context)}: no usable AWS credentials (${awsErrorName(error)}): sign in to account ${expected} (aws sso login, or set AWS_PROFILE) and run again`,
        );
      }
      throw error;
    }
  },
};

const terraformOnPath: Check = {
  name: `terraform >= ${MIN_TERRAFORM.join(".")} on PATH`,
  applies: () => true,
  async run(context) {
    const version = await context.probes.terraformVersion();
    if (!version) {
      throw new DeployError(
        `terraform is not on PATH: install Terraform >= ${MIN_TERRAFORM.join(".")} (S3 state locking with lock files needs it)`,
      );
    }
    const [major, minor] = version.split(".").map(Number);
    if (major < MIN_TERRAFORM[0] || (major === MIN_TERRAFORM[0] && minor < MIN_TERRAFORM[1])) {
      throw new DeployError(
        `terraform ${version} is too old: install Terraform >= ${MIN_TERRAFORM.join(".")} (S3 state locking with lock files needs it)`,
      );
    }
    return version;
  },
};

const stateBucket: Check = {
  name: "the state bucket exists",
  applies: () => true,
  async run(context) {
    const { config } = context.target;
    const bucket = stateBucketName(config);
    context.stateBucketExists = await exists(() => context.clients.s3.send(new HeadBucketCommand({ Bucket: bucket })));
    if (!context.stateBucketExists) {
      if (has(context, "bootstrap")) {
        context.deferred = true;
        return `${bucket} not yet: bootstrap creates it, then moves its own state into it`;
      }
      throw new DeployError(
        `${env(context)}: state bucket ${bucket} does not exist: deploy bootstrap first: ${deployHint(context, "bootstrap")}`,
      );
    }
    context.bootstrapStateInBucket = await stateExists(context, "bootstrap");
    return bucket;
  },
};

const dependenciesDeployed: Check = {
  name: "the stacks this selection reads from are deployed",
  applies: (context) => context.target.deployedDependencies.length > 0,
  async run(context) {
    const { config } = context.target;
    for (const stack of context.target.deployedDependencies) {
      const concern = stack.slice(config.name.length + 1) as Concern;
      const deployed = context.stateBucketExists === true && (await stateExists(context, concern));
      if (!deployed) {
        throw new DeployError(
          `${env(context)}: ${stack} has never been applied (no ${stateKey(config, concern)} in ${stateBucketName(config)}), and the selected stacks read from it: deploy it first: ${deployHint(context, concern)}`,
        );
      }
    }
    return context.target.deployedDependencies.join(", ");
  },
};

/**
 * Before any terraform: the app login's generation may stay or move by one (docs/day-2.md, "On a
 * credential rotation"); a jump by two, two pending rotations merged or one commit adding two,
 * would set a new password on the login the pods use. Read from the data and app stacks' states.
 */
const loginGenerationStep: Check = {
  name: "database.appLoginGeneration moves by one rotation at most",
  applies: (context) => has(context, "data", "app"),
  async run(context) {
    const { config } = context.target;
    const wanted = config.database.appLoginGeneration;
    if (!context.stateBucketExists) return `${wanted} (no state yet: a first deploy)`;
    const applied = {
      data: dataLoginGeneration(await appliedState(context, "data")),
      app: appLoginGeneration(await appliedState(context, "app")),
    };
    const refusal = generationRefusal(config, applied);
    if (refusal) throw new DeployError(refusal);
    const running = applied.app ?? applied.data;
    if (running === undefined) return `${wanted} (none applied yet)`;
    return wanted === running ? `${wanted}, as applied` : `${running} -> ${wanted}: a rotation`;
  },
};

/**
 * A restore replaces the instance, the old one deleted first: its source must exist before that.
 * Only while the restore is to be applied (the data stack's instance did not come from it yet).
 */
const restoreSourceExists: Check = {
  name: "the source of database.restore exists",
  applies: (context) => has(context, "data") && context.target.config.database.restore !== null,
  async run(context) {
    const restore = context.target.config.database.restore;
    if (restore === null) return;
    const state = context.stateBucketExists ? await appliedState(context, "data") : undefined;
    if (restoreApplied(state, restore)) {
      return `${context.target.config.name}-data's instance came from it already (not asked again)`;
    }
    return checkRestoreSource(context.clients.rds, context.target.config, state);
  },
};

const clusterAdmin: Check = {
  name: "you may manage the cluster",
  // The Kubernetes and Helm providers of platform and app are the stacks that talk to the cluster.
  applies: (context) => has(context, "platform", "app"),
  async run(context) {
    const { config, mode } = context.target;
    const role = assumedRoleName(context.callerArn ?? "");
    const allowed = [
      ...config.cluster.adminRoleArns.map((arn) => arn.split("/").pop() as string),
      ciRoleName(config, "deploy"),
      ...(mode === "plan" ? [ciRoleName(config, "plan")] : []),
    ];
    if (role && allowed.includes(role)) return role;
    throw new DeployError(
      `${env(context)}: ${context.callerArn} has no EKS access entry, so the platform and app stacks would get Unauthorized: assume one of cluster.adminRoleArns (${config.cluster.adminRoleArns.join(", ") || "none configured"}) or the ${ciRoleName(config, "deploy")} role`,
    );
  },
};

const imageToRun: Check = {
  name: "the image tag to run is known",
  applies: (context) => has(context, "app"),
  async run(context) {
    const { config, imageTag } = context.target;
    if (imageTag) {
      context.imageTag = imageTag;
      return `${imageTag} (--image-tag: a rollout)`;
    }
    const running = await runningImageTag(config);
    context.imageTag = running ?? config.app.imageTag;
    return running ? `${running} (what the environment runs)` : `${context.imageTag} (config: no rollout recorded yet)`;
  },
};

const imagePushed: Check = {
  name: "the image tag is in the environment's ECR repository",
  applies: (context) => has(context, "app"),
  async run(context) {
    const { config } = context.target;
    const imageTag = context.imageTag ?? config.app.imageTag;
    const repositoryName = imageRepositoryName(config);
    try {
      const found = await context.clients.ecr.send(
        new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag }] }),
      );
      // The digest goes into the log and the job summary: the record of which image runs where.
      return `${repositoryName}:${imageTag} = ${found.imageDetails?.[0]?.imageDigest ?? "unknown digest"}`;
    } catch (error) {
      const name = awsErrorName(error);
      if (name === "RepositoryNotFoundException") {
        throw new DeployError(
          `${env(context)}: ECR repository ${repositoryName} does not exist yet, so the app has no image: deploy the other stacks first (${deployHint(context, "bootstrap network cluster data platform")}), push the image, set the API keys, then deploy app`,
        );
      }
      if (name === "ImageNotFoundException") {
        throw new DeployError(
          `${env(context)}: image tag "${imageTag}" is not in ECR repository ${repositoryName}: push it first (the app-image workflow does), or pass --image-tag with a pushed tag`,
        );
      }
      throw error;
    }
  },
};

const apiKeysSet: Check = {
  name: "the API-keys secret holds every key the app reads",
  applies: (context) => has(context, "app"),
  async run(context) {
    const secretId = secretNames(context.target.config).apiKeys;
    const setIt = `aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string '{${APP_API_KEYS.map((k) => `"${k}":"..."`).join(",")}}'`;
    let text: string | undefined;
    try {
      text = (await context.clients.secrets.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
    } catch (error) {
      if (awsErrorName(error) !== "ResourceNotFoundException") throw error;
      throw new DeployError(
        `${env(context)}: secret ${secretId} has no value yet (or does not exist): set it: ${setIt}`,
      );
    }
    const missing = APP_API_KEYS.filter((key) => !nonEmptyKey(text, key));
    if (missing.length > 0) {
      throw new DeployError(
        `${env(context)}: secret ${secretId} lacks ${missing.join(", ")} (the app reads ${APP_API_KEYS.join(", ")}): set them: ${setIt}`,
      );
    }
    return `${APP_API_KEYS.length} keys set (values not shown)`;
  },
};

/**
 * The cluster stack's pull-through cache rules: ECR reads each credential when it creates the rule,
 * so the network stack's empty secrets must hold a value first. Asked with DescribeSecret (whether
 * a current version exists), never by reading the value.
 */
const registryCredentialsSet: Check = {
  name: "the registry credentials of the pull-through cache have a value",
  applies: (context) => has(context, "cluster") && context.target.mode === "apply",
  async run(context) {
    const { config } = context.target;
    const missing: string[] = [];
    for (const upstream of CREDENTIALED_UPSTREAMS) {
      const secretId = pullThroughSecretId(config, upstream);
      try {
        const secret = await context.clients.secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
        const stages = Object.values(secret.VersionIdsToStages ?? {}).flat();
        if (!stages.includes("AWSCURRENT")) missing.push(secretId);
      } catch (error) {
        if (awsErrorName(error) !== "ResourceNotFoundException") throw error;
        if (has(context, "network")) {
          context.deferred = true;
          return "not yet: the network stack creates the secrets first; checked again before the cluster";
        }
        throw new DeployError(
          `${env(context)}: secret ${secretId} does not exist: deploy the network stack first (${deployHint(context, "network")})`,
        );
      }
    }
    if (missing.length > 0) {
      const setIt = missing.map(
        (id) =>
          `aws secretsmanager put-secret-value --secret-id ${id} --secret-string '{"username":"...","accessToken":"..."}'`,
      );
      throw new DeployError(
        `${env(context)}: ${missing.join(" and ")} ${missing.length === 1 ? "has" : "have"} no value yet, and ECR reads ${missing.length === 1 ? "it" : "them"} when the cluster stack creates its pull-through cache rules: set ${missing.length === 1 ? "it" : "them"} (docs/runbook.md, first deploy): ${setIt.join("; ")}`,
      );
    }
    return `${CREDENTIALED_UPSTREAMS.length} set (values not read)`;
  },
};

/** The secret an upstream's pull-through cache rule reads its credential from (the network stack's). */
function pullThroughSecretId(config: EnvironmentConfig, upstream: UpstreamName): string {
  return `${PULL_THROUGH_SECRET_PREFIX}${resourcePrefix(config)}/${upstream}`;
}

/**
 * The upstreams whose cache rules the platform's charts come through, derived from the pinned
 * chart sources as the releases pull them (ImageMirror.chartLocation): the mirrored charts need no rule.
 */
function chartUpstreams(mirror: ImageMirror): UpstreamName[] {
  const upstreams = CHART_SOURCES.map((s) => mirror.chartLocation(s)).flatMap((l) =>
    l.kind === "cached" ? [l.upstream] : [],
  );
  return UPSTREAM_NAMES.filter((upstream) => upstreams.includes(upstream));
}

/**
 * The Helm provider pulls every chart while it plans; through a rule whose credential expired or
 * was revoked the plan fails with an opaque registry error. ECR's ValidatePullThroughCacheRule
 * "Validates an existing pull through cache rule for an upstream registry that requires
 * authentication": ECR reaches the upstream with the rule's credential and says whether it could
 * (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ValidatePullThroughCacheRule.html),
 * so a bad credential is named here, with the secret to update. A rule without a credential (Quay)
 * has nothing to validate and is not asked about.
 */
const chartCacheRulesValid: Check = {
  name: "the charts' pull-through cache rules that hold a credential authenticate upstream",
  applies: (context) => has(context, "platform"),
  async run(context) {
    const { config } = context.target;
    const mirror = new ImageMirror(imageMirrorNames(config));
    const upstreams = chartUpstreams(mirror).filter((upstream) => CREDENTIALED_UPSTREAMS.includes(upstream));
    const checked: string[] = [];
    for (const upstream of upstreams) {
      const prefix = mirror.prefix(upstream);
      let answer: ValidatePullThroughCacheRuleCommandOutput;
      try {
        answer = await context.clients.ecr.send(
          new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: prefix }),
        );
      } catch (error) {
        if (awsErrorName(error) !== "PullThroughCacheRuleNotFoundException") throw error;
        if (has(context, "cluster")) {
          context.deferred = true;
          return `${prefix} not yet: the cluster stack creates the rules first; checked again before the platform`;
        }
        throw new DeployError(
          `${env(context)}: pull-through cache rule ${prefix} does not exist, and the platform's charts come through it: deploy the cluster first: ${deployHint(context, "cluster")}`,
        );
      }
      if (answer.isValid !== true) {
        const { url } = UPSTREAM_REGISTRIES[upstream];
        const secretId = pullThroughSecretId(config, upstream);
        const reason = (answer.failure ?? "no reason given").replace(/\s+/g, " ").trim();
        throw new DeployError(
          `${env(context)}: pull-through cache rule ${prefix} cannot pull from ${url} (ECR: ${reason}), so the platform's charts from there would fail to download: update secret ${secretId} with a valid token: aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string '{"username":"...","accessToken":"..."}'`,
        );
      }
      checked.push(prefix);
    }
    return checked.length > 0 ? checked.join(", ") : "none: no chart comes through an upstream that needs one";
  },
};

const clusterReachable: Check = {
  name: "the cluster API is reachable from here",
  applies: (context) => has(context, "platform", "app"),
  async run(context) {
    const { config } = context.target;
    const name = clusterName(config);
    let endpoint: string | undefined;
    try {
      endpoint = (await context.clients.eks.send(new DescribeClusterCommand({ name }))).cluster?.endpoint;
    } catch (error) {
      if (awsErrorName(error) !== "ResourceNotFoundException") throw error;
      if (has(context, "cluster")) {
        context.deferred = true;
        return `${name} not yet: the cluster stack creates it first; checked again before the next waves`;
      }
      throw new DeployError(
        `${env(context)}: EKS cluster ${name} does not exist: deploy the cluster first: ${deployHint(context, "cluster")}`,
      );
    }
    const host = new URL(endpoint ?? "https://unknown").hostname;
    if (await context.probes.canConnect(host, 443, ENDPOINT_TIMEOUT_MS)) return host;
    const widen = config.cluster.endpointPublicAccess
      ? `, or add your CIDR to cluster.endpointPublicAccessCidrs in config/${config.name}.ts`
      : " (its endpoint is private: cluster.endpointPublicAccess is false)";
    throw new DeployError(
      `${env(context)}: cluster API ${host} did not answer on 443 within ${ENDPOINT_TIMEOUT_MS / 1000} s: run from the in-VPC runner (the infra workflow's deploy job on codebuild-${runnerProjectName(config)})${widen}`,
    );
  },
};

const pinnedVersionsOffered: Check = {
  name: "the pinned add-on versions and node AMI release exist for the cluster's Kubernetes version, as does the operator host's AMI",
  applies: (context) => has(context, "cluster"),
  async run(context) {
    const { cluster } = context.target.config;
    const fix = `pick one from npm run eks-versions -- ${context.target.config.name}`;
    for (const [addonName, version] of Object.entries(cluster.addonVersions)) {
      const offered = await addonVersionsOffered(context.clients.eks, addonName, cluster.kubernetesVersion);
      if (!offered.includes(version)) {
        throw new DeployError(
          `${env(context)}: setting cluster.addonVersions.${addonName}: EKS offers no ${addonName} ${version} for Kubernetes ${cluster.kubernetesVersion} (newest: ${offered[0] ?? "none"}): ${fix}`,
        );
      }
    }
    // The nodes' own minor: the cluster's, or one below until they roll (config/versions.ts).
    const ami = eksAmiName(amiReleaseMinor(cluster.nodeAmiReleaseVersion), cluster.nodeAmiReleaseVersion);
    const images = await context.clients.ec2.send(
      new DescribeAmisCommand({ Owners: ["amazon"], Filters: [{ Name: "name", Values: [ami] }] }),
    );
    if ((images.Images ?? []).length === 0) {
      throw new DeployError(
        `${env(context)}: setting cluster.nodeAmiReleaseVersion: no EKS AMI ${ami} is published in ${context.target.config.account.region}: ${fix}`,
      );
    }
    const hostAmi = await operatorHostAmiPublished(context);
    return `${Object.keys(cluster.addonVersions).length} add-ons, AMI ${ami}${hostAmi ? `, operator host AMI ${hostAmi}` : ""}`;
  },
};

/**
 * The operator access host's Amazon Linux 2023 image, asked for exactly as its `aws_ami` data
 * source does (owner amazon, the exact name, the architecture, deprecated images included), so a
 * release that was never published stops here instead of failing the plan. Undefined when the
 * host is off.
 */
async function operatorHostAmiPublished(context: Context): Promise<string | undefined> {
  const { config } = context.target;
  const access = config.cluster.operatorAccess;
  if (!access.enabled) return undefined;
  const architecture = architectureOf(access.instanceType);
  const name = amiName(access.amiRelease, architecture);
  const images = await context.clients.ec2.send(
    new DescribeAmisCommand({
      Owners: ["amazon"],
      IncludeDeprecated: true,
      Filters: [
        { Name: "name", Values: [name] },
        { Name: "architecture", Values: [architecture] },
      ],
    }),
  );
  if ((images.Images ?? []).length === 0) {
    throw new DeployError(
      `${env(context)}: setting cluster.operatorAccess.amiRelease: no Amazon Linux 2023 AMI ${name} is published in ${config.account.region}: pick a release that is (newest: aws ec2 describe-images --owners amazon --filters 'Name=name,Values=al2023-ami-2023.*-kernel-6.1-${architecture}' --query 'sort_by(Images,&CreationDate)[-1].Name')`,
    );
  }
  return name;
}

/** The checks, in the order they run. */
export const CHECKS: readonly Check[] = [
  noPlaceholderGithubIds,
  noPlaceholderOrganization,
  callerAccount,
  terraformOnPath,
  stateBucket,
  dependenciesDeployed,
  loginGenerationStep,
  restoreSourceExists,
  clusterAdmin,
  imageToRun,
  imagePushed,
  apiKeysSet,
  registryCredentialsSet,
  chartCacheRulesValid,
  pinnedVersionsOffered,
  clusterReachable,
];

/**
 * Runs every check that applies, in order; stops at the first failure with a DeployError whose
 * message starts with `preflight:`. Reports each passed check through `report`.
 */
export async function runPreflight(
  target: PreflightTarget,
  probes: PreflightProbes,
  report: (line: string) => void,
): Promise<PreflightFacts> {
  const context: Context = {
    target,
    probes,
    clients: createClients(target.config.account.region),
    states: new Map(),
  };
  for (const check of CHECKS) {
    if (!check.applies(context)) continue;
    try {
      const note = await check.run(context);
      report(`  ok    ${check.name}${note ? `: ${note}` : ""}`);
    } catch (error) {
      const reason = error instanceof DeployError ? error.message : unexpected(check, error);
      throw new DeployError(`preflight: ${reason}`);
    }
  }
  return {
    stateBucketExists: context.stateBucketExists ?? false,
    bootstrapStateInBucket: context.bootstrapStateInBucket ?? false,
    deferred: context.deferred ?? false,
    imageTag: context.imageTag ?? target.imageTag ?? target.config.app.imageTag,
  };
}

function unexpected(check: Check, error: unknown): string {
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return `could not check that ${check.name} (${awsErrorName(error)}: ${message})`;
}

/** True when the request succeeds, false on 404; other errors propagate. */
async function exists(request: () => Promise<unknown>): Promise<boolean> {
  try {
    await request();
    return true;
  } catch (error) {
    if (awsErrorName(error) === "NotFound" || awsErrorName(error) === "NoSuchKey") return false;
    throw error;
  }
}

function stateExists(context: Context, concern: Concern): Promise<boolean> {
  const { config } = context.target;
  return exists(() =>
    context.clients.s3.send(new HeadObjectCommand({ Bucket: stateBucketName(config), Key: stateKey(config, concern) })),
  );
}

/** A stack's state, read once per preflight. */
async function appliedState(context: Context, concern: Concern): Promise<AppliedState | undefined> {
  if (!context.states.has(concern)) {
    context.states.set(concern, await readAppliedState(context.clients.s3, context.target.config, concern));
  }
  return context.states.get(concern);
}

/** `arn:aws:sts::1:assumed-role/Name/session` -> `Name`; undefined for users and roots. */
function assumedRoleName(arn: string): string | undefined {
  const match = /:assumed-role\/([^/]+)\//.exec(arn);
  return match?.[1];
}

function nonEmptyKey(json: string | undefined, key: string): boolean {
  try {
    const value = (JSON.parse(json ?? "{}") as Record<string, unknown>)[key];
    return typeof value === "string" && value.trim().length > 0;
  } catch {
    return false;
  }
}

/** Whether bootstrap's state object is in the environment's bucket (after moving it there). */
export async function bootstrapStateInBucket(config: EnvironmentConfig): Promise<boolean> {
  const s3 = new S3Client({ region: config.account.region });
  return exists(() =>
    s3.send(new HeadObjectCommand({ Bucket: stateBucketName(config), Key: stateKey(config, "bootstrap") })),
  );
}
