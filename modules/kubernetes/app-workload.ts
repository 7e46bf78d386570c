import { createHash } from "node:crypto";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { HorizontalPodAutoscalerV2 } from "@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2";
import { PodDisruptionBudgetV1 } from "@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { RELOADER_LAST_RELOADED_ANNOTATION, RELOAD_ON_SECRET_ANNOTATION } from "../addons/reloader";

/** The seed's container contract (deployment.yaml), the same in every environment. */
export const SEED_CONTAINER = {
  port: 8000,
  liveness: { path: "/health", initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
  readiness: { path: "/ready", initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 1 },
  requests: { cpu: "250m", memory: "512Mi" },
  limits: { cpu: "500m", memory: "1Gi" },
  /** uid/gid of `appuser` in the seed's Dockerfile. */
  user: 1000,
} as const;

/**
 * How long a rollout may go without progress before Kubernetes marks it failed
 * (ProgressDeadlineExceeded). Shorter than the Deployment's Terraform timeouts, so an apply
 * reports the failed rollout with its reason instead of timing out without one.
 */
export const ROLLOUT_DEADLINE_SECONDS = 300;
/** Terraform's wait for a create or update of the Deployment (rollout included). */
export const ROLLOUT_TIMEOUT = "10m";

/**
 * The sidecar that copies every file of the app's log folder to its own stdout, line by line, so
 * the node's log collector ships them with the container logs: the folder is an emptyDir, gone
 * with the pod. busybox from ECR Public (no Docker Hub pull limits), pinned.
 */
export const LOG_FORWARDER = {
  name: "app-logs",
  image: "public.ecr.aws/docker/library/busybox:1.37.0",
  // Follows each file from its first line, including files the app creates later (checked every 10 s).
  script: [
    "seen=''",
    "while :; do",
    '  for f in /app/logs/*; do [ -f "$f" ] || continue',
    '    case " $seen " in *" $f "*) ;; *) tail -n +1 -F "$f" & seen="$seen $f" ;; esac',
    "  done",
    "  sleep 10",
    "done",
  ].join("\n"),
  /** Alive while every file of the folder has its follower (a killed one restarts the copy, from line 1). */
  liveness: [
    'for f in /app/logs/*; do [ -f "$f" ] || continue',
    '  pgrep -f "tail -n .1 -F $f" > /dev/null || exit 1',
    "done",
  ].join("\n"),
  requests: { cpu: "5m", memory: "16Mi" },
  limits: { cpu: "50m", memory: "32Mi" },
} as const;

/**
 * Seconds the app keeps serving after its pod starts terminating, before uvicorn gets SIGTERM
 * (preStop): the EndpointSlice change reaches Envoy Gateway and, through xDS, every proxy, which
 * then stops sending new requests. Uvicorn refuses new connections from SIGTERM on, so a request
 * routed in that window would fail.
 */
export const ENDPOINT_REMOVAL_SECONDS = 10;
/** Seconds after the last request for uvicorn's lifespan shutdown and the last log lines. */
export const SHUTDOWN_MARGIN_SECONDS = 10;

/**
 * The pod's terminationGracePeriodSeconds: the preStop wait, then the longest request still in
 * flight (uvicorn finishes in-flight requests after SIGTERM, with no limit of its own), then the
 * shutdown itself. Anything shorter and the kubelet's SIGKILL cuts an LLM call the gateway still waits for.
 */
export function appTerminationGracePeriodSeconds(requestTimeoutSeconds: number): number {
  return ENDPOINT_REMOVAL_SECONDS + requestTimeoutSeconds + SHUTDOWN_MARGIN_SECONDS;
}

/** The seed's HPA targets. */
export const SEED_AUTOSCALING = { cpuPercent: 70, memoryPercent: 80, requestsPerSecond: 100 } as const;

/** Settings of the app's workload. */
export interface AppWorkloadProps {
  /** Namespace (exists already). */
  readonly namespace: string;
  /** Name of the Deployment, container, ConfigMap and ServiceAccount; the `app` label. */
  readonly name: string;
  /** Full image reference, `<repository>:<tag>`. */
  readonly image: string;
  /**
   * The log forwarder's image, LOG_FORWARDER.image rewritten to the environment's pull-through
   * cache (modules/image-mirror.ts). @default LOG_FORWARDER.image
   */
  readonly logForwarderImage?: string;
  /** Replicas at creation; the HPA owns the number afterwards. */
  readonly replicas: number;
  /** HPA floor. */
  readonly minReplicas: number;
  /** HPA ceiling. */
  readonly maxReplicas: number;
  /** Plain settings, put in the ConfigMap. */
  readonly settings: Record<string, string>;
  /** Secret with the app's secret settings (made by the ExternalSecret). */
  readonly secretName: string;
  /** Name of the Pods metric for requests per second (served by prometheus-adapter). */
  readonly requestsPerSecondMetric: string;
  /** What must be done before the first pod starts (the app's database login). @default - nothing */
  readonly startAfter?: ITerraformDependable[];
  /**
   * The longest a request may last (the gateway's request timeout): a stopping pod gets that long
   * to finish its last one (appTerminationGracePeriodSeconds).
   */
  readonly requestTimeoutSeconds: number;
}

/** Labels of a workload's pods (and its Service's selector): what NetworkPolicies elsewhere select it by. */
export function workloadPodLabels(name: string): Record<string, string> {
  return { app: name };
}

/**
 * The marketing-agents Deployment with the seed's probes, resources, rolling update and scrape
 * annotations, hardened (non-root uid 1000, read-only root with writable /tmp and /app/logs, no
 * privilege escalation, no capabilities, RuntimeDefault seccomp) and spread across zones; plus
 * its ConfigMap, ServiceAccount, Service, HPA and PodDisruptionBudget.
 */
export class AppWorkload extends Construct {
  /** Labels of the pods and the Service. */
  readonly labels: Record<string, string>;
  /** Name of the HorizontalPodAutoscaler. */
  readonly hpaName: string;
  /** Service name and port. */
  readonly service: { readonly name: string; readonly port: number; readonly portName: string };
  /** The Deployment, rolled out (Terraform waits for the rollout): depend on it to act once every pod runs the new template. */
  readonly rolledOut: ITerraformDependable;

  constructor(scope: Construct, id: string, props: AppWorkloadProps) {
    super(scope, id);
    const { namespace, name } = props;
    this.labels = workloadPodLabels(name);
    this.service = { name: `${name}-service`, port: 80, portName: "http" };
    this.hpaName = `${name}-hpa`;

    const config = new ConfigMapV1(this, "config", {
      metadata: { name: `${name}-config`, namespace },
      data: props.settings,
    });
    const serviceAccount = new ServiceAccountV1(this, "service-account", { metadata: { name, namespace } });
    const deployment = this.deployment(props, config.metadata.name, serviceAccount.metadata.name);
    this.rolledOut = deployment;

    new ServiceV1(this, "service", {
      metadata: { name: this.service.name, namespace, labels: this.labels },
      spec: {
        type: "ClusterIP",
        selector: this.labels,
        port: [{ name: this.service.portName, port: this.service.port, targetPort: "http", protocol: "TCP" }],
      },
    });
    new HorizontalPodAutoscalerV2(this, "autoscaler", {
      metadata: { name: this.hpaName, namespace },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
        minReplicas: props.minReplicas,
        maxReplicas: props.maxReplicas,
        metric: [
          resourceMetric("cpu", SEED_AUTOSCALING.cpuPercent),
          resourceMetric("memory", SEED_AUTOSCALING.memoryPercent),
          {
            type: "Pods",
            pods: {
              metric: { name: props.requestsPerSecondMetric },
              target: { type: "AverageValue", averageValue: String(SEED_AUTOSCALING.requestsPerSecond) },
            },
          },
        ],
      },
    });
    new PodDisruptionBudgetV1(this, "disruption-budget", {
      metadata: { name: `${name}-pdb`, namespace },
      spec: { maxUnavailable: "1", selector: { matchLabels: this.labels } },
    });
  }

  private deployment(props: AppWorkloadProps, configMap: string, serviceAccount: string): DeploymentV1 {
    const { name, namespace } = props;
    const probe = (p: (typeof SEED_CONTAINER)["liveness" | "readiness"]) => ({
      httpGet: { path: p.path, port: "http" },
      initialDelaySeconds: p.initialDelaySeconds,
      periodSeconds: p.periodSeconds,
      timeoutSeconds: p.timeoutSeconds,
      failureThreshold: p.failureThreshold,
    });
    const deployment = new DeploymentV1(this, "deployment", {
      metadata: {
        name,
        namespace,
        labels: this.labels,
        // A rotated database password or API key reaches the pods: Reloader rolls them when the Secret changes.
        annotations: { [RELOAD_ON_SECRET_ANNOTATION]: props.secretName },
      },
      // Wait for the rollout, so an apply (and CI) fails when new pods never become ready; with
      // maxUnavailable 0 the old pods keep serving meanwhile. The deploy command's preflight
      // makes sure the image tag and the API keys exist first, so a first apply cannot wait on
      // something that is not there (a failed create would leave a tainted Deployment).
      waitForRollout: true,
      dependsOn: props.startAfter,
      timeouts: { create: ROLLOUT_TIMEOUT, update: ROLLOUT_TIMEOUT, delete: "5m" },
      spec: {
        replicas: String(props.replicas),
        progressDeadlineSeconds: ROLLOUT_DEADLINE_SECONDS,
        selector: { matchLabels: this.labels },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "1", maxUnavailable: "0" } },
        template: {
          metadata: {
            labels: this.labels,
            annotations: {
              // A changed setting changes the pod template, so the same apply rolls the pods (the
              // plan shows it); a ConfigMap alone reaches running pods only when they restart.
              [CONFIG_CHECKSUM_ANNOTATION]: settingsChecksum(props.settings),
              "prometheus.io/scrape": "true",
              "prometheus.io/port": String(SEED_CONTAINER.port),
              "prometheus.io/path": "/metrics",
            },
          },
          spec: {
            serviceAccountName: serviceAccount,
            terminationGracePeriodSeconds: appTerminationGracePeriodSeconds(props.requestTimeoutSeconds),
            securityContext: {
              runAsNonRoot: true,
              runAsUser: String(SEED_CONTAINER.user),
              runAsGroup: String(SEED_CONTAINER.user),
              fsGroup: String(SEED_CONTAINER.user),
              seccompProfile: { type: "RuntimeDefault" },
            },
            topologySpreadConstraint: [
              {
                maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: [{ matchLabels: this.labels }],
              },
              {
                maxSkew: 1,
                topologyKey: "kubernetes.io/hostname",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: [{ matchLabels: this.labels }],
              },
            ],
            container: [
              {
                name,
                image: props.image,
                imagePullPolicy: "IfNotPresent",
                port: [{ name: "http", containerPort: SEED_CONTAINER.port, protocol: "TCP" }],
                envFrom: [{ configMapRef: { name: configMap } }, { secretRef: { name: props.secretName } }],
                resources: { requests: { ...SEED_CONTAINER.requests }, limits: { ...SEED_CONTAINER.limits } },
                livenessProbe: probe(SEED_CONTAINER.liveness),
                readinessProbe: probe(SEED_CONTAINER.readiness),
                // The image's sleep (python:3.12-slim); the provider has no preStop sleep action.
                lifecycle: { preStop: [{ exec: { command: ["sleep", String(ENDPOINT_REMOVAL_SECONDS)] } }] },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  privileged: false,
                  capabilities: { drop: ["ALL"] },
                },
                volumeMount: [
                  { name: "logs", mountPath: "/app/logs" },
                  { name: "tmp", mountPath: "/tmp" },
                ],
              },
              logForwarder(props.logForwarderImage),
            ],
            volume: [
              { name: "logs", emptyDir: { sizeLimit: "1Gi" } },
              { name: "tmp", emptyDir: {} },
            ],
          },
        },
      },
    });
    // The HPA owns the replica count after creation, and Reloader marks the pod template when it
    // restarts the pods: Terraform must reset neither on every apply.
    deployment.addOverride("lifecycle.ignore_changes", [
      "spec[0].replicas",
      `spec[0].template[0].metadata[0].annotations["${RELOADER_LAST_RELOADED_ANNOTATION}"]`,
    ]);
    return deployment;
  }
}

