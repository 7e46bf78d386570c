/**
 * The shape of one environment's settings and the rules they must keep.
 * Every difference between dev, staging and prod is a field here; stacks only read it.
 */
// Named imports: `z` as a namespace object keeps all of zod (and its 64 locales) in the bundle.
import { array, boolean, discriminatedUnion, email, enum as oneOf, literal, number, object, record, string } from "zod";
import type { RefinementCtx, ZodObject, infer as Infer } from "zod";
import { DOCUMENTATION_CIDRS, cidrsOverlap, isCidr, isDocumentationRange, parseCidr } from "./cidr";
import { IAM_NAME_PREFIX_MAX, nodeRoleName } from "./naming";
import { OFFERS, OFFERED_REGIONS, isAwsRegion, isEc2InstanceType, offersIn, type RegionOffers } from "./aws-data";
import { MIN_WINDOW_MINUTES, dailyWindowMinutes, dailyWindowsMeet, weeklyWindowMinutes, windowsClash } from "./windows";
import {
  EKS_KUBERNETES_SUPPORT,
  KUBERNETES_MINOR_PINS,
  RDS_POSTGRES_SUPPORT,
  amiReleaseMinor,
  isSameOrOneMinorBelow,
  supportPhase,
} from "./versions";

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Account ids AWS documentation uses in examples: an ARN in one of them is a placeholder. */
export const DOCUMENTATION_ACCOUNT_IDS = ["123456789012", "111122223333", "444455556666", "777788889999"] as const;

/** CodeBuild compute types a GitHub Actions runner project may use (Linux containers). */
export const RUNNER_COMPUTE_TYPES = ["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"] as const;

/** AWS services an environment may reach through an interface endpoint (`network.interfaceEndpoints`). */
export const INTERFACE_ENDPOINT_SERVICES = [
  "ecr.api",
  "ecr.dkr",
  "sts",
  "secretsmanager",
  "logs",
  // Session Manager's agent channels: cluster.operatorAccess needs both (OPERATOR_ACCESS_ENDPOINTS).
  "ssm",
  "ssmmessages",
] as const;

/**
 * Interface endpoints the operator access host's SSM Agent registers and carries sessions through:
 * its security group sends nothing out of the VPC, so without them it never reaches Session Manager.
 */
export const OPERATOR_ACCESS_ENDPOINTS = ["ssm", "ssmmessages"] as const;

/** The EKS service CIDR the cluster uses (EKS default); the VPC must not overlap it. */
export const EKS_SERVICE_CIDR = "172.20.0.0/16";

/**
 * Seconds an AWS Network Load Balancer keeps an idle TCP flow (its default, which the gateway's
 * Service does not change): https://docs.aws.amazon.com/elasticloadbalancing/latest/network/update-idle-timeout.html
 */
export const NLB_TCP_IDLE_TIMEOUT_SECONDS = 350;

/**
 * Envoy's stream idle timeout (5 minutes; ClientTrafficPolicy `timeout.http.streamIdleTimeout`, which
 * the gateway leaves at its default): a response silent for longer is cut whatever the request
 * timeout says. https://www.envoyproxy.io/docs/envoy/latest/faq/configuration/timeouts
 */
export const ENVOY_STREAM_IDLE_TIMEOUT_SECONDS = 300;

const cidr = string().refine(isCidr, {
  message: "must be a canonical IPv4 CIDR such as 10.20.0.0/16 (no host bits set)",
});
const positiveInt = number().int().positive();
const days = number().int().min(1).max(3650);
const logRetentionDays = number().refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
  message: `must be one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(", ")}`,
});
const ec2InstanceType = string().regex(/^[a-z][a-z0-9-]*\.(nano|micro|small|medium|large|\d*xlarge|metal)$/, {
  message: "must be an EC2 instance type such as t3.medium or m7g.large",
});
const dbInstanceClass = string().regex(/^db\.[a-z][a-z0-9-]*\.(micro|small|medium|large|\d*xlarge)$/, {
  message: "must be an RDS instance class such as db.t3.micro or db.m7g.large",
});
const cacheNodeType = string().regex(/^cache\.[a-z][a-z0-9-]*\.(micro|small|medium|large|\d*xlarge)$/, {
  message: "must be an ElastiCache node type such as cache.t3.micro or cache.r7g.large",
});
const dailyWindow = string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, {
  message: 'must be a UTC window "hh:mm-hh:mm" such as 03:00-06:00',
});
const weeklyWindow = string().regex(
  /^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/i,
  {
    message: 'must be a UTC window "ddd:hh:mm-ddd:hh:mm" such as Mon:00:00-Mon:03:00',
  },
);
const hostname = string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
  message: "must be a lower-case DNS name such as marketing-agents.example.com",
});
const eksAddonVersion = string().regex(/^v\d+\.\d+\.\d+(-[a-z0-9.]+)?-eksbuild\.\d+$/, {
  message: 'must be an EKS add-on version such as "v1.19.0-eksbuild.1" (aws eks describe-addon-versions)',
});
const hostedZoneId = string().regex(/^Z[A-Z0-9]{1,31}$/, {
  message: 'must be a Route 53 hosted zone id such as "Z0123456789ABCDEFGHIJ"',
});
const githubRepository = string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, {
  message: 'must be "owner/name" of a GitHub repository',
});

/**
 * Where the database's data comes from when the data stack (re)creates the instance: RDS restores
 * it into the environment's own instance (same identifier and endpoint, every setting of the data
 * stack). Which one `from` names:
 * - "snapshot": a DB snapshot, by name or ARN (`snapshot_identifier`);
 * - "backup": an AWS Backup recovery point of the instance. For RDS that is a DB snapshot whose
 *   ARN is `arn:aws:rds:<region>:<account>:snapshot:awsbackup:job-<id>`, restored the same way
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceFromDBSnapshot.html:
 *   DBSnapshotIdentifier takes the snapshot's name or ARN);
 * - "point-in-time": the automated backups of an instance, by its DbiResourceId (they outlive the
 *   instance the restore replaces: the data stack keeps them, delete_automated_backups false), to
 *   `restoreTime` (UTC) or "latest".
 */
const restoreSchema = discriminatedUnion(
  "from",
  [
    object({
      from: literal("snapshot"),
      /** The snapshot's name (e.g. rds:marketing-agents-prod-2026-12-01-03-10) or ARN. */
      snapshotIdentifier: string().regex(/^(arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:snapshot:)?[a-z][a-z0-9:-]{0,254}$/i, {
        message: "must be a DB snapshot's name or ARN (aws rds describe-db-snapshots)",
      }),
    }).strict(),
    object({
      from: literal("backup"),
      /** The recovery point's ARN, as AWS Backup lists it for an RDS instance. */
      recoveryPointArn: string().regex(/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:snapshot:awsbackup:[a-z0-9-]+$/i, {
        message:
          "must be an RDS recovery point's ARN, arn:aws:rds:<region>:<account>:snapshot:awsbackup:job-<id> (aws backup list-recovery-points-by-backup-vault)",
      }),
    }).strict(),
    object({
      from: literal("point-in-time"),
      /** DbiResourceId of the instance whose automated backups are replayed (aws rds describe-db-instance-automated-backups). */
      sourceDbiResourceId: string().regex(/^db-[A-Z0-9]{10,40}$/, {
        message: 'must be a DbiResourceId such as "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ" (not the instance identifier)',
      }),
      /** The UTC time to restore to, as RDS writes it (2026-12-01T03:15:00Z), or "latest". */
      restoreTime: string().regex(/^(latest|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)$/, {
        message: 'must be a UTC time such as "2026-12-01T03:15:00Z", or "latest"',
      }),
    }).strict(),
  ],
  { error: 'must say where the data comes from: from "snapshot", "backup" or "point-in-time" (or null)' },
);

