import { Construct } from "constructs";
import { customResource } from "./custom-resource";

/** What the app's alerts watch, and when they fire. */
export interface AppAlertRulesProps {
  /** Namespace the rules are created in (a reference, so it exists first). */
  readonly namespace: string;
  /** The app's namespace by name, as the metrics' `namespace` label carries it. */
  readonly appNamespace: string;
  /** Name of the Deployment and its HorizontalPodAutoscaler. */
  readonly name: string;
  /** Share of 5xx answers (percent) that alerts. */
  readonly errorPercent: number;
  /** p95 latency (seconds) that alerts. */
  readonly latencyP95Seconds: number;
  /** Restarts in 30 minutes that alert. */
  readonly restarts: number;
  /** Days before a certificate's expiry that alert. */
  readonly certificateExpiryDays: number;
}

interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: "warning" | "critical";
  readonly summary: string;
}

/**
 * The app's PrometheusRule: 5xx ratio, p95 latency (the app's `http_requests_total` and
 * `http_request_duration_seconds`), restarts and an HPA pinned at its maximum (kube-state-metrics),
 * an ExternalSecret that stopped syncing (external-secrets) and a certificate near expiry
 * (cert-manager). Alertmanager sends them to the environment's SNS topic.
 */
export class AppAlertRules extends Construct {
  constructor(scope: Construct, id: string, props: AppAlertRulesProps) {
    super(scope, id);
    const ns = `namespace="${props.appNamespace}"`;
    const rules: AlertRule[] = [
      {
        alert: "MarketingAgentsErrorRatioHigh",
        expr: `100 * sum(rate(http_requests_total{${ns},status=~"5.."}[10m])) / sum(rate(http_requests_total{${ns}}[10m])) > ${props.errorPercent}`,
        for: "10m",
        severity: "critical",
        summary: `More than ${props.errorPercent} % of requests fail with 5xx`,
      },
      {
        alert: "MarketingAgentsLatencyHigh",
        expr: `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${ns}}[10m]))) > ${props.latencyP95Seconds}`,
        for: "10m",
        severity: "warning",
        summary: `The slowest 5 % of requests take more than ${props.latencyP95Seconds} s`,
      },
      {
        alert: "MarketingAgentsRestarting",
        expr: `sum by (pod) (increase(kube_pod_container_status_restarts_total{${ns}}[30m])) >= ${props.restarts}`,
        for: "0m",
        severity: "warning",
        summary: `A pod restarted ${props.restarts} times or more in 30 minutes`,
      },
      {
        alert: "MarketingAgentsAtMaxReplicas",
        expr:
          `kube_horizontalpodautoscaler_status_current_replicas{${ns},horizontalpodautoscaler="${props.name}"}` +
          ` >= kube_horizontalpodautoscaler_spec_max_replicas{${ns},horizontalpodautoscaler="${props.name}"}`,
        for: "30m",
        severity: "warning",
        summary: "The autoscaler has been at its maximum for 30 minutes: raise app.maxReplicas or find the load",
      },
      {
        alert: "ExternalSecretNotSynced",
        // Every namespace's: the app's secrets and the database-admin credentials.
        expr: `max by (namespace, name) (externalsecret_status_condition{condition="Ready",status="False"}) == 1`,
        for: "15m",
        severity: "critical",
        summary: "An ExternalSecret has not synced for 15 minutes: new credentials will not reach the pods",
      },
      {
        alert: "CertificateExpiringSoon",
        expr: `min by (name, namespace) (certmanager_certificate_expiration_timestamp_seconds - time()) < ${props.certificateExpiryDays * 86400}`,
        for: "1h",
        severity: "warning",
        summary: `A certificate expires within ${props.certificateExpiryDays} days: cert-manager has not renewed it`,
      },
    ];
    customResource(this, "rules", {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: { name: `${props.name}-alerts`, namespace: props.namespace },
      spec: {
        groups: [
          {
            name: props.name,
            rules: rules.map((r) => ({
              alert: r.alert,
              expr: r.expr,
              for: r.for,
              labels: { severity: r.severity },
              annotations: { summary: r.summary },
            })),
          },
        ],
      },
    });
  }
}
