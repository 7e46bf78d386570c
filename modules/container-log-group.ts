import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Construct } from "constructs";
import type { PolicyStatement } from "./iam-policy";

/** Settings of the cluster's container log group. */
export interface ContainerLogGroupProps {
  /** Name of the group, e.g. /aws/eks/<cluster>/containers. */
  readonly name: string;
  /** Days CloudWatch keeps each event. */
  readonly retentionDays: number;
  /** Key that encrypts the events. */
  readonly kmsKeyArn: string;
  /**
   * STANDARD or INFREQUENT_ACCESS (half the ingestion price; Logs Insights still queries it, but
   * no Live Tail, metric or subscription filters). Changing it replaces the group. @default "STANDARD"
   */
  readonly logGroupClass?: "STANDARD" | "INFREQUENT_ACCESS";
}

/**
 * The log group every container's output lands in (shipped by Fluent Bit): created here with the
 * environment key and the configured retention, so the shipper never creates one without them.
 */
export class ContainerLogGroup extends Construct {
  /** The group's name. */
  readonly name: string;
  /** The group's ARN. */
  readonly arn: string;

  constructor(scope: Construct, id: string, props: ContainerLogGroupProps) {
    super(scope, id);
    const group = new CloudwatchLogGroup(this, "group", {
      name: props.name,
      retentionInDays: props.retentionDays,
      kmsKeyId: props.kmsKeyArn,
      logGroupClass: props.logGroupClass ?? "STANDARD",
    });
    this.name = group.name;
    this.arn = group.arn;
  }

  /** What the shipper needs: streams and events in this group only. */
  shipperStatements(): PolicyStatement[] {
    return [
      {
        Sid: "WriteContainerLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [this.arn, `${this.arn}:*`],
      },
    ];
  }
}
