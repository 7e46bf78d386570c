import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { policyDocument, type PolicyStatement } from "./iam-policy";

/** Permissions given to a role. */
export interface RolePermissions {
  /** AWS managed policy ARNs to attach. @default [] */
  readonly managedPolicyArns?: string[];
  /** Inline permissions, as one policy. @default none */
  readonly statements?: PolicyStatement[];
}

/** A grant of permissions to a role. */
export interface RoleGrantProps extends RolePermissions {
  /** Name of the role (it may live in another stack). */
  readonly roleName: string;
  /** Name of the inline policy. */
  readonly policyName: string;
}

/** Attaches managed policies and an inline policy to a role. */
export class RoleGrant extends Construct {
  /** The attachments and the inline policy: what a resource that needs the rights when it is created depends on. */
  readonly resources: TerraformResource[] = [];

  constructor(scope: Construct, id: string, props: RoleGrantProps) {
    super(scope, id);
    (props.managedPolicyArns ?? []).forEach((policyArn, i) => {
      this.resources.push(new IamRolePolicyAttachment(this, `managed-${i}`, { role: props.roleName, policyArn }));
    });
    if (props.statements?.length) {
      this.resources.push(
        new IamRolePolicy(this, "inline", {
          role: props.roleName,
          name: props.policyName,
          policy: policyDocument(props.statements),
        }),
      );
    }
  }
}

/**
 * The condition that limits a grant on the environment key to requests an AWS service makes for the
 * caller (`kms:ViaService`, https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service):
 * the role can decrypt what that service holds, never call KMS directly with a ciphertext it found.
 */
export function viaService(service: string, region: string): PolicyStatement["Condition"] {
  return { StringEquals: { "kms:ViaService": `${service}.${region}.amazonaws.com` } };
}

/** Reads exactly the given secrets; the key decrypts only for Secrets Manager in the region. */
export function secretReadStatements(secretArns: string[], kmsKeyArn: string, region: string): PolicyStatement[] {
  return [
    {
      Sid: "ReadTheseSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      Resource: secretArns,
    },
    {
      Sid: "DecryptThemThroughSecretsManager",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: kmsKeyArn,
      Condition: viaService("secretsmanager", region),
    },
  ];
}

/** Publishes to one SNS topic encrypted with the given key (used only through SNS). */
export function topicPublishStatements(topicArn: string, kmsKeyArn: string, region: string): PolicyStatement[] {
  return [
    { Sid: "PublishAlerts", Effect: "Allow", Action: "sns:Publish", Resource: topicArn },
    {
      Sid: "EncryptForTheTopicThroughSns",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
      Resource: kmsKeyArn,
      Condition: viaService("sns", region),
    },
  ];
}

/** What ExternalDNS publishes: the host names of the app and the record types it writes for them. */
export interface DnsRecordScope {
  /** Host names the routes publish (e.g. `marketing-agents.dev.example.com`). */
  readonly hostnames: string[];
}

/**
 * Record types ExternalDNS writes for a Gateway's load balancer: an alias A (and AAAA for a
 * dual-stack one) and its TXT ownership records.
 */
export const EXTERNAL_DNS_RECORD_TYPES = ["A", "AAAA", "TXT"];

/**
 * The names ExternalDNS writes for one host: the host itself (its A/AAAA alias, and the legacy TXT
 * ownership record of the same name) and the TXT registry's typed records, `<type>-<host>` (A and
 * AAAA, and CNAME: ExternalDNS tracks a load balancer's host name as a CNAME endpoint and the AWS
 * provider writes it as an alias A record), per https://kubernetes-sigs.github.io/external-dns/latest/docs/registry/txt/.
 * Route 53 compares normalized names: lower case, no trailing dot
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html).
 */
export function externalDnsRecordNames(hostname: string): string[] {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  return [host, ...["a", "aaaa", "cname"].map((type) => `${type}-${host}`)];
}

/**
 * ExternalDNS: writes only the app's own names, and only A, AAAA and TXT records, in one hosted zone
 * (`route53:ChangeResourceRecordSetsNormalizedRecordNames` and `...RecordTypes`, both multivalued:
 * ForAllValues makes every change of the batch match,
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html).
 * Reading the zone, finding zones and following changes need no condition.
 */
export function dnsRecordStatements(zoneArn: string, scope: DnsRecordScope): PolicyStatement[] {
  return [
    {
      Sid: "WriteOnlyTheAppsRecordsInThisZone",
      Effect: "Allow",
      Action: "route53:ChangeResourceRecordSets",
      Resource: zoneArn,
      Condition: {
        "ForAllValues:StringEquals": {
          "route53:ChangeResourceRecordSetsNormalizedRecordNames": scope.hostnames.flatMap(externalDnsRecordNames),
          "route53:ChangeResourceRecordSetsRecordTypes": EXTERNAL_DNS_RECORD_TYPES,
        },
      },
    },
    {
      Sid: "ReadThisZone",
      Effect: "Allow",
      Action: ["route53:ListResourceRecordSets", "route53:ListTagsForResources"],
      Resource: zoneArn,
    },
    {
      Sid: "FindZonesAndChanges",
      Effect: "Allow",
      Action: ["route53:ListHostedZones", "route53:GetChange"],
      Resource: "*",
    },
  ];
}

/** Reads one zone's records, and follows changes: what a plan of a delegation needs. */
export function zoneReadStatements(zoneArn: string): PolicyStatement[] {
  return [
    {
      Sid: "ReadTheZone",
      Effect: "Allow",
      Action: ["route53:GetHostedZone", "route53:ListResourceRecordSets"],
      Resource: zoneArn,
    },
    { Sid: "FollowTheChange", Effect: "Allow", Action: "route53:GetChange", Resource: "arn:aws:route53:::change/*" },
  ];
}

/** Writes only the NS records of one subdomain in one zone: a child zone's delegation. */
export function zoneDelegationStatements(zoneArn: string, subdomain: string): PolicyStatement[] {
  return [
    {
      Sid: "WriteThisSubdomainsNameServers",
      Effect: "Allow",
      Action: "route53:ChangeResourceRecordSets",
      Resource: zoneArn,
      Condition: {
        "ForAllValues:StringEquals": {
          "route53:ChangeResourceRecordSetsNormalizedRecordNames": [subdomain],
          "route53:ChangeResourceRecordSetsRecordTypes": ["NS"],
        },
      },
    },
    ...zoneReadStatements(zoneArn),
  ];
}

/** Grafana's CloudWatch data source: reads metrics (CloudWatch has no resource-level read permissions). */
export function metricReadStatements(): PolicyStatement[] {
  return [
    {
      Sid: "ReadMetrics",
      Effect: "Allow",
      Action: [
        "cloudwatch:GetMetricData",
        "cloudwatch:ListMetrics",
        "cloudwatch:DescribeAlarmsForMetric",
        "cloudwatch:DescribeAlarms",
      ],
      Resource: "*",
    },
  ];
}
