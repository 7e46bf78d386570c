import type { Construct } from "constructs";
import type { AwsManagedPolicyName } from "./aws-managed-policies";
import { RegistryModule, type RegistryModuleSpec } from "./registry-module";

/**
 * terraform-aws-modules/eks/aws: 21.11.0 is the newest release that accepts AWS provider 6.25.0
 * (v19 and v20 use arguments AWS provider 6 removed).
 */
export const EKS_MODULE: RegistryModuleSpec = {
  source: "terraform-aws-modules/eks/aws",
  version: "21.11.0",
  inputs: [
    "name",
    "kubernetes_version",
    "upgrade_policy",
    "vpc_id",
    "subnet_ids",
    "control_plane_subnet_ids",
    "service_ipv4_cidr",
    "endpoint_public_access",
    "endpoint_private_access",
    "endpoint_public_access_cidrs",
    "security_group_additional_rules",
    "enabled_log_types",
    "cloudwatch_log_group_retention_in_days",
    "cloudwatch_log_group_kms_key_id",
    "create_kms_key",
    "encryption_config",
    "attach_encryption_policy",
    "authentication_mode",
    "enable_cluster_creator_admin_permissions",
    "enable_irsa",
    "access_entries",
    "addons",
    "eks_managed_node_groups",
    "iam_role_permissions_boundary",
    "deletion_protection",
    "tags",
  ],
  // tls and time from the module itself, cloudinit and null from its node groups' user data.
  pinnedProviders: {
    tls: { source: "hashicorp/tls", version: "4.1.0" },
    time: { source: "hashicorp/time", version: "0.13.1" },
    cloudinit: { source: "hashicorp/cloudinit", version: "2.3.7" },
    null: { source: "hashicorp/null", version: "3.2.4" },
  },
};

/** A Pod Identity association made by an EKS add-on (module `addons[*].pod_identity_association`). */
export interface EksAddonPodIdentity {
  /** Role the add-on's service account assumes. */
  readonly role_arn: string;
  /** The add-on's service account name. */
  readonly service_account: string;
}

/** An extra rule on the cluster security group (module `security_group_additional_rules` value). */
export interface EksSecurityGroupRule {
  /** What the rule is for. */
  readonly description: string;
  /** `ingress` or `egress`. @default "ingress" */
  readonly type: "ingress" | "egress";
  /** IP protocol. @default "tcp" */
  readonly protocol: "tcp";
  /** First port. */
  readonly from_port: number;
  /** Last port. */
  readonly to_port: number;
  /** Security group the traffic comes from. */
  readonly source_security_group_id: string;
}

/** One EKS managed add-on (module `addons` map value). */
export interface EksAddon {
  /** Install before the node groups (networking and identity add-ons nodes need to join). @default false */
  readonly before_compute?: boolean;
  /** Use the newest add-on version for the cluster's Kubernetes version. @default true */
  readonly most_recent?: boolean;
  /** The add-on version, e.g. v1.19.0-eksbuild.1 (takes precedence over most_recent). @default - most_recent decides */
  readonly addon_version?: string;
  /** IAM for the add-on through EKS Pod Identity. @default none */
  readonly pod_identity_association?: EksAddonPodIdentity[];
  /** The add-on's own settings, as a JSON document. @default null */
  readonly configuration_values?: string;
}

/** A policy given to an access entry (module `access_entries[*].policy_associations` value). */
export interface EksAccessPolicyAssociation {
  /** EKS access policy ARN, e.g. arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy. */
  readonly policy_arn: string;
  /** `cluster` or `namespace` scope. */
  readonly access_scope: { readonly type: "cluster" | "namespace"; readonly namespaces?: string[] };
}

/** An IAM principal let into the cluster (module `access_entries` map value). */
export interface EksAccessEntry {
  /** IAM role or user ARN. */
  readonly principal_arn: string;
  /** Access policies by name. */
  readonly policy_associations: Record<string, EksAccessPolicyAssociation>;
}

/** Instance metadata settings of a node group's launch template. */
export interface EksMetadataOptions {
  /** `required` makes IMDSv2 mandatory. */
  readonly http_tokens: "required" | "optional";
  /** 1 keeps pods (one network hop further) away from the node's credentials. */
  readonly http_put_response_hop_limit: number;
  /** Keep the metadata endpoint on. */
  readonly http_endpoint: "enabled";
}

