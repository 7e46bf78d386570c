import type { Construct } from "constructs";
import {
  APPLY_SESSION_SECONDS,
  APPLY_WORKFLOW_PATH,
  CI_ROLES,
  CONCERNS,
  DRIFT_WORKFLOW_NAME,
  IMAGE_WORKFLOW_PATH,
  INFRA_BRANCH,
  PLAN_WORKFLOW_PATH,
  PROJECT,
  PULL_REQUEST_CONCERNS,
  auditBucketName,
  backupCopyKeyAlias,
  ciRoleArn,
  ciRoleName,
  driftEnvironment,
  imageRepositoryName,
  operatorAccessName,
  permissionsBoundaryArns,
  permissionsBoundaryName,
  planEnvironment,
  resourcePrefix,
  serviceRoleBoundaryName,
  stateAdminRoleArns,
  stateBucketName,
  stateKey,
  stateKeyAlias,
  stateTrailName,
  ZONE_READER_SUFFIX,
  zoneDelegationRoleArn,
  type EnvironmentConfig,
} from "../config";
import {
  applyWriteStatements,
  assumeOnlyTheseRolesStatements,
  chartRegistryStatements,
  chartRepositoriesOf,
  ciKeyDestructionDenies,
  deployIamStatements,
  deployKeyStatements,
  planReadStatements,
  preflightReadStatements,
  stateReadStatements,
  stateWriteStatements,
  fullPlanStatements,
  imagePushStatements,
  pullRequestPlanStatements,
  type ChartRepositories,
  type StateAccess,
} from "../modules/ci-role-policies";
import { CHART_SOURCES } from "../modules/addons/chart-sources";
import { GithubActionsRole } from "../modules/github-actions-role";
import { GithubOidcProvider, githubJobWorkflowRef, githubSubjects } from "../modules/github-oidc";
import { PULL_THROUGH_SECRET_PREFIX } from "../modules/image-mirror";
import { operatorAccessHostRoleName } from "../modules/operator-access-host";
import { KmsKey } from "../modules/kms-key";
import { AccessAnalyzer, type KnownCrossAccountTrust } from "../modules/access-analyzer";
import { AccountPublicAccessBlock } from "../modules/account-public-access-block";
import { PermissionsBoundary } from "../modules/permissions-boundary";
import {
  BACKUP_ROLE,
  CLUSTER_ROLE,
  FLOW_LOG_ROLE,
  NODE_ROLES,
  OPERATOR_HOST_ROLE,
  POD_ROLES,
  RDS_MONITORING_ROLE,
  RUNNER_ROLE,
  ZONE_DELEGATION_ROLES,
  type BoundedRoleFamily,
} from "../modules/permissions-boundary-statements";
import type { PolicyStatement } from "../modules/iam-policy";
import { S3DataEventTrail } from "../modules/s3-data-event-trail";
import { SecureBucket } from "../modules/secure-bucket";
import {
  stateKeyUseDenyStatements,
  stateTamperingDenyStatements,
  type StateStorageAdmins,
} from "../modules/state-protection-statements";
import { EnvironmentStack, type EnvironmentStackProps } from "./environment-stack";

/**
 * `<env>-bootstrap`, applied by people only: the bucket (and its KMS key) that holds the Terraform
 * state of every stack of the environment (with a trail of who reads it, where config asks one),
 * and the identities CI works with: the GitHub OIDC provider, the deploy, plan, pull-request plan and
 * image-push roles, and the two permissions boundaries (workload roles, AWS service roles) one of
 * which every role the deploy role creates carries. Keeping them here, out of the deploy role's
 * reach, is what stops CI from granting itself more. The state key, the buckets and the trail
 * protect themselves: only `state.adminRoleNames` (and the account root) may change or destroy them.
 * An IAM Access Analyzer of the account reports any role that trusts a principal outside it, and
 * the account's S3 Block Public Access keeps any bucket in it, the project's or not, from being public.
 */
export class BootstrapStack extends EnvironmentStack {
  /** Name of the state bucket. */
  readonly stateBucketName: string;

