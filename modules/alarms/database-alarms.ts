import { Construct } from "constructs";
import { metricAlarm } from "../metric-alarm";

/** Thresholds of the database's alarms. */
export interface DatabaseAlarmsProps {
  /** RDS instance identifier. */
  readonly identifier: string;
  /** Average CPU (percent) over 15 minutes that alarms. */
  readonly cpuPercent: number;
  /** Free storage (GiB) below which it alarms. */
  readonly freeStorageGib: number;
  /** Connections above which it alarms. */
  readonly maxConnections: number;
  readonly topicArn: string;
}

/** CPU, free storage and connections of the PostgreSQL instance. */
export class DatabaseAlarms extends Construct {
  constructor(scope: Construct, id: string, props: DatabaseAlarmsProps) {
    super(scope, id);
    const on = { namespace: "AWS/RDS", dimensions: { DBInstanceIdentifier: props.identifier } };
    metricAlarm(
      this,
      "cpu",
      {
        ...on,
        name: `${props.identifier}-db-cpu`,
        description: `PostgreSQL CPU above ${props.cpuPercent} % for 15 minutes: slow queries or an undersized class`,
        metric: "CPUUtilization",
        statistic: "Average",
        comparison: "GreaterThanThreshold",
        threshold: props.cpuPercent,
      },
      props.topicArn,
    );
    metricAlarm(
      this,
      "free-storage",
      {
        ...on,
        name: `${props.identifier}-db-free-storage`,
        description: `PostgreSQL free storage under ${props.freeStorageGib} GiB: autoscaling at its ceiling (maxAllocatedStorageGib)?`,
        metric: "FreeStorageSpace",
        statistic: "Minimum",
        comparison: "LessThanThreshold",
        threshold: props.freeStorageGib * 2 ** 30,
        periods: 1,
      },
      props.topicArn,
    );
    metricAlarm(
      this,
      "connections",
      {
        ...on,
        name: `${props.identifier}-db-connections`,
        description: `PostgreSQL connections above ${props.maxConnections}: pool sizes times replicas near max_connections`,
        metric: "DatabaseConnections",
        statistic: "Maximum",
        comparison: "GreaterThanThreshold",
        threshold: props.maxConnections,
      },
      props.topicArn,
    );
  }
}