/** An immutable Docker image tag (a version or git sha), never `latest`. */
export const imageTagSchema = string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { message: "must be a Docker tag" })
  .refine((t) => t !== "latest", { message: 'must be an immutable tag (a version or git sha), not "latest"' });

/** One EKS managed node group. */
const nodeGroupSchema = object({
  /** EC2 instance types, most preferred first (several help SPOT find capacity). */
  instanceTypes: array(ec2InstanceType).min(1),
  /** SPOT (cheap, can be reclaimed with 2 minutes notice) or ON_DEMAND. */
  capacityType: oneOf(["SPOT", "ON_DEMAND"]),
  /** Fewest nodes the autoscaler keeps. */
  minSize: number().int().min(0),
  /** Most nodes the autoscaler may add. */
  maxSize: number().int().min(1),
  /** Nodes at creation; the cluster autoscaler owns it afterwards. */
  desiredSize: number().int().min(0),
  /** Root volume size of each node (GiB). */
  diskSizeGib: number().int().min(20).max(16384),
})
  .strict()
  .superRefine((group, ctx) => {
    if (group.minSize > group.desiredSize || group.desiredSize > group.maxSize) {
      ctx.addIssue({
        code: "custom",
        path: ["desiredSize"],
        message: `must satisfy minSize <= desiredSize <= maxSize (got ${group.minSize} <= ${group.desiredSize} <= ${group.maxSize})`,
      });
    }
  });

