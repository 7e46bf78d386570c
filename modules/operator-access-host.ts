import { DataAwsAmi } from "@cdktf/provider-aws/lib/data-aws-ami";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SsmDocument } from "@cdktf/provider-aws/lib/ssm-document";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import type { EksSecurityGroupRule } from "./eks-module";
import { policyDocument, type PolicyStatement } from "./iam-policy";

/** Tag on the instance that the people's policy matches (`ssm:resourceTag/<key>`). */
export const OPERATOR_ACCESS_TAG_KEY = "operator-access";

/**
 * The port the forward reaches on the cluster API, fixed in the host's Session document. AWS's
 * AWS-StartPortForwardingSessionToRemoteHost takes `host` and `portNumber` from the caller, and
 * IAM has no condition key on a session's parameters, so a person allowed that document could
 * forward to any address the host reaches; the host's own document has neither parameter.
 */
export const CLUSTER_API_PORT = 443;

/** Local port of the forward when the caller names none (the runbook's kubeconfig uses it). */
export const DEFAULT_LOCAL_PORT = 8443;

/**
 * A TCP port, 1 to 65535, in decimal without leading zeros: the only thing a caller of the host's
 * Session document chooses. No other character passes, so a value cannot carry more than a port.
 */
export const LOCAL_PORT_PATTERN =
  "^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$";

/**
 * Size of the root volume (GiB): the Amazon Linux 2023 AMI's own snapshot size, which a root
 * volume may not be smaller than. Nothing is stored on it.
 */
export const ROOT_VOLUME_GIB = 8;

/**
 * What the SSM Agent needs to register the instance and carry Session Manager channels, and
 * nothing else: AWS's minimal Session Manager instance policy without its optional S3 and KMS
 * statements (no session logs are written from the instance; session data is not KMS-encrypted).
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-create-iam-instance-profile.html
 * (the same actions as the AWS managed AWSCloud9SSMInstanceProfile). No `ec2messages:*`: that is
 * Run Command's channel (Message Delivery Service), which Session Manager does not use
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/systems-manager-setting-up-messageAPIs.html).
 * Resource "*": ssmmessages actions have no resource type, and the agent registers before its
 * instance ARN could be named here (the role would depend on the instance it serves).
 */
export const AGENT_ACTIONS = {
  register: ["ssm:UpdateInstanceInformation"],
  channels: [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
  ],
} as const;

/** Settings of the host people forward the private cluster API through. */
export interface OperatorAccessHostProps {
  /** Name of the instance, its security group, role and instance profile, and the people's policy. */
  readonly name: string;
  /** Account and region (ARNs in the people's policy). */
  readonly accountId: string;
  readonly region: string;
  /** VPC of the cluster. */
  readonly vpcId: string;
  /**
   * The VPC's CIDR: where its `ssm` and `ssmmessages` interface endpoints answer. The VPC must
   * have both: the host sends nothing out of the VPC, so its SSM Agent has no other way to SSM.
   */
  readonly vpcCidr: string;
  /** A private subnet (no public IP is ever assigned; SSM is reached through the VPC endpoints). */
  readonly subnetId: string;
  /** EC2 instance type; its family decides the AMI's architecture (Graviton `...g` types: arm64). */
  readonly instanceType: string;
  /**
   * Amazon Linux 2023 release, e.g. "2023.9.20251208.0": the AMI is looked up by its exact name,
   * so it stays the same on every apply until this changes (which replaces the instance).
   */
  readonly amiRelease: string;
  /** The environment's KMS key: the root volume is encrypted with it. */
  readonly kmsKeyArn: string;
  /** Permissions boundary of the instance role. */
  readonly permissionsBoundaryArn: string;
  /** Roles of the people allowed to start a session (`aws:PrincipalArn` in the people's policy). */
  readonly operatorRoleArns: string[];
  /** The cluster people reach through it (its ARN for `eks:DescribeCluster`). */
  readonly clusterName: string;
}

/**
 * A small EC2 instance in a private subnet that people reach through AWS Systems Manager Session
 * Manager to forward a local port to the private EKS endpoint, with a Session document of its own
 * whose destination is fixed to the endpoint's host name and 443: no public IP, no inbound rule,
 * no SSH key; IMDSv2 only; an encrypted root volume; a role that only lets the SSM Agent register
 * and carry session channels. Its security group sends HTTPS only to the cluster API and to the
 * VPC (the SSM interface endpoints): nothing leaves the VPC.
 *
 * Who may start a session is decided on the people's side: the managed policy made here (attach
 * it to the admin roles, or name it in their permission set) allows `ssm:StartSession` only on
 * instances tagged `operator-access=<name>`, only with the host's document, and only for the
 * listed roles. Reaching the endpoint is not access to the cluster: Kubernetes still
 * authenticates the caller's own IAM role through the cluster's access entries.
 */
export class OperatorAccessHost extends Construct {
  /** Security group of the instance (admit it on the cluster security group, 443). */
  readonly securityGroupId: string;
  /** Id of the instance: the `--target` of `aws ssm start-session`. */
  readonly instanceId: string;
  /** ARN of the managed policy people's roles need to start a session. */
  readonly operatorPolicyArn: string;
  /** Name of the Session document people start the forward with (`--document-name`). */
  readonly documentName: string;
  private readonly group: SecurityGroup;