/** One EKS managed node group (module `eks_managed_node_groups` map value). */
export interface EksManagedNodeGroup {
  /** Node group name. */
  readonly name: string;
  /** Instance types, most preferred first. */
  readonly instance_types: string[];
  /** SPOT or ON_DEMAND. */
  readonly capacity_type: "SPOT" | "ON_DEMAND";
  /** Fewest nodes. */
  readonly min_size: number;
  /** Most nodes. */
  readonly max_size: number;
  /** Nodes at creation (the autoscaler owns it afterwards). */
  readonly desired_size: number;
  /** EKS-optimized AMI family, e.g. AL2023_x86_64_STANDARD. */
  readonly ami_type: string;
  /**
   * Kubernetes minor of the nodes, e.g. "1.35": the control plane's or one below while an upgrade
   * rolls the nodes last. @default - the cluster's version
   */
  readonly kubernetes_version?: string;
  /** AMI release, e.g. 1.35.0-20251209. @default - the newest at creation */
  readonly ami_release_version?: string;
  /** Follow the newest AMI release on every apply (rolls the nodes whenever AWS publishes one). @default module's */
  readonly use_latest_ami_release_version?: boolean;
  /** Subnets the nodes run in (private only). */
  readonly subnet_ids: string[];
  /** Kubernetes labels on the nodes. */
  readonly labels: Record<string, string>;
  /** Instance metadata (IMDS) settings. */
  readonly metadata_options: EksMetadataOptions;
  /** Root volume settings by device name. */
  readonly block_device_mappings: Record<
    string,
    {
      readonly device_name: string;
      readonly ebs: {
        readonly volume_size: number;
        readonly volume_type: string;
        readonly encrypted: boolean;
        readonly delete_on_termination: boolean;
      };
    }
  >;
  /** Share of nodes replaced at once during updates. */
  readonly update_config: { readonly max_unavailable_percentage: number };
  /** Name of the node IAM role (a prefix: the module appends a suffix). */
  readonly iam_role_name: string;
  /** Attach AmazonEKS_CNI_Policy to the node role. */
  readonly iam_role_attach_cni_policy: boolean;
  /** Extra managed policies on the node role, by name. */
  readonly iam_role_additional_policies: Record<string, string>;
  /** Permissions boundary of the node role. @default null */
  readonly iam_role_permissions_boundary?: string;
}