export const environmentSchema = object({
  /** Short environment name: stack ids, resource names and state keys start with it. */
  name: string().regex(/^[a-z][a-z0-9]{1,11}$/, { message: "must be 2-12 lower-case letters or digits" }),
  /** How safe the environment must be: `production` turns on the protection rules below. */
  stage: oneOf(["development", "staging", "production"]),
  /** The AWS account and region the environment lives in. */
  account: object({
    /** 12-digit AWS account id (placeholders until the accounts exist). */
    id: string().regex(/^\d{12}$/, { message: "must be a 12-digit AWS account id" }),
    /** AWS region, e.g. us-east-1. */
    region: string()
      .refine(isAwsRegion, { message: "must be an AWS region (from the AWS SDK's partition data) such as us-east-1" })
      .refine((r) => !isAwsRegion(r) || offersIn(r) !== undefined, {
        message: `must be a region of config/aws/offers.json (as of ${OFFERS.as_of}; it has ${OFFERED_REGIONS.join(", ")}): add the region's zones and prices there to use it`,
      }),
    /**
     * The other environments that live in this same account, each listing this one back
     * (config/index.ts checks both sides); empty: the account is this environment's alone, which
     * config requires of any two environments that do not declare it. In a shared account one
     * environment creates the GitHub OIDC provider (`ci.createGithubOidcProvider`), and each
     * budget counts only its environment's `Environment` tag (docs/environments.md).
     */
    sharedWith: array(string().regex(/^[a-z][a-z0-9]{1,11}$/, { message: "must be the name of another environment" })),
  }).strict(),
  /** Cost-allocation tags added to every AWS resource through the provider's default tags. */
  tags: object({ owner: string().min(1), costCenter: string().min(1) }).strict(),
  /** The Terraform state bucket of this environment (bootstrap stack). */
  state: object({
    /** Old versions of state objects are deleted after this many days. */
    noncurrentVersionExpirationDays: days,
    /**
     * Record every read and write of the state objects (S3 data events) in a CloudTrail trail, into
     * an audit bucket: who read the state, which holds every secret the stacks manage.
     */
    dataEventTrail: boolean(),
    /**
     * Names (with their path, if any) of the people's roles, in the environment's account, that apply
     * the bootstrap stack (usually the role of `cluster.adminRoleArns`): only they, and the account's
     * root user, may change the state key's or buckets' policies, disable or delete the key, delete
     * the buckets or old state versions, or stop the trail. CI cannot, whatever its policies say.
     * Names, not ARNs: the key policy delegates to this account's IAM only, so a role of another
     * account could never manage the key. Apply bootstrap with one of them.
     */
    adminRoleNames: array(
      string().regex(/^[\w+=,.@-]+(\/[\w+=,.@-]+)*$/, {
        message: 'must be an IAM role name, with its path if any (e.g. "PlatformAdmin"), not an ARN',
      }),
    ).min(1, { message: "must list at least one role: nobody but the account root could manage the state key" }),
  }).strict(),
  network: object({
    /** The VPC's IPv4 block, /16 to /18; subnets are carved from it. */
    vpcCidr: cidr,
    /** Availability zones, in order; one public, private and database subnet each. */
    availabilityZones: array(string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/))
      .min(2)
      .max(3),
    /** `single` NAT gateway (cheap, one AZ failure cuts egress) or `one-per-az` (resilient). */
    natGateways: oneOf(["single", "one-per-az"]),
    /** Retention of the VPC flow logs in CloudWatch (days). */
    flowLogRetentionDays: logRetentionDays,
    /**
     * Seconds over which a flow's packets are aggregated into one record: 60 or 600 (VPC Flow
     * Logs' two choices). 600 writes fewer records for long flows, so less CloudWatch ingestion.
     */
    flowLogAggregationSeconds: number().refine((n) => n === 60 || n === 600, {
      message: "must be 60 or 600 (seconds), the two intervals VPC Flow Logs offers",
    }),
    /** Which flows are recorded: ALL, or REJECT only (what security groups and NACLs refused). */
    flowLogTrafficType: oneOf(["ALL", "REJECT"]),
    /**
     * CloudWatch Logs class of the flow log group: STANDARD or INFREQUENT_ACCESS (half the
     * ingestion price; no metric or subscription filters, no Live Tail). Changing it replaces the
     * group (and drops the flow logs it holds).
     */
    flowLogClass: oneOf(["STANDARD", "INFREQUENT_ACCESS"]),
    /**
     * AWS services reached through interface endpoints instead of the NAT gateways (S3 always
     * has its free gateway endpoint). Each costs per zone and hour; `npm run review` shows it.
     */
    interfaceEndpoints: array(oneOf(INTERFACE_ENDPOINT_SERVICES)).refine((s) => new Set(s).size === s.length, {
      message: "must not list a service twice",
    }),
  }).strict(),
  cluster: object({
    /**
     * EKS Kubernetes minor version, e.g. "1.35": one of config/versions.ts KUBERNETES_MINOR_PINS,
     * and no newer than the environment before this one in promotion order (dev first).
     */
    kubernetesVersion: string().regex(/^1\.\d{2}$/, { message: 'must be a Kubernetes minor such as "1.35"' }),
    /**
     * EKS upgrade policy (`upgrade_policy.support_type`): STANDARD lets EKS upgrade the control
     * plane itself when the minor's standard support ends; EXTENDED keeps it for 12 more months
     * at $0.60 instead of $0.10 per cluster-hour (`npm run review` prices it).
     */
    supportType: oneOf(["STANDARD", "EXTENDED"]),
    /**
     * Whether the API has a public endpoint (the private one is always on). Off, only the VPC
     * reaches the API: nodes, and CI through the in-VPC runner (`ci.runner`).
     */
    endpointPublicAccess: boolean(),
    /** CIDRs allowed to reach the public endpoint: operators' ranges; empty when it is off. */
    endpointPublicAccessCidrs: array(cidr),
    /** IAM role ARNs given cluster-admin through EKS access entries. */
    adminRoleArns: array(
      string().regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/, { message: "must be an IAM role ARN" }),
    ),
    /** Retention of control-plane and other CloudWatch log groups (days). */
    logRetentionDays: logRetentionDays,
    /**
     * CloudWatch Logs class of the container log group (Fluent Bit): STANDARD or
     * INFREQUENT_ACCESS (half the ingestion price; Logs Insights still queries it, but no metric
     * or subscription filters, no Live Tail). Changing it replaces the group and its logs.
     */
    containerLogClass: oneOf(["STANDARD", "INFREQUENT_ACCESS"]),
    /** Managed node groups by name. */
    nodeGroups: record(string().regex(/^[a-z][a-z0-9-]{0,30}$/), nodeGroupSchema).refine(
      (g) => Object.keys(g).length > 0,
      {
        message: "must declare at least one node group",
      },
    ),
    /**
     * EKS add-on versions, pinned: an apply changes an add-on only when this does
     * (`npm run eks-versions -- <env>` lists what AWS offers for the cluster's Kubernetes version).
     */
    addonVersions: object({
      "eks-pod-identity-agent": eksAddonVersion,
      "vpc-cni": eksAddonVersion,
      "kube-proxy": eksAddonVersion,
      coredns: eksAddonVersion,
      "aws-ebs-csi-driver": eksAddonVersion,
    }).strict(),
    /**
     * Release of the EKS-optimized AL2023 AMI every node group runs, "<kubernetes>.<patch>-<yyyymmdd>";
     * changing it replaces every node (a rolling update, `update_config` at a time).
     */
    nodeAmiReleaseVersion: string().regex(/^1\.\d{2}\.\d+-20\d{6}$/, {
      message: 'must be an EKS AMI release version such as "1.35.0-20251209"',
    }),
    /** Refuse deletion of the EKS cluster. */
    deletionProtection: boolean(),
    /** How many images the ECR repository keeps. */
    ecrKeepLastImages: number().int().min(1).max(1000),
    /**
     * People's way to the private endpoint: an AWS Systems Manager Session Manager port forward
     * through a small instance in a private subnet (no public IP, no inbound rule, no SSH key;
     * docs/runbook.md, "Reach a private cluster API"). Required when endpointPublicAccess is false.
     */
    operatorAccess: object({
      /** Create the instance, its security group and role, and the policy people's roles need. */
      enabled: boolean(),
      /** EC2 instance type (a nano relays TLS comfortably); it must be priced in config/aws/offers.json. */
      instanceType: ec2InstanceType,
      /**
       * Amazon Linux 2023 release the instance runs (the AMI is found by this exact name, so it
       * never drifts); changing it replaces the instance. Newer releases: the AL2023 release notes.
       */
      amiRelease: string().regex(/^2023\.\d+\.\d{8}\.\d+$/, {
        message: 'must be an Amazon Linux 2023 release such as "2023.9.20251208.0"',
      }),
    }).strict(),
  }).strict(),
  ci: object({
    /** Create the account's GitHub OIDC provider here (one per account); false looks it up. */
    createGithubOidcProvider: boolean(),
    /** Repository whose workflows deploy this infrastructure. */
    infraRepository: githubRepository,
    /** Repository whose workflows build and push the application image. */
    appRepository: githubRepository,
    /** Branches allowed to assume the deploy and push roles. */
    branches: array(string().min(1)).min(1),
    /** GitHub environment (with required reviewers) allowed to assume the deploy role. */
    githubEnvironment: string().min(1),
    /**
     * Required reviewers of the GitHub environments `<githubEnvironment>` (applies) and
     * `<githubEnvironment>-plan` (full plans, which read secrets), set by the repository's
     * settings stack (stacks/github-stack.ts): GitHub team and user ids (`gh api orgs/<org>/teams/<slug>
     * --jq .id`, `gh api users/<login> --jq .id`; ids survive a rename). GitHub takes one to six.
     */
    reviewers: object({
      teamIds: array(number().int().positive()),
      userIds: array(number().int().positive()),
    })
      .strict()
      .refine((r) => r.teamIds.length + r.userIds.length >= 1 && r.teamIds.length + r.userIds.length <= 6, {
        message: "must name one to six reviewers in all (teamIds and userIds): GitHub's limit for an environment",
      }),
    /** The CodeBuild-hosted GitHub Actions runner in the private subnets (reaches the cluster API). */
    runner: object({
      /**
       * AWS CodeConnections connection to GitHub (created and approved once per account by a person).
       * Only a `codeconnections` ARN: the roles' rights on it are `codeconnections:*`, and IAM matches
       * an action only to a resource of its own prefix; a connection made before July 2024 keeps a
       * `codestar-connections` ARN (https://docs.aws.amazon.com/dtconsole/latest/userguide/rename.html).
       */
      connectionArn: string().regex(
        /^arn:aws:codeconnections:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:connection\/[0-9a-f-]{36}$/,
        {
          message:
            "must be the ARN of a CodeConnections connection to GitHub, arn:aws:codeconnections:<region>:<account>:connection/<id> (a codestar-connections ARN, of a connection made before July 2024, is not covered by the roles' codeconnections rights: create a connection)",
        },
      ),
      /** Size of the runner's build container. */
      computeType: oneOf(RUNNER_COMPUTE_TYPES),
      /**
       * GitHub account ids (`gh api users/<login> --jq .id`; ids survive a rename, logins do not)
       * whose infra runs may start the runner: the people who merge to main or start rollouts, and
       * the bot user of the GitHub App that starts image rollouts. Anyone else's job (a fork's pull
       * request copying the workflow name and branch) never gets a place inside the VPC.
       */
      actorAccountIds: array(number().int().positive()).min(1),
    }).strict(),
  }).strict(),
  database: object({
    /** PostgreSQL major version; RDS picks and upgrades the minor. */
    engineMajorVersion: string().regex(/^\d{2}$/, { message: 'must be a PostgreSQL major such as "15"' }),
    /**
     * Accept RDS Extended Support charges (per vCPU-hour, standby included) for a major past its
     * RDS end of standard support (config/versions.ts): without it such a major is refused. The data
     * stack passes it to RDS as the instance's enrolment, which RDS reads only when it creates or
     * restores the instance (docs/day-2.md, "PostgreSQL majors"); false: RDS upgrades the major itself.
     */
    acceptExtendedSupport: boolean(),
    instanceClass: dbInstanceClass,
    /** Initial storage (GiB). */
    allocatedStorageGib: number().int().min(20),
    /** Storage autoscaling ceiling (GiB). */
    maxAllocatedStorageGib: number().int().min(20),
    /** Days of automated backups (0 disables backups). */
    backupRetentionDays: number().int().min(0).max(35),
    /** Daily backup window (UTC). */
    backupWindow: dailyWindow,
    /** Weekly maintenance window (UTC). */
    maintenanceWindow: weeklyWindow,
    /** Standby replica in a second AZ. */
    multiAz: boolean(),
    /** Refuse deletes of the instance. */
    deletionProtection: boolean(),
    /** Take a final snapshot when the instance is destroyed. */
    finalSnapshot: boolean(),
    /** Performance Insights (not offered on micro and small classes). */
    performanceInsights: boolean(),
    /** Retention of the exported PostgreSQL logs (days). */
    logRetentionDays: logRetentionDays,
    /**
     * AWS Backup of the instance into a KMS-encrypted vault, kept longer than the automated
     * backups (which end with `backupRetentionDays`, at most 35); null: none.
     */
    backupPlan: object({
      /** UTC hour the daily backup starts (within an hour); it must keep clear of `backupWindow`. */
      startHourUtc: number().int().min(0).max(23),
      /** Days each backup is kept. */
      retentionDays: number().int().min(1).max(36500),
      /** A copy of each backup in a second region (a regional outage or a lost region); null: none. */
      copy: object({
        /** The region the copies go to, other than the environment's. */
        region: string().refine(isAwsRegion, { message: "must be an AWS region such as us-west-2" }),
        /** Days each copy is kept. */
        retentionDays: number().int().min(1).max(36500),
      })
        .strict()
        .nullable(),
    })
      .strict()
      .nullable(),
    /**
     * Turns the instance's deletion protection off while it stays true in config: the first step of
     * a restore drill (docs/runbook.md, "Restore the database"), since RDS refuses to delete a
     * protected instance and a restore replaces it. False the rest of the time.
     */
    liftDeletionProtection: boolean(),
    /**
     * Where the running instance's data came from; null: created empty. Keep it as long as that
     * instance lives: a change here (or its removal) replaces the instance (npm run review says so).
     */
    restore: restoreSchema.nullable(),
    /**
     * Counts rotations of the app's database login: even runs the app as its first login, odd as
     * its second. Bump it by one to rotate without an outage (docs/day-2.md); never lower it.
     */
    appLoginGeneration: number().int().min(0),
  }).strict(),
  cache: object({
    /** Redis OSS or Valkey (cheaper, wire-compatible). */
    engine: oneOf(["redis", "valkey"]),
    /** Engine version, e.g. "7.1" for Redis OSS or "8.0" for Valkey. */
    engineVersion: string().regex(/^\d+\.\d+$/, { message: 'must be "major.minor" such as "7.1"' }),
    nodeType: cacheNodeType,
    /** Nodes in the replication group; 2 or more turns on failover and Multi-AZ. */
    nodeCount: number().int().min(1).max(6),
    /** Days of daily snapshots (0 disables them). */
    snapshotRetentionDays: number().int().min(0).max(35),
    /** Take a final snapshot when the replication group is destroyed. */
    finalSnapshot: boolean(),
  }).strict(),
  secrets: object({
    /** Days a deleted secret can be restored: 0 (deleted at once, lets dev re-create it) or 7..30. */
    recoveryWindowDays: number()
      .int()
      .refine((d) => d === 0 || (d >= 7 && d <= 30), {
        message: "must be 0 or between 7 and 30",
      }),
  }).strict(),
  /** Refuse `terraform destroy` of the environment KMS key and the image repository (lifecycle prevent_destroy). */
  retainOnDestroy: boolean(),
  /** The end of the environment's life: what `npm run destroy -- <env>` may do (docs/runbook.md, "Destroy and recreate"). */
  lifecycle: object({
    /**
     * Let `npm run destroy` delete the environment's stacks (bootstrap stays). False refuses it
     * before anything runs; a production environment keeps it false until it is decommissioned.
     * True needs cluster.deletionProtection and database.deletionProtection false (AWS would refuse).
     */
    allowDestroy: boolean(),
  }).strict(),
  buckets: object({
    /** Refuse `terraform destroy` of the logs and artifacts buckets (lifecycle prevent_destroy). */
    retainOnDestroy: boolean(),
    /** Logs move to Standard-IA after this many days (S3 requires >= 30). */
    logsInfrequentAccessAfterDays: number().int().min(30),
    /** Logs are deleted after this many days. */
    logsExpireAfterDays: days,
    /** Non-current object versions are deleted after this many days. */
    noncurrentVersionExpireAfterDays: days,
  }).strict(),
  platform: object({
    /** Email Let's Encrypt writes to about expiring certificates. */
    acmeEmail: email({ message: "must be an email address" }),
    /** Also create the `letsencrypt-staging` ClusterIssuer (untrusted certs, generous limits). */
    letsEncryptStagingIssuer: boolean(),
    /** Prometheus TSDB retention, a Prometheus duration such as 200h. */
    prometheusRetention: string().regex(/^\d+(h|d|w)$/, { message: "must be a duration such as 200h or 15d" }),
    /** Prometheus volume size (GiB). */
    prometheusStorageGib: positiveInt,
    /** Grafana volume size (GiB). */
    grafanaStorageGib: positiveInt,
    /** Replicas of the platform controllers (gateway, cert-manager, external-secrets, adapter). */
    controllerReplicas: number().int().min(1).max(5),
    /** The public Gateway's Envoy proxies, and how long they wait for the app and for clients. */
    gateway: object({
      /** Envoy proxy pods, spread across the zones; at least 2 when the VPC has more than one zone. */
      proxyReplicas: number().int().min(1).max(10),
      /**
       * Seconds the proxy waits for the app's whole response (the route's `timeouts.request`;
       * Envoy's default is 15). Must exceed `app.apiTimeoutSeconds`, the app's own wait for the
       * services it calls, and stay within Envoy's stream idle timeout.
       */
      requestTimeoutSeconds: number()
        .int()
        .min(1)
        .max(ENVOY_STREAM_IDLE_TIMEOUT_SECONDS, {
          message: `must be at most ${ENVOY_STREAM_IDLE_TIMEOUT_SECONDS}, Envoy's stream idle timeout (a response silent that long is cut anyway)`,
        }),
      /**
       * Seconds a client connection may stay open with no request before the proxy closes it
       * (Envoy's default is an hour); below the NLB's idle timeout, so the proxy closes first.
       */
      idleTimeoutSeconds: number()
        .int()
        .min(1)
        .max(NLB_TCP_IDLE_TIMEOUT_SECONDS - 1, {
          message: `must be below the Network Load Balancer's TCP idle timeout of ${NLB_TCP_IDLE_TIMEOUT_SECONDS} s (it would drop the connection first, silently)`,
        }),
      /**
       * Seconds the proxy keeps an idle connection to the app for reuse before closing it
       * (BackendTrafficPolicy `timeout.http.connectionIdleTimeout`; Envoy's default is an hour).
       * Must be below `app.keepAliveSeconds`: the proxy must close an idle connection before the
       * app does, or it sends a request into a connection the app is closing (503, connection reset).
       */
      backendIdleTimeoutSeconds: number().int().min(1),
    }).strict(),
  }).strict(),
  /** Who hears about trouble, and when: the environment's alert topic, budget and alarm thresholds. */
  alerts: object({
    /** Addresses subscribed to the alert topic (each confirms once by email). */
    emails: array(email({ message: "must be an email address" })),
    /** Monthly AWS spend (USD) the account's budget allows. */
    monthlyBudgetUsd: number().positive(),
    /** Percentages of the budget at which actual spend alerts, ascending. */
    budgetAlertPercentages: array(number().int().min(1).max(1000))
      .min(1)
      .refine((p) => p.every((v, i) => i === 0 || v > p[i - 1]), { message: "must be ascending, each once" })
      // [0.8, 1] meant as fractions: 0.8 is refused above, but a lone 1 would alert at 1 % of the budget.
      .refine((p) => !p.every((v) => Number.isInteger(v) && v <= 1), {
        message:
          "must be whole percentages such as 80 (100 is the whole budget); every value here is 1 or less, an alert at 1 % of the budget",
      }),
    /** Average database CPU (percent, 15 minutes) that alarms. */
    databaseCpuPercent: number().int().min(1).max(100),
    /** Free database storage (GiB) under which it alarms. */
    databaseFreeStorageGib: number().int().min(1),
    /** Database connections above which it alarms. */
    databaseMaxConnections: number().int().min(1),
    /** Cache memory use (percent) that alarms. */
    cacheMemoryPercent: number().int().min(1).max(100),
    /** Cache evictions per 5 minutes above which it alarms. */
    cacheEvictions: number().int().min(0),
    /** NAT port allocation errors per 5 minutes above which it alarms. */
    natPortAllocationErrors: number().int().min(0),
    /** Share of the app's requests answered 5xx (percent, over 10 minutes) that alerts. */
    appErrorPercent: number().min(0.1).max(100),
    /** 95th percentile of the app's request latency (seconds, over 10 minutes) that alerts. */
    appLatencyP95Seconds: number().positive().max(600),
    /** Container restarts of the app in 30 minutes that alert. */
    appRestarts: number().int().min(1),
    /** Days before a certificate expires at which it alerts (cert-manager renews at 30). */
    certificateExpiryDays: number().int().min(1).max(89),
  }).strict(),
  /**
   * The Route 53 zone the app's host name is published in: ExternalDNS writes the record, so
   * cert-manager's HTTP-01 challenge resolves with no one touching DNS. Either the zone exists
   * (`zoneId`), or the network stack creates it and writes its NS records into `parent`.
   */
  dns: object({
    /** The zone's domain; `app.domain` must be it or a name below it. */
    zoneName: hostname,
    /** An existing hosted zone that answers for `zoneName`; null creates one. */
    zoneId: hostedZoneId.nullable(),
    /** Where a created zone is delegated from; null when `zoneId` names an existing zone. */
    parent: object({
      /** The parent domain's hosted zone. */
      zoneId: hostedZoneId,
      /**
       * The role in the parent zone's account that may write this zone's NS records there (the
       * parent environment's `dns.childEnvironments` creates it, and a read-only twin for plans).
       * config/index.ts requires exactly the role the parent offers, even in a shared account, so
       * null (the stack's own provider writing into the parent zone) is refused.
       */
      roleArn: string()
        .regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/, { message: "must be an IAM role ARN" })
        .nullable(),
    })
      .strict()
      .nullable(),
    /**
     * Environments in other accounts whose zones are delegated from this one: each gets a role
     * here that only its deploy role may assume, to write its own NS records, and a read-only twin
     * for its plan roles (config/index.ts checks that both sides agree).
     */
    childEnvironments: array(
      object({
        /** The child environment's name. */
        name: string().min(1),
        /** Its zone, a name below `zoneName`: the only NS records its role may write. */
        zoneName: hostname,
        /** Its account, whose plan and deploy roles the delegation role trusts. */
        accountId: string().regex(/^\d{12}$/, { message: "must be a 12-digit AWS account id" }),
        /**
         * Its people's roles, the child's own `cluster.adminRoleArns` (config/index.ts checks they
         * agree): they apply its first network stack, before its in-VPC runner exists, so both
         * delegation roles trust them too.
         */
        adminRoleArns: array(
          string().regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/, { message: "must be an IAM role ARN" }),
        ),
      }).strict(),
    ),
  }).strict(),
  app: object({
    /** Public host name of the service (in `dns.zoneName`). */
    domain: hostname,
    /** Image tag deployed unless `image_tag` is given at deploy time; never `latest`. */
    imageTag: imageTagSchema,
    /** Replicas at deploy time; the HPA moves it within min and max. */
    replicas: number().int().min(1),
    /** HPA floor. */
    minReplicas: number().int().min(1),
    /** HPA ceiling. */
    maxReplicas: number().int().min(1),
    logLevel: oneOf(["DEBUG", "INFO", "WARNING", "ERROR"]),
    /** Uvicorn workers per pod. */
    maxWorkers: number().int().min(1).max(32),
    cacheTtlSeconds: number().int().min(0),
    apiTimeoutSeconds: number().int().min(1).max(600),
    /**
     * Seconds uvicorn keeps an idle keep-alive connection open (`--timeout-keep-alive`, given to the
     * container as UVICORN_TIMEOUT_KEEP_ALIVE; uvicorn's default is 5:
     * https://www.uvicorn.org/settings/). The gateway's `backendIdleTimeoutSeconds` must be below it.
     */
    keepAliveSeconds: number().int().min(1).max(3600),
    metricsEnabled: boolean(),
  }).strict(),
})
  .strict()
  .superRefine(checkEnvironmentRules);