  constructor(scope: Construct, id: string, props: OperatorAccessHostProps) {
    super(scope, id);
    this.group = new SecurityGroup(this, "security-group", {
      name: props.name,
      // Unchanged wording on purpose: a new description replaces the group (ForceNew).
      description: `${props.name}: no inbound; HTTPS out to the cluster API and SSM only`,
      vpcId: props.vpcId,
      tags: { Name: props.name },
    });
    // Never 0.0.0.0/0: SSM's public endpoints have no published address list, so the agent could
    // only reach them through a rule that lets anything on the host reach any HTTPS server.
    this.allowHttpsOut("ssm", {
      cidrIpv4: props.vpcCidr,
      description: "SSM Agent to the ssm and ssmmessages interface endpoints",
    });

    const role = new IamRole(this, "role", {
      name: operatorAccessHostRoleName(props.name),
      description: `${props.name}: the SSM Agent registers and carries Session Manager channels, nothing else`,
      permissionsBoundary: props.permissionsBoundaryArn,
      assumeRolePolicy: policyDocument([
        { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
      ]),
    });
    const permissions = new IamRolePolicy(this, "permissions", {
      role: role.name,
      name: `${props.name}-host`,
      policy: policyDocument(agentStatements()),
    });
    const profile = new IamInstanceProfile(this, "profile", { name: `${props.name}-host`, role: role.name });

    const architecture = architectureOf(props.instanceType);
    const ami = new DataAwsAmi(this, "ami", {
      owners: ["amazon"],
      // The name is exact, so this picks that one image; deprecated images stay findable, so a
      // pinned release keeps planning after AWS deprecates it.
      mostRecent: true,
      includeDeprecated: true,
      filter: [
        { name: "name", values: [amiName(props.amiRelease, architecture)] },
        { name: "architecture", values: [architecture] },
      ],
    });
    const instance = new Instance(this, "instance", {
      ami: ami.id,
      instanceType: props.instanceType,
      subnetId: props.subnetId,
      vpcSecurityGroupIds: [this.group.id],
      iamInstanceProfile: profile.name,
      associatePublicIpAddress: false,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: "disabled",
      },
      rootBlockDevice: {
        volumeType: "gp3",
        volumeSize: ROOT_VOLUME_GIB,
        encrypted: true,
        kmsKeyId: props.kmsKeyArn,
        deleteOnTermination: true,
      },
      // A relay idles: standard credits cap the bill at the hourly price (unlimited, the T default, may not).
      creditSpecification: { cpuCredits: "standard" },
      ebsOptimized: true,
      tags: { Name: props.name, [OPERATOR_ACCESS_TAG_KEY]: props.name },
      // The agent registers at boot: its permissions come first.
      dependsOn: [permissions],
    });

    const operatorPolicy = new IamPolicy(this, "operator-policy", {
      name: props.name,
      description: `Start a port-forwarding session to ${props.clusterName}'s API through ${props.name}`,
      policy: policyDocument(operatorSessionStatements(props)),
    });
    this.securityGroupId = this.group.id;
    this.instanceId = instance.id;
    this.operatorPolicyArn = operatorPolicy.arn;
    this.documentName = props.name;
  }

  /**
   * Lets the instance open HTTPS to the cluster API (the security group on its endpoint's
   * interfaces), and makes the Session document that forwards to that endpoint and nowhere else.
   */
  reachClusterApi(cluster: { securityGroupId: string; endpoint: string }): void {
    this.allowHttpsOut("cluster-api", {
      referencedSecurityGroupId: cluster.securityGroupId,
      description: "Session Manager forwards to the private cluster API endpoint",
    });
    new SsmDocument(this, "session-document", {
      name: this.documentName,
      documentType: "Session",
      documentFormat: "JSON",
      // The endpoint is `https://<host>`; a host name needs no JSON escaping inside the string.
      content: JSON.stringify(clusterApiSessionDocument(Fn.replace(cluster.endpoint, "https://", ""))),
      tags: { Name: this.documentName },
    });
  }

  /** The rule the cluster security group needs to admit the instance, on 443 only. */
  clusterApiIngressRule(): EksSecurityGroupRule {
    return {
      description: "Cluster API from the operator access host (Session Manager port forwarding)",
      type: "ingress",
      protocol: "tcp",
      from_port: 443,
      to_port: 443,
      source_security_group_id: this.securityGroupId,
    };
  }

  private allowHttpsOut(
    id: string,
    destination: { cidrIpv4?: string; referencedSecurityGroupId?: string; description: string },
  ): void {
    new VpcSecurityGroupEgressRule(this, `https-to-${id}`, {
      securityGroupId: this.group.id,
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      ...destination,
    });
  }
}

/** The host's role (and instance profile) name, from the host's `name`: the role EC2 is handed. */
export function operatorAccessHostRoleName(name: string): string {
  return `${name}-host`;
}

