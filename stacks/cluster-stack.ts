import { Fn } from "cdktf";
import type { Construct } from "constructs";
import {
  amiReleaseMinor,
  APPLY_SESSION_SECONDS,
  CI_LOG_RETENTION_DAYS,
  ciRoleArn,
  clusterName,
  containerLogGroupName,
  EKS_SERVICE_CIDR,
  imageRepositoryName,
  nodeRoleName,
  operatorAccessName,
  permissionsBoundaryArn as permissionsBoundaryArnOf,
  serviceRoleBoundaryArn,
  resourcePrefix,
  runnerProjectName,
  RUNNER_WORKFLOW_NAMES,
  type EnvironmentConfig,
  type NodeGroupConfig,
} from "../config";
import { CHART_SOURCES } from "../modules/addons/chart-sources";
import { awsManagedPolicyArn } from "../modules/aws-managed-policies";
import { ChartMirrorRepositories } from "../modules/chart-mirror-repositories";
import { EksModule, type EksAccessEntry, type EksAddon, type EksManagedNodeGroup } from "../modules/eks-module";
import { ContainerLogGroup } from "../modules/container-log-group";
import { DelegatedRole } from "../modules/delegated-role";
import { GithubActionsRunner } from "../modules/github-actions-runner";
import type { PolicyStatement } from "../modules/iam-policy";
import { ImagePullThroughCache, type ImagePullThroughCacheProps } from "../modules/image-pull-through-cache";
import { ImageRepository } from "../modules/image-repository";
import { OperatorAccessHost } from "../modules/operator-access-host";
import { STORE_SESSION_TAG, storeSessionTagValue } from "../modules/kubernetes/database-app-user";
import { PodIdentityRole } from "../modules/pod-identity-role";
import { dnsRecordStatements, metricReadStatements, topicPublishStatements } from "../modules/role-policies";
import { EnvironmentStack, type EnvironmentStackProps } from "./environment-stack";

/** What the cluster stack takes from the network stack. */
export interface ClusterStackProps extends EnvironmentStackProps {
  /** VPC of the cluster. */
  readonly vpcId: string;
  /** Private subnets for the control plane's interfaces and the nodes. */
  readonly privateSubnetIds: string[];
  /** The environment's KMS key (secrets envelope encryption, log groups, ECR). */
  readonly kmsKeyArn: string;
  /** The environment's alert topic, which Alertmanager publishes to. */
  readonly alertTopicArn: string;
  /** The environment's DNS zone, the only one ExternalDNS may write. */
  readonly dnsZoneArn: string;
  /** Secret ARNs of the upstream registries' credentials (network stack), by upstream. */
  readonly imagePullCredentialArns: ImagePullThroughCacheProps["credentialArns"];
}

const CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
const CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
/** Read access to every object, secrets included: enough for the Kubernetes and Helm providers to plan. */
const CLUSTER_VIEW_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy";

/** Service accounts the platform and app stacks (or EKS add-ons) create, bound here to their roles. */
export const SERVICE_ACCOUNTS = {
  vpcCni: { namespace: "kube-system", name: "aws-node" },
  ebsCsi: { namespace: "kube-system", name: "ebs-csi-controller-sa" },
  clusterAutoscaler: { namespace: "kube-system", name: "cluster-autoscaler" },
  externalSecrets: { namespace: "external-secrets", name: "external-secrets" },
  app: { namespace: "marketing-agents", name: "marketing-agents" },
  alertmanager: { namespace: "monitoring", name: "alertmanager" },
  externalDns: { namespace: "external-dns", name: "external-dns" },
  fluentBit: { namespace: "logging", name: "aws-for-fluent-bit" },
  grafana: { namespace: "monitoring", name: "grafana" },
} as const;

/** The create-app-user Job's namespace: the only place the master credentials are. */
export const DATABASE_ADMIN_NAMESPACE = `${SERVICE_ACCOUNTS.app.namespace}-db-admin`;

/**
 * `<env>-cluster`: EKS with its managed node groups and add-ons, the Pod Identity roles later
 * stacks bind, the app's ECR repository, the pull-through cache and chart mirror the cluster pulls
 * public images and charts through, and the GitHub Actions roles that deploy and push.
 */
