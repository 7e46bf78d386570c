import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";
import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";

/** The zone a created zone is delegated from. */
export interface ParentZone {
  /** Hosted zone id of the parent domain. */
  readonly zoneId: string;
  /** Role in the parent zone's account to write the NS records with; null when it is this account. */
  readonly roleArn: string | null;
}

/** Settings of an environment's public hosted zone. */
export interface HostedZoneProps {
  /** The zone's domain, e.g. dev.example.com. */
  readonly name: string;
  /** An existing zone for `name`, used as it is; null creates the zone. */
  readonly existingZoneId: string | null;
  /** Where a created zone's NS records go (required when `existingZoneId` is null). */
  readonly parent: ParentZone | null;
  /** The variable that holds the parent-account role, and the suffix of its read-only twin. */
  readonly parentRoleVariable: { readonly name: string; readonly readerSuffix: string };
  /** Region of the provider that writes into the parent's account (Route 53 itself is global). */
  readonly region: string;
  /** Default tags of that provider: the environment's, like every other provider's. */
  readonly tags: Record<string, string>;
  /** Refuse `terraform destroy` of a created zone: a new zone gets new name servers. */
  readonly preventDestroy: boolean;
}

/** TTL of the delegation: name servers of a zone change only when the zone is re-created. */
const DELEGATION_TTL_SECONDS = 172800;

/**
 * The public Route 53 zone an environment publishes its host names in: an existing zone looked up
 * by id, or a zone created here and delegated from its parent (NS records written into the parent
 * zone, through a role of the parent's account when it lives elsewhere), so no one edits DNS by hand.
 */
export class HostedZone extends Construct {
  /** The zone's id. */
  readonly zoneId: string;
  /** The zone's ARN, for IAM statements. */
  readonly zoneArn: string;

  constructor(scope: Construct, id: string, props: HostedZoneProps) {
    super(scope, id);
    if (props.existingZoneId !== null) {
      const existing = new DataAwsRoute53Zone(this, "existing", { zoneId: props.existingZoneId });
      this.zoneId = existing.zoneId;
      this.zoneArn = existing.arn;
      return;
    }
    if (props.parent === null) throw new Error(`HostedZone ${props.name}: a created zone needs a parent zone`);
    const zone = new Route53Zone(this, "zone", {
      name: props.name,
      comment: `${props.name}: host names of this environment (ExternalDNS writes the records)`,
      forceDestroy: false,
      lifecycle: { preventDestroy: props.preventDestroy },
    });
    new Route53Record(this, "delegation", {
      provider: parentAccountProvider(this, props),
      zoneId: props.parent.zoneId,
      name: props.name,
      type: "NS",
      ttl: DELEGATION_TTL_SECONDS,
      records: zone.nameServers,
    });
    this.zoneId = zone.zoneId;
    this.zoneArn = zone.arn;
  }
}

/** The provider that writes into the parent zone: the stack's own, or one assuming the parent's role. */
function parentAccountProvider(scope: Construct, props: HostedZoneProps): AwsProvider | undefined {
  const roleArn = props.parent?.roleArn;
  if (!roleArn) return undefined;
  // The writing role by default; plan-only runs pass the read-only twin, so no plan writes DNS.
  const { name, readerSuffix } = props.parentRoleVariable;
  const role = new TerraformVariable(scope, "parent-role", {
    type: "string",
    default: roleArn,
    description: `Role in the parent zone's account: ${roleArn} to apply, ${roleArn}${readerSuffix} to plan`,
    validation: [
      {
        condition: `\${contains(["${roleArn}", "${roleArn}${readerSuffix}"], var.${name})}`,
        errorMessage: `Must be ${roleArn} or its read-only twin.`,
      },
    ],
  });
  role.overrideLogicalId(name);
  return new AwsProvider(scope, "parent-account", {
    alias: "dns_parent",
    region: props.region,
    assumeRole: [{ roleArn: role.stringValue, sessionName: "zone-delegation" }],
    defaultTags: [{ tags: props.tags }],
  });
}
