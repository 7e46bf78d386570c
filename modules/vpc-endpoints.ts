import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";

/** Settings of the VPC's private routes to AWS services. */
export interface VpcEndpointsProps {
  /** Name prefix of the endpoints and their security group. */
  readonly name: string;
  readonly vpcId: string;
  /** The VPC's CIDR: the only source the interface endpoints accept. */
  readonly vpcCidr: string;
  readonly region: string;
  /** Route tables that reach S3 through the gateway endpoint. */
  readonly routeTableIds: string[];
  /** Subnets the interface endpoints have an address in (one per zone). */
  readonly subnetIds: string[];
  /** Services given an interface endpoint, e.g. `ecr.dkr`, `sts`. @default [] */
  readonly interfaceServices?: readonly string[];
}

/**
 * S3 through a gateway endpoint (free: image layers from ECR and every S3 call skip the NAT
 * gateways), and an interface endpoint with private DNS for each listed service, reachable on 443
 * from inside the VPC only. Interface endpoints cost per zone and hour, so config picks them.
 */
export class VpcEndpoints extends Construct {
  constructor(scope: Construct, id: string, props: VpcEndpointsProps) {
    super(scope, id);
    new VpcEndpoint(this, "s3", {
      vpcId: props.vpcId,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: props.routeTableIds,
      tags: { Name: `${props.name}-s3` },
    });
    const services = props.interfaceServices ?? [];
    if (services.length === 0) return;
    const group = new SecurityGroup(this, "security-group", {
      name: `${props.name}-endpoints`,
      description: "Interface endpoints of AWS services",
      vpcId: props.vpcId,
      egress: [],
    });
    new VpcSecurityGroupIngressRule(this, "https-from-vpc", {
      securityGroupId: group.id,
      description: "HTTPS to AWS service endpoints from inside the VPC",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: props.vpcCidr,
    });
    for (const service of services) {
      new VpcEndpoint(this, `interface-${service.replace(/\./g, "-")}`, {
        vpcId: props.vpcId,
        serviceName: `com.amazonaws.${props.region}.${service}`,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: props.subnetIds,
        securityGroupIds: [group.id],
        tags: { Name: `${props.name}-${service}` },
      });
    }
  }
}