export class ClusterStack extends EnvironmentStack {
  /** The EKS module. */
  readonly eks: EksModule;
  /** Role of the cluster autoscaler's pods. */
  readonly clusterAutoscalerRole: PodIdentityRole;
  /** Role of external-secrets' pods (the data stack grants it the environment's secrets). */
  readonly externalSecretsRole: PodIdentityRole;
  /** Role of the application's pods (the data stack grants it its buckets). */
  readonly appRole: PodIdentityRole;
  /** Role external-secrets assumes, for the database-admin store only, to read the master secret. */
  readonly databaseAdminRole: DelegatedRole;
  /** The application's image repository. */
  readonly imageRepository: ImageRepository;
  /** The pull-through cache rules every public image of the cluster comes through. */
  readonly pullThroughCache: ImagePullThroughCache;
  /** The in-VPC GitHub Actions runner: CI's way to the cluster API. */
  readonly runner: GithubActionsRunner;
  /** People's Session Manager way to the private API (`cluster.operatorAccess`); undefined when off. */
  readonly operatorAccess?: OperatorAccessHost;

  constructor(scope: Construct, props: ClusterStackProps) {
    super(scope, "cluster", props);
    const { config } = this;
    const prefix = resourcePrefix(config);
    const permissionsBoundaryArn = permissionsBoundaryArnOf(config);

    // The add-ons' roles exist before the cluster (the add-ons make their own associations).
    const addonCluster = { ...podIdentityCluster(config), name: clusterName(config) };
    const addonRoles = {
      vpcCni: new PodIdentityRole(this, "vpc-cni-role", {
        roleName: `${prefix}-vpc-cni`,
        description: "VPC CNI (aws-node) manages pod networking",
        cluster: addonCluster,
        serviceAccount: SERVICE_ACCOUNTS.vpcCni,
        associate: false,
        permissionsBoundaryArn,
        managedPolicyArns: [awsManagedPolicyArn("AmazonEKS_CNI_Policy")],
      }),
      ebsCsi: new PodIdentityRole(this, "ebs-csi-role", {
        roleName: `${prefix}-ebs-csi`,
        description: "EBS CSI driver creates and attaches volumes",
        cluster: addonCluster,
        serviceAccount: SERVICE_ACCOUNTS.ebsCsi,
        associate: false,
        permissionsBoundaryArn,
        managedPolicyArns: [awsManagedPolicyArn("AmazonEBSCSIDriverPolicy")],
      }),
    };

    this.runner = new GithubActionsRunner(this, "ci-runner", {
      projectName: runnerProjectName(config),
      repository: config.ci.infraRepository,
      connectionArn: config.ci.runner.connectionArn,
      accountId: config.account.id,
      region: config.account.region,
      vpcId: props.vpcId,
      // One element per subnet: the runner role names each subnet it may put interfaces in.
      subnetIds: config.network.availabilityZones.map((_, i) => Fn.element(props.privateSubnetIds, i)),
      computeType: config.ci.runner.computeType,
      jobs: {
        workflowNames: RUNNER_WORKFLOW_NAMES,
        actorAccountIds: config.ci.runner.actorAccountIds,
      },
      buildTimeoutMinutes: APPLY_SESSION_SECONDS / 60,
      kmsKeyArn: props.kmsKeyArn,
      logRetentionDays: CI_LOG_RETENTION_DAYS,
      permissionsBoundaryArn,
    });

    this.operatorAccess = operatorAccessHost(this, config, props);

    // Before the nodes: they pull every public image through these rules.
    this.pullThroughCache = new ImagePullThroughCache(this, "pull-through-cache", {
      mirror: this.imageMirror(),
      credentialArns: props.imagePullCredentialArns,
      accountId: config.account.id,
      region: config.account.region,
      nodePolicyName: `${prefix}-node-pull-through-cache`,
    });
    // Beside it, for the charts: the OCI ones come through the same rules; the HTTPS ones from the
    // repositories the deploy command mirrors them into (`<env>-charts/<chart>`).
    new ChartMirrorRepositories(this, "chart-mirror", {
      mirror: this.imageMirror(),
      charts: CHART_SOURCES,
      kmsKeyArn: props.kmsKeyArn,
    });

    this.eks = new EksModule(this, "eks", {
      name: clusterName(config),
      kubernetesVersion: config.cluster.kubernetesVersion,
      upgradePolicy: { support_type: config.cluster.supportType },
      vpcId: props.vpcId,
      subnetIds: props.privateSubnetIds,
      controlPlaneSubnetIds: props.privateSubnetIds,
      // The platform's NetworkPolicies name the `kubernetes` Service's address in this range.
      serviceIpv4Cidr: EKS_SERVICE_CIDR,
      endpointPublicAccess: config.cluster.endpointPublicAccess,
      endpointPrivateAccess: true,
      // Without a public endpoint the list means nothing; the module's default stays untouched.
      endpointPublicAccessCidrs: config.cluster.endpointPublicAccess
        ? [...config.cluster.endpointPublicAccessCidrs]
        : undefined,
      securityGroupAdditionalRules: {
        "ingress-ci-runner": {
          description: "Cluster API from the in-VPC GitHub Actions runner",
          type: "ingress",
          protocol: "tcp",
          from_port: 443,
          to_port: 443,
          source_security_group_id: this.runner.securityGroupId,
        },
        ...(this.operatorAccess ? { "ingress-operator-access": this.operatorAccess.clusterApiIngressRule() } : {}),
      },
      enabledLogTypes: CONTROL_PLANE_LOGS,
      cloudwatchLogGroupRetentionInDays: config.cluster.logRetentionDays,
      cloudwatchLogGroupKmsKeyId: props.kmsKeyArn,
      createKmsKey: false,
      encryptionConfig: { provider_key_arn: props.kmsKeyArn, resources: ["secrets"] },
      attachEncryptionPolicy: true,
      authenticationMode: "API",
      enableClusterCreatorAdminPermissions: false,
      enableIrsa: false,
      accessEntries: {
        ...clusterAccess("admin", [...config.cluster.adminRoleArns, ciRoleArn(config, "deploy")], CLUSTER_ADMIN_POLICY),
        ...clusterAccess("view", [ciRoleArn(config, "plan")], CLUSTER_VIEW_POLICY),
      },
      addons: pinnedAddons(config, {
        "eks-pod-identity-agent": { before_compute: true },
        "vpc-cni": {
          before_compute: true,
          pod_identity_association: [
            { role_arn: addonRoles.vpcCni.arn, service_account: SERVICE_ACCOUNTS.vpcCni.name },
          ],
          // Enforces the app's NetworkPolicy (the VPC CNI's network policy agent is off by default).
          configuration_values: JSON.stringify({ enableNetworkPolicy: "true" }),
        },
        "kube-proxy": {},
        coredns: {},
        "aws-ebs-csi-driver": {
          pod_identity_association: [
            { role_arn: addonRoles.ebsCsi.arn, service_account: SERVICE_ACCOUNTS.ebsCsi.name },
          ],
        },
      }),
      // The cluster and node roles run AWS's managed policies: the service-role boundary.
      iamRolePermissionsBoundary: serviceRoleBoundaryArn(config),
      eksManagedNodeGroups: nodeGroups(config, props.privateSubnetIds, this.pullThroughCache.nodePolicyArn),
      deletionProtection: config.cluster.deletionProtection,
    });

    this.operatorAccess?.reachClusterApi({
      securityGroupId: this.eks.clusterSecurityGroupId,
      endpoint: this.eks.clusterEndpoint,
    });
    const cluster = { ...podIdentityCluster(config), name: this.eks.clusterName };

    this.clusterAutoscalerRole = new PodIdentityRole(this, "cluster-autoscaler-role", {
      roleName: `${prefix}-cluster-autoscaler`,
      description: "cluster-autoscaler resizes this cluster's node groups",
      cluster,
      serviceAccount: SERVICE_ACCOUNTS.clusterAutoscaler,
      permissionsBoundaryArn,
      statements: clusterAutoscalerStatements(clusterName(config)),
    });
    this.externalSecretsRole = new PodIdentityRole(this, "external-secrets-role", {
      roleName: `${prefix}-external-secrets`,
      description: "external-secrets reads this environment's secrets (granted by the data stack)",
      cluster,
      serviceAccount: SERVICE_ACCOUNTS.externalSecrets,
      permissionsBoundaryArn,
    });
    this.appRole = new PodIdentityRole(this, "app-role", {
      roleName: `${prefix}-app`,
      description: "marketing-agents pods (buckets granted by the data stack)",
      cluster,
      serviceAccount: SERVICE_ACCOUNTS.app,
      permissionsBoundaryArn,
    });

    new PodIdentityRole(this, "alertmanager-role", {
      roleName: `${prefix}-alertmanager`,
      description: "Alertmanager publishes alerts to the environment's SNS topic",
      cluster,
      serviceAccount: SERVICE_ACCOUNTS.alertmanager,
      permissionsBoundaryArn,
      statements: topicPublishStatements(props.alertTopicArn, props.kmsKeyArn, config.account.region),
    });
    new PodIdentityRole(this, "external-dns-role", {
      roleName: `${prefix}-external-dns`,
      description: "ExternalDNS writes the app's records in the environment's zone",
      cluster,
      serviceAccount: SERVICE_ACCOUNTS.externalDns,
      permissionsBoundaryArn,
      statements: dnsRecordStatements(props.dnsZoneArn, { hostnames: [config.app.domain] }),
    });
    new PodIdentityRole(this, "grafana-role", {
      roleName: `${prefix}-grafana`,
      description: "Grafana's CloudWatch data source reads the database's and cache's metrics",
      cluster,
      serviceAccount: SERVICE_ACCOUNTS.grafana,
      permissionsBoundaryArn,
      statements: metricReadStatements(),
    });
    const containerLogs = new ContainerLogGroup(this, "container-logs", {
      name: containerLogGroupName(config),
      retentionDays: config.cluster.logRetentionDays,
      kmsKeyArn: props.kmsKeyArn,
      logGroupClass: config.cluster.containerLogClass,
    });
    new PodIdentityRole(this, "fluent-bit-role", {
      roleName: `${prefix}-fluent-bit`,
      description: "Fluent Bit ships container logs to the cluster's container log group",
      cluster,
      serviceAccount: SERVICE_ACCOUNTS.fluentBit,
      permissionsBoundaryArn,
      statements: containerLogs.shipperStatements(),
    });
    this.databaseAdminRole = new DelegatedRole(this, "database-admin-role", {
      roleName: `${prefix}-db-admin`,
      description: "Reads the RDS master secret for the create-app-user Job (granted by the data stack)",
      permissionsBoundaryArn,
      trustedRole: this.externalSecretsRole,
      // Only external-secrets of this cluster, and only for the database-admin namespace's store.
      trustConditions: {
        StringEquals: {
          "aws:PrincipalTag/eks-cluster-arn": cluster.arn,
          "aws:PrincipalTag/kubernetes-namespace": SERVICE_ACCOUNTS.externalSecrets.namespace,
          "aws:PrincipalTag/kubernetes-service-account": SERVICE_ACCOUNTS.externalSecrets.name,
          [`aws:RequestTag/${STORE_SESSION_TAG}`]: storeSessionTagValue(DATABASE_ADMIN_NAMESPACE),
        },
      },
    });

    this.imageRepository = new ImageRepository(this, "image-repository", {
      name: imageRepositoryName(config),
      kmsKeyArn: props.kmsKeyArn,
      keepLastImages: config.cluster.ecrKeepLastImages,
      preventDestroy: config.retainOnDestroy,
    });

    this.addOutputs({
      cluster_name: this.eks.clusterName,
      image_repository_url: this.imageRepository.url,
      ci_runner_project: this.runner.projectName,
    });
    if (this.operatorAccess) {
      this.addOutputs({
        operator_access_instance_id: this.operatorAccess.instanceId,
        operator_access_policy_arn: this.operatorAccess.operatorPolicyArn,
        operator_access_document_name: this.operatorAccess.documentName,
      });
    }
  }
}