/** The AMI architecture an instance type needs: AWS Graviton families (`t4g`, `m7g`, `c7gn`...) are arm64. */
export function architectureOf(instanceType: string): "arm64" | "x86_64" {
  const family = instanceType.split(".")[0];
  return /^[a-z]+\d+g[a-z]*$/.test(family) || family === "a1" ? "arm64" : "x86_64";
}

/**
 * The name of the standard Amazon Linux 2023 AMI of a release (kernel 6.1), which has the SSM
 * Agent installed and running; the minimal AMI does not.
 * https://docs.aws.amazon.com/linux/al2023/ug/naming-and-versioning.html
 */
export function amiName(release: string, architecture: "arm64" | "x86_64"): string {
  return `al2023-ami-${release}-kernel-6.1-${architecture}`;
}

/** The instance role's only permissions: the SSM Agent's registration and session channels. */
export function agentStatements(): PolicyStatement[] {
  return [
    { Sid: "RegisterWithSystemsManager", Effect: "Allow", Action: [...AGENT_ACTIONS.register], Resource: "*" },
    { Sid: "CarrySessionChannels", Effect: "Allow", Action: [...AGENT_ACTIONS.channels], Resource: "*" },
  ];
}

/**
 * The host's Session document: a port session (`sessionType: Port`) whose `properties`, which the
 * SSM Agent acts on, name the remote host and port as literals; the caller's only parameter is the
 * local port. `type: LocalPortForwarding` and `host` are what AWS's own
 * AWS-StartPortForwardingSessionToRemoteHost puts in its properties (from its parameters); the
 * agent dials `properties.host`:`properties.portNumber` (amazon-ssm-agent
 * agent/session/plugins/port/port.go, PortParameters).
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-schema.html
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-sessions-start.html#sessions-remote-port-forwarding
 */
export function clusterApiSessionDocument(clusterApiHost: string): Record<string, unknown> {
  return {
    schemaVersion: "1.0",
    description: `Forward a local port to the cluster API (${CLUSTER_API_PORT}) and nowhere else`,
    sessionType: "Port",
    parameters: {
      localPortNumber: {
        type: "String",
        description: "Port on your machine that forwards to the cluster API",
        allowedPattern: LOCAL_PORT_PATTERN,
        default: String(DEFAULT_LOCAL_PORT),
      },
    },
    properties: {
      type: "LocalPortForwarding",
      host: clusterApiHost,
      portNumber: String(CLUSTER_API_PORT),
      localPortNumber: "{{ localPortNumber }}",
    },
  };
}

/**
 * What a person's role needs to forward the cluster API through the host: start a session only on
 * the tagged instance and only with the host's own document (SessionDocumentAccessCheck makes a
 * session without `--document-name`, a shell, need its own grant, which this policy never gives;
 * AWS's port-forwarding documents, whose destination the caller picks, are not granted either),
 * only as one of the listed roles; end or resume only its own sessions; find the host and the
 * endpoint. https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-sessiondocumentaccesscheck.html
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-restrict-access-examples.html
 */
export function operatorSessionStatements(
  props: Pick<OperatorAccessHostProps, "name" | "accountId" | "region" | "operatorRoleArns" | "clusterName">,
): PolicyStatement[] {
  const { region, accountId } = props;
  const asListedRoles = { ArnEquals: { "aws:PrincipalArn": [...props.operatorRoleArns] } };
  const documentCheck = { BoolIfExists: { "ssm:SessionDocumentAccessCheck": "true" } };
  return [
    {
      Sid: "StartSessionsOnTheAccessHostOnly",
      Effect: "Allow",
      Action: "ssm:StartSession",
      Resource: `arn:aws:ec2:${region}:${accountId}:instance/*`,
      Condition: {
        StringEquals: { [`ssm:resourceTag/${OPERATOR_ACCESS_TAG_KEY}`]: props.name },
        ...documentCheck,
        ...asListedRoles,
      },
    },
    {
      Sid: "WithTheHostsClusterApiDocumentOnly",
      Effect: "Allow",
      Action: "ssm:StartSession",
      // A document of the account (the host's name): its ARN has the account, AWS's have none.
      Resource: `arn:aws:ssm:${region}:${accountId}:document/${props.name}`,
      Condition: { ...documentCheck, ...asListedRoles },
    },
    {
      Sid: "EndOrResumeOwnSessions",
      Effect: "Allow",
      Action: ["ssm:TerminateSession", "ssm:ResumeSession"],
      Resource: `arn:aws:ssm:${region}:${accountId}:session/*`,
      // `$${` is Terraform's escape: IAM receives the policy variable ${aws:userid}.
      Condition: { StringLike: { "ssm:resourceTag/aws:ssmmessages:session-id": "$${aws:userid}" } },
    },
    // DescribeInstances has no resource-level permissions.
    { Sid: "FindTheHost", Effect: "Allow", Action: "ec2:DescribeInstances", Resource: "*" },
    {
      Sid: "ReadTheEndpoint",
      Effect: "Allow",
      Action: "eks:DescribeCluster",
      Resource: `arn:aws:eks:${region}:${accountId}:cluster/${props.clusterName}`,
    },
  ];
}
