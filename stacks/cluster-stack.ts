import type { Construct } from "constructs";
import {
  APPLY_SESSION_SECONDS,
  CI_LOG_RETENTION_DAYS,
  ciRoleName,
  PROJECT,
  clusterName,
  imageRepositoryName,
  nodeRoleName,
  resourcePrefix,
  runnerProjectName,
  stateKeyAlias,
  type EnvironmentConfig,
  type NodeGroupConfig,
} from "../config";
import { EksModule, type EksAccessEntry, type EksManagedNodeGroup } from "../modules/eks-module";
import { GithubActionsRole } from "../modules/github-actions-role";
import { GithubActionsRunner } from "../modules/github-actions-runner";
import { GithubOidcProvider, githubSubjects } from "../modules/github-oidc";
import type { PolicyStatement } from "../modules/iam-policy";
import { ImageRepository } from "../modules/image-repository";
import { PodIdentityRole } from "../modules/pod-identity-role";
import { EnvironmentStack, type EnvironmentStackProps } from "./environment-stack";

/** What the cluster stack takes from the network stack. */
export interface ClusterStackProps extends EnvironmentStackProps {
  /** VPC of the cluster. */
  readonly vpcId: string;
  /** Private subnets for the control plane's interfaces and the nodes. */
  readonly privateSubnetIds: string[];
  /** The environment's KMS key (secrets envelope encryption, log groups, ECR). */
  readonly kmsKeyArn: string;
}

const CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
const CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
/** Read access to every object, secrets included: enough for the Kubernetes and Helm providers to plan. */
const CLUSTER_VIEW_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy";
const MANAGED_POLICY = (name: string) => `arn:aws:iam::aws:policy/${name}`;

/** Service accounts the platform and app stacks create, bound here to their roles. */
export const SERVICE_ACCOUNTS = {
  clusterAutoscaler: { namespace: "kube-system", name: "cluster-autoscaler" },
  externalSecrets: { namespace: "external-secrets", name: "external-secrets" },
  app: { namespace: "marketing-agents", name: "marketing-agents" },
} as const;