export type EnvironmentConfig = Infer<typeof environmentSchema>;
export type NodeGroupConfig = Infer<typeof nodeGroupSchema>;

type Context = RefinementCtx;

function issue(ctx: Context, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: "custom", path, message });
}

/** Rules that tie several fields together. */
function checkEnvironmentRules(env: Infer<ZodObject>, ctx: Context): void {
  const config = env as EnvironmentConfig;
  checkNetwork(config, ctx);
  checkOffers(config, ctx);
  checkKubernetesVersion(config, ctx);
  checkEndpointAccess(config, ctx);
  checkOperatorAccess(config, ctx);
  checkAdminRoles(config, ctx);
  checkNodeGroups(config, ctx);
  checkDatabase(config, ctx);
  checkPostgresSupport(config, ctx);
  checkBackupPlan(config, ctx);
  checkRestore(config, ctx);
  checkApp(config, ctx);
  checkGateway(config, ctx);
  checkDns(config, ctx);
  checkBuckets(config, ctx);
  checkLifecycle(config, ctx);
  if (config.stage === "production") checkProductionSafety(config, ctx);
  if (config.stage === "production") checkProductionAccount(config, ctx);
}

/** Zones, instance types, classes, node types and versions: what the region's offer table has. */
function checkOffers(config: EnvironmentConfig, ctx: Context): void {
  const { region } = config.account;
  Object.entries(config.cluster.nodeGroups).forEach(([group, settings]) =>
    settings.instanceTypes.forEach((type, i) => {
      if (!isEc2InstanceType(type)) {
        issue(
          ctx,
          ["cluster", "nodeGroups", group, "instanceTypes", i],
          `${type} is not an EC2 instance type (AWS SDK list)`,
        );
      }
    }),
  );
  checkListed(
    ctx,
    ["database", "engineMajorVersion"],
    config.database.engineMajorVersion,
    OFFERS.postgres_major_versions,
    "PostgreSQL major versions",
  );
  const engine = config.cache.engine;
  checkListed(
    ctx,
    ["cache", "engineVersion"],
    config.cache.engineVersion,
    OFFERS.cache_engine_versions[engine],
    `${engine} versions`,
  );
  const offers = offersIn(region);
  if (!offers) return; // the region itself is refused above
  checkZones(config, offers, ctx);
  Object.entries(config.cluster.nodeGroups).forEach(([group, settings]) =>
    settings.instanceTypes.forEach((type, i) => {
      if (isEc2InstanceType(type)) {
        checkPriced(ctx, ["cluster", "nodeGroups", group, "instanceTypes", i], type, offers.ec2_per_hour, region);
      }
    }),
  );
  checkPriced(ctx, ["database", "instanceClass"], config.database.instanceClass, offers.rds_postgres_per_hour, region);
  checkPriced(ctx, ["cache", "nodeType"], config.cache.nodeType, offers.elasticache_redis_per_hour, region);
}

