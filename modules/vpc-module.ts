import type { Construct } from "constructs";
import { RegistryModule, type RegistryModuleSpec } from "./registry-module";

/** terraform-aws-modules/vpc/aws: 6.5.1 is the newest release that accepts AWS provider 6.25.0. */
export const VPC_MODULE: RegistryModuleSpec = {
  source: "terraform-aws-modules/vpc/aws",
  version: "6.5.1",
  inputs: [
    "name",
    "cidr",
    "azs",
    "public_subnets",
    "private_subnets",
    "database_subnets",
    "create_database_subnet_group",
    "create_database_subnet_route_table",
    "enable_nat_gateway",
    "single_nat_gateway",
    "one_nat_gateway_per_az",
    "enable_dns_hostnames",
    "enable_dns_support",
    "map_public_ip_on_launch",
    "public_subnet_tags",
    "private_subnet_tags",
    "manage_default_security_group",
    "default_security_group_ingress",
    "default_security_group_egress",
    "enable_flow_log",
    "create_flow_log_cloudwatch_log_group",
    "create_flow_log_cloudwatch_iam_role",
    "flow_log_cloudwatch_log_group_retention_in_days",
    "flow_log_cloudwatch_log_group_kms_key_id",
    "flow_log_cloudwatch_log_group_class",
    "flow_log_max_aggregation_interval",
    "flow_log_traffic_type",
    "vpc_flow_log_iam_role_name",
    "vpc_flow_log_iam_role_use_name_prefix",
    "vpc_flow_log_iam_policy_name",
    "vpc_flow_log_permissions_boundary",
    "tags",
  ],
};

