import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { Construct } from "constructs";

/** One CloudWatch alarm on one metric of one resource. */
export interface MetricAlarmSpec {
  /** Alarm name. */
  readonly name: string;
  /** What it means when it fires, and what to look at. */
  readonly description: string;
  readonly namespace: string;
  readonly metric: string;
  readonly dimensions: Record<string, string>;
  readonly statistic: "Average" | "Maximum" | "Minimum" | "Sum";
  /** Fires above (`GreaterThanThreshold`) or below (`LessThanThreshold`) the threshold. */
  readonly comparison: "GreaterThanThreshold" | "LessThanThreshold";
  readonly threshold: number;
  /** Consecutive 5-minute periods before it fires. @default 3 */
  readonly periods?: number;
}

/**
 * A CloudWatch alarm that notifies the topic when it fires and when it recovers. Missing data
 * (a stopped instance, a quiet NAT gateway) is not a breach.
 */
export function metricAlarm(scope: Construct, id: string, spec: MetricAlarmSpec, topicArn: string): void {
  new CloudwatchMetricAlarm(scope, id, {
    alarmName: spec.name,
    alarmDescription: spec.description,
    namespace: spec.namespace,
    metricName: spec.metric,
    dimensions: spec.dimensions,
    statistic: spec.statistic,
    period: 300,
    evaluationPeriods: spec.periods ?? 3,
    comparisonOperator: spec.comparison,
    threshold: spec.threshold,
    treatMissingData: "notBreaching",
    alarmActions: [topicArn],
    okActions: [topicArn],
  });
}