function checkZones({ network, account }: EnvironmentConfig, offers: RegionOffers, ctx: Context): void {
  network.availabilityZones.forEach((zone, i) => {
    const suffix = zone.slice(account.region.length);
    if (zone.startsWith(account.region) && !offers.zones.includes(suffix)) {
      issue(
        ctx,
        ["network", "availabilityZones", i],
        `${zone} is not a zone of ${account.region}; it has ${offers.zones.map((z) => account.region + z).join(", ")} (config/aws/offers.json, as of ${OFFERS.as_of})`,
      );
    }
  });
}

function checkListed(ctx: Context, path: string[], value: string, allowed: readonly string[], what: string): void {
  if (!allowed.includes(value)) issue(ctx, path, `${value} is not one of the ${what} offered: ${allowed.join(", ")}`);
}

function checkPriced(
  ctx: Context,
  path: (string | number)[],
  value: string,
  prices: Readonly<Record<string, number>>,
  region: string,
): void {
  if (prices[value] === undefined) {
    issue(
      ctx,
      path,
      `${value} is not in config/aws/offers.json for ${region} (as of ${OFFERS.as_of}); offered: ${Object.keys(prices).join(", ")}`,
    );
  }
}

function checkNetwork({ network, account }: EnvironmentConfig, ctx: Context): void {
  const vpc = parseCidr(network.vpcCidr);
  if (vpc && (vpc.prefix < 16 || vpc.prefix > 18)) {
    issue(ctx, ["network", "vpcCidr"], `must have a prefix length between /16 and /18 (got /${vpc.prefix})`);
  }
  if (cidrsOverlap(network.vpcCidr, EKS_SERVICE_CIDR)) {
    issue(ctx, ["network", "vpcCidr"], `must not overlap the EKS service CIDR ${EKS_SERVICE_CIDR}`);
  }
  network.availabilityZones.forEach((az, i) => {
    if (!az.startsWith(account.region)) {
      issue(ctx, ["network", "availabilityZones", i], `must be a zone of region ${account.region} (got ${az})`);
    }
  });
  if (new Set(network.availabilityZones).size !== network.availabilityZones.length) {
    issue(ctx, ["network", "availabilityZones"], "must not list a zone twice");
  }
}

