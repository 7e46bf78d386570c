import { Construct } from "constructs";
import { metricAlarm } from "../metric-alarm";
import { cacheNodeIds } from "../redis-cache";

/** Thresholds of the cache's alarms. */
export interface CacheAlarmsProps {
  /** Replication group id: its nodes are `<id>-001`, `<id>-002`... */
  readonly replicationGroupId: string;
  readonly nodeCount: number;
  /** Memory used (percent of max memory) that alarms. */
  readonly memoryPercent: number;
  /** Evictions per 5 minutes above which it alarms. */
  readonly evictions: number;
  readonly topicArn: string;
}

/** Memory use and evictions of each cache node. */
export class CacheAlarms extends Construct {
  constructor(scope: Construct, id: string, props: CacheAlarmsProps) {
    super(scope, id);
    cacheNodeIds(props.replicationGroupId, props.nodeCount).forEach((node, i) => {
      const n = i + 1;
      const on = { namespace: "AWS/ElastiCache", dimensions: { CacheClusterId: node } };
      metricAlarm(
        this,
        `memory-${n}`,
        {
          ...on,
          name: `${node}-memory`,
          description: `Cache node ${node} uses more than ${props.memoryPercent} % of its memory: keys are about to be evicted`,
          metric: "DatabaseMemoryUsagePercentage",
          statistic: "Maximum",
          comparison: "GreaterThanThreshold",
          threshold: props.memoryPercent,
        },
        props.topicArn,
      );
      metricAlarm(
        this,
        `evictions-${n}`,
        {
          ...on,
          name: `${node}-evictions`,
          description: `Cache node ${node} evicts keys (more than ${props.evictions} per 5 minutes): a larger node type or shorter TTLs`,
          metric: "Evictions",
          statistic: "Sum",
          comparison: "GreaterThanThreshold",
          threshold: props.evictions,
          periods: 1,
        },
        props.topicArn,
      );
    });
  }
}
