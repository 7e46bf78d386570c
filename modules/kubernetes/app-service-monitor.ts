import { Construct } from "constructs";
import { customResource } from "./custom-resource";

/** Settings of the app's scrape config. */
export interface AppServiceMonitorProps {
  /** Namespace of the app. */
  readonly namespace: string;
  /** ServiceMonitor name. */
  readonly name: string;
  /** Labels of the Service to scrape. */
  readonly serviceLabels: Record<string, string>;
  /** Name of the Service port serving /metrics (a port name, not a number). */
  readonly portName: string;
  /** Scrape interval, a duration such as 30s. @default "30s" */
  readonly interval?: string;
}

/** A ServiceMonitor so Prometheus scrapes the app's /metrics (the seed's prometheus.io annotations). */
export class AppServiceMonitor extends Construct {
  constructor(scope: Construct, id: string, props: AppServiceMonitorProps) {
    super(scope, id);
    customResource(this, "monitor", {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: props.name, namespace: props.namespace, labels: props.serviceLabels },
      spec: {
        selector: { matchLabels: props.serviceLabels },
        namespaceSelector: { matchNames: [props.namespace] },
        endpoints: [{ port: props.portName, path: "/metrics", interval: props.interval ?? "30s" }],
      },
    });
  }
}
