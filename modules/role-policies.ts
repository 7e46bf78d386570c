import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
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
  constructor(scope: Construct, id: string, props: RoleGrantProps) {
    super(scope, id);
    (props.managedPolicyArns ?? []).forEach((policyArn, i) => {
      new IamRolePolicyAttachment(this, `managed-${i}`, { role: props.roleName, policyArn });
    });
    if (props.statements?.length) {
      new IamRolePolicy(this, "inline", {
        role: props.roleName,
        name: props.policyName,
        policy: policyDocument(props.statements),
      });
    }
  }
}

/** Reads exactly the given secrets. */
export function secretReadStatements(secretArns: string[], kmsKeyArn: string): PolicyStatement[] {
  return [
    {
      Sid: "ReadTheseSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      Resource: secretArns,
    },
    { Sid: "DecryptThem", Effect: "Allow", Action: "kms:Decrypt", Resource: kmsKeyArn },
  ];
}

/** Publishes to one SNS topic encrypted with the given key. */
export function topicPublishStatements(topicArn: string, kmsKeyArn: string): PolicyStatement[] {
  return [
    { Sid: "PublishAlerts", Effect: "Allow", Action: "sns:Publish", Resource: topicArn },
    {
      Sid: "EncryptForTheTopic",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
      Resource: kmsKeyArn,
    },
  ];
}

/** ExternalDNS: writes records in one hosted zone; finding zones and changes needs the wildcard. */
export function dnsRecordStatements(zoneArn: string): PolicyStatement[] {
  return [
    {
      Sid: "WriteRecordsInThisZone",
      Effect: "Allow",
      Action: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:ListTagsForResources"],
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