  constructor(scope: Construct, props: EnvironmentStackProps) {
    super(scope, "bootstrap", props);
    const { config } = this;
    const trailArn = config.state.dataEventTrail ? stateTrailArn(config) : undefined;
    const admins: StateStorageAdmins = { accountId: config.account.id, adminRoleArns: stateAdminRoleArns(config) };
    const key = new KmsKey(this, "state-key", {
      description: `Terraform state of ${config.name}`,
      alias: stateKeyAlias(config),
      accountId: config.account.id,
      region: config.account.region,
      // Without this key the state (and so every stack) cannot be read: never destroyed by a plan.
      preventDestroy: true,
      allowCloudTrailFrom: trailArn,
      onlyChangedBy: admins,
    });
    const bucket = new SecureBucket(this, "state-bucket", {
      bucketName: stateBucketName(config),
      kmsKeyArn: key.arn,
      noncurrentVersionExpireAfterDays: config.state.noncurrentVersionExpirationDays,
      onlyChangedBy: admins,
    });
    this.stateBucketName = bucket.bucketName;
    let auditBucketArn: string | undefined;
    if (trailArn) {
      const auditBucket = new SecureBucket(this, "audit-bucket", {
        bucketName: auditBucketName(config),
        kmsKeyArn: key.arn,
        receivesTrailLogsFrom: trailArn,
        noncurrentVersionExpireAfterDays: config.state.noncurrentVersionExpirationDays,
        onlyChangedBy: admins,
        objectsAreEvidence: true,
      });
      auditBucketArn = auditBucket.arn;
      new S3DataEventTrail(this, "state-access-trail", {
        trailName: stateTrailName(config),
        watchedBucketArn: bucket.arn,
        logBucket: auditBucket,
        kmsKeyArn: key.arn,
      });
    }

    // Neither CI nor any role it creates may change or destroy the state storage, or stop the trail.
    const stateDenies = stateTamperingDenyStatements({
      keyArn: key.arn,
      stateBucketArn: bucket.arn,
      auditBucketArn,
      trailArn,
    });
    // No role CI creates reads or writes state: it may not use the state key at all.
    const boundaryDenies = [...stateDenies, ...stateKeyUseDenyStatements(key.arn)];
    const families = boundedRoleFamilies(config);
    const boundaryScope = {
      accountId: config.account.id,
      namePrefix: resourcePrefix(config),
      secretArnPatterns: environmentSecretPatterns(config),
    };
    const boundary = new PermissionsBoundary(this, "permissions-boundary", {
      policyName: permissionsBoundaryName(config),
      description: "Boundary of the workload roles CI creates (pods, runner, hosts): what their policies grant",
      families: families.workload,
      scope: boundaryScope,
      alsoDeny: boundaryDenies,
    });
    const serviceRoleBoundary = new PermissionsBoundary(this, "service-role-boundary", {
      policyName: serviceRoleBoundaryName(config),
      description: "Boundary of the AWS service roles CI creates (EKS, nodes, flow logs, RDS, Backup)",
      families: families.serviceRoles,
      scope: boundaryScope,
      alsoDeny: boundaryDenies,
    });
    const oidc = new GithubOidcProvider(this, "github-oidc", { create: config.ci.createGithubOidcProvider });
    // A role that trusts a principal outside the account shows up as a finding (docs/organization-guardrails.md).
    // One account-level analyzer per account and region (IAM Access Analyzer quotas): made by the
    // environment that makes the account's other one-per-account identity, the OIDC provider.
    if (config.ci.createGithubOidcProvider) {
      new AccessAnalyzer(this, "access-analyzer", {
        analyzerName: `${resourcePrefix(config)}-external-access`,
        knownCrossAccountTrusts: zoneDelegationTrusts(config),
        knownFederation: { providerArn: oidc.arn, roleArns: ciRolesOfTheAccount(config) },
      });
    }
    // S3 Block Public Access of the whole account: a bucket made outside this project cannot be
    // public either. The setting is the account's, so one stack owns it: the one that creates the
    // account's OIDC provider (config allows one per account, config/cross-environment.ts).
    if (config.ci.createGithubOidcProvider) {
      new AccountPublicAccessBlock(this, "account-public-access-block", { accountId: config.account.id });
    }
    // Named, not referenced: the same ARN strings every stack's roles carry and the deploy role's conditions compare.
    const charts: ChartRepositories = {
      accountId: config.account.id,
      region: config.account.region,
      ...chartRepositoriesOf(this.imageMirror(), CHART_SOURCES),
    };
    const roles = ciRoles(config, oidc.arn, permissionsBoundaryArns(config), charts);
    // Beyond the state storage, no CI role deletes or disables a key (destroying one is the people's).
    const ciDenies = [...stateDenies, ...ciKeyDestructionDenies()];
    this.addOutputs({
      permissions_boundary_arn: boundary.arn,
      service_role_boundary_arn: serviceRoleBoundary.arn,
      ...Object.fromEntries(
        CI_ROLES.map((role) => [
          `${role.replace("-", "_")}_role_arn`,
          new GithubActionsRole(this, `${role}-role`, withDenies(roles[role], ciDenies)).arn,
        ]),
      ),
    });
  }
}