/** Access entries are keyed by role name, so a name may appear once. */
function checkAdminRoles({ cluster }: EnvironmentConfig, ctx: Context): void {
  const roleNames = cluster.adminRoleArns.map((arn) => arn.split("/").pop());
  roleNames.forEach((name, i) => {
    if (roleNames.indexOf(name) !== i) {
      issue(
        ctx,
        ["cluster", "adminRoleArns", i],
        `repeats the role name ${name}: access entries are keyed by role name`,
      );
    }
  });
}

function checkEndpointAccess({ cluster }: EnvironmentConfig, ctx: Context): void {
  const cidrs = cluster.endpointPublicAccessCidrs;
  if (cluster.endpointPublicAccess && cidrs.length === 0) {
    issue(
      ctx,
      ["cluster", "endpointPublicAccessCidrs"],
      "must list at least one CIDR when endpointPublicAccess is true (EKS would open the API to 0.0.0.0/0)",
    );
  }
  if (!cluster.endpointPublicAccess && cidrs.length > 0) {
    issue(ctx, ["cluster", "endpointPublicAccessCidrs"], "must be empty when endpointPublicAccess is false");
  }
}

/**
 * A private endpoint needs a way for people (only CI's runner is in the VPC otherwise), and that
 * way is only usable by the admin roles and at a priced size.
 */
function checkOperatorAccess({ cluster, account, network }: EnvironmentConfig, ctx: Context): void {
  const access = cluster.operatorAccess;
  if (!cluster.endpointPublicAccess && !access.enabled) {
    issue(
      ctx,
      ["cluster", "operatorAccess", "enabled"],
      "must be true when endpointPublicAccess is false: otherwise no person can reach the cluster API (only CI's in-VPC runner)",
    );
  }
  if (!access.enabled) return;
  const missing = OPERATOR_ACCESS_ENDPOINTS.filter((service) => !network.interfaceEndpoints.includes(service));
  if (missing.length > 0) {
    issue(
      ctx,
      ["network", "interfaceEndpoints"],
      `must list ${missing.map((s) => `"${s}"`).join(" and ")} when cluster.operatorAccess is enabled: the host sends nothing out of the VPC, so its SSM Agent reaches Session Manager only through these endpoints`,
    );
  }
  if (cluster.adminRoleArns.length === 0) {
    issue(
      ctx,
      ["cluster", "operatorAccess", "enabled"],
      "needs at least one role in cluster.adminRoleArns: only those roles may start a session",
    );
  }
  if (!isEc2InstanceType(access.instanceType)) {
    issue(
      ctx,
      ["cluster", "operatorAccess", "instanceType"],
      `${access.instanceType} is not an EC2 instance type (AWS SDK list)`,
    );
    return;
  }
  const offers = offersIn(account.region);
  if (offers) {
    checkPriced(
      ctx,
      ["cluster", "operatorAccess", "instanceType"],
      access.instanceType,
      offers.ec2_per_hour,
      account.region,
    );
  }
}

/**
 * The minor must have pinned add-ons and be in EKS support today; nodes and kube-proxy follow it.
 * Nodes may stay one minor behind the control plane (an upgrade rolls them last: docs/day-2.md).
 */
function checkKubernetesVersion({ cluster }: EnvironmentConfig, ctx: Context, today = new Date()): void {
  const minor = cluster.kubernetesVersion;
  const pinned = Object.keys(KUBERNETES_MINOR_PINS);
  if (!pinned.includes(minor)) {
    issue(
      ctx,
      ["cluster", "kubernetesVersion"],
      `must be one of ${pinned.join(", ")}, the minors config/versions.ts pins the cluster-autoscaler chart and kubectl for (got ${minor}); add a row there to use it`,
    );
  }
  checkEksSupport(minor, cluster.supportType, ctx, today);
  const nodes = amiReleaseMinor(cluster.nodeAmiReleaseVersion);
  // EKS refuses a node group release, and a kube-proxy, newer than the control plane.
  if (!isSameOrOneMinorBelow(nodes, minor)) {
    issue(
      ctx,
      ["cluster", "nodeAmiReleaseVersion"],
      `must be a release for Kubernetes ${minor} or one minor below ("${minor}.<patch>-<yyyymmdd>", got ${cluster.nodeAmiReleaseVersion})`,
    );
  }
  const kubeProxy = cluster.addonVersions["kube-proxy"];
  if (!kubeProxy.startsWith(`v${minor}.`)) {
    issue(
      ctx,
      ["cluster", "addonVersions", "kube-proxy"],
      `must be built for Kubernetes ${minor} ("v${minor}.<patch>-eksbuild.<n>", got ${kubeProxy})`,
    );
  }
}

/**
 * STANDARD past the end of standard support means EKS upgrades the control plane on its own
 * schedule; past extended support it upgrades it whatever the policy. Both are refused.
 */
