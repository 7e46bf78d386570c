/** cluster.operatorAccess: people's Session Manager way to a private cluster API. */
import { Testing } from "cdktf";
import { ConfigError, loadEnvironments, type EnvironmentConfig } from "../../config";
import { dev } from "../../config/dev";
import { prod } from "../../config/prod";
import { staging } from "../../config/staging";
import {
  AGENT_ACTIONS,
  OPERATOR_ACCESS_TAG_KEY,
  PORT_FORWARD_DOCUMENT,
  ROOT_VOLUME_GIB,
  architectureOf,
} from "../../modules/operator-access-host";
import { createEnvironmentStacks } from "../../stacks/environment-stacks";
import { cloneConfig, onlyResource, resourcesOf, synthEnvironment, type TerraformJson } from "../helpers";

type Json = Record<string, unknown>;
interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const HOST = "marketing-agents-prod-operator-access";
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat()).sort();
const hostSecurityGroup = (json: TerraformJson) =>
  Object.entries(resourcesOf(json, "aws_security_group")).find(([, g]) => g.name === HOST) as [string, Json];
const eksRules = (json: TerraformJson) =>
  (json.module?.eks as Json).security_group_additional_rules as Record<string, Json>;

/** Every way a security group can admit traffic: inline ingress blocks and separate ingress rules. */
function ingressInto(json: TerraformJson, groupAddress: string, group: Json): unknown[] {
  const separate = [
    ...Object.values(resourcesOf(json, "aws_vpc_security_group_ingress_rule")),
    ...Object.values(resourcesOf(json, "aws_security_group_rule")).filter((r) => r.type === "ingress"),
  ].filter((r) => r.security_group_id === `\${${groupAddress}.id}`);
  return [...[group.ingress ?? []].flat(), ...separate];
}