/** Inputs of the VPC module we set; names follow its variables.tf in camelCase. */
export interface VpcModuleProps {
  /** Name tag of the VPC and prefix of its resources. */
  readonly name: string;
  /** IPv4 CIDR of the VPC. */
  readonly cidr: string;
  /** Availability zones, one subnet of each kind per zone. */
  readonly azs: string[];
  /** Public subnet CIDRs (load balancers, NAT gateways), one per AZ. */
  readonly publicSubnets: string[];
  /** Private subnet CIDRs (nodes and pods), one per AZ. */
  readonly privateSubnets: string[];
  /** Database subnet CIDRs (RDS, ElastiCache), one per AZ; no route to the internet. */
  readonly databaseSubnets: string[];
  /** Create a DB subnet group over the database subnets. @default true */
  readonly createDatabaseSubnetGroup?: boolean;
  /** Give database subnets their own route table (no NAT route). @default false */
  readonly createDatabaseSubnetRouteTable?: boolean;
  /** NAT gateways for private subnets' egress. @default false */
  readonly enableNatGateway?: boolean;
  /** One NAT gateway shared by all AZs. @default false */
  readonly singleNatGateway?: boolean;
  /** One NAT gateway in each AZ. @default false */
  readonly oneNatGatewayPerAz?: boolean;
  /** DNS host names for instances (needed by EKS and RDS). @default true */
  readonly enableDnsHostnames?: boolean;
  /** Amazon-provided DNS. @default true */
  readonly enableDnsSupport?: boolean;
  /** Give instances in public subnets a public IP. @default false */
  readonly mapPublicIpOnLaunch?: boolean;
  /** Extra tags on public subnets (load balancer discovery). @default {} */
  readonly publicSubnetTags?: Record<string, string>;
  /** Extra tags on private subnets (internal load balancer discovery). @default {} */
  readonly privateSubnetTags?: Record<string, string>;
  /** Adopt the default security group (so it can be emptied). @default true */
  readonly manageDefaultSecurityGroup?: boolean;
  /** Ingress rules of the default security group. @default [] */
  readonly defaultSecurityGroupIngress?: Record<string, string>[];
  /** Egress rules of the default security group. @default [] */
  readonly defaultSecurityGroupEgress?: Record<string, string>[];
  /** VPC flow logs. @default false */
  readonly enableFlowLog?: boolean;
  /** Create the CloudWatch log group the flow logs go to. @default false */
  readonly createFlowLogCloudwatchLogGroup?: boolean;
  /** Create the IAM role flow logs use to write to CloudWatch. @default false */
  readonly createFlowLogCloudwatchIamRole?: boolean;
  /** Retention of the flow log group (days). @default null (never expire) */
  readonly flowLogCloudwatchLogGroupRetentionInDays?: number;
  /** KMS key ARN that encrypts the flow log group. @default null (CloudWatch's own key) */
  readonly flowLogCloudwatchLogGroupKmsKeyId?: string;
  /**
   * CloudWatch Logs class of the flow log group: STANDARD or INFREQUENT_ACCESS (changing it
   * replaces the group). @default null (STANDARD)
   */
  readonly flowLogCloudwatchLogGroupClass?: "STANDARD" | "INFREQUENT_ACCESS";
  /** Seconds over which flow records are aggregated: 60 or 600. @default 600 */
  readonly flowLogMaxAggregationInterval?: number;
  /** ACCEPT, REJECT or ALL. @default "ALL" */
  readonly flowLogTrafficType?: string;
  /** Name (prefix) of the flow logs' IAM role. @default "vpc-flow-log-role" */
  readonly vpcFlowLogIamRoleName?: string;
  /** Name (prefix) of the flow logs' IAM policy. @default "vpc-flow-log-to-cloudwatch" */
  readonly vpcFlowLogIamPolicyName?: string;
  /** Permissions boundary of the flow-log role. @default null */
  readonly vpcFlowLogPermissionsBoundary?: string;
  /** Use the role name as a prefix (IAM allows 38 characters for one, 64 for a name). @default true */
  readonly vpcFlowLogIamRoleUseNamePrefix?: boolean;
  /** Tags on every resource of the module. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * The policy the module gives the flow-log role it creates (`create_flow_log_cloudwatch_iam_role`),
 * on the flow log group: these four actions, read from vpc-flow-logs.tf at v6.5.1
 * (https://github.com/terraform-aws-modules/terraform-aws-vpc/blob/v6.5.1/vpc-flow-logs.tf,
 * `vpc_flow_log_cloudwatch`). The service-role boundary must let them through.
 */
export const VPC_FLOW_LOG_ROLE_ACTIONS: readonly string[] = [
  "logs:CreateLogStream",
  "logs:PutLogEvents",
  "logs:DescribeLogGroups",
  "logs:DescribeLogStreams",
];

/** The VPC, its subnets, gateways and flow logs (terraform-aws-modules/vpc/aws). */
export class VpcModule extends RegistryModule {
  constructor(scope: Construct, id: string, props: VpcModuleProps) {
    super(scope, id, VPC_MODULE, props);
  }

  /** Id of the VPC (output `vpc_id`). */
  get vpcId(): string {
    return this.output("vpc_id");
  }

  /** IPv4 CIDR of the VPC (output `vpc_cidr_block`). */
  get vpcCidrBlock(): string {
    return this.output("vpc_cidr_block");
  }

  /** Private subnet ids (output `private_subnets`). */
  get privateSubnetIds(): string[] {
    return this.listOutput("private_subnets");
  }

  /** Public subnet ids (output `public_subnets`). */
  get publicSubnetIds(): string[] {
    return this.listOutput("public_subnets");
  }

  /** Database subnet ids (output `database_subnets`). */
  get databaseSubnetIds(): string[] {
    return this.listOutput("database_subnets");
  }

  /** NAT gateway ids, one per zone or a single one (output `natgw_ids`). */
  get natGatewayIds(): string[] {
    return this.listOutput("natgw_ids");
  }

  /** Route tables of the private subnets (output `private_route_table_ids`). */
  get privateRouteTableIds(): string[] {
    return this.listOutput("private_route_table_ids");
  }

  /** Route tables of the database subnets (output `database_route_table_ids`). */
  get databaseRouteTableIds(): string[] {
    return this.listOutput("database_route_table_ids");
  }

  /** Name of the DB subnet group over the database subnets (output `database_subnet_group_name`). */
  get databaseSubnetGroupName(): string {
    return this.output("database_subnet_group_name");
  }
}
