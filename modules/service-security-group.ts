import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";

/** Settings of a security group in front of one TCP service. */
export interface ServiceSecurityGroupProps {
  /** Security group name. */
  readonly name: string;
  /** What the service is. */
  readonly description: string;
  /** VPC of the group. */
  readonly vpcId: string;
  /** The service's TCP port. */
  readonly port: number;
  /** Security groups whose members may connect (nothing else may). */
  readonly allowedSecurityGroupIds: Record<string, string>;
}

/**
 * A security group that admits one TCP port from named security groups only, and has no
 * egress rule (managed data stores answer connections; they never open any).
 */
export class ServiceSecurityGroup extends Construct {
  /** Id of the group. */
  readonly id: string;

  constructor(scope: Construct, id: string, props: ServiceSecurityGroupProps) {
    super(scope, id);
    const group = new SecurityGroup(this, "group", {
      name: props.name,
      description: props.description,
      vpcId: props.vpcId,
      // Without this Terraform keeps AWS's allow-all egress rule.
      egress: [],
    });
    for (const [source, securityGroupId] of Object.entries(props.allowedSecurityGroupIds)) {
      new VpcSecurityGroupIngressRule(this, `from-${source}`, {
        securityGroupId: group.id,
        description: `${props.description} from ${source}`,
        ipProtocol: "tcp",
        fromPort: props.port,
        toPort: props.port,
        referencedSecurityGroupId: securityGroupId,
      });
    }
    this.id = group.id;
  }
}