function checkEksSupport(minor: string, supportType: string, ctx: Context, today: Date): void {
  const window = EKS_KUBERNETES_SUPPORT[minor];
  const path = ["cluster", "kubernetesVersion"];
  if (!window) {
    issue(
      ctx,
      path,
      `${minor} has no EKS support dates in config/versions.ts (EKS_KUBERNETES_SUPPORT): add its row from the EKS release calendar`,
    );
    return;
  }
  const phase = supportPhase(window, today);
  if (phase === "ended") {
    issue(
      ctx,
      path,
      `Kubernetes ${minor} left EKS extended support on ${window.extendedEnds}: EKS upgrades such a cluster itself; upgrade it`,
    );
  } else if (phase === "extended" && supportType === "STANDARD") {
    issue(
      ctx,
      ["cluster", "supportType"],
      `must be "EXTENDED" while the cluster runs Kubernetes ${minor}, past its EKS standard support (${window.standardEnds}): with "STANDARD" EKS upgrades the control plane itself; upgrade the minor, or set "EXTENDED" ($0.60 instead of $0.10 per cluster-hour)`,
    );
  }
}

/** A major past RDS standard support is charged per vCPU-hour: only where config accepts it. */
function checkPostgresSupport({ database }: EnvironmentConfig, ctx: Context, today = new Date()): void {
  const major = database.engineMajorVersion;
  const window = RDS_POSTGRES_SUPPORT[major];
  const path = ["database", "engineMajorVersion"];
  if (!window) {
    issue(
      ctx,
      path,
      `PostgreSQL ${major} has no RDS support dates in config/versions.ts (RDS_POSTGRES_SUPPORT): add its row from the RDS release calendar`,
    );
    return;
  }
  const phase = supportPhase(window, today);
  if (phase === "ended") {
    issue(
      ctx,
      path,
      `PostgreSQL ${major} left RDS Extended Support on ${window.extendedEnds}: RDS upgrades such an instance itself; upgrade it`,
    );
  } else if (phase === "extended" && !database.acceptExtendedSupport) {
    issue(
      ctx,
      path,
      `PostgreSQL ${major} left RDS standard support on ${window.standardEnds}: upgrade the major, or set database.acceptExtendedSupport to true (RDS Extended Support, charged per vCPU-hour; npm run review prices it; RDS enrols an instance only when it creates or restores it: docs/day-2.md)`,
    );
  }
}

function checkNodeGroups(config: EnvironmentConfig, ctx: Context): void {
  for (const group of Object.keys(config.cluster.nodeGroups)) {
    // The module appends "-" to the role name prefix.
    const length = nodeRoleName(config, group).length + 1;
    if (length > IAM_NAME_PREFIX_MAX) {
      issue(
        ctx,
        ["cluster", "nodeGroups", group],
        `name is too long: the node role prefix would be ${length} characters, IAM allows ${IAM_NAME_PREFIX_MAX}`,
      );
    }
  }
}

function checkDatabase({ database }: EnvironmentConfig, ctx: Context): void {
  if (database.maxAllocatedStorageGib < database.allocatedStorageGib) {
    issue(
      ctx,
      ["database", "maxAllocatedStorageGib"],
      `must be >= allocatedStorageGib (${database.allocatedStorageGib})`,
    );
  }
  checkDatabaseWindows(database, ctx);
  if (database.performanceInsights && /\.(micro|small)$/.test(database.instanceClass)) {
    issue(
      ctx,
      ["database", "performanceInsights"],
      `is not offered on ${database.instanceClass}: use a medium or larger class, or false`,
    );
  }
}

/**
 * A restore reads what RDS can restore into this environment: a snapshot of its own account and
 * region (a copy in the backup plan's second region must be copied back first), or automated
 * backups, which exist only with backupRetentionDays above 0.
 */
function checkRestore({ database, account }: EnvironmentConfig, ctx: Context): void {
  if (database.liftDeletionProtection && !database.deletionProtection) {
    issue(
      ctx,
      ["database", "liftDeletionProtection"],
      "lifts nothing: deletionProtection is already false; set liftDeletionProtection false",
    );
  }
  const restore = database.restore;
  if (restore === null) return;
  if (restore.from === "point-in-time") {
    if (database.backupRetentionDays === 0) {
      issue(
        ctx,
        ["database", "restore", "from"],
        '"point-in-time" replays automated backups, and backupRetentionDays 0 keeps none: restore from "snapshot" or "backup"',
      );
    }
    return;
  }
  const [field, arn] =
    restore.from === "backup"
      ? ["recoveryPointArn", restore.recoveryPointArn]
      : ["snapshotIdentifier", restore.snapshotIdentifier];
  if (!arn.startsWith("arn:")) return; // a snapshot's name: RDS looks it up in this account and region
  const [, , , region, accountId] = arn.split(":");
  if (region !== account.region || accountId !== account.id) {
    issue(
      ctx,
      ["database", "restore", field],
      `must be in ${account.region} and account ${account.id} (got ${region}, ${accountId}): copy it there first (aws rds copy-db-snapshot)`,
    );
  }
}

/** The AWS Backup job must not start while RDS takes its own backup, and its copy must leave the region. */
function checkBackupPlan({ database, account }: EnvironmentConfig, ctx: Context): void {
  const plan = database.backupPlan;
  if (plan === null) return;
  const hour = (h: number) => `${String(h % 24).padStart(2, "0")}:00`;
  const startWindow = `${hour(plan.startHourUtc)}-${hour(plan.startHourUtc + 1)}`;
  if (dailyWindowsMeet(startWindow, database.backupWindow)) {
    issue(
      ctx,
      ["database", "backupPlan", "startHourUtc"],
      `must start clear of backupWindow ${database.backupWindow} (its start window ${startWindow} meets it): RDS runs one backup at a time`,
    );
  }
  if (windowsClash(startWindow, database.maintenanceWindow)) {
    issue(
      ctx,
      ["database", "backupPlan", "startHourUtc"],
      `must start clear of maintenanceWindow ${database.maintenanceWindow} (its start window ${startWindow} meets it)`,
    );
  }
  if (plan.copy !== null && plan.copy.region === account.region) {
    issue(ctx, ["database", "backupPlan", "copy", "region"], `must be another region than ${account.region}`);
  }
}

function checkDatabaseWindows(database: EnvironmentConfig["database"], ctx: Context): void {
  const { backupWindow, maintenanceWindow } = database;
  if (dailyWindowMinutes(backupWindow) < MIN_WINDOW_MINUTES) {
    issue(ctx, ["database", "backupWindow"], `must last at least ${MIN_WINDOW_MINUTES} minutes (got ${backupWindow})`);
  }
  if (weeklyWindowMinutes(maintenanceWindow) < MIN_WINDOW_MINUTES) {
    issue(
      ctx,
      ["database", "maintenanceWindow"],
      `must last at least ${MIN_WINDOW_MINUTES} minutes (got ${maintenanceWindow})`,
    );
  }
  if (windowsClash(backupWindow, maintenanceWindow)) {
    issue(
      ctx,
      ["database", "maintenanceWindow"],
      `must not overlap or touch backupWindow ${backupWindow} on any day (got ${maintenanceWindow}); leave a gap between them`,
    );
  }
}

function checkApp({ app }: EnvironmentConfig, ctx: Context): void {
  if (app.minReplicas > app.replicas || app.replicas > app.maxReplicas) {
    issue(
      ctx,
      ["app", "replicas"],
      `must satisfy minReplicas <= replicas <= maxReplicas (got ${app.minReplicas} <= ${app.replicas} <= ${app.maxReplicas})`,
    );
  }
}

/**
 * The proxy must outwait the app: with a request timeout at or under the app's own outbound
 * timeout, Envoy answers 504 while the app is still waiting for its model. The app must outwait
 * the proxy's idle upstream connections: the side that closes an idle connection must be the one
 * that reuses it. One proxy per zone failure: a single proxy pod makes every node drain an outage.
 */
