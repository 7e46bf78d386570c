import { Fn } from "cdktf";
import type { Construct } from "constructs";
import {
  ciRoleArn,
  defaultTags,
  ENVIRONMENT_TAG_KEY,
  permissionsBoundaryArn,
  serviceRoleBoundaryArn,
  resourcePrefix,
  zoneDelegationRoleName,
  PARENT_ZONE_ROLE_VARIABLE,
  ZONE_READER_SUFFIX,
} from "../config";
import { NatGatewayAlarms } from "../modules/alarms/nat-gateway-alarms";
import { ALERT_PUBLISHERS, AlertTopic } from "../modules/alert-topic";
import { HostedZone } from "../modules/hosted-zone";
import { ImagePullCredentials } from "../modules/image-pull-credentials";
import { KmsKey } from "../modules/kms-key";
import { MonthlyBudget } from "../modules/monthly-budget";
import { planSubnets } from "../modules/subnet-plan";
import { VpcEndpoints } from "../modules/vpc-endpoints";
import { VpcModule } from "../modules/vpc-module";
import { ZoneDelegationRole } from "../modules/zone-delegation-role";
import { EnvironmentStack, type EnvironmentStackProps } from "./environment-stack";

/**
 * `<env>-network`: the environment's KMS key (first stack after bootstrap, so every later
 * stack, and the flow logs here, can use it) and the VPC: public, private and database subnets
 * in each configured zone, NAT gateways, flow logs to CloudWatch, and the endpoints that keep
 * AWS service traffic off the NAT gateways; and where the environment's alerts go (an SNS topic
 * alarms and the account's monthly budget publish to) with the NAT gateways' alarms; and the
 * public DNS zone the app's host name is published in, delegated from its parent.
 */
export class NetworkStack extends EnvironmentStack {
  /** The environment's customer-managed KMS key. */
  readonly key: KmsKey;
  /** The VPC module. */
  readonly vpc: VpcModule;
  /** Where every alert of the environment goes (alarms, budget). */
  readonly alerts: AlertTopic;
  /** The zone ExternalDNS publishes the environment's host names in. */
  readonly zone: HostedZone;
  /**
   * The Docker Hub and GitHub credentials of the cluster stack's pull-through cache rules (empty:
   * people set them before the cluster stack, which needs them: docs/runbook.md).
   */
  readonly imagePullCredentials: ImagePullCredentials;