/**
 * `<env>-cluster`: EKS with its managed node groups and add-ons, the Pod Identity roles later
 * stacks bind, the app's ECR repository, and the GitHub Actions roles that deploy and push.
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
  /** The application's image repository. */
  readonly imageRepository: ImageRepository;
  /** Role GitHub Actions assumes to run terraform apply for this environment. */
  readonly deployRole: GithubActionsRole;
  /** The in-VPC GitHub Actions runner: CI's way to the cluster API. */
  readonly runner: GithubActionsRunner;

  constructor(scope: Construct, props: ClusterStackProps) {
    super(scope, "cluster", props);
    const { config } = this;
    const prefix = resourcePrefix(config);

    const addonRoles = {
      vpcCni: new PodIdentityRole(this, "vpc-cni-role", {
        roleName: `${prefix}-vpc-cni`,
        description: "VPC CNI (aws-node) manages pod networking",
        clusterName: clusterName(config),
        managedPolicyArns: [MANAGED_POLICY("AmazonEKS_CNI_Policy")],
      }),
      ebsCsi: new PodIdentityRole(this, "ebs-csi-role", {
        roleName: `${prefix}-ebs-csi`,
        description: "EBS CSI driver creates and attaches volumes",
        clusterName: clusterName(config),
        managedPolicyArns: [MANAGED_POLICY("service-role/AmazonEBSCSIDriverPolicy")],
      }),
    };

    const oidc = new GithubOidcProvider(this, "github-oidc", { create: config.ci.createGithubOidcProvider });
    this.deployRole = new GithubActionsRole(this, "deploy-role", {
      roleName: ciRoleName(config, "deploy"),
      description: `GitHub Actions: terraform apply of ${config.name}`,
      oidcProviderArn: oidc.arn,
      subjects: [
        githubSubjects.environment(config.ci.infraRepository, config.ci.githubEnvironment),
        ...config.ci.branches.map((b) => githubSubjects.branch(config.ci.infraRepository, b)),
      ],
      managedPolicyArns: [MANAGED_POLICY("PowerUserAccess")],
      statements: deployIamStatements(config),
      maxSessionDurationSeconds: APPLY_SESSION_SECONDS,
    });
    const planRole = new GithubActionsRole(this, "plan-role", {
      roleName: ciRoleName(config, "plan"),
      description: `GitHub Actions: terraform plan of ${config.name} (read only, no state lock)`,
      oidcProviderArn: oidc.arn,
      subjects: [
        githubSubjects.pullRequest(config.ci.infraRepository),
        ...config.ci.branches.map((b) => githubSubjects.branch(config.ci.infraRepository, b)),
      ],
      managedPolicyArns: [MANAGED_POLICY("ReadOnlyAccess")],
      statements: planReadStatements(config),
    });

    this.runner = new GithubActionsRunner(this, "ci-runner", {
      projectName: runnerProjectName(config),
      repository: config.ci.infraRepository,
      connectionArn: config.ci.runner.connectionArn,
      accountId: config.account.id,
      region: config.account.region,
      vpcId: props.vpcId,
      subnetIds: props.privateSubnetIds,
      computeType: config.ci.runner.computeType,
      buildTimeoutMinutes: APPLY_SESSION_SECONDS / 60,
      kmsKeyArn: props.kmsKeyArn,
      logRetentionDays: CI_LOG_RETENTION_DAYS,
    });

    this.eks = new EksModule(this, "eks", {
      name: clusterName(config),
      kubernetesVersion: config.cluster.kubernetesVersion,
      vpcId: props.vpcId,
      subnetIds: props.privateSubnetIds,
      controlPlaneSubnetIds: props.privateSubnetIds,
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
        ...clusterAccess("admin", [...config.cluster.adminRoleArns, this.deployRole.arn], CLUSTER_ADMIN_POLICY),
        ...clusterAccess("view", [planRole.arn], CLUSTER_VIEW_POLICY),
      },
      addons: {
        "eks-pod-identity-agent": { before_compute: true, most_recent: true },
        "vpc-cni": {
          before_compute: true,
          most_recent: true,
          pod_identity_association: [{ role_arn: addonRoles.vpcCni.arn, service_account: "aws-node" }],
          // Enforces the app's NetworkPolicy (the VPC CNI's network policy agent is off by default).
          configuration_values: JSON.stringify({ enableNetworkPolicy: "true" }),
        },
        "kube-proxy": { most_recent: true },
        coredns: { most_recent: true },
        "aws-ebs-csi-driver": {
          most_recent: true,
          pod_identity_association: [{ role_arn: addonRoles.ebsCsi.arn, service_account: "ebs-csi-controller-sa" }],
        },
      },
      eksManagedNodeGroups: nodeGroups(config, props.privateSubnetIds),
      deletionProtection: config.cluster.deletionProtection,
    });

    this.clusterAutoscalerRole = new PodIdentityRole(this, "cluster-autoscaler-role", {
      roleName: `${prefix}-cluster-autoscaler`,
      description: "cluster-autoscaler resizes this cluster's node groups",
      clusterName: this.eks.clusterName,
      serviceAccount: SERVICE_ACCOUNTS.clusterAutoscaler,
      statements: clusterAutoscalerStatements(clusterName(config)),
    });
    this.externalSecretsRole = new PodIdentityRole(this, "external-secrets-role", {
      roleName: `${prefix}-external-secrets`,
      description: "external-secrets reads this environment's secrets (granted by the data stack)",
      clusterName: this.eks.clusterName,
      serviceAccount: SERVICE_ACCOUNTS.externalSecrets,
    });
    this.appRole = new PodIdentityRole(this, "app-role", {
      roleName: `${prefix}-app`,
      description: "marketing-agents pods (buckets granted by the data stack)",
      clusterName: this.eks.clusterName,
      serviceAccount: SERVICE_ACCOUNTS.app,
    });

    this.imageRepository = new ImageRepository(this, "image-repository", {
      name: imageRepositoryName(config),
      kmsKeyArn: props.kmsKeyArn,
      keepLastImages: config.cluster.ecrKeepLastImages,
    });
    const pushRole = new GithubActionsRole(this, "push-image-role", {
      roleName: ciRoleName(config, "push-image"),
      description: `GitHub Actions: push the app image to ${prefix} (ECR only)`,
      oidcProviderArn: oidc.arn,
      subjects: config.ci.branches.map((b) => githubSubjects.branch(config.ci.appRepository, b)),
      statements: ecrPushStatements(this.imageRepository.arn, props.kmsKeyArn),
    });

    this.addOutputs({
      cluster_name: this.eks.clusterName,
      image_repository_url: this.imageRepository.url,
      deploy_role_arn: this.deployRole.arn,
      plan_role_arn: planRole.arn,
      push_image_role_arn: pushRole.arn,
      ci_runner_project: this.runner.projectName,
    });
  }
}

function nodeGroups(config: EnvironmentConfig, subnetIds: string[]): Record<string, EksManagedNodeGroup> {
  const entries = Object.entries(config.cluster.nodeGroups).map(([name, group]) => [
    name,
    nodeGroup(config, name, group, subnetIds),
  ]);
  return Object.fromEntries(entries);
}