describe("operator access to a private cluster API", () => {
  const prodEnv = synthEnvironment("prod");
  const json = prodEnv.json("cluster");
  const instance = onlyResource(json, "aws_instance");
  const [groupName, group] = hostSecurityGroup(json);
  const groupRef = `\${aws_security_group.${groupName}.id}`;
  const role = Object.values(resourcesOf(json, "aws_iam_role")).find((r) => r.name === `${HOST}-host`) as Json;
  const roleRef = (attribute: string) =>
    `\${aws_iam_role.${Object.entries(resourcesOf(json, "aws_iam_role")).find(([, r]) => r === role)?.[0]}.${attribute}}`;

  it("is on in prod, whose endpoint is private, and off where config says so", () => {
    expect(prodEnv.config.cluster.endpointPublicAccess).toBe(false);
    expect(prodEnv.config.cluster.operatorAccess.enabled).toBe(true);
    for (const env of ["dev", "staging"]) {
      const synth = synthEnvironment(env);
      expect(synth.config.cluster.operatorAccess.enabled).toBe(false);
      const cluster = synth.json("cluster");
      expect(Object.keys(resourcesOf(cluster, "aws_instance"))).toEqual([]);
      expect(Object.keys(resourcesOf(cluster, "aws_iam_policy"))).toEqual([]);
      expect(Object.keys(eksRules(cluster))).toEqual(["ingress-ci-runner"]);
    }
  });

  it("runs in a private subnet with no public IP and no SSH key", () => {
    expect(instance.associate_public_ip_address).toBe(false);
    expect(String(instance.subnet_id)).toMatch(/modulevpcprivate_subnets/);
    expect(instance).not.toHaveProperty("key_name");
    expect(instance).not.toHaveProperty("user_data");
    expect(instance.vpc_security_group_ids).toEqual([groupRef]);
  });

  it("requires IMDSv2 with a hop limit of 1", () => {
    expect(instance.metadata_options).toMatchObject({ http_tokens: "required", http_put_response_hop_limit: 1 });
  });

  it("encrypts its root volume with the environment key", () => {
    expect(instance.root_block_device).toEqual({
      volume_type: "gp3",
      volume_size: ROOT_VOLUME_GIB,
      encrypted: true,
      kms_key_id: expect.stringMatching(/cross-stack-output-aws_kms_keyenvironment-key_.*arn/),
      delete_on_termination: true,
    });
  });

  it("runs the Amazon Linux 2023 release config pins, found by its exact name, so no apply drifts it", () => {
    const ami = Object.values(json.data?.aws_ami ?? {})[0];
    expect(instance.ami).toMatch(/^\$\{data\.aws_ami\..+\.id\}$/);
    expect(ami).toMatchObject({
      owners: ["amazon"],
      include_deprecated: true,
      filter: [
        { name: "name", values: [`al2023-ami-${prodEnv.config.cluster.operatorAccess.amiRelease}-kernel-6.1-arm64`] },
        { name: "architecture", values: ["arm64"] },
      ],
    });
    // The SSM public parameter would change the AMI (and replace the instance) whenever AWS publishes one.
    expect(JSON.stringify(json.data ?? {})).not.toContain("/aws/service/ami-amazon-linux-latest");
  });

  it("picks the AMI architecture from the instance type's family", () => {
    expect(["t4g.nano", "m7g.large", "c7gn.xlarge", "a1.medium"].map(architectureOf)).toEqual([
      "arm64",
      "arm64",
      "arm64",
      "arm64",
    ]);
    expect(["t3.nano", "m7i.large", "t3a.medium", "g5.xlarge"].map(architectureOf)).toEqual([
      "x86_64",
      "x86_64",
      "x86_64",
      "x86_64",
    ]);
  });

  it("admits nothing: its security group has no inbound rule", () => {
    expect(ingressInto(json, `aws_security_group.${groupName}`, group)).toEqual([]);
  });

  it("sends only HTTPS, to the cluster security group and to SSM (through NAT: prod has no SSM endpoints)", () => {
    expect(group).not.toHaveProperty("egress");
    const egress = Object.values(resourcesOf(json, "aws_vpc_security_group_egress_rule")).filter(
      (r) => r.security_group_id === groupRef,
    );
    const destinations = egress.map((r) => ({
      port: [r.ip_protocol, r.from_port, r.to_port],
      to: r.referenced_security_group_id ?? r.cidr_ipv4,
    }));
    expect(destinations).toEqual(
      expect.arrayContaining([
        { port: ["tcp", 443, 443], to: "${module.eks.cluster_security_group_id}" },
        { port: ["tcp", 443, 443], to: "0.0.0.0/0" },
      ]),
    );
    expect(destinations).toHaveLength(2);
  });

  it("keeps the SSM traffic in the VPC when the network has the ssm and ssmmessages endpoints", () => {
    const config = cloneConfig(prod) as EnvironmentConfig & { network: { interfaceEndpoints: string[] } };
    config.network.interfaceEndpoints = [...config.network.interfaceEndpoints, "ssm", "ssmmessages"];
    const [loaded] = loadEnvironments(undefined, [cloneConfig(dev), cloneConfig(staging), config]).filter(
      (c) => c.name === "prod",
    );
    const app = Testing.app();
    const stacks = createEnvironmentStacks(app, loaded);
    stacks.cluster.prepareStack();
    const cluster = JSON.parse(Testing.synth(stacks.cluster)) as TerraformJson;
    const targets = Object.values(resourcesOf(cluster, "aws_vpc_security_group_egress_rule")).map(
      (r) => r.referenced_security_group_id ?? r.cidr_ipv4,
    );
    expect(targets.sort()).toEqual(["${module.eks.cluster_security_group_id}", "10.30.0.0/16"]);
  });

  it("is admitted by the cluster security group on 443 only, from its own security group only", () => {
    const rules = Object.values(eksRules(json)).filter((r) => r.source_security_group_id === groupRef);
    expect(rules).toEqual([
      {
        description: expect.any(String),
        type: "ingress",
        protocol: "tcp",
        from_port: 443,
        to_port: 443,
        source_security_group_id: groupRef,
      },
    ]);
  });

  it("has a role with no managed policy and only the SSM Agent's registration and channel actions", () => {
    expect(role.permissions_boundary).toBeDefined();
    expect(JSON.parse(role.assume_role_policy as string).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    const attachments = Object.values(resourcesOf(json, "aws_iam_role_policy_attachment")).filter(
      (a) => a.role === roleRef("name"),
    );
    expect(attachments).toEqual([]);
    const inline = Object.values(resourcesOf(json, "aws_iam_role_policy")).filter((p) => p.role === roleRef("name"));
    expect(inline).toHaveLength(1);
    const statements = JSON.parse(inline[0].policy as string).Statement as Statement[];
    expect(statements.every((s) => s.Effect === "Allow")).toBe(true);
    expect(actionsOf(statements)).toEqual([...AGENT_ACTIONS.register, ...AGENT_ACTIONS.channels].sort());
    expect(actionsOf(statements)).toEqual([
      "ssm:UpdateInstanceInformation",
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]);
    const profile = onlyResource(json, "aws_iam_instance_profile");
    expect(profile.role).toBe(roleRef("name"));
    expect(instance.iam_instance_profile).toMatch(/aws_iam_instance_profile\..+\.name/);
  });

  describe("the people's policy", () => {
    const policy = onlyResource(json, "aws_iam_policy");
    const statements = JSON.parse(policy.policy as string).Statement as Statement[];
    const starts = statements.filter((s) => [s.Action].flat().includes("ssm:StartSession"));
    const admins = prodEnv.config.cluster.adminRoleArns;

    it("starts sessions only as the admin roles of config, on the tagged host, with the port-forwarding document", () => {
      expect(instance.tags).toMatchObject({ [OPERATOR_ACCESS_TAG_KEY]: HOST });
      expect(starts.map((s) => s.Resource).sort()).toEqual([
        "arn:aws:ec2:us-east-1:333333333333:instance/*",
        `arn:aws:ssm:us-east-1::document/${PORT_FORWARD_DOCUMENT}`,
      ]);
      for (const statement of starts) {
        expect(statement.Condition?.ArnEquals).toEqual({ "aws:PrincipalArn": admins });
        // Without the check, a session without --document-name (a shell) needs no document grant.
        expect(statement.Condition?.BoolIfExists).toEqual({ "ssm:SessionDocumentAccessCheck": "true" });
      }
      const onInstances = starts.find((s) => String(s.Resource).includes(":instance/"));
      expect(onInstances?.Condition?.StringEquals).toEqual({ [`ssm:resourceTag/${OPERATOR_ACCESS_TAG_KEY}`]: HOST });
    });

    it("grants no shell, command or other document, and ends only the caller's own sessions", () => {
      expect(actionsOf(statements)).toEqual([
        "ec2:DescribeInstances",
        "eks:DescribeCluster",
        "ssm:ResumeSession",
        "ssm:StartSession",
        "ssm:StartSession",
        "ssm:TerminateSession",
      ]);
      expect(JSON.stringify(statements)).not.toMatch(/SSM-SessionManagerRunShell|AWS-StartInteractiveCommand/);
      const own = statements.find((s) => [s.Action].flat().includes("ssm:TerminateSession"));
      // Terraform's escape: IAM receives the policy variable ${aws:userid}.
      expect(own?.Condition?.StringLike).toEqual({ "ssm:resourceTag/aws:ssmmessages:session-id": "$${aws:userid}" });
    });

    it("is an output, with the instance id, for the runbook's recipe", () => {
      expect(Object.keys(json.output ?? {})).toEqual(
        expect.arrayContaining(["operator_access_instance_id", "operator_access_policy_arn"]),
      );
    });
  });
});

describe("operatorAccess settings", () => {
  function problemsWhen(target: "dev" | "prod", change: (c: EnvironmentConfig) => void): string {
    const configs = { dev: cloneConfig(dev), staging: cloneConfig(staging), prod: cloneConfig(prod) };
    change(configs[target]);
    try {
      loadEnvironments(undefined, [configs.dev, configs.staging, configs.prod]);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error("expected the configuration to be refused");
  }
  type Writable = { -readonly [K in keyof EnvironmentConfig["cluster"]]: EnvironmentConfig["cluster"][K] };
  const cluster = (c: EnvironmentConfig) => c.cluster as Writable;

  it("fails when the endpoint is private and no person has a way to it", () => {
    expect(
      problemsWhen("prod", (c) => (cluster(c).operatorAccess = { ...c.cluster.operatorAccess, enabled: false })),
    ).toMatch(
      /environment "prod", setting cluster\.operatorAccess\.enabled: must be true when endpointPublicAccess is false/,
    );
  });

  it("fails on an instance type the offer table does not price", () => {
    expect(
      problemsWhen(
        "prod",
        (c) => (cluster(c).operatorAccess = { ...c.cluster.operatorAccess, instanceType: "t4g.micro" }),
      ),
    ).toMatch(/setting cluster\.operatorAccess\.instanceType: t4g\.micro is not in config\/aws\/offers\.json/);
  });

  it("fails when it is on and no admin role could use it", () => {
    const message = problemsWhen("dev", (c) => {
      cluster(c).operatorAccess = { ...c.cluster.operatorAccess, enabled: true };
      cluster(c).adminRoleArns = [];
    });
    expect(message).toMatch(/environment "dev", setting cluster\.operatorAccess\.enabled: needs at least one role/);
  });

  it("fails on an AMI release that is not an Amazon Linux 2023 release", () => {
    expect(
      problemsWhen("dev", (c) => (cluster(c).operatorAccess = { ...c.cluster.operatorAccess, amiRelease: "latest" })),
    ).toMatch(/setting cluster\.operatorAccess\.amiRelease: must be an Amazon Linux 2023 release/);
  });
});