/**
 * The kinds of role the environment's other stacks create under each boundary: the host, the zone
 * delegation roles and the backup role only where config makes them.
 */
function boundedRoleFamilies(config: EnvironmentConfig): {
  workload: BoundedRoleFamily[];
  serviceRoles: BoundedRoleFamily[];
} {
  return {
    workload: [
      POD_ROLES,
      RUNNER_ROLE,
      ...(config.cluster.operatorAccess.enabled ? [OPERATOR_HOST_ROLE] : []),
      ...(config.dns.childEnvironments.length > 0 ? [ZONE_DELEGATION_ROLES] : []),
    ],
    serviceRoles: [
      CLUSTER_ROLE,
      NODE_ROLES,
      FLOW_LOG_ROLE,
      RDS_MONITORING_ROLE,
      ...(config.database.backupPlan ? [BACKUP_ROLE] : []),
    ],
  };
}

/** The environment's secrets: its own path, and the master secret RDS keeps in the caller's name (`rds!...`). */
function environmentSecretPatterns(config: EnvironmentConfig): string[] {
  const secrets = `arn:aws:secretsmanager:${config.account.region}:${config.account.id}:secret`;
  return [`${secrets}:${PROJECT}/${config.name}/*`, `${secrets}:rds!*`];
}

/**
 * The trusts of other accounts the environment's roles hold on purpose: each child environment's
 * account, on that child's zone delegation roles (writer and reader) only.
 */
function zoneDelegationTrusts(config: EnvironmentConfig): KnownCrossAccountTrust[] {
  return config.dns.childEnvironments
    .filter((child) => child.accountId !== config.account.id)
    .map((child) => {
      const writer = zoneDelegationRoleArn(config, child.name);
      return {
        ruleName: `zone-delegation-${child.name}`,
        accountId: child.accountId,
        roleArns: [writer, `${writer}${ZONE_READER_SUFFIX}`],
      };
    });
}

/** The CI roles of every environment of the account: this one's and those it shares the account with. */
function ciRolesOfTheAccount(config: EnvironmentConfig): string[] {
  const environments = [config.name, ...config.account.sharedWith];
  return environments.flatMap((name) => CI_ROLES.map((role) => ciRoleArn({ name, account: config.account }, role)));
}

/** A CI role's permissions with the given denies added to its inline policy. */
function withDenies<T extends { statements?: PolicyStatement[] }>(role: T, denies: PolicyStatement[]): T {
  return { ...role, statements: [...(role.statements ?? []), ...denies] };
}

/** Built from its name: the key and bucket policies must name the trail before it exists. */
function stateTrailArn(config: EnvironmentConfig): string {
  return `arn:aws:cloudtrail:${config.account.region}:${config.account.id}:trail/${stateTrailName(config)}`;
}

/**
 * The four CI roles: who may assume each (GitHub token subjects) and what it may do. `charts`: the
 * ECR repositories the platform stack's Helm charts come from (plan and deploy pull and mirror them).
 */
