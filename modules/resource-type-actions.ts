/**
 * The IAM actions Terraform (hashicorp/aws 6.25.0) calls to plan and to apply each resource and data
 * source type the stacks hold, including the types the registry modules create. The CI roles are
 * built from this table, never from an AWS managed policy: a type missing here fails
 * `__tests__/security/resource-type-actions.test.ts`, every action is checked against the IAM
 * action catalog there, and what a role may then do is evaluated in `who-can-do-what.test.ts`.
 *
 * Action names: the Service Authorization Reference,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 * (one page per service, e.g. .../list_amazonec2.html, list_amazonelastickubernetesservice.html,
 * list_amazonrds.html, list_awskeymanagementservice.html, list_amazons3.html).
 */

/** What one type costs in IAM actions. */
export interface TypeActions {
  /** What refreshing it calls (a plan). */
  readonly read: readonly string[];
  /** What creating, updating, tagging and deleting it calls (an apply), on top of `read`. */
  readonly write: readonly string[];
  /** Reads that return a stored value (a secret, a parameter): never granted to a pull request. */
  readonly readsValue?: readonly string[];
  /**
   * Write actions an argument adds when it is set (on the resource, or the registry module input of
   * the same name that passes it through): creating from a backup calls another API than creating
   * empty. Granted to the deploy role always: the bootstrap stack is applied by people, and a
   * restore must not wait for them. @default {} - no argument changes the calls
   */
  readonly whenArgument?: Readonly<Record<string, readonly string[]>>;
  /**
   * Services whose service-linked role creating this type creates in the caller's name, the first
   * time in an account (`iam:CreateServiceLinkedRole` with `iam:AWSServiceName`, each service's
   * service-linked role guide). @default [] - the type creates none
   */
  readonly serviceLinkedRoles?: readonly string[];
}

const NONE: TypeActions = { read: [], write: [] };

/**
 * KMS actions a service performs with a key for the caller (grants, data keys). A type lists the
 * ones its API calls need, but the deploy role gets them only on the environment's keys, through
 * the service that uses them (`deployKeyStatements` in ci-role-policies.ts), never from the
 * per-service allow-list on `*`.
 */
export const KMS_KEY_USE_ACTIONS: readonly string[] = [
  "kms:CreateGrant",
  "kms:RetireGrant",
  "kms:Decrypt",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
];

/**
 * Actions CI never needs and is denied on every key (`ciKeyDestructionDenies`): deleting or
 * disabling a key loses what it encrypts (the database, secrets, images, backups). Destroying a
 * key is done by people.
 */
export const PEOPLE_ONLY_KEY_ACTIONS: readonly string[] = ["kms:ScheduleKeyDeletion", "kms:DisableKey"];

const EC2_TAGS = ["ec2:CreateTags", "ec2:DeleteTags"];
const S3_BUCKET_READ = [
  "s3:ListBucket",
  "s3:GetBucketLocation",
  "s3:GetBucketPolicy",
  "s3:GetBucketAcl",
  "s3:GetBucketCORS",
  "s3:GetBucketWebsite",
  "s3:GetBucketVersioning",
  "s3:GetAccelerateConfiguration",
  "s3:GetBucketRequestPayment",
  "s3:GetBucketLogging",
  "s3:GetLifecycleConfiguration",
  "s3:GetReplicationConfiguration",
  "s3:GetEncryptionConfiguration",
  "s3:GetBucketObjectLockConfiguration",
  "s3:GetBucketTagging",
];
const SECURITY_GROUP_RULES = {
  read: ["ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups"],
  write: [
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:ModifySecurityGroupRules",
    "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
    "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
    ...EC2_TAGS,
  ],
};
const LOG_GROUP: TypeActions = {
  read: ["logs:DescribeLogGroups", "logs:ListTagsForResource", "logs:ListTagsLogGroup"],
  write: [
    "logs:CreateLogGroup",
    "logs:DeleteLogGroup",
    "logs:PutRetentionPolicy",
    "logs:DeleteRetentionPolicy",
    "logs:AssociateKmsKey",
    "logs:DisassociateKmsKey",
    "logs:TagResource",
    "logs:UntagResource",
    "logs:TagLogGroup",
    "logs:UntagLogGroup",
  ],
};
const KMS_KEY: TypeActions = {
  read: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
  write: [
    "kms:CreateKey",
    "kms:PutKeyPolicy",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:UpdateKeyDescription",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
  ],
};
const KMS_ALIAS: TypeActions = {
  read: ["kms:ListAliases"],
  write: ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
};
const IAM_ROLE: TypeActions = {
  read: ["iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"],
  write: [
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:UpdateRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
  ],
};
const IAM_POLICY: TypeActions = {
  read: ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"],
  write: [
    "iam:CreatePolicy",
    "iam:DeletePolicy",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicyVersion",
    "iam:TagPolicy",
  ],
};
const IAM_ATTACHMENT: TypeActions = {
  read: ["iam:ListAttachedRolePolicies"],
  write: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
};
const SECURITY_GROUP: TypeActions = {
  read: ["ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:DescribeNetworkInterfaces"],
  write: ["ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup", ...SECURITY_GROUP_RULES.write],
};
const DB_SUBNET_GROUP: TypeActions = {
  read: ["rds:DescribeDBSubnetGroups", "rds:ListTagsForResource"],
  write: ["rds:CreateDBSubnetGroup", "rds:ModifyDBSubnetGroup", "rds:DeleteDBSubnetGroup", "rds:AddTagsToResource"],
};
const ROUTE_TABLE_READ = ["ec2:DescribeRouteTables"];

