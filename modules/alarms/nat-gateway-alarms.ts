import { Fn } from "cdktf";
import { Construct } from "constructs";
import { metricAlarm } from "../metric-alarm";

/** Threshold of the NAT gateways' alarm. */
export interface NatGatewayAlarmsProps {
  /** Name prefix of the alarms. */
  readonly name: string;
  /** The NAT gateways' ids (a list known at apply). */
  readonly natGatewayIds: string[];
  /** How many there are (known from config, so each gets its own alarm). */
  readonly count: number;
  /** Port allocation errors per 5 minutes above which it alarms. */
  readonly portAllocationErrors: number;
  readonly topicArn: string;
}

/** Port allocation errors of each NAT gateway: connections from the private subnets are being dropped. */
export class NatGatewayAlarms extends Construct {
  constructor(scope: Construct, id: string, props: NatGatewayAlarmsProps) {
    super(scope, id);
    for (let i = 0; i < props.count; i++) {
      metricAlarm(
        this,
        `port-allocation-${i + 1}`,
        {
          name: `${props.name}-nat-${i + 1}-port-allocation`,
          description:
            "NAT gateway could not allocate a source port: outbound connections are dropped (too many to one destination?)",
          namespace: "AWS/NATGateway",
          metric: "ErrorPortAllocation",
          dimensions: { NatGatewayId: Fn.element(props.natGatewayIds, i) },
          statistic: "Sum",
          comparison: "GreaterThanThreshold",
          threshold: props.portAllocationErrors,
          periods: 1,
        },
        props.topicArn,
      );
    }
  }
}