type AddonName = keyof EnvironmentConfig["cluster"]["addonVersions"];

/** The cluster as Pod Identity trusts name it: its ARN, literal (known before apply). */
function podIdentityCluster(config: EnvironmentConfig): { arn: string } {
  const { id, region } = config.account;
  return { arn: `arn:aws:eks:${region}:${id}:cluster/${clusterName(config)}` };
}

/** The Session Manager host people forward the private API through, where config turns it on. */
function operatorAccessHost(
  scope: Construct,
  config: EnvironmentConfig,
  props: ClusterStackProps,
): OperatorAccessHost | undefined {
  const access = config.cluster.operatorAccess;
  if (!access.enabled) return undefined;
  // Config refuses operatorAccess without the ssm and ssmmessages interface endpoints.
  return new OperatorAccessHost(scope, "operator-access", {
    name: operatorAccessName(config),
    accountId: config.account.id,
    region: config.account.region,
    vpcId: props.vpcId,
    vpcCidr: config.network.vpcCidr,
    subnetId: Fn.element(props.privateSubnetIds, 0),
    instanceType: access.instanceType,
    amiRelease: access.amiRelease,
    kmsKeyArn: props.kmsKeyArn,
    permissionsBoundaryArn: permissionsBoundaryArnOf(config),
    operatorRoleArns: [...config.cluster.adminRoleArns],
    clusterName: clusterName(config),
  });
}

