import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { DataAwsSsmParameter } from "@cdktf/provider-aws/lib/data-aws-ssm-parameter";
import { Fn, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { APP_DATABASE, IMAGE_TAG_VARIABLE, appLoginAt, type EnvironmentConfig } from "../config";
import { ENVOY_GATEWAY_CHART, ENVOY_GATEWAY_CONTROLLER } from "../modules/addons/envoy-gateway";
import { KUBE_PROMETHEUS_STACK_CHART } from "../modules/addons/kube-prometheus-stack";
import { ClusterConnection } from "../modules/cluster-connection";
import { AppAlertRules } from "../modules/kubernetes/app-alert-rules";
import { AppDashboard } from "../modules/kubernetes/app-dashboard";
import { AppExternalSecret } from "../modules/kubernetes/app-external-secret";
import { DATABASE_ADMIN_STORE, DatabaseAppUser, PSQL_IMAGE } from "../modules/kubernetes/database-app-user";
import { DefaultDenyNetworkPolicy } from "../modules/kubernetes/default-deny-network-policy";
import { podSecurityLabels } from "../modules/kubernetes/pod-security-labels";
import { AppNetworkPolicy } from "../modules/kubernetes/app-network-policy";
import { AppRoute } from "../modules/kubernetes/app-route";
import { AppServiceMonitor } from "../modules/kubernetes/app-service-monitor";
import { AppWorkload, LOG_FORWARDER } from "../modules/kubernetes/app-workload";
import { ClusterIssuers } from "../modules/kubernetes/cluster-issuers";
import { ClusterSecretStore } from "../modules/kubernetes/cluster-secret-store";
import { PUBLIC_GATEWAY_NAME, PublicGateway } from "../modules/kubernetes/public-gateway";
import { SecretStoreAdmissionPolicy } from "../modules/kubernetes/secret-store-admission-policy";
import { planSubnets } from "../modules/subnet-plan";
import { DATABASE_ADMIN_NAMESPACE, SERVICE_ACCOUNTS } from "./cluster-stack";
import { EnvironmentStack, type EnvironmentStackProps } from "./environment-stack";

/** What the app stack takes from the cluster and data stacks. */
export interface AppStackProps extends EnvironmentStackProps {
  /** Name of the EKS cluster. */
  readonly clusterName: string;
  /** ECR repository URL of the app image. */
  readonly imageRepositoryUrl: string;
  /** Name of the SSM parameter holding the image tag to run (written by rollouts). */
  readonly imageTagParameterName: string;
  /** Host name of PostgreSQL. */
  readonly databaseAddress: string;
  /** ARN of the RDS-managed master secret (read by the create-app-user Job only). */
  readonly databaseMasterSecretArn: string;
  /** Role the database-admin store assumes to read it. */
  readonly databaseAdminRoleArn: string;
  /** ARN of the app's own database login secret. */
  readonly databaseAppSecretArn: string;
  /** Id of that secret's current value. */
  readonly databaseAppSecretVersionId: string;
  /** DbiResourceId of the PostgreSQL instance: a new one (a restore) re-syncs the app's login. */
  readonly databaseResourceId: string;
  /** RDS instance identifier (CloudWatch dimension of its metrics). */
  readonly databaseIdentifier: string;
  /** ElastiCache node ids (CloudWatch dimension of their metrics). */
  readonly cacheNodeIds: string[];
  /** Name of the secret with the Redis URL. */
  readonly redisSecretName: string;
  /** Name of the secret with the API keys. */
  readonly apiKeysSecretName: string;
}

const APP = SERVICE_ACCOUNTS.app;
const GATEWAY_NAMESPACE = ENVOY_GATEWAY_CHART.namespace;
const MONITORING_NAMESPACE = KUBE_PROMETHEUS_STACK_CHART.namespace;

/**
 * `<env>-app`: everything that needs the platform's CRDs, so it is deployed after `<env>-platform`:
 * the cluster's issuers, secret store and public Gateway, then the marketing-agents workload
 * (the seed's namespace, ConfigMap, Secret, Deployment, HPA, Service and Ingress, as Gateway API).
 */
export class AppStack extends EnvironmentStack {
  constructor(scope: Construct, props: AppStackProps) {
    super(scope, "app", props);
    const { config } = this;
    const { app, platform } = config;
    new ClusterConnection(this, "connection", {
      clusterName: props.clusterName,
      region: config.account.region,
      kubernetes: true,
    });

    // The running image is what the last rollout recorded, not what this commit says: a merge
    // never rolls the image back. A rollout plans its tag through the variable, so the reviewed
    // plan shows the new image; the deploy command records the tag only once that plan is applied.
    const recordedTag = new DataAwsSsmParameter(this, "image-tag", { name: props.imageTagParameterName });
    const rolloutTag = new TerraformVariable(this, IMAGE_TAG_VARIABLE, {
      type: "string",
      default: "",
      description:
        "Image tag a rollout deploys (npm run deploy -- <env> app --image-tag <tag> --apply); empty: the recorded one",
    });
    // coalesce: the first argument that is neither null nor an empty string.
    const imageTag = Fn.coalesce([rolloutTag.stringValue, recordedTag.insecureValue]);

    const gatewayName = PUBLIC_GATEWAY_NAME;
    const issuers = new ClusterIssuers(this, "issuers", {
      acmeEmail: platform.acmeEmail,
      staging: platform.letsEncryptStagingIssuer,
      gateway: { name: gatewayName, namespace: GATEWAY_NAMESPACE },
    });
    const store = new ClusterSecretStore(this, "secret-store", {
      name: "aws-secrets-manager",
      region: config.account.region,
      namespaces: [APP.namespace],
    });
    new SecretStoreAdmissionPolicy(this, "secret-store-admission", {
      clusterStore: store.name,
      clusterStoreNamespaces: [APP.namespace],
      adminStore: { namespace: DATABASE_ADMIN_NAMESPACE, name: DATABASE_ADMIN_STORE },
    });
    const gateway = new PublicGateway(this, "gateway", {
      name: gatewayName,
      namespace: GATEWAY_NAMESPACE,
      controllerName: ENVOY_GATEWAY_CONTROLLER,
      hostname: app.domain,
      issuer: issuers.production,
      routeNamespaces: [APP.namespace],
      maxRequestBody: "10Mi",
      proxyReplicas: platform.gateway.proxyReplicas,
      idleTimeoutSeconds: platform.gateway.idleTimeoutSeconds,
      backendIdleTimeoutSeconds: platform.gateway.backendIdleTimeoutSeconds,
      requestTimeoutSeconds: platform.gateway.requestTimeoutSeconds,
    });

    const appUser = new DatabaseAppUser(this, "database-app-user", {
      namespace: DATABASE_ADMIN_NAMESPACE,
      region: config.account.region,
      adminRoleArn: props.databaseAdminRoleArn,
      masterSecretArn: props.databaseMasterSecretArn,
      appSecretArn: props.databaseAppSecretArn,
      appSecretVersionId: props.databaseAppSecretVersionId,
      appRole: APP_DATABASE.appRole,
      appLogins: APP_DATABASE.appLogins,
      appLogin: appLoginAt(config.database.appLoginGeneration),
      databaseOrigin: databaseOrigin(config.database.restore),
      databaseResourceId: props.databaseResourceId,
      host: props.databaseAddress,
      port: APP_DATABASE.port,
      database: APP_DATABASE.name,
      schema: APP_DATABASE.schema,
      databaseSubnetCidrs: planSubnets(config.network.vpcCidr, config.network.availabilityZones.length).database,
      // Public images come through the environment's pull-through cache.
      psqlImage: this.imageMirror().image(PSQL_IMAGE),
    });

    const namespace = new NamespaceV1(this, "namespace", {
      metadata: { name: APP.namespace, labels: { name: APP.namespace, ...podSecurityLabels("restricted") } },
    });
    // Nothing in or out but DNS; the app's own policy (below) opens the gateway, Prometheus and data flows.
    new DefaultDenyNetworkPolicy(this, "namespace-default-deny", { namespace: namespace.metadata.name });
    // A new Secret at each login rotation: the pods move to it only once it holds the new login.
    const secretName = `${APP.name}-secrets-${config.database.appLoginGeneration}`;
    const secrets = new AppExternalSecret(this, "secrets", {
      namespace: namespace.metadata.name,
      targetSecret: secretName,
      store: store.name,
      databaseSecret: props.databaseAppSecretArn,
      databaseSecretVersionId: props.databaseAppSecretVersionId,
      after: [appUser.done],
      databaseHost: props.databaseAddress,
      databasePort: APP_DATABASE.port,
      databaseName: APP_DATABASE.name,
      redisSecret: props.redisSecretName,
      apiKeysSecret: props.apiKeysSecretName,
    });
    const workload = new AppWorkload(this, "workload", {
      namespace: namespace.metadata.name,
      name: APP.name,
      image: `${props.imageRepositoryUrl}:${imageTag}`,
      logForwarderImage: this.imageMirror().image(LOG_FORWARDER.image),
      replicas: app.replicas,
      minReplicas: app.minReplicas,
      maxReplicas: app.maxReplicas,
      settings: {
        LOG_LEVEL: app.logLevel,
        MAX_WORKERS: String(app.maxWorkers),
        CACHE_TTL: String(app.cacheTtlSeconds),
        API_TIMEOUT: String(app.apiTimeoutSeconds),
        METRICS_ENABLED: String(app.metricsEnabled),
        // uvicorn reads its options from UVICORN_* variables (the image's command sets no keep-alive).
        UVICORN_TIMEOUT_KEEP_ALIVE: String(app.keepAliveSeconds),
      },
      secretName,
      requestsPerSecondMetric: "requests_per_second",
      startAfter: [appUser.done, secrets.ready],
      requestTimeoutSeconds: platform.gateway.requestTimeoutSeconds,
    });
    // Only once every pod runs on the new login are the app's other logins disabled.
    appUser.retireOtherLogins([workload.rolledOut]);
    new AppRoute(this, "route", {
      namespace: namespace.metadata.name,
      name: APP.name,
      hostname: app.domain,
      gateway: gateway.ref,
      backend: { name: workload.service.name, port: workload.service.port },
      requestTimeoutSeconds: platform.gateway.requestTimeoutSeconds,
    });
    new AppNetworkPolicy(this, "network-policy", {
      namespace: namespace.metadata.name,
      name: APP.name,
      podLabels: workload.labels,
      port: 8000,
      ingressNamespaces: [GATEWAY_NAMESPACE, MONITORING_NAMESPACE],
      dataSubnetCidrs: planSubnets(config.network.vpcCidr, config.network.availabilityZones.length).database,
    });
    new AppAlertRules(this, "alert-rules", {
      namespace: namespace.metadata.name,
      appNamespace: APP.namespace,
      name: APP.name,
      errorPercent: config.alerts.appErrorPercent,
      latencyP95Seconds: config.alerts.appLatencyP95Seconds,
      restarts: config.alerts.appRestarts,
      certificateExpiryDays: config.alerts.certificateExpiryDays,
    });
    new AppDashboard(this, "dashboard", {
      namespace: namespace.metadata.name,
      appNamespace: APP.namespace,
      name: APP.name,
      hpaName: workload.hpaName,
      region: config.account.region,
      databaseIdentifier: props.databaseIdentifier,
      cacheNodeIds: props.cacheNodeIds,
    });
    new AppServiceMonitor(this, "service-monitor", {
      namespace: namespace.metadata.name,
      name: APP.name,
      serviceLabels: workload.labels,
      portName: workload.service.portName,
    });
  }
}

/**
 * Where the database's data came from, in words (the Jobs' annotation): a restore changes it, so
 * the review shows the login Jobs run again, and they re-sync the app's login in restored data.
 */
export function databaseOrigin(restore: EnvironmentConfig["database"]["restore"]): string {
  if (restore === null) return "created empty";
  switch (restore.from) {
    case "snapshot":
      return `snapshot ${restore.snapshotIdentifier}`;
    case "backup":
      return `backup ${restore.recoveryPointArn}`;
    case "point-in-time":
      return `point-in-time ${restore.sourceDbiResourceId} at ${restore.restoreTime}`;
  }
}