  constructor(scope: Construct, props: EnvironmentStackProps) {
    super(scope, "network", props);
    const { config } = this;
    const { network } = config;
    const name = resourcePrefix(config);

    this.key = new KmsKey(this, "environment-key", {
      description: `${name}: EKS secrets, RDS, ElastiCache, S3, Secrets Manager and CloudWatch Logs`,
      alias: `alias/${name}`,
      accountId: config.account.id,
      region: config.account.region,
      allowCloudWatchLogs: true,
      allowNotificationsFrom: ALERT_PUBLISHERS,
      preventDestroy: config.retainOnDestroy,
    });
    this.alerts = new AlertTopic(this, "alerts", {
      name: `${name}-alerts`,
      kmsKeyArn: this.key.arn,
      accountId: config.account.id,
      emails: config.alerts.emails,
    });
    new MonthlyBudget(this, "budget", {
      name: `${name}-monthly`,
      limitUsd: config.alerts.monthlyBudgetUsd,
      alertPercentages: config.alerts.budgetAlertPercentages,
      topicArn: this.alerts.arn,
      // A shared account's spend is several environments': count this one's resources only.
      costTag: config.account.sharedWith.length > 0 ? { key: ENVIRONMENT_TAG_KEY, value: config.name } : undefined,
    });

    const subnets = planSubnets(network.vpcCidr, network.availabilityZones.length);
    this.vpc = new VpcModule(this, "vpc", {
      name,
      cidr: network.vpcCidr,
      azs: [...network.availabilityZones],
      publicSubnets: subnets.public,
      privateSubnets: subnets.private,
      databaseSubnets: subnets.database,
      createDatabaseSubnetGroup: true,
      createDatabaseSubnetRouteTable: true,
      enableNatGateway: true,
      singleNatGateway: network.natGateways === "single",
      oneNatGatewayPerAz: network.natGateways === "one-per-az",
      enableDnsHostnames: true,
      enableDnsSupport: true,
      mapPublicIpOnLaunch: false,
      // Subnet discovery by the AWS load balancer integrations.
      publicSubnetTags: { "kubernetes.io/role/elb": "1" },
      privateSubnetTags: { "kubernetes.io/role/internal-elb": "1" },
      // The default security group allows all traffic between its members: empty it.
      manageDefaultSecurityGroup: true,
      defaultSecurityGroupIngress: [],
      defaultSecurityGroupEgress: [],
      enableFlowLog: true,
      createFlowLogCloudwatchLogGroup: true,
      createFlowLogCloudwatchIamRole: true,
      flowLogCloudwatchLogGroupRetentionInDays: network.flowLogRetentionDays,
      flowLogCloudwatchLogGroupKmsKeyId: this.key.arn,
      flowLogCloudwatchLogGroupClass: network.flowLogClass,
      flowLogMaxAggregationInterval: network.flowLogAggregationSeconds,
      flowLogTrafficType: network.flowLogTrafficType,
      vpcFlowLogIamRoleName: `${name}-vpc-flow-log`,
      // As a prefix the name would pass IAM's 38 characters for the longest environment names.
      vpcFlowLogIamRoleUseNamePrefix: false,
      vpcFlowLogIamPolicyName: `${name}-vpc-flow-log`,
      vpcFlowLogPermissionsBoundary: serviceRoleBoundaryArn(config),
    });

    new VpcEndpoints(this, "endpoints", {
      name,
      vpcId: this.vpc.vpcId,
      vpcCidr: network.vpcCidr,
      region: config.account.region,
      routeTableIds: Fn.concat([this.vpc.privateRouteTableIds, this.vpc.databaseRouteTableIds]),
      subnetIds: this.vpc.privateSubnetIds,
      interfaceServices: network.interfaceEndpoints,
    });

    this.imagePullCredentials = new ImagePullCredentials(this, "image-pull-credentials", {
      namePrefix: name,
      recoveryWindowDays: config.secrets.recoveryWindowDays,
    });

    new NatGatewayAlarms(this, "nat-alarms", {
      name,
      natGatewayIds: this.vpc.natGatewayIds,
      count: network.natGateways === "single" ? 1 : network.availabilityZones.length,
      portAllocationErrors: config.alerts.natPortAllocationErrors,
      topicArn: this.alerts.arn,
    });

    this.zone = new HostedZone(this, "zone", {
      name: config.dns.zoneName,
      existingZoneId: config.dns.zoneId,
      parent: config.dns.parent,
      parentRoleVariable: { name: PARENT_ZONE_ROLE_VARIABLE, readerSuffix: ZONE_READER_SUFFIX },
      region: config.account.region,
      tags: defaultTags(config, this.concern),
      preventDestroy: config.retainOnDestroy,
    });
    for (const child of config.dns.childEnvironments) {
      const childConfig = { name: child.name, account: { id: child.accountId } };
      new ZoneDelegationRole(this, `dns-delegation-${child.name}`, {
        roleName: zoneDelegationRoleName(config, child.name),
        readerSuffix: ZONE_READER_SUFFIX,
        permissionsBoundaryArn: permissionsBoundaryArn(config),
        zoneArn: this.zone.zoneArn,
        subdomain: child.zoneName,
        // People apply the child's first network stack, before its in-VPC runner (cluster stack) exists.
        writerRoleArns: [ciRoleArn(childConfig, "deploy"), ...child.adminRoleArns],
        readerRoleArns: [ciRoleArn(childConfig, "plan"), ciRoleArn(childConfig, "pr-plan"), ...child.adminRoleArns],
      });
    }

    this.addOutputs({ vpc_id: this.vpc.vpcId, kms_key_arn: this.key.arn, dns_zone_id: this.zone.zoneId });
  }
}