/**
 * Every add-on at the version config pins: `most_recent` would let any apply upgrade one, on
 * the day AWS publishes a new build.
 */
function pinnedAddons(config: EnvironmentConfig, addons: Record<AddonName, EksAddon>): Record<string, EksAddon> {
  const entries = Object.entries(addons).map(([name, addon]) => [
    name,
    { ...addon, most_recent: false, addon_version: config.cluster.addonVersions[name as AddonName] },
  ]);
  return Object.fromEntries(entries);
}

function nodeGroups(
  config: EnvironmentConfig,
  subnetIds: string[],
  pullThroughPolicyArn: string,
): Record<string, EksManagedNodeGroup> {
  const entries = Object.entries(config.cluster.nodeGroups).map(([name, group]) => [
    name,
    nodeGroup(config, name, group, subnetIds, pullThroughPolicyArn),
  ]);
  return Object.fromEntries(entries);
}

function nodeGroup(
  config: EnvironmentConfig,
  name: string,
  group: NodeGroupConfig,
  subnetIds: string[],
  pullThroughPolicyArn: string,
): EksManagedNodeGroup {
  return {
    name: `${config.name}-${name}`,
    instance_types: [...group.instanceTypes],
    capacity_type: group.capacityType,
    min_size: group.minSize,
    max_size: group.maxSize,
    desired_size: group.desiredSize,
    ami_type: "AL2023_x86_64_STANDARD",
    // The release's own minor: the control plane's, or one below until the nodes roll (the last
    // step of an upgrade, docs/day-2.md).
    kubernetes_version: amiReleaseMinor(config.cluster.nodeAmiReleaseVersion),
    // The pinned release: a new AMI rolls the nodes only when config says so.
    ami_release_version: config.cluster.nodeAmiReleaseVersion,
    use_latest_ami_release_version: false,
    subnet_ids: subnetIds,
    labels: { "node-group": name, capacity: group.capacityType.toLowerCase() },
    // IMDSv2 only; hop limit 1 keeps pods off the node role (they get credentials via Pod Identity).
    metadata_options: { http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1 },
    block_device_mappings: {
      root: {
        device_name: "/dev/xvda",
        ebs: { volume_size: group.diskSizeGib, volume_type: "gp3", encrypted: true, delete_on_termination: true },
      },
    },
    update_config: { max_unavailable_percentage: 33 },
    iam_role_name: nodeRoleName(config, name),
    // aws-node gets the CNI policy through Pod Identity, not from the node role.
    iam_role_attach_cni_policy: false,
    iam_role_additional_policies: {
      ssm: awsManagedPolicyArn("AmazonSSMManagedInstanceCore"),
      // Public images come through the environment's pull-through cache (modules/image-mirror.ts).
      "pull-through-cache": pullThroughPolicyArn,
    },
    iam_role_permissions_boundary: serviceRoleBoundaryArn(config),
  };
}