/**
 * Resource types: the stacks' own and those the registry modules create.
 * IAM writes are listed for completeness; the deploy role gets them from `deployIamStatements`,
 * scoped to the environment's names and the boundary.
 */
export const RESOURCE_TYPE_ACTIONS: Readonly<Record<string, TypeActions>> = {
  // The account's external-access analyzer (bootstrap, people only). Creating the first analyzer
  // creates Access Analyzer's service-linked role.
  aws_accessanalyzer_analyzer: {
    read: ["access-analyzer:GetAnalyzer", "access-analyzer:ListTagsForResource"],
    write: [
      "access-analyzer:CreateAnalyzer",
      "access-analyzer:UpdateAnalyzer",
      "access-analyzer:DeleteAnalyzer",
      "access-analyzer:TagResource",
      "access-analyzer:UntagResource",
      "iam:CreateServiceLinkedRole",
    ],
  },
  aws_accessanalyzer_archive_rule: {
    read: ["access-analyzer:GetArchiveRule"],
    write: [
      "access-analyzer:CreateArchiveRule",
      "access-analyzer:UpdateArchiveRule",
      "access-analyzer:DeleteArchiveRule",
    ],
  },
  aws_backup_plan: {
    read: ["backup:GetBackupPlan", "backup:ListTags"],
    // https://docs.aws.amazon.com/aws-backup/latest/devguide/using-service-linked-roles-AWSServiceRoleForBackup.html
    serviceLinkedRoles: ["backup.amazonaws.com"],
    write: [
      "backup:CreateBackupPlan",
      "backup:UpdateBackupPlan",
      "backup:DeleteBackupPlan",
      "backup:TagResource",
      "backup:UntagResource",
    ],
  },
  aws_backup_selection: {
    read: ["backup:GetBackupSelection"],
    write: ["backup:CreateBackupSelection", "backup:DeleteBackupSelection"],
  },
  aws_backup_vault: {
    read: ["backup:DescribeBackupVault", "backup:ListTags"],
    // A vault with a customer key: the creator needs these on the vault's key, AWS Backup's
    // "Required permissions", https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault.html.
    write: [
      "backup:CreateBackupVault",
      "backup:DeleteBackupVault",
      "backup:TagResource",
      "backup:UntagResource",
      "backup-storage:MountCapsule",
      "kms:CreateGrant",
      "kms:DescribeKey",
      "kms:RetireGrant",
      "kms:Decrypt",
      "kms:GenerateDataKey",
    ],
  },
  aws_budgets_budget: {
    read: ["budgets:ViewBudget", "budgets:ListTagsForResource"],
    write: ["budgets:ModifyBudget", "budgets:TagResource", "budgets:UntagResource"],
  },
  aws_cloudtrail: {
    read: [
      "cloudtrail:GetTrail",
      "cloudtrail:DescribeTrails",
      "cloudtrail:GetTrailStatus",
      "cloudtrail:GetEventSelectors",
      "cloudtrail:GetInsightSelectors",
      "cloudtrail:ListTags",
    ],
    write: [
      "cloudtrail:CreateTrail",
      "cloudtrail:UpdateTrail",
      "cloudtrail:DeleteTrail",
      "cloudtrail:StartLogging",
      "cloudtrail:StopLogging",
      "cloudtrail:PutEventSelectors",
      "cloudtrail:AddTags",
      "cloudtrail:RemoveTags",
    ],
  },
  aws_cloudwatch_log_group: LOG_GROUP,
  aws_cloudwatch_metric_alarm: {
    read: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
    write: [
      "cloudwatch:PutMetricAlarm",
      "cloudwatch:DeleteAlarms",
      "cloudwatch:TagResource",
      "cloudwatch:UntagResource",
    ],
  },
  aws_codebuild_project: {
    read: ["codebuild:BatchGetProjects"],
    // The project authenticates to GitHub with a CodeConnections connection it is handed.
    write: [
      "codebuild:CreateProject",
      "codebuild:UpdateProject",
      "codebuild:DeleteProject",
      "codeconnections:PassConnection",
      "codeconnections:GetConnection",
      "codeconnections:UseConnection",
    ],
  },
  aws_codebuild_webhook: {
    read: ["codebuild:BatchGetProjects"],
    write: ["codebuild:CreateWebhook", "codebuild:UpdateWebhook", "codebuild:DeleteWebhook"],
  },
  aws_db_instance: {
    read: ["rds:DescribeDBInstances", "rds:ListTagsForResource"],
    // A restore (database.restore) creates the instance through another API: from a DB snapshot (or
    // an AWS Backup recovery point of RDS), or from the automated backups at a point in time
    // (terraform-provider-aws internal/service/rds/instance.go, resourceInstanceCreate); the same
    // ModifyDBInstance and RebootDBInstance follow. The environment key: RDS creates a grant on it in
    // the caller's name (kms:CreateGrant, kms:DescribeKey on the key,
    // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.Keys.html), as for
    // a created instance.
    whenArgument: {
      snapshot_identifier: ["rds:RestoreDBInstanceFromDBSnapshot"],
      restore_to_point_in_time: ["rds:RestoreDBInstanceToPointInTime"],
    },
    // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAM.ServiceLinkedRoles.html
    serviceLinkedRoles: ["rds.amazonaws.com"],
    // A master password managed by RDS: RDS creates the secret (`rds!...`) in the caller's name.
    // Deleting with a final snapshot (final_snapshot_identifier) takes a DB snapshot in the
    // caller's name: rds:CreateDBSnapshot, https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html.
    write: [
      "rds:CreateDBInstance",
      "rds:ModifyDBInstance",
      "rds:DeleteDBInstance",
      "rds:CreateDBSnapshot",
      "rds:RebootDBInstance",
      "rds:AddTagsToResource",
      "rds:RemoveTagsFromResource",
      "secretsmanager:CreateSecret",
      "secretsmanager:TagResource",
      "kms:CreateGrant",
    ],
  },
  aws_db_option_group: {
    read: ["rds:DescribeOptionGroups", "rds:ListTagsForResource"],
    write: ["rds:CreateOptionGroup", "rds:ModifyOptionGroup", "rds:DeleteOptionGroup", "rds:AddTagsToResource"],
  },
  aws_db_parameter_group: {
    read: ["rds:DescribeDBParameterGroups", "rds:DescribeDBParameters", "rds:ListTagsForResource"],
    write: [
      "rds:CreateDBParameterGroup",
      "rds:ModifyDBParameterGroup",
      "rds:ResetDBParameterGroup",
      "rds:DeleteDBParameterGroup",
      "rds:AddTagsToResource",
    ],
  },
  aws_db_subnet_group: DB_SUBNET_GROUP,
  aws_default_network_acl: {
    read: ["ec2:DescribeNetworkAcls"],
    write: [
      "ec2:CreateNetworkAclEntry",
      "ec2:ReplaceNetworkAclEntry",
      "ec2:DeleteNetworkAclEntry",
      "ec2:ReplaceNetworkAclAssociation",
      ...EC2_TAGS,
    ],
  },
  aws_default_route_table: {
    read: ROUTE_TABLE_READ,
    write: ["ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute", ...EC2_TAGS],
  },
  aws_default_security_group: { read: SECURITY_GROUP.read, write: SECURITY_GROUP_RULES.write },
  aws_ecr_lifecycle_policy: {
    read: ["ecr:GetLifecyclePolicy"],
    write: ["ecr:PutLifecyclePolicy", "ecr:DeleteLifecyclePolicy"],
  },
  // The rule itself has no tags; ECR reads a rule's credential through its own service-linked role.
  aws_ecr_pull_through_cache_rule: {
    read: ["ecr:DescribePullThroughCacheRules"],
    // https://docs.aws.amazon.com/AmazonECR/latest/userguide/slr-pullthroughcache.html
    serviceLinkedRoles: ["pullthroughcache.ecr.amazonaws.com"],
    write: ["ecr:CreatePullThroughCacheRule", "ecr:UpdatePullThroughCacheRule", "ecr:DeletePullThroughCacheRule"],
  },
  // The settings of the repositories the pull-through cache creates. Its actions take no resource;
  // ECR lists CreateRepository among what managing a template needs, and creating the account's
  // first template creates AWSServiceRoleForECRTemplate (trusting ecr.amazonaws.com):
  // https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates-create.html,
  // https://docs.aws.amazon.com/AmazonECR/latest/userguide/slr-rct.html
  aws_ecr_repository_creation_template: {
    read: ["ecr:DescribeRepositoryCreationTemplates"],
    serviceLinkedRoles: ["ecr.amazonaws.com"],
    write: [
      "ecr:CreateRepositoryCreationTemplate",
      "ecr:UpdateRepositoryCreationTemplate",
      "ecr:DeleteRepositoryCreationTemplate",
      "ecr:CreateRepository",
    ],
  },
  aws_ecr_repository: {
    read: ["ecr:DescribeRepositories", "ecr:ListTagsForResource"],
    // KMS encryption with a customer key: ECR creates a grant on it for the caller and retires it
    // when the repository is deleted, https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html.
    write: [
      "ecr:CreateRepository",
      "ecr:DeleteRepository",
      "ecr:PutImageTagMutability",
      "ecr:PutImageScanningConfiguration",
      "ecr:TagResource",
      "ecr:UntagResource",
      "kms:CreateGrant",
      "kms:RetireGrant",
    ],
  },
  aws_eip: {
    read: ["ec2:DescribeAddresses", "ec2:DescribeAddressesAttribute"],
    write: [
      "ec2:AllocateAddress",
      "ec2:ReleaseAddress",
      "ec2:AssociateAddress",
      "ec2:DisassociateAddress",
      ...EC2_TAGS,
    ],
  },
  aws_eks_access_entry: {
    read: ["eks:DescribeAccessEntry"],
    write: ["eks:CreateAccessEntry", "eks:UpdateAccessEntry", "eks:DeleteAccessEntry", "eks:TagResource"],
  },
  aws_eks_access_policy_association: {
    read: ["eks:ListAssociatedAccessPolicies"],
    write: ["eks:AssociateAccessPolicy", "eks:DisassociateAccessPolicy"],
  },
  aws_eks_addon: {
    read: ["eks:DescribeAddon", "eks:DescribeAddonVersions"],
    write: ["eks:CreateAddon", "eks:UpdateAddon", "eks:DeleteAddon", "eks:TagResource", "eks:UntagResource"],
  },
  aws_eks_cluster: {
    read: ["eks:DescribeCluster", "eks:ListTagsForResource"],
    // https://docs.aws.amazon.com/eks/latest/userguide/using-service-linked-roles-eks.html. The load
    // balancers' (elasticloadbalancing) is created by the cluster role (AmazonEKSClusterPolicy).
    serviceLinkedRoles: ["eks.amazonaws.com"],
    write: [
      "eks:CreateCluster",
      "eks:DeleteCluster",
      "eks:UpdateClusterConfig",
      "eks:UpdateClusterVersion",
      "eks:AssociateEncryptionConfig",
      "eks:DescribeUpdate",
      "eks:TagResource",
      "eks:UntagResource",
    ],
  },
  aws_eks_node_group: {
    read: ["eks:DescribeNodegroup"],
    // https://docs.aws.amazon.com/eks/latest/userguide/using-service-linked-roles-eks-nodegroups.html.
    // EKS then makes the Auto Scaling group, its service-linked role and the nodes' instance
    // profiles with that role (AWSServiceRoleForAmazonEKSNodegroup), not the caller's.
    serviceLinkedRoles: ["eks-nodegroup.amazonaws.com"],
    write: [
      "eks:CreateNodegroup",
      "eks:UpdateNodegroupConfig",
      "eks:UpdateNodegroupVersion",
      "eks:DeleteNodegroup",
      "eks:DescribeUpdate",
      "eks:TagResource",
      "eks:UntagResource",
    ],
  },
  aws_eks_pod_identity_association: {
    read: ["eks:DescribePodIdentityAssociation"],
    write: [
      "eks:CreatePodIdentityAssociation",
      "eks:UpdatePodIdentityAssociation",
      "eks:DeletePodIdentityAssociation",
      "eks:TagResource",
    ],
  },
  aws_elasticache_replication_group: {
    // https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/using-service-linked-roles.html
    serviceLinkedRoles: ["elasticache.amazonaws.com"],
    read: [
      "elasticache:DescribeReplicationGroups",
      "elasticache:DescribeCacheClusters",
      "elasticache:ListTagsForResource",
    ],
    // A changed num_cache_clusters is applied with Increase/DecreaseReplicaCount, not
    // ModifyReplicationGroup (terraform-provider-aws internal/service/elasticache/replication_group.go);
    // deleting with final_snapshot_identifier needs CreateSnapshot ("Without this permission, the
    // API call will fail", https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Replication.DeletingRepGroup.html).
    write: [
      "elasticache:CreateReplicationGroup",
      "elasticache:ModifyReplicationGroup",
      "elasticache:IncreaseReplicaCount",
      "elasticache:DecreaseReplicaCount",
      "elasticache:DeleteReplicationGroup",
      "elasticache:CreateSnapshot",
      "elasticache:AddTagsToResource",
      "elasticache:RemoveTagsFromResource",
    ],
  },
  aws_elasticache_subnet_group: {
    read: ["elasticache:DescribeCacheSubnetGroups", "elasticache:ListTagsForResource"],
    write: [
      "elasticache:CreateCacheSubnetGroup",
      "elasticache:ModifyCacheSubnetGroup",
      "elasticache:DeleteCacheSubnetGroup",
      "elasticache:AddTagsToResource",
    ],
  },
  aws_flow_log: {
    read: ["ec2:DescribeFlowLogs"],
    write: ["ec2:CreateFlowLogs", "ec2:DeleteFlowLogs", ...EC2_TAGS],
  },
  aws_iam_instance_profile: {
    read: ["iam:GetInstanceProfile"],
    write: ["iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:AddRoleToInstanceProfile"],
  },
  aws_iam_openid_connect_provider: {
    read: ["iam:GetOpenIDConnectProvider"],
    write: ["iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider"],
  },
  aws_iam_policy: IAM_POLICY,
  aws_iam_role: IAM_ROLE,
  aws_iam_role_policy: {
    read: ["iam:GetRolePolicy"],
    write: ["iam:PutRolePolicy", "iam:DeleteRolePolicy"],
  },
  aws_iam_role_policy_attachment: IAM_ATTACHMENT,
  aws_instance: {
    read: [
      "ec2:DescribeInstances",
      "ec2:DescribeInstanceAttribute",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeInstanceCreditSpecifications",
      "ec2:DescribeVolumes",
      "ec2:DescribeTags",
      "ec2:DescribeIamInstanceProfileAssociations",
    ],
    // Updates in place (terraform-provider-aws internal/service/ec2, aws_instance's update): a changed
    // profile is (re)associated, credit_specification and root_block_device are modified. The root
    // volume is encrypted with the environment key: EBS needs these KMS actions of the caller,
    // https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html (DescribeKey is a read).
    write: [
      "ec2:RunInstances",
      "ec2:TerminateInstances",
      "ec2:StopInstances",
      "ec2:StartInstances",
      "ec2:ModifyInstanceAttribute",
      "ec2:ModifyInstanceMetadataOptions",
      "ec2:AssociateIamInstanceProfile",
      "ec2:ReplaceIamInstanceProfileAssociation",
      "ec2:ModifyInstanceCreditSpecification",
      "ec2:ModifyVolume",
      "kms:CreateGrant",
      "kms:Decrypt",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
      ...EC2_TAGS,
    ],
  },
  aws_internet_gateway: {
    read: ["ec2:DescribeInternetGateways"],
    write: [
      "ec2:CreateInternetGateway",
      "ec2:AttachInternetGateway",
      "ec2:DetachInternetGateway",
      "ec2:DeleteInternetGateway",
      ...EC2_TAGS,
    ],
  },
  aws_kms_alias: KMS_ALIAS,
  aws_kms_key: KMS_KEY,
  aws_launch_template: {
    read: ["ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions"],
    write: [
      "ec2:CreateLaunchTemplate",
      "ec2:CreateLaunchTemplateVersion",
      "ec2:ModifyLaunchTemplate",
      "ec2:DeleteLaunchTemplate",
      ...EC2_TAGS,
    ],
  },
  aws_nat_gateway: {
    read: ["ec2:DescribeNatGateways"],
    write: ["ec2:CreateNatGateway", "ec2:DeleteNatGateway", ...EC2_TAGS],
  },
  aws_route: { read: ROUTE_TABLE_READ, write: ["ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute"] },
  aws_route53_record: {
    read: ["route53:ListResourceRecordSets", "route53:GetChange"],
    write: ["route53:ChangeResourceRecordSets"],
  },
  aws_route53_zone: {
    read: ["route53:GetHostedZone", "route53:ListTagsForResource", "route53:GetChange"],
    write: [
      "route53:CreateHostedZone",
      "route53:DeleteHostedZone",
      "route53:UpdateHostedZoneComment",
      "route53:ChangeTagsForResource",
      "route53:ListResourceRecordSets",
    ],
  },
  aws_route_table: {
    read: ROUTE_TABLE_READ,
    write: ["ec2:CreateRouteTable", "ec2:DeleteRouteTable", ...EC2_TAGS],
  },
  aws_route_table_association: {
    read: ROUTE_TABLE_READ,
    write: ["ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:ReplaceRouteTableAssociation"],
  },
  // The account's S3 Block Public Access (bootstrap, people only). The catalog has no Delete action:
  // S3 Control's DeletePublicAccessBlock (account-level) needs s3:PutAccountPublicAccessBlock too,
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
  aws_s3_account_public_access_block: {
    read: ["s3:GetAccountPublicAccessBlock"],
    write: ["s3:PutAccountPublicAccessBlock"],
  },
  aws_s3_bucket: { read: S3_BUCKET_READ, write: ["s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketTagging"] },
  aws_s3_bucket_lifecycle_configuration: {
    read: ["s3:GetLifecycleConfiguration"],
    write: ["s3:PutLifecycleConfiguration"],
  },
  aws_s3_bucket_logging: { read: ["s3:GetBucketLogging"], write: ["s3:PutBucketLogging"] },
  aws_s3_bucket_ownership_controls: {
    read: ["s3:GetBucketOwnershipControls"],
    write: ["s3:PutBucketOwnershipControls"],
  },
  aws_s3_bucket_policy: { read: ["s3:GetBucketPolicy"], write: ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy"] },
  aws_s3_bucket_public_access_block: {
    read: ["s3:GetBucketPublicAccessBlock"],
    write: ["s3:PutBucketPublicAccessBlock"],
  },
  aws_s3_bucket_server_side_encryption_configuration: {
    read: ["s3:GetEncryptionConfiguration"],
    write: ["s3:PutEncryptionConfiguration"],
  },
  aws_s3_bucket_versioning: { read: ["s3:GetBucketVersioning"], write: ["s3:PutBucketVersioning"] },
  aws_secretsmanager_secret: {
    read: ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"],
    write: [
      "secretsmanager:CreateSecret",
      "secretsmanager:UpdateSecret",
      "secretsmanager:DeleteSecret",
      "secretsmanager:TagResource",
      "secretsmanager:UntagResource",
    ],
  },
  aws_secretsmanager_secret_version: {
    read: ["secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds", "secretsmanager:GetSecretValue"],
    readsValue: ["secretsmanager:GetSecretValue"],
    write: ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
  },
  aws_security_group: SECURITY_GROUP,
  aws_security_group_rule: SECURITY_GROUP_RULES,
  aws_sns_topic: {
    read: ["sns:GetTopicAttributes", "sns:ListTagsForResource"],
    write: ["sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource"],
  },
  aws_sns_topic_policy: { read: ["sns:GetTopicAttributes"], write: ["sns:SetTopicAttributes"] },
  aws_sns_topic_subscription: {
    read: ["sns:GetSubscriptionAttributes"],
    write: ["sns:Subscribe", "sns:Unsubscribe", "sns:SetSubscriptionAttributes"],
  },
  aws_ssm_document: {
    read: ["ssm:DescribeDocument", "ssm:GetDocument", "ssm:DescribeDocumentPermission", "ssm:ListTagsForResource"],
    write: [
      "ssm:CreateDocument",
      "ssm:UpdateDocument",
      "ssm:UpdateDocumentDefaultVersion",
      "ssm:DeleteDocument",
      "ssm:AddTagsToResource",
      "ssm:RemoveTagsFromResource",
    ],
  },
  aws_ssm_parameter: {
    read: ["ssm:GetParameter", "ssm:DescribeParameters", "ssm:ListTagsForResource"],
    readsValue: ["ssm:GetParameter"],
    write: ["ssm:PutParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource"],
  },
  aws_subnet: {
    read: ["ec2:DescribeSubnets"],
    write: ["ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute", ...EC2_TAGS],
  },
  aws_vpc: {
    read: ["ec2:DescribeVpcs", "ec2:DescribeVpcAttribute"],
    write: ["ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute", ...EC2_TAGS],
  },
  aws_vpc_endpoint: {
    read: ["ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists", "ec2:DescribeVpcEndpointServices"],
    // An interface endpoint with private DNS associates the VPC with the service's private hosted
    // zone: route53:AssociateVPCWithHostedZone is a dependent action of ec2:CreateVpcEndpoint
    // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html).
    write: [
      "ec2:CreateVpcEndpoint",
      "ec2:ModifyVpcEndpoint",
      "ec2:DeleteVpcEndpoints",
      "route53:AssociateVPCWithHostedZone",
      ...EC2_TAGS,
    ],
  },
  aws_vpc_security_group_egress_rule: SECURITY_GROUP_RULES,
  aws_vpc_security_group_ingress_rule: SECURITY_GROUP_RULES,
  // Providers that call no AWS API: Kubernetes objects (authorized by the cluster's RBAC through
  // an EKS access entry), Helm releases, random values, waits.
  helm_release: NONE,
  kubernetes_config_map_v1: NONE,
  kubernetes_deployment_v1: NONE,
  kubernetes_horizontal_pod_autoscaler_v2: NONE,
  kubernetes_job_v1: NONE,
  kubernetes_manifest: NONE,
  kubernetes_namespace_v1: NONE,
  kubernetes_network_policy_v1: NONE,
  kubernetes_pod_disruption_budget_v1: NONE,
  kubernetes_secret_v1: NONE,
  kubernetes_service_account_v1: NONE,
  kubernetes_service_v1: NONE,
  kubernetes_storage_class_v1: NONE,
  random_id: NONE,
  random_password: NONE,
  time_sleep: NONE,
};

/** Data sources: read at plan and apply alike. */
export const DATA_SOURCE_ACTIONS: Readonly<Record<string, TypeActions>> = {
  aws_ami: { read: ["ec2:DescribeImages"], write: [] },
  aws_availability_zones: { read: ["ec2:DescribeAvailabilityZones"], write: [] },
  aws_eks_addon_version: { read: ["eks:DescribeAddonVersions"], write: [] },
  aws_eks_cluster: { read: ["eks:DescribeCluster"], write: [] },
  aws_route53_zone: {
    read: [
      "route53:ListHostedZones",
      "route53:ListHostedZonesByName",
      "route53:GetHostedZone",
      "route53:ListTagsForResource",
    ],
    write: [],
  },
  aws_ssm_parameter: { read: ["ssm:GetParameter"], readsValue: ["ssm:GetParameter"], write: [] },
  // The role of the session itself: IAM reads it.
  aws_iam_session_context: { read: ["iam:GetRole"], write: [] },
  // No API call, or none that needs a permission (sts:GetCallerIdentity needs none).
  aws_caller_identity: NONE,
  aws_iam_policy_document: NONE,
  aws_partition: NONE,
  aws_region: NONE,
  tls_certificate: NONE,
  // Another stack's state: granted by the state statements (bucket objects and the state key).
  terraform_remote_state: NONE,
};

/** What each registry module creates, as called here (`source@version`). */
export interface ModuleTypes {
  readonly resources: readonly string[];
  readonly dataSources: readonly string[];
}

/**
 * Types the registry modules create, read from their sources at the pinned versions (main.tf and
 * the submodules they call): https://github.com/terraform-aws-modules/terraform-aws-eks/tree/v21.11.0,
 * .../terraform-aws-rds/tree/v6.13.1, .../terraform-aws-vpc/tree/v6.5.1.
 */
export const MODULE_TYPES: Readonly<Record<string, ModuleTypes>> = {
  "terraform-aws-modules/eks/aws@21.11.0": {
    resources: [
      "aws_eks_cluster",
      "aws_eks_addon",
      "aws_eks_access_entry",
      "aws_eks_access_policy_association",
      "aws_eks_node_group",
      "aws_launch_template",
      "aws_security_group",
      "aws_security_group_rule",
      "aws_cloudwatch_log_group",
      "aws_iam_role",
      "aws_iam_policy",
      "aws_iam_role_policy_attachment",
      // Not aws_iam_openid_connect_provider: called with enable_irsa = false (Pod Identity instead).
      "aws_kms_key",
      "aws_kms_alias",
      "time_sleep",
    ],
    dataSources: [
      "aws_caller_identity",
      "aws_partition",
      "aws_region",
      "aws_iam_policy_document",
      "aws_iam_session_context",
      "aws_eks_addon_version",
      "tls_certificate",
      "aws_ssm_parameter",
    ],
  },
  "terraform-aws-modules/rds/aws@6.13.1": {
    resources: [
      "aws_db_instance",
      "aws_db_option_group",
      "aws_db_parameter_group",
      "aws_db_subnet_group",
      "aws_cloudwatch_log_group",
      "aws_iam_role",
      "aws_iam_role_policy_attachment",
    ],
    dataSources: ["aws_iam_policy_document", "aws_partition"],
  },
  "terraform-aws-modules/vpc/aws@6.5.1": {
    resources: [
      "aws_vpc",
      "aws_subnet",
      "aws_internet_gateway",
      "aws_nat_gateway",
      "aws_eip",
      "aws_route_table",
      "aws_route",
      "aws_route_table_association",
      "aws_db_subnet_group",
      "aws_default_security_group",
      "aws_default_network_acl",
      "aws_default_route_table",
      "aws_flow_log",
      "aws_cloudwatch_log_group",
      "aws_iam_role",
      "aws_iam_policy",
      "aws_iam_role_policy_attachment",
    ],
    dataSources: ["aws_iam_policy_document", "aws_region", "aws_caller_identity", "aws_partition"],
  },
};

/** Types only the bootstrap stack (applied by people) holds: never in a CI role's write list. */
export const PEOPLE_APPLIED_TYPES: readonly string[] = [
  "aws_accessanalyzer_analyzer",
  "aws_accessanalyzer_archive_rule",
  "aws_cloudtrail",
  "aws_iam_openid_connect_provider",
  "aws_s3_account_public_access_block",
];

const unique = (actions: readonly string[]) => [...new Set(actions)].sort();
const allTypes = () => [...Object.values(RESOURCE_TYPE_ACTIONS), ...Object.values(DATA_SOURCE_ACTIONS)];

/**
 * What a plan refreshes, for every type; `withValues: false` leaves out the reads that return a
 * stored value (a pull request's plan).
 */
export function planReadActions(options: { readonly withValues: boolean }): string[] {
  return unique(
    allTypes().flatMap((t) => t.read.filter((a) => options.withValues || !(t.readsValue ?? []).includes(a))),
  );
}

/** The types CI applies (people-applied types left out). */
function ciAppliedTypes(): TypeActions[] {
  return Object.entries(RESOURCE_TYPE_ACTIONS)
    .filter(([type]) => !PEOPLE_APPLIED_TYPES.includes(type))
    .map(([, t]) => t);
}

/** Every write action of the types CI applies, those their arguments add included. */
function ciAppliedWrites(): string[] {
  return ciAppliedTypes().flatMap((t) => [...t.write, ...Object.values(t.whenArgument ?? {}).flat()]);
}

/** The services whose service-linked roles applying the CI-applied types creates (`iam:AWSServiceName`). */
export function serviceLinkedRoleServices(): string[] {
  return unique(ciAppliedTypes().flatMap((t) => t.serviceLinkedRoles ?? []));
}

/**
 * What an apply writes, for every type CI applies, outside IAM (scoped on its own), the key-use
 * actions (granted on the environment's keys only, `keyUseWriteActions`) and what only people do.
 */
export function applyWriteActions(): string[] {
  return unique(
    ciAppliedWrites().filter(
      (a) => !a.startsWith("iam:") && !KMS_KEY_USE_ACTIONS.includes(a) && !PEOPLE_ONLY_KEY_ACTIONS.includes(a),
    ),
  );
}

/** The key-use actions the types CI applies call: each must be granted by `deployKeyStatements`. */
export function keyUseWriteActions(): string[] {
  return unique(ciAppliedWrites().filter((a) => KMS_KEY_USE_ACTIONS.includes(a)));
}
