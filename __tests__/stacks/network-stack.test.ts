import { onlyResource, resourcesOf, synthEnvironment } from "../helpers";

describe("network stack", () => {
  const dev = synthEnvironment("dev");
  const prod = synthEnvironment("prod");
  const vpcOf = (env: typeof dev) => env.json("network").module?.vpc as Record<string, unknown>;

  it("spreads prod over three zones with a NAT gateway in each", () => {
    expect(vpcOf(prod)).toMatchObject({
      azs: ["us-east-1a", "us-east-1b", "us-east-1c"],
      enable_nat_gateway: true,
      one_nat_gateway_per_az: true,
      single_nat_gateway: false,
    });
  });

  it("gives dev a single NAT gateway to save cost", () => {
    expect(vpcOf(dev)).toMatchObject({
      enable_nat_gateway: true,
      single_nat_gateway: true,
      one_nat_gateway_per_az: false,
    });
  });

  it("carves public, private and database subnets per zone from the VPC CIDR without overlap", () => {
    expect(vpcOf(prod)).toMatchObject({
      cidr: "10.30.0.0/16",
      private_subnets: ["10.30.0.0/19", "10.30.32.0/19", "10.30.64.0/19"],
      public_subnets: ["10.30.224.0/24", "10.30.225.0/24", "10.30.226.0/24"],
      database_subnets: ["10.30.232.0/24", "10.30.233.0/24", "10.30.234.0/24"],
      create_database_subnet_group: true,
    });
  });

  it("tags subnets for load balancer discovery and keeps DNS host names on", () => {
    expect(vpcOf(dev)).toMatchObject({
      public_subnet_tags: { "kubernetes.io/role/elb": "1" },
      private_subnet_tags: { "kubernetes.io/role/internal-elb": "1" },
      enable_dns_hostnames: true,
      enable_dns_support: true,
      map_public_ip_on_launch: false,
    });
  });

  it("sends all flow logs to a KMS-encrypted CloudWatch group with the configured retention", () => {
    expect(vpcOf(prod)).toMatchObject({
      enable_flow_log: true,
      create_flow_log_cloudwatch_log_group: true,
      flow_log_cloudwatch_log_group_retention_in_days: 365,
      flow_log_traffic_type: "ALL",
      flow_log_cloudwatch_log_group_kms_key_id: expect.stringMatching(/^\$\{aws_kms_key\.environment-key_\w+\.arn\}$/),
    });
    expect(vpcOf(dev)).toMatchObject({ flow_log_cloudwatch_log_group_retention_in_days: 14 });
  });

  it("empties the default security group", () => {
    expect(vpcOf(dev)).toMatchObject({
      manage_default_security_group: true,
      default_security_group_ingress: [],
      default_security_group_egress: [],
    });
  });

  it("creates the environment's rotating KMS key, usable by CloudWatch Logs of this account only", () => {
    const key = onlyResource(prod.json("network"), "aws_kms_key");
    expect(key).toMatchObject({ enable_key_rotation: true });
    const policy = JSON.parse(key.policy as string);
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: "logs.us-east-1.amazonaws.com" },
        Condition: {
          ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:333333333333:log-group:*" },
        },
      }),
    );
    expect(onlyResource(prod.json("network"), "aws_kms_alias")).toMatchObject({ name: "alias/marketing-agents-prod" });
  });

  describe("private routes to AWS services", () => {
    const endpoints = (env: typeof dev) => Object.values(resourcesOf(env.json("network"), "aws_vpc_endpoint"));

    it("sends S3 (ECR's image layers too) through the free gateway endpoint from private and database subnets, everywhere", () => {
      for (const env of [dev, prod]) {
        const gateways = endpoints(env).filter((e) => e.vpc_endpoint_type === "Gateway");
        expect(gateways).toEqual([
          expect.objectContaining({
            service_name: "com.amazonaws.us-east-1.s3",
            vpc_id: "${module.vpc.vpc_id}",
            route_table_ids: "${concat(module.vpc.private_route_table_ids, module.vpc.database_route_table_ids)}",
          }),
        ]);
      }
    });

    it("gives prod an interface endpoint with private DNS for each configured service, in the private subnets", () => {
      const interfaces = endpoints(prod).filter((e) => e.vpc_endpoint_type === "Interface");
      expect(interfaces.map((e) => e.service_name).sort()).toEqual(
        prod.config.network.interfaceEndpoints.map((s) => `com.amazonaws.us-east-1.${s}`).sort(),
      );
      expect(interfaces).toHaveLength(7);
      for (const e of interfaces) {
        expect(e).toMatchObject({ private_dns_enabled: true, subnet_ids: "${module.vpc.private_subnets}" });
      }
    });

    it("admits HTTPS from the VPC only to the interface endpoints", () => {
      const [rule] = Object.values(resourcesOf(prod.json("network"), "aws_vpc_security_group_ingress_rule"));
      expect(rule).toMatchObject({ ip_protocol: "tcp", from_port: 443, to_port: 443, cidr_ipv4: "10.30.0.0/16" });
      const [group] = Object.values(resourcesOf(prod.json("network"), "aws_security_group"));
      expect(group).toMatchObject({ name: "marketing-agents-prod-endpoints", egress: [] });
    });

    it("has no interface endpoint, nor their security group, where config lists none (dev)", () => {
      expect(endpoints(dev).filter((e) => e.vpc_endpoint_type === "Interface")).toEqual([]);
      expect(resourcesOf(dev.json("network"), "aws_security_group")).toEqual({});
    });
  });

  describe("alerts", () => {
    const network = (env: typeof dev) => env.json("network");

    it("sends every alert to one KMS-encrypted topic, which only this account's alarms and budgets publish to", () => {
      const [topic] = Object.values(resourcesOf(network(prod), "aws_sns_topic"));
      expect(topic).toMatchObject({
        name: "marketing-agents-prod-alerts",
        kms_master_key_id: expect.stringMatching(/aws_kms_key\.environment-key/),
      });
      const [policy] = Object.values(resourcesOf(network(prod), "aws_sns_topic_policy"));
      expect(JSON.parse(policy.policy as string).Statement).toEqual([
        expect.objectContaining({
          Principal: { Service: ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"] },
          Action: "sns:Publish",
          Condition: { StringEquals: { "aws:SourceAccount": "333333333333" } },
        }),
      ]);
      const key = Object.values(resourcesOf(network(prod), "aws_kms_key"))[0];
      expect(JSON.parse(key.policy as string).Statement).toContainEqual(
        expect.objectContaining({
          Sid: "ServicesPublishToEncryptedTopics",
          Principal: { Service: ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"] },
        }),
      );
    });

    it("subscribes the configured addresses by email, none in dev", () => {
      const endpoints = (env: typeof dev) =>
        Object.values(resourcesOf(network(env), "aws_sns_topic_subscription"))
          .map((s) => [s.protocol, s.endpoint])
          .sort();
      expect(endpoints(prod)).toEqual(prod.config.alerts.emails.map((e) => ["email", e]).sort());
      expect(endpoints(dev)).toEqual([]);
    });

    it("budgets the account monthly, alerting at each configured percentage and on the forecast", () => {
      const [budget] = Object.values(resourcesOf(network(prod), "aws_budgets_budget"));
      expect(budget).toMatchObject({
        budget_type: "COST",
        time_unit: "MONTHLY",
        limit_amount: "1500.00",
        limit_unit: "USD",
      });
      const notifications = budget.notification as Record<string, unknown>[];
      expect(notifications.map((n) => [n.notification_type, n.threshold])).toEqual([
        ["ACTUAL", 80],
        ["ACTUAL", 100],
        ["FORECASTED", 100],
      ]);
      for (const n of notifications)
        expect(n.subscriber_sns_topic_arns).toEqual([expect.stringMatching(/aws_sns_topic\.alerts/)]);
    });

    it("watches each NAT gateway for dropped connections: one alarm per gateway", () => {
      const alarms = (env: typeof dev) => Object.values(resourcesOf(network(env), "aws_cloudwatch_metric_alarm"));
      expect(alarms(prod).map((a) => (a.dimensions as Record<string, string>).NatGatewayId)).toEqual([
        "${element(module.vpc.natgw_ids, 0)}",
        "${element(module.vpc.natgw_ids, 1)}",
        "${element(module.vpc.natgw_ids, 2)}",
      ]);
      expect(alarms(dev)).toHaveLength(1);
      expect(alarms(prod)[0]).toMatchObject({
        namespace: "AWS/NATGateway",
        metric_name: "ErrorPortAllocation",
        comparison_operator: "GreaterThanThreshold",
        threshold: 0,
        treat_missing_data: "notBreaching",
        alarm_actions: [expect.stringMatching(/aws_sns_topic\.alerts/)],
        ok_actions: [expect.stringMatching(/aws_sns_topic\.alerts/)],
      });
    });
  });
});