function nodeGroup(
  config: EnvironmentConfig,
  name: string,
  group: NodeGroupConfig,
  subnetIds: string[],
): EksManagedNodeGroup {
  return {
    name: `${config.name}-${name}`,
    instance_types: [...group.instanceTypes],
    capacity_type: group.capacityType,
    min_size: group.minSize,
    max_size: group.maxSize,
    desired_size: group.desiredSize,
    ami_type: "AL2023_x86_64_STANDARD",
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
    iam_role_additional_policies: { ssm: MANAGED_POLICY("AmazonSSMManagedInstanceCore") },
  };
}

function clusterAccess(name: string, principalArns: string[], policyArn: string): Record<string, EksAccessEntry> {
  const entries = principalArns.map((principalArn, i) => [
    `${name}-${i}`,
    {
      principal_arn: principalArn,
      policy_associations: { [name]: { policy_arn: policyArn, access_scope: { type: "cluster" as const } } },
    },
  ]);
  return Object.fromEntries(entries);
}

/**
 * What ReadOnlyAccess lacks for `terraform plan -lock=false`: decrypting the state and the
 * environment's encrypted data (keys found by alias), and reading this environment's secrets.
 */
function planReadStatements(config: EnvironmentConfig): PolicyStatement[] {
  const { id: account, region } = config.account;
  return [
    {
      Sid: "DecryptStateAndEnvironmentData",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: `arn:aws:kms:${region}:${account}:key/*`,
      Condition: {
        "ForAnyValue:StringEquals": {
          "kms:ResourceAliases": [stateKeyAlias(config), `alias/${resourcePrefix(config)}`],
        },
      },
    },
    {
      Sid: "ReadThisEnvironmentsSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: `arn:aws:secretsmanager:${region}:${account}:secret:${PROJECT}/${config.name}/*`,
    },
  ];
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

/** IAM actions terraform apply needs on this environment's roles, policies and the GitHub OIDC provider. */
const DEPLOY_IAM_ACTIONS = [
  "iam:CreateRole",
  "iam:DeleteRole",
  "iam:GetRole",
  "iam:UpdateRole",
  "iam:UpdateAssumeRolePolicy",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:PassRole",
  "iam:ListInstanceProfilesForRole",
  "iam:PutRolePolicy",
  "iam:GetRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:ListRolePolicies",
  "iam:AttachRolePolicy",
  "iam:DetachRolePolicy",
  "iam:ListAttachedRolePolicies",
  "iam:CreatePolicy",
  "iam:DeletePolicy",
  "iam:GetPolicy",
  "iam:TagPolicy",
  "iam:UntagPolicy",
  "iam:CreatePolicyVersion",
  "iam:DeletePolicyVersion",
  "iam:GetPolicyVersion",
  "iam:ListPolicyVersions",
  "iam:CreateInstanceProfile",
  "iam:DeleteInstanceProfile",
  "iam:GetInstanceProfile",
  "iam:TagInstanceProfile",
  "iam:AddRoleToInstanceProfile",
  "iam:RemoveRoleFromInstanceProfile",
  "iam:CreateOpenIDConnectProvider",
  "iam:DeleteOpenIDConnectProvider",
  "iam:GetOpenIDConnectProvider",
  "iam:TagOpenIDConnectProvider",
  "iam:UpdateOpenIDConnectProviderThumbprint",
  "iam:AddClientIDToOpenIDConnectProvider",
];

/** terraform apply needs wide rights (PowerUserAccess); IAM is limited to this environment's names. */
function deployIamStatements(config: EnvironmentConfig): PolicyStatement[] {
  const account = config.account.id;
  const prefix = resourcePrefix(config);
  return [
    {
      Sid: "ManageThisEnvironmentsIam",
      Effect: "Allow",
      Action: DEPLOY_IAM_ACTIONS,
      Resource: [
        `arn:aws:iam::${account}:role/${prefix}-*`,
        `arn:aws:iam::${account}:policy/${prefix}-*`,
        `arn:aws:iam::${account}:instance-profile/*`,
        `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`,
      ],
    },
    { Sid: "ReadIam", Effect: "Allow", Action: ["iam:Get*", "iam:List*"], Resource: "*" },
    { Sid: "ServiceLinkedRoles", Effect: "Allow", Action: "iam:CreateServiceLinkedRole", Resource: "*" },
  ];
}

function ecrPushStatements(repositoryArn: string, kmsKeyArn: string): PolicyStatement[] {
  return [
    { Sid: "Login", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
    {
      Sid: "PushToThisRepository",
      Effect: "Allow",
      Action: [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:CompleteLayerUpload",
        "ecr:DescribeImages",
        "ecr:InitiateLayerUpload",
        "ecr:PutImage",
        "ecr:UploadLayerPart",
      ],
      Resource: repositoryArn,
    },
    { Sid: "EncryptLayers", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: kmsKeyArn },
  ];
}