/** Pod template annotation holding the SHA-256 of the app's plain settings. */
export const CONFIG_CHECKSUM_ANNOTATION = "marketing-agents/config-sha256";

/** SHA-256 of the settings, independent of key order. */
function settingsChecksum(settings: Record<string, string>): string {
  const sorted = Object.keys(settings)
    .sort()
    .map((key) => [key, settings[key]]);
  return createHash("sha256").update(JSON.stringify(sorted)).digest("hex");
}

function resourceMetric(name: "cpu" | "memory", averageUtilization: number) {
  return { type: "Resource", resource: { name, target: { type: "Utilization", averageUtilization } } };
}

/** The log folder's copy to stdout (LOG_FORWARDER): read-only, as locked down as the app. */
function logForwarder(image: string = LOG_FORWARDER.image) {
  return {
    name: LOG_FORWARDER.name,
    image,
    imagePullPolicy: "IfNotPresent",
    command: ["sh", "-c", LOG_FORWARDER.script],
    // Longer than the script's 10 s scan, so a file it has not seen yet does not count as lost.
    livenessProbe: {
      exec: { command: ["sh", "-c", LOG_FORWARDER.liveness] },
      initialDelaySeconds: 30,
      periodSeconds: 10,
      failureThreshold: 3,
    },
    // Ready once the folder is mounted; never blocks the app's traffic otherwise.
    readinessProbe: { exec: { command: ["test", "-d", "/app/logs"] }, periodSeconds: 10 },
    resources: { requests: { ...LOG_FORWARDER.requests }, limits: { ...LOG_FORWARDER.limits } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ["ALL"] },
    },
    volumeMount: [{ name: "logs", mountPath: "/app/logs", readOnly: true }],
  };
}
