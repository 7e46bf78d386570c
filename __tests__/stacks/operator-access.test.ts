/** cluster.operatorAccess: people's Session Manager way to a private cluster API. */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { type EnvironmentConfig } from "../../config";
import {
  AGENT_ACTIONS,
  CLUSTER_API_PORT,
  DEFAULT_LOCAL_PORT,
  LOCAL_PORT_PATTERN,
  OPERATOR_ACCESS_TAG_KEY,
  ROOT_VOLUME_GIB,
  architectureOf,
} from "../../modules/operator-access-host";
import { onlyResource, problemsWhen, resourcesOf, synthEnvironment, type TerraformJson } from "../helpers";

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
/** The people's policies of an environment's access host (the cluster stack holds other policies too). */
const operatorPolicies = (json: TerraformJson, env: string) =>
  Object.values(resourcesOf(json, "aws_iam_policy")).filter(
    (p) => p.name === `marketing-agents-${env}-operator-access`,
  );
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
      expect(operatorPolicies(cluster, env)).toEqual([]);
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

  it("sends only HTTPS, to the cluster security group and to the VPC's SSM endpoints: nothing leaves the VPC", () => {
    expect(group).not.toHaveProperty("egress");
    const egress = Object.values(resourcesOf(json, "aws_vpc_security_group_egress_rule")).filter(
      (r) => r.security_group_id === groupRef,
    );
    const destinations = egress.map((r) => ({
      port: [r.ip_protocol, r.from_port, r.to_port],
      to: r.referenced_security_group_id ?? r.cidr_ipv4 ?? r.cidr_ipv6 ?? r.prefix_list_id,
    }));
    expect(destinations).toHaveLength(2);
    expect(destinations).toEqual(
      expect.arrayContaining([
        { port: ["tcp", 443, 443], to: prodEnv.config.network.vpcCidr },
        { port: ["tcp", 443, 443], to: "${module.eks.cluster_security_group_id}" },
      ]),
    );
    // The VPC's own ssm and ssmmessages endpoints are where that CIDR rule leads the agent.
    const endpoints = Object.values(resourcesOf(prodEnv.json("network"), "aws_vpc_endpoint")).map(
      (e) => e.service_name,
    );
    expect(endpoints).toEqual(
      expect.arrayContaining(["com.amazonaws.us-east-1.ssm", "com.amazonaws.us-east-1.ssmmessages"]),
    );
  });

  describe("the host's Session document", () => {
    // The endpoint is known at apply: Terraform puts the host name where the expression stands.
    const hostExpression = '${replace(module.eks.cluster_endpoint, "https://", "")}';
    const endpoint = "https://ABC123.gr7.us-east-1.eks.amazonaws.com";
    type Content = {
      sessionType: string;
      parameters: Record<string, { allowedPattern: string; default: string }>;
      properties: Record<string, string>;
    };
    /** The document as synthesized, and its content as SSM receives it after the apply. */
    function sessionDocument(): { document: Record<string, unknown>; applied: string; content: Content } {
      const document = onlyResource(json, "aws_ssm_document");
      const applied = (document.content as string).replace(hostExpression, endpoint.replace("https://", ""));
      return { document, applied, content: JSON.parse(applied) as Content };
    }

    it("is a port session whose destination is the cluster endpoint's host name on 443, fixed", () => {
      const { document, applied, content } = sessionDocument();
      expect(document).toMatchObject({
        name: HOST,
        document_type: "Session",
        document_format: "JSON",
      });
      expect((document.content as string).split(hostExpression)).toHaveLength(2);
      expect(applied).not.toContain("${");
      expect(content.sessionType).toBe("Port");
      expect(content.properties).toEqual({
        type: "LocalPortForwarding",
        // The agent dials the bare host name (the endpoint output is https://<host>).
        host: "ABC123.gr7.us-east-1.eks.amazonaws.com",
        portNumber: "443",
        localPortNumber: "{{ localPortNumber }}",
      });
      expect(CLUSTER_API_PORT).toBe(443);
    });

    it("lets the caller choose the local port and nothing else", () => {
      const { content } = sessionDocument();
      expect(Object.keys(content.parameters)).toEqual(["localPortNumber"]);
      // No property but the local port is filled from a parameter.
      const templated = Object.entries(content.properties).filter(([, v]) => v.includes("{{"));
      expect(templated).toEqual([["localPortNumber", "{{ localPortNumber }}"]]);
      expect(content.parameters.localPortNumber.default).toBe(String(DEFAULT_LOCAL_PORT));
      expect(content.parameters.localPortNumber.allowedPattern).toBe(LOCAL_PORT_PATTERN);
    });

    it("accepts only a TCP port number for the local port", () => {
      const pattern = new RegExp(LOCAL_PORT_PATTERN);
      expect(["1", "443", "8443", "10000", "59999", "64999", "65529", "65535"].every((p) => pattern.test(p))).toBe(
        true,
      );
      const refused = ["", "0", "08443", "65536", "70000", "100000", "8443,host=10.0.0.1", "8443 ", "-1", "1e3"];
      expect(refused.filter((p) => pattern.test(p))).toEqual([]);
    });
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
    const [policy, ...others] = operatorPolicies(json, "prod");

    it("is one policy, named for the host", () => {
      expect(policy?.name).toBe(HOST);
      expect(others).toEqual([]);
    });
    const statements = JSON.parse(policy.policy as string).Statement as Statement[];
    const starts = statements.filter((s) => [s.Action].flat().includes("ssm:StartSession"));
    const admins = prodEnv.config.cluster.adminRoleArns;

    it("starts sessions only as the admin roles of config, on the tagged host, with the host's own document", () => {
      expect(instance.tags).toMatchObject({ [OPERATOR_ACCESS_TAG_KEY]: HOST });
      expect(starts.map((s) => s.Resource).sort()).toEqual([
        "arn:aws:ec2:us-east-1:333333333333:instance/*",
        `arn:aws:ssm:us-east-1:333333333333:document/${onlyResource(json, "aws_ssm_document").name}`,
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
      // No AWS-owned document (their ARNs have no account): AWS-StartPortForwardingSessionToRemoteHost
      // would let the caller pick any host and port the instance reaches.
      expect(JSON.stringify(statements)).not.toMatch(/::document\/|AWS-Start|SSM-SessionManagerRunShell/);
      const own = statements.find((s) => [s.Action].flat().includes("ssm:TerminateSession"));
      // Terraform's escape: IAM receives the policy variable ${aws:userid}.
      expect(own?.Condition?.StringLike).toEqual({ "ssm:resourceTag/aws:ssmmessages:session-id": "$${aws:userid}" });
    });

    it("is an output, with the instance id and the document, for the runbook's recipe", () => {
      expect(Object.keys(json.output ?? {})).toEqual(
        expect.arrayContaining([
          "operator_access_instance_id",
          "operator_access_policy_arn",
          "operator_access_document_name",
        ]),
      );
    });

    describe("as IAM evaluates it (@cloud-copilot/iam-simulate)", () => {
      const account = prodEnv.config.account.id;
      const admin = admins[0];
      const hostArn = `arn:aws:ec2:us-east-1:${account}:instance/i-0123456789abcdef0`;
      const documentArn = (name: string) => `arn:aws:ssm:us-east-1:${account}:document/${name}`;
      // Terraform turns `$${` into `${`: this is the text IAM receives.
      const received = JSON.parse((policy.policy as string).replaceAll("$${", "${")) as Record<string, unknown>;

      async function decision(principalArn: string, resource: string, tag: string): Promise<string> {
        const result = await runSimulation(
          {
            request: {
              principal: `${principalArn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/")}/alice`,
              action: "ssm:StartSession",
              resource: { resource, accountId: account },
              contextVariables: {
                "aws:PrincipalArn": principalArn,
                "ssm:SessionDocumentAccessCheck": "true",
                [`ssm:resourceTag/${OPERATOR_ACCESS_TAG_KEY}`]: tag,
              },
            },
            identityPolicies: [{ name: HOST, policy: received }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
          },
          {},
        );
        if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
        return result.overallResult as string;
      }

      /**
       * StartSession with --document-name is authorized on the target and, with the document check,
       * on the document: both must be allowed.
       * https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-sessiondocumentaccesscheck.html
       */
      async function mayStart(principalArn: string, document: string, tag = HOST): Promise<boolean> {
        const onHost = await decision(principalArn, hostArn, tag);
        const withDocument = await decision(principalArn, documentArn(document), tag);
        return onHost === "Allowed" && withDocument === "Allowed";
      }

      it("lets an admin role forward through the host with its document", async () => {
        expect(await mayStart(admin, HOST)).toBe(true);
      });

      // AWS-owned documents (AWS-StartPortForwardingSessionToRemoteHost) have ARNs without an
      // account, which the evaluator does not parse: the statement test shows the policy names none.
      it("refuses any other document of the account, the default shell among them", async () => {
        for (const other of ["SSM-SessionManagerRunShell", `${HOST}-shell`]) {
          expect(await mayStart(admin, other)).toBe(false);
        }
      });

      it("refuses another instance, and a role config does not list", async () => {
        expect(await mayStart(admin, HOST, "some-other-host")).toBe(false);
        expect(await mayStart(`arn:aws:iam::${account}:role/Developer`, HOST)).toBe(false);
      });
    });
  });
});

describe("operatorAccess settings", () => {
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

  it("fails when it is on and the network lacks the ssm and ssmmessages endpoints (its only way to SSM)", () => {
    const message = problemsWhen("prod", (c) => {
      const network = c.network as { interfaceEndpoints: string[] };
      network.interfaceEndpoints = network.interfaceEndpoints.filter((s) => s !== "ssmmessages");
    });
    expect(message).toMatch(
      /environment "prod", setting network\.interfaceEndpoints: must list "ssmmessages" when cluster\.operatorAccess is enabled/,
    );
    expect(
      problemsWhen("dev", (c) => (cluster(c).operatorAccess = { ...c.cluster.operatorAccess, enabled: true })),
    ).toMatch(/environment "dev", setting network\.interfaceEndpoints: must list "ssm" and "ssmmessages" when/);
  });

  it("fails on an AMI release that is not an Amazon Linux 2023 release", () => {
    expect(
      problemsWhen("dev", (c) => (cluster(c).operatorAccess = { ...c.cluster.operatorAccess, amiRelease: "latest" })),
    ).toMatch(/setting cluster\.operatorAccess\.amiRelease: must be an Amazon Linux 2023 release/);
  });
});