function checkGateway({ platform, app, network }: EnvironmentConfig, ctx: Context): void {
  const { gateway } = platform;
  if (gateway.requestTimeoutSeconds <= app.apiTimeoutSeconds) {
    issue(
      ctx,
      ["platform", "gateway", "requestTimeoutSeconds"],
      `must be greater than app.apiTimeoutSeconds (${app.apiTimeoutSeconds}), the app's own outbound timeout (got ${gateway.requestTimeoutSeconds})`,
    );
  }
  if (gateway.backendIdleTimeoutSeconds >= app.keepAliveSeconds) {
    issue(
      ctx,
      ["platform", "gateway", "backendIdleTimeoutSeconds"],
      `must be below app.keepAliveSeconds (${app.keepAliveSeconds}), so the proxy closes an idle connection to the app before the app does (else it reuses a closed one: 503, connection reset; got ${gateway.backendIdleTimeoutSeconds})`,
    );
  }
  const zones = network.availabilityZones.length;
  if (zones > 1 && gateway.proxyReplicas < 2) {
    issue(
      ctx,
      ["platform", "gateway", "proxyReplicas"],
      `must be at least 2 when the VPC has ${zones} zones (one proxy is an outage at every node drain or zone failure; got ${gateway.proxyReplicas})`,
    );
  }
}

/** The zone must answer for the app's name, and either exist or be delegated from its parent. */
function checkDns({ dns, app }: EnvironmentConfig, ctx: Context): void {
  const below = (name: string) => name === dns.zoneName || name.endsWith(`.${dns.zoneName}`);
  if (!below(app.domain)) {
    issue(ctx, ["app", "domain"], `must be ${dns.zoneName} or a name below it (dns.zoneName), got ${app.domain}`);
  }
  if (dns.zoneId === null && dns.parent === null) {
    issue(
      ctx,
      ["dns", "parent"],
      "must name the parent zone to delegate from when zoneId is null (or set zoneId to an existing zone): a zone nobody delegates to answers nobody",
    );
  }
  if (dns.zoneId !== null && dns.parent !== null) {
    issue(ctx, ["dns", "parent"], "must be null when zoneId names an existing zone (only a created zone is delegated)");
  }
  if (dns.childEnvironments.length > 0 && dns.zoneId === null) {
    issue(
      ctx,
      ["dns", "childEnvironments"],
      "must be empty unless zoneId names an existing zone: children delegate from a zone whose id is known",
    );
  }
}

function checkBuckets({ buckets }: EnvironmentConfig, ctx: Context): void {
  if (buckets.logsExpireAfterDays <= buckets.logsInfrequentAccessAfterDays) {
    issue(
      ctx,
      ["buckets", "logsExpireAfterDays"],
      `must be greater than logsInfrequentAccessAfterDays (${buckets.logsInfrequentAccessAfterDays})`,
    );
  }
}

/** A destroy the config allows must be one AWS accepts: deletion protection refuses it halfway. */
function checkLifecycle({ lifecycle, cluster, database }: EnvironmentConfig, ctx: Context): void {
  if (!lifecycle.allowDestroy) return;
  const protections: [string, boolean][] = [
    ["cluster.deletionProtection", cluster.deletionProtection],
    ["database.deletionProtection", database.deletionProtection],
  ];
  for (const [setting] of protections.filter(([, on]) => on)) {
    issue(
      ctx,
      ["lifecycle", "allowDestroy"],
      `can be true only with ${setting} false (AWS refuses to delete a protected resource, so the destroy would stop halfway): set ${setting} false and apply it first`,
    );
  }
}

/** Whoever deploys another environment of the account could reach production's resources, and its budget. */
function checkProductionAccount({ account }: EnvironmentConfig, ctx: Context): void {
  if (account.sharedWith.length > 0) {
    issue(ctx, ["account", "sharedWith"], "must be empty (an account of its own) in a production environment");
  }
}

/** A production environment keeps its data and stays up when one zone fails. */
function checkProductionSafety(
  { cluster, database, cache, network, app, buckets, secrets, state, alerts, retainOnDestroy }: EnvironmentConfig,
  ctx: Context,
): void {
  const must = (ok: boolean, path: (string | number)[], message: string) =>
    ok || issue(ctx, path, `${message} in a production environment`);
  must(cluster.deletionProtection, ["cluster", "deletionProtection"], "must be true");
  must(
    cluster.logRetentionDays >= 365,
    ["cluster", "logRetentionDays"],
    "must be at least 365 (a year of cluster and container logs)",
  );
  must(database.deletionProtection, ["database", "deletionProtection"], "must be true");
  must(database.finalSnapshot, ["database", "finalSnapshot"], "must be true");
  must(database.multiAz, ["database", "multiAz"], "must be true");
  must(database.backupRetentionDays >= 7, ["database", "backupRetentionDays"], "must be at least 7");
  must(
    database.backupPlan !== null,
    ["database", "backupPlan"],
    "must be set (AWS Backup beyond the automated backups)",
  );
  must(
    database.backupPlan?.copy !== null,
    ["database", "backupPlan", "copy"],
    "must name a second region (a copy of every backup outside the environment's region)",
  );
  must(buckets.retainOnDestroy, ["buckets", "retainOnDestroy"], "must be true");
  must(secrets.recoveryWindowDays >= 7, ["secrets", "recoveryWindowDays"], "must be at least 7");
  must(cache.nodeCount >= 2, ["cache", "nodeCount"], "must be at least 2 (automatic failover)");
  must(cache.snapshotRetentionDays >= 1, ["cache", "snapshotRetentionDays"], "must be at least 1");
  must(cache.finalSnapshot, ["cache", "finalSnapshot"], "must be true");
  must(retainOnDestroy, ["retainOnDestroy"], "must be true");
  must(state.dataEventTrail, ["state", "dataEventTrail"], "must be true");
  must(alerts.emails.length > 0, ["alerts", "emails"], "must list at least one address (someone must get the alerts)");
  must(network.natGateways === "one-per-az", ["network", "natGateways"], 'must be "one-per-az"');
  must(network.availabilityZones.length >= 3, ["network", "availabilityZones"], "must list at least 3 zones");
  must(app.minReplicas >= 2, ["app", "minReplicas"], "must be at least 2");
  checkNoPlaceholders(cluster, ctx);
}

/** Production access must name real networks and principals, not documentation examples. */
function checkNoPlaceholders(cluster: EnvironmentConfig["cluster"], ctx: Context): void {
  cluster.endpointPublicAccessCidrs.forEach((block, i) => {
    if (isDocumentationRange(block)) {
      issue(
        ctx,
        ["cluster", "endpointPublicAccessCidrs", i],
        `${block} is a documentation range (${DOCUMENTATION_CIDRS.join(", ")}), a placeholder: use your operators' real CIDR, or endpointPublicAccess: false, in a production environment`,
      );
    }
  });
  cluster.adminRoleArns.forEach((arn, i) => {
    const account = arn.split(":")[4];
    if ((DOCUMENTATION_ACCOUNT_IDS as readonly string[]).includes(account)) {
      issue(
        ctx,
        ["cluster", "adminRoleArns", i],
        `${arn} is in a documentation example account (${account}), a placeholder: use the role your platform engineers assume, in a production environment`,
      );
    }
  });
  if (cluster.adminRoleArns.length === 0) {
    issue(
      ctx,
      ["cluster", "adminRoleArns"],
      "must list at least one role in a production environment (the first deploy of the platform stack needs a cluster admin)",
    );
  }
}