/** Inputs of the EKS module we set; names follow its variables.tf in camelCase. */
export interface EksModuleProps {
  /** Cluster name. */
  readonly name: string;
  /** Kubernetes minor version, e.g. "1.35". */
  readonly kubernetesVersion: string;
  /**
   * What EKS does when the minor leaves standard support: `STANDARD` upgrades the control plane
   * then, `EXTENDED` keeps it 12 more months at the extended-support price. @default null (EKS: EXTENDED)
   */
  readonly upgradePolicy?: { readonly support_type: "STANDARD" | "EXTENDED" };
  /** VPC of the cluster. */
  readonly vpcId: string;
  /** Subnets for nodes (and the control plane unless controlPlaneSubnetIds is set). */
  readonly subnetIds: string[];
  /** Subnets for the control plane's network interfaces. @default subnetIds */
  readonly controlPlaneSubnetIds?: string[];
  /**
   * Kubernetes Service CIDR. Set only at creation. @default - EKS picks 10.100.0.0/16 or 172.20.0.0/16
   * by the VPC's range, so pin it where anything (a NetworkPolicy to the `kubernetes` Service) names it.
   */
  readonly serviceIpv4Cidr?: string;
  /** Public API endpoint. @default false */
  readonly endpointPublicAccess?: boolean;
  /** Private API endpoint inside the VPC. @default true */
  readonly endpointPrivateAccess?: boolean;
  /** CIDRs allowed to reach the public endpoint. @default ["0.0.0.0/0"] */
  readonly endpointPublicAccessCidrs?: string[];
  /** Extra rules on the cluster security group (which guards the private endpoint), by key. @default {} */
  readonly securityGroupAdditionalRules?: Record<string, EksSecurityGroupRule>;
  /** Control-plane log types sent to CloudWatch. @default ["audit", "api", "authenticator"] */
  readonly enabledLogTypes?: string[];
  /** Retention of the control-plane log group (days). @default 90 */
  readonly cloudwatchLogGroupRetentionInDays?: number;
  /** KMS key ARN that encrypts the control-plane log group. @default null */
  readonly cloudwatchLogGroupKmsKeyId?: string;
  /** Let the module create its own KMS key. @default true */
  readonly createKmsKey?: boolean;
  /** Envelope encryption of Kubernetes secrets with a KMS key. @default { resources = ["secrets"] } */
  readonly encryptionConfig?: { readonly provider_key_arn: string; readonly resources: string[] };
  /** Give the cluster role permission to use the encryption key. @default true */
  readonly attachEncryptionPolicy?: boolean;
  /** API (access entries only), API_AND_CONFIG_MAP or CONFIG_MAP. @default "API_AND_CONFIG_MAP" */
  readonly authenticationMode?: "API" | "API_AND_CONFIG_MAP";
  /** Make whoever runs terraform a cluster admin. @default false */
  readonly enableClusterCreatorAdminPermissions?: boolean;
  /** Create the IRSA OIDC provider (not needed with Pod Identity). @default true */
  readonly enableIrsa?: boolean;
  /** IAM principals let into the cluster, by name. @default {} */
  readonly accessEntries?: Record<string, EksAccessEntry>;
  /** EKS managed add-ons by add-on name. @default null */
  readonly addons?: Record<string, EksAddon>;
  /** Permissions boundary of the cluster's IAM role. @default null */
  readonly iamRolePermissionsBoundary?: string;
  /** Managed node groups by key. @default null */
  readonly eksManagedNodeGroups?: Record<string, EksManagedNodeGroup>;
  /** Refuse deletion of the cluster. @default null */
  readonly deletionProtection?: boolean;
  /** Tags on every resource of the module. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * What the module attaches to the IAM roles it creates, which carry `iam_role_permissions_boundary`:
 * the service-role boundary must let all of it through. Read from the module at v21.11.0: main.tf
 * "IAM Role" attaches AmazonEKSClusterPolicy to the cluster role (neither auto mode nor Outposts
 * here) and, with `attach_encryption_policy` and `encryption_config`, a `cluster_encryption` policy
 * of these four actions on the secrets key
 * (https://github.com/terraform-aws-modules/terraform-aws-eks/blob/v21.11.0/main.tf);
 * modules/eks-managed-node-group/main.tf attaches AmazonEKSWorkerNodePolicy and
 * AmazonEC2ContainerRegistryReadOnly to every node group role, AmazonEKS_CNI_Policy only with
 * `iam_role_attach_cni_policy`, and `iam_role_additional_policies` as given
 * (https://github.com/terraform-aws-modules/terraform-aws-eks/blob/v21.11.0/modules/eks-managed-node-group/main.tf).
 */
export const EKS_MODULE_ROLE_POLICIES = {
  cluster: {
    awsManaged: ["AmazonEKSClusterPolicy"],
    encryptionPolicyActions: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
  },
  nodeGroup: {
    awsManaged: ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly"],
    /** Attached too when `iam_role_attach_cni_policy` is true (IPv4 clusters). */
    withCniPolicy: "AmazonEKS_CNI_Policy",
  },
} as const satisfies {
  cluster: { awsManaged: readonly AwsManagedPolicyName[]; encryptionPolicyActions: readonly string[] };
  nodeGroup: { awsManaged: readonly AwsManagedPolicyName[]; withCniPolicy: AwsManagedPolicyName };
};

/** The EKS control plane, its node groups and add-ons (terraform-aws-modules/eks/aws). */
export class EksModule extends RegistryModule {
  constructor(scope: Construct, id: string, props: EksModuleProps) {
    super(scope, id, EKS_MODULE, props);
  }

  /** Name of the cluster (output `cluster_name`): depends on the cluster existing. */
  get clusterName(): string {
    return this.output("cluster_name");
  }

  /** ARN of the cluster (output `cluster_arn`). */
  get clusterArn(): string {
    return this.output("cluster_arn");
  }

  /** API server endpoint (output `cluster_endpoint`). */
  get clusterEndpoint(): string {
    return this.output("cluster_endpoint");
  }

  /**
   * The module's cluster security group, on the control plane's interfaces in the VPC (the
   * private endpoint) and holding `securityGroupAdditionalRules` (output `cluster_security_group_id`).
   */
  get clusterSecurityGroupId(): string {
    return this.output("cluster_security_group_id");
  }

  /** Security group shared by all nodes (output `node_security_group_id`). */
  get nodeSecurityGroupId(): string {
    return this.output("node_security_group_id");
  }

  /** The EKS-created security group on control plane and managed nodes (output `cluster_primary_security_group_id`). */
  get clusterPrimarySecurityGroupId(): string {
    return this.output("cluster_primary_security_group_id");
  }
}