/**
 * Access entries keyed by the principal's role name, never by position: adding or removing an
 * admin creates or destroys exactly that entry (a position key would shift every later one, and
 * EKS refuses the re-created duplicate principal mid-apply).
 */
function clusterAccess(name: string, principalArns: string[], policyArn: string): Record<string, EksAccessEntry> {
  const entries = principalArns.map((principalArn) => [
    `${name}-${principalArn.split("/").pop()}`,
    {
      principal_arn: principalArn,
      policy_associations: { [name]: { policy_arn: policyArn, access_scope: { type: "cluster" as const } } },
    },
  ]);
  return Object.fromEntries(entries);
}

/** cluster-autoscaler may change only the node groups EKS tagged as this cluster's. */
function clusterAutoscalerStatements(cluster: string): PolicyStatement[] {
  return [
    {
      Sid: "Discover",
      Effect: "Allow",
      Action: [
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:DescribeAutoScalingInstances",
        "autoscaling:DescribeLaunchConfigurations",
        "autoscaling:DescribeScalingActivities",
        "autoscaling:DescribeTags",
        "ec2:DescribeImages",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeLaunchTemplateVersions",
        "ec2:GetInstanceTypesFromInstanceRequirements",
        "eks:DescribeNodegroup",
      ],
      Resource: "*",
    },
    {
      Sid: "ScaleOwnNodeGroups",
      Effect: "Allow",
      Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
      Resource: "*",
      Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${cluster}`]: "owned" } },
    },
  ];
}