function ciRoles(
  config: EnvironmentConfig,
  oidcProviderArn: string,
  boundaryArns: string[],
  charts: ChartRepositories,
) {
  const { infraRepository, appRepository, branches } = config.ci;
  const { id: accountId, region } = config.account;
  const stateOnly: StateAccess = { accountId, region, keyAliases: [stateKeyAlias(config)] };
  const stateAndData: StateAccess = {
    ...stateOnly,
    keyAliases: [stateKeyAlias(config), `alias/${resourcePrefix(config)}`],
  };
  const stateObject = (concern: (typeof CONCERNS)[number]) =>
    `arn:aws:s3:::${stateBucketName(config)}/${stateKey(config, concern)}`;
  const common = { oidcProviderArn };
  // The reviewed environment is not enough: only the called workflow that plans (applies) there, run from main.
  const onMainOnly = (workflowPath: string) => ({
    jobWorkflowRefs: [githubJobWorkflowRef(infraRepository, workflowPath, INFRA_BRANCH)],
    refs: [`refs/heads/${INFRA_BRANCH}`],
  });
  // Plans read the parent zone's delegation through its read-only role (docs/dns.md). No CI role
  // steps into any other role: in the account, a trust the deploy role wrote would be enough.
  const parentRole = config.dns.parent?.roleArn;
  const readParentZone = assumeOnlyTheseRolesStatements(parentRole ? [`${parentRole}${ZONE_READER_SUFFIX}`] : []);
  const stateBucketArn = `arn:aws:s3:::${stateBucketName(config)}`;
  const allStateObjects = `${stateBucketArn}/${config.name}/*`;
  // Values a refresh reads (secret versions, the image-tag parameter): this environment's only.
  const valueReads = {
    secretsmanager: [`arn:aws:secretsmanager:${region}:${accountId}:secret:${PROJECT}/${config.name}/*`],
    ssm: [`arn:aws:ssm:${region}:${accountId}:parameter/${PROJECT}/${config.name}/*`],
  };
  // Writes on resources named after the environment stay on those names.
  const applyScope = {
    resourcesByService: {
      s3: [`arn:aws:s3:::${resourcePrefix(config)}-*`, `arn:aws:s3:::${resourcePrefix(config)}-*/*`],
      ...valueReads,
      // RDS keeps the database's master password in a secret it names `rds!...`, in the caller's name.
      secretsmanager: [...valueReads.secretsmanager, `arn:aws:secretsmanager:${region}:${accountId}:secret:rds!*`],
      // Parameters under the environment's path; the operators' Session Manager document by its name.
      ssm: [...valueReads.ssm, `arn:aws:ssm:${region}:${accountId}:document/${resourcePrefix(config)}-*`],
    },
    // The pull-through cache's registry credentials (network stack), named as ECR requires: the
    // secrets only, their values are the people's (never written, nor read by any CI role).
    typesAlsoOn: [
      {
        type: "aws_secretsmanager_secret",
        resources: [
          `arn:aws:secretsmanager:${region}:${accountId}:secret:${PULL_THROUGH_SECRET_PREFIX}${resourcePrefix(config)}/*`,
        ],
      },
    ],
  };
  return {
    deploy: {
      ...common,
      roleName: ciRoleName(config, "deploy"),
      description: `GitHub Actions: terraform apply of ${config.name}, in its reviewed GitHub environment only`,
      subjects: [githubSubjects.environment(infraRepository, config.ci.githubEnvironment)],
      ...onMainOnly(APPLY_WORKFLOW_PATH),
      // What applying these stacks' resource types needs (modules/resource-type-actions.ts), no managed policy.
      largeStatements: [
        ...planReadStatements({ valueReadsOn: valueReads }),
        ...applyWriteStatements(applyScope),
        // terraform apply plans again (the Helm provider fetches each chart); deploy mirrors the charts first.
        ...chartRegistryStatements(charts),
        ...preflightReadStatements(),
      ],
      statements: [
        ...deployIamStatements({
          accountId,
          namePrefix: resourcePrefix(config),
          boundaryArns,
          protectedRoleArns: CI_ROLES.map((role) => ciRoleArn(config, role)),
          protectedPolicyArns: CI_ROLES.map((role) => `arn:aws:iam::${accountId}:policy/${ciRoleName(config, role)}-*`),
          ec2RoleArns: config.cluster.operatorAccess.enabled
            ? [`arn:aws:iam::${accountId}:role/${operatorAccessHostRoleName(operatorAccessName(config))}`]
            : [],
        }),
        ...stateWriteStatements({ ...stateAndData, bucketArn: stateBucketArn, readableObjectArns: [allStateObjects] }),
        // Grants and data keys on the environment's keys only, through the services that use them.
        ...deployKeyStatements({
          accountId,
          region,
          environmentKeyAlias: `alias/${resourcePrefix(config)}`,
          backupCopyKeys: config.database.backupPlan?.copy
            ? [{ region: config.database.backupPlan.copy.region, alias: backupCopyKeyAlias(config) }]
            : [],
        }),
        // Applying the zone's delegation writes the parent's NS records through its role (docs/dns.md).
        ...assumeOnlyTheseRolesStatements(parentRole ? [parentRole] : []),
      ],
      maxSessionDurationSeconds: APPLY_SESSION_SECONDS,
    },
    plan: {
      ...common,
      roleName: ciRoleName(config, "plan"),
      description: `GitHub Actions: full terraform plan of ${config.name} (reads secrets), in ${planEnvironment(config)}, or ${driftEnvironment(config)} for drift.yml`,
      subjects: [githubSubjects.environment(infraRepository, planEnvironment(config))],
      ...onMainOnly(PLAN_WORKFLOW_PATH),
      // The unreviewed drift environment: the same plan job, only when drift.yml called it (read-only, main only).
      alsoAdmits: [
        {
          subjects: [githubSubjects.environment(infraRepository, driftEnvironment(config))],
          ...onMainOnly(PLAN_WORKFLOW_PATH),
          workflows: [DRIFT_WORKFLOW_NAME],
        },
      ],
      largeStatements: [...planReadStatements({ valueReadsOn: valueReads }), ...preflightReadStatements()],
      statements: [
        ...stateReadStatements({ ...stateAndData, bucketArn: stateBucketArn, readableObjectArns: [allStateObjects] }),
        ...fullPlanStatements(
          stateAndData,
          `arn:aws:secretsmanager:${region}:${accountId}:secret:${PROJECT}/${config.name}/*`,
        ),
        ...readParentZone,
        // Its one write (docs/who-can.md): the Helm provider fetches each chart while planning, so
        // the plan job mirrors the charts without an OCI publication into their `<env>-charts/<chart>`
        // and fills the pinned charts' cache repositories: a chart version bump is plannable before
        // anything is applied.
        // What it writes is public, named by main's reviewed code and checked against the digests
        // pinned there (modules/addons/chart-digests.json) before it is pushed, under an immutable
        // tag. Only an apply installs a chart: it can change nothing that runs.
        ...chartRegistryStatements(charts),
      ],
      maxSessionDurationSeconds: APPLY_SESSION_SECONDS,
    },
    "pr-plan": {
      ...common,
      roleName: ciRoleName(config, "pr-plan"),
      description: `GitHub Actions: pull-request plan of ${config.name} (${PULL_REQUEST_CONCERNS.join(", ")}); no secret readable`,
      subjects: [githubSubjects.pullRequest(infraRepository)],
      // Small enough inline: no value reads, and the stacks a pull request plans read only their own state.
      statements: [
        ...planReadStatements(),
        ...stateReadStatements({
          ...stateOnly,
          bucketArn: stateBucketArn,
          readableObjectArns: PULL_REQUEST_CONCERNS.map(stateObject),
        }),
        ...pullRequestPlanStatements({
          ...stateOnly,
          secretStateObjectArns: CONCERNS.filter((c) => !PULL_REQUEST_CONCERNS.includes(c)).map(stateObject),
          dataObjectArns: [`arn:aws:s3:::${resourcePrefix(config)}-*/*`],
        }),
        ...readParentZone,
      ],
    },
    "push-image": {
      ...common,
      roleName: ciRoleName(config, "push-image"),
      description: `GitHub Actions: push the app image to ${imageRepositoryName(config)} (ECR only)`,
      subjects: branches.map((b) => githubSubjects.branch(appRepository, b)),
      // Only the image workflow of this repository's main, not any job of the app repository's main.
      jobWorkflowRefs: [githubJobWorkflowRef(infraRepository, IMAGE_WORKFLOW_PATH, INFRA_BRANCH)],
      statements: [
        ...imagePushStatements(`arn:aws:ecr:${region}:${accountId}:repository/${imageRepositoryName(config)}`),
        ...assumeOnlyTheseRolesStatements([]),
      ],
    },
  };
}
