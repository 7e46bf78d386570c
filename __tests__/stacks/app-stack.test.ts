import { createHash } from "node:crypto";
import { CONCERNS } from "../../config";
import { resourcesOf, synthEnvironment, type SynthesizedEnvironment } from "../helpers";

type Json = Record<string, unknown>;
type Manifest = { apiVersion: string; kind: string; metadata: Json; spec: Json };

const only = (env: SynthesizedEnvironment, type: string): Json => {
  const all = Object.values(resourcesOf(env.json("app"), type));
  expect(all).toHaveLength(1);
  return all[0];
};
const appConfig = (env: SynthesizedEnvironment): Json => {
  const all = Object.values(resourcesOf(env.json("app"), "kubernetes_config_map_v1"));
  return all.find((c) => (c.metadata as Json).name === "marketing-agents-config") as Json;
};
const manifests = (env: SynthesizedEnvironment): Manifest[] =>
  Object.values(resourcesOf(env.json("app"), "kubernetes_manifest")).map((m) => m.manifest as Manifest);
const manifest = (env: SynthesizedEnvironment, kind: string, name?: string): Manifest => {
  const found = manifests(env).filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  expect(found).toHaveLength(1);
  return found[0];
};

describe("app stack", () => {
  const dev = synthEnvironment("dev");
  const prod = synthEnvironment("prod");
  const podSpec = (env: SynthesizedEnvironment) =>
    ((only(env, "kubernetes_deployment_v1").spec as Json).template as Json).spec as Json;
  const container = (env: SynthesizedEnvironment) => (podSpec(env).container as Json[])[0];

  it("is deployed after the platform stack, whose charts install its CRDs", () => {
    expect(prod.stacks.app.dependencies).toContain(prod.stacks.platform);
  });

  describe("Deployment (the seed's deployment.yaml)", () => {
    it("keeps replicas per environment, a surge-only rolling update and the seed's labels", () => {
      const deployment = only(prod, "kubernetes_deployment_v1");
      expect(deployment).toMatchObject({
        metadata: {
          name: "marketing-agents",
          namespace: "${kubernetes_namespace_v1.namespace.metadata[0].name}",
          labels: { app: "marketing-agents" },
        },
        spec: {
          replicas: "3",
          selector: { match_labels: { app: "marketing-agents" } },
          strategy: { type: "RollingUpdate", rolling_update: { max_surge: "1", max_unavailable: "0" } },
        },
        lifecycle: {
          ignore_changes: [
            "spec[0].replicas",
            'spec[0].template[0].metadata[0].annotations["reloader.stakater.com/last-reloaded-from"]',
          ],
        },
      });
      expect((only(dev, "kubernetes_deployment_v1").spec as Json).replicas).toBe("1");
    });

    it("waits for the rollout, and Kubernetes gives up on a stuck one before Terraform's timeout does", () => {
      const deployment = only(prod, "kubernetes_deployment_v1");
      expect(deployment).toMatchObject({
        wait_for_rollout: true,
        timeouts: { create: "10m", update: "10m" },
        spec: { progress_deadline_seconds: 300 },
      });
      const seconds = (t: string) => Number(t.replace(/m$/, "")) * 60;
      const { timeouts, spec } = deployment as {
        timeouts: { create: string; update: string };
        spec: { progress_deadline_seconds: number };
      };
      expect(spec.progress_deadline_seconds).toBeLessThan(seconds(timeouts.create));
      expect(spec.progress_deadline_seconds).toBeLessThan(seconds(timeouts.update));
    });

    it("restarts its pods when the app Secret changes (a rotated password reaches running pods)", () => {
      const metadata = only(prod, "kubernetes_deployment_v1").metadata as Json;
      expect(metadata.annotations).toEqual({ "secret.reloader.stakater.com/reload": "marketing-agents-secrets-0" });
    });

    it("rolls its pods when a setting changes: the pod template carries the ConfigMap data's checksum", () => {
      const checksumOf = (env: SynthesizedEnvironment) => {
        const template = (only(env, "kubernetes_deployment_v1").spec as Json).template as Json;
        return ((template.metadata as Json).annotations as Json)["marketing-agents/config-sha256"];
      };
      const expected = (env: SynthesizedEnvironment) => {
        const data = appConfig(env).data as Record<string, string>;
        const sorted = Object.keys(data)
          .sort()
          .map((key) => [key, data[key]]);
        return createHash("sha256").update(JSON.stringify(sorted)).digest("hex");
      };
      expect(checksumOf(prod)).toBe(expected(prod));
      expect(checksumOf(dev)).toBe(expected(dev));
      // dev logs at DEBUG, prod at INFO: different settings, different pod templates.
      expect(checksumOf(dev)).not.toBe(checksumOf(prod));
    });

    it("keeps the seed's Prometheus scrape annotations", () => {
      const template = (only(prod, "kubernetes_deployment_v1").spec as Json).template as Json;
      expect((template.metadata as Json).annotations).toEqual({
        "marketing-agents/config-sha256": expect.stringMatching(/^[0-9a-f]{64}$/),
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "8000",
        "prometheus.io/path": "/metrics",
      });
    });

    it("keeps port 8000, the seed's probes and resources", () => {
      expect(container(prod)).toMatchObject({
        name: "marketing-agents",
        port: [{ name: "http", container_port: 8000 }],
        liveness_probe: {
          http_get: { path: "/health", port: "http" },
          initial_delay_seconds: 30,
          period_seconds: 10,
          timeout_seconds: 5,
          failure_threshold: 3,
        },
        readiness_probe: {
          http_get: { path: "/ready", port: "http" },
          initial_delay_seconds: 5,
          period_seconds: 5,
          timeout_seconds: 3,
          failure_threshold: 1,
        },
        resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "500m", memory: "1Gi" } },
      });
    });

    it("runs the ECR image at a rollout's planned tag, else the tag the image-tag parameter records (a merge never changes it)", () => {
      const [name, data] = Object.entries(prod.json("app").data?.aws_ssm_parameter as Record<string, Json>)[0];
      expect(data.name).toMatch(/remote_state.*prod-data/);
      // The repository's URL is known at plan (its registry and name), so the plan shows the whole image.
      expect(container(prod).image).toMatch(
        new RegExp(
          `^333333333333\\.dkr\\.ecr\\.us-east-1\\.amazonaws\\.com/marketing-agents-prod:\\$\\{coalesce\\(var\\.image_tag, data\\.aws_ssm_parameter\\.${name}\\.insecure_value\\)\\}$`,
        ),
      );
      // Empty unless the deploy command passes --image-tag's value: then the plan shows the new image.
      expect(prod.json("app").variable?.image_tag).toMatchObject({ type: "string", default: "" });
      for (const env of ["dev", "staging", "prod"]) {
        for (const concern of CONCERNS) expect(synthEnvironment(env).text(concern)).not.toMatch(/:latest"/);
      }
    });

    it("creates the parameter once with config's tag, then leaves its value to rollouts", () => {
      const [parameter] = Object.values(resourcesOf(prod.json("data"), "aws_ssm_parameter"));
      expect(parameter).toMatchObject({
        name: "/marketing-agents/prod/image-tag",
        type: "String",
        value: "0.1.0",
        lifecycle: { ignore_changes: ["value"] },
      });
    });

    it("runs as uid 1000, non-root, read-only, without privileges or capabilities, under RuntimeDefault seccomp", () => {
      expect(podSpec(prod).security_context).toEqual({
        run_as_non_root: true,
        run_as_user: "1000",
        run_as_group: "1000",
        fs_group: "1000",
        seccomp_profile: { type: "RuntimeDefault" },
      });
      expect(container(prod).security_context).toEqual({
        allow_privilege_escalation: false,
        read_only_root_filesystem: true,
        privileged: false,
        capabilities: { drop: ["ALL"] },
      });
    });

    it("writes only to /tmp and the seed's logs emptyDir at /app/logs (bounded)", () => {
      expect(container(prod).volume_mount).toEqual([
        { name: "logs", mount_path: "/app/logs" },
        { name: "tmp", mount_path: "/tmp" },
      ]);
      expect(podSpec(prod).volume).toEqual([
        { name: "logs", empty_dir: { size_limit: "1Gi" } },
        { name: "tmp", empty_dir: {} },
      ]);
    });

    it("spreads pods across zones, gives them time to drain and their own service account", () => {
      const spec = podSpec(prod);
      expect(spec.topology_spread_constraint).toContainEqual(
        expect.objectContaining({ topology_key: "topology.kubernetes.io/zone", max_skew: 1 }),
      );
      // 10 s preStop wait + the gateway's 60 s request timeout + 10 s to shut down.
      expect(spec.termination_grace_period_seconds).toBe(80);
      expect(spec.service_account_name).toMatch(/kubernetes_service_account_v1/);
      expect(only(prod, "kubernetes_service_account_v1")).toMatchObject({ metadata: { name: "marketing-agents" } });
    });

    it("reads settings from the ConfigMap and secrets from the ExternalSecret's Secret", () => {
      expect(container(prod).env_from).toEqual([
        { config_map_ref: { name: expect.stringMatching(/kubernetes_config_map_v1/) } },
        { secret_ref: { name: "marketing-agents-secrets-0" } },
      ]);
      expect(appConfig(prod)).toMatchObject({
        metadata: { name: "marketing-agents-config" },
        data: { LOG_LEVEL: "INFO", MAX_WORKERS: "4", CACHE_TTL: "3600", API_TIMEOUT: "30", METRICS_ENABLED: "true" },
      });
      expect((appConfig(dev).data as Json).LOG_LEVEL).toBe("DEBUG");
    });
  });

  it("scales between the configured bounds on CPU 70 %, memory 80 % and 100 requests per second per pod", () => {
    const hpa = only(prod, "kubernetes_horizontal_pod_autoscaler_v2").spec as Json;
    expect(hpa).toMatchObject({
      min_replicas: 2,
      max_replicas: 10,
      scale_target_ref: { kind: "Deployment", api_version: "apps/v1" },
    });
    expect(hpa.metric).toEqual([
      { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", average_utilization: 70 } } },
      { type: "Resource", resource: { name: "memory", target: { type: "Utilization", average_utilization: 80 } } },
      {
        type: "Pods",
        pods: { metric: { name: "requests_per_second" }, target: { type: "AverageValue", average_value: "100" } },
      },
    ]);
    expect((only(dev, "kubernetes_horizontal_pod_autoscaler_v2").spec as Json).max_replicas).toBe(3);
  });

  it("exposes the seed's ClusterIP Service on 80 -> 8000", () => {
    expect(only(prod, "kubernetes_service_v1")).toMatchObject({
      metadata: { name: "marketing-agents-service", labels: { app: "marketing-agents" } },
      spec: {
        type: "ClusterIP",
        selector: { app: "marketing-agents" },
        port: [{ name: "http", port: 80, target_port: "http" }],
      },
    });
  });

  it("keeps a pod available through node drains", () => {
    expect(only(prod, "kubernetes_pod_disruption_budget_v1")).toMatchObject({
      spec: { max_unavailable: "1", selector: { match_labels: { app: "marketing-agents" } } },
    });
  });

  describe("NetworkPolicy", () => {
    const policy = () =>
      Object.values(resourcesOf(prod.json("app"), "kubernetes_network_policy_v1")).find(
        (p) => (p.metadata as Json).name === "marketing-agents",
      )?.spec as { ingress: Json[]; egress: Json[]; policy_types: string[] };

    it("admits traffic on 8000 only from the gateway and monitoring namespaces", () => {
      expect(policy().policy_types).toEqual(["Ingress", "Egress"]);
      expect(policy().ingress).toEqual([
        {
          from: [
            {
              namespace_selector: {
                match_expressions: [
                  {
                    key: "kubernetes.io/metadata.name",
                    operator: "In",
                    values: ["envoy-gateway-system", "monitoring"],
                  },
                ],
              },
            },
          ],
          ports: [{ port: "8000", protocol: "TCP" }],
        },
      ]);
    });

    it("lets pods out only to DNS, PostgreSQL and Redis in the database subnets, Pod Identity and HTTPS", () => {
      const egress = policy().egress as { to: Json[]; ports: { port: string; protocol: string }[] }[];
      const ports = egress.map((e) => e.ports.map((p) => `${p.port}/${p.protocol}`).join(","));
      expect(ports).toEqual(["53/UDP,53/TCP", "5432/TCP", "6379/TCP", "80/TCP", "443/TCP"]);
      const dbSubnets = ["10.30.232.0/24", "10.30.233.0/24", "10.30.234.0/24"].map((cidr) => ({ ip_block: { cidr } }));
      expect(egress[1].to).toEqual(dbSubnets);
      expect(egress[2].to).toEqual(dbSubnets);
      expect(egress[3].to).toEqual([{ ip_block: { cidr: "169.254.170.23/32" } }]);
    });
  });

  describe("custom resources (valid for the pinned CRDs)", () => {
    it("routes HTTPS for the configured host to the Service through the Gateway", () => {
      const route = manifest(prod, "HTTPRoute", "marketing-agents");
      expect(route).toMatchObject({
        apiVersion: "gateway.networking.k8s.io/v1",
        spec: {
          parentRefs: [{ name: "public", namespace: "envoy-gateway-system", sectionName: "https" }],
          hostnames: ["marketing-agents.example.com"],
          rules: [
            {
              matches: [{ path: { type: "PathPrefix", value: "/" } }],
              backendRefs: [{ name: "marketing-agents-service", port: 80 }],
            },
          ],
        },
      });
    });

    it("terminates TLS with a cert-manager certificate and redirects HTTP to HTTPS", () => {
      const gateway = manifest(prod, "Gateway");
      const listeners = (gateway.spec as { listeners: Json[] }).listeners;
      expect(listeners.map((l) => `${l.name}:${l.protocol}:${l.port}`)).toEqual(["http:HTTP:80", "https:HTTPS:443"]);
      expect(listeners[1].tls).toEqual({
        mode: "Terminate",
        certificateRefs: [{ kind: "Secret", name: "public-tls" }],
      });
      expect(manifest(prod, "Certificate").spec).toMatchObject({
        secretName: "public-tls",
        dnsNames: ["marketing-agents.example.com"],
        issuerRef: { name: "letsencrypt-prod", kind: "ClusterIssuer" },
      });
      expect(manifest(prod, "HTTPRoute", "public-redirect-to-https").spec).toMatchObject({
        parentRefs: [{ name: "public", sectionName: "http" }],
        rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
      });
    });

    it("limits request bodies to 10 MiB, as the seed's proxy-body-size", () => {
      expect(manifest(prod, "BackendTrafficPolicy")).toMatchObject({
        apiVersion: "gateway.envoyproxy.io/v1alpha1",
        spec: { targetRefs: [{ kind: "Gateway", name: "public" }], requestBuffer: { limit: "10Mi" } },
      });
    });

    it("exposes the Gateway through an AWS Network Load Balancer", () => {
      const proxy = manifest(prod, "EnvoyProxy").spec as {
        provider: { kubernetes: { envoyService: { annotations: Json } } };
      };
      expect(proxy.provider.kubernetes.envoyService.annotations).toMatchObject({
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
      });
      expect(manifest(prod, "GatewayClass").spec).toMatchObject({
        controllerName: "gateway.envoyproxy.io/gatewayclass-controller",
      });
    });

    it("creates letsencrypt-prod everywhere and letsencrypt-staging in dev", () => {
      const issuers = (env: SynthesizedEnvironment) =>
        manifests(env)
          .filter((m) => m.kind === "ClusterIssuer")
          .map((m) => m.metadata.name);
      expect(issuers(prod)).toEqual(["letsencrypt-prod"]);
      expect(issuers(dev)).toEqual(["letsencrypt-prod", "letsencrypt-staging"]);
      expect(manifest(prod, "ClusterIssuer").spec).toMatchObject({
        acme: { email: "platform-team@example.com", server: "https://acme-v02.api.letsencrypt.org/directory" },
      });
    });

    it("builds the app Secret from Secrets Manager: DATABASE_URL over TLS, REDIS_URL and the three API keys", () => {
      const secret = manifest(prod, "ExternalSecret", "marketing-agents-secrets-0");
      expect(secret.apiVersion).toBe("external-secrets.io/v1");
      const spec = secret.spec as {
        secretStoreRef: Json;
        target: { name: string; template: { data: Record<string, string> } };
        data: { remoteRef: Json }[];
      };
      expect(spec.secretStoreRef).toEqual({ kind: "ClusterSecretStore", name: "aws-secrets-manager" });
      expect(spec.target.name).toBe("marketing-agents-secrets-0");
      expect(Object.keys(spec.target.template.data).sort()).toEqual([
        "ANTHROPIC_API_KEY",
        "DATABASE_URL",
        "OPENAI_API_KEY",
        "REDIS_URL",
        "TAVILY_API_KEY",
      ]);
      expect(spec.target.template.data.DATABASE_URL).toMatch(
        /^postgresql:\/\/\{\{ \.db_username \| urlquery \}\}:\{\{ \.db_password \| urlquery \}\}@\$\{data\.terraform_remote_state\.cross-stack-reference-input-prod-data\.\S+db_instance_address\}:5432\/marketing_agents\?sslmode=require$/,
      );
      // The app logs in as its own user: its login secret, never RDS's master secret.
      expect(spec.data[0].remoteRef.key).toMatch(
        /cross-stack-output-aws_secretsmanager_secretdatabase-app-login_secret\w+arn\}$/,
      );
      expect(JSON.stringify(spec)).not.toContain("master_user_secret");
      expect(spec.data.map((d) => d.remoteRef.property)).toEqual([
        "username",
        "password",
        "REDIS_URL",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "TAVILY_API_KEY",
      ]);
      expect(manifest(prod, "ClusterSecretStore").spec).toEqual({
        provider: { aws: { service: "SecretsManager", region: "us-east-1" } },
        conditions: [{ namespaces: ["marketing-agents"] }],
      });
    });

    it("has Prometheus scrape /metrics through the Service's named port", () => {
      expect(manifest(prod, "ServiceMonitor")).toMatchObject({
        apiVersion: "monitoring.coreos.com/v1",
        spec: {
          selector: { matchLabels: { app: "marketing-agents" } },
          endpoints: [{ port: "http", path: "/metrics", interval: "30s" }],
        },
      });
    });
  });

  describe("the app's own database login (create-app-user Job)", () => {
    const json = prod.json("app");
    const jobs = Object.entries(resourcesOf(json, "kubernetes_job_v1"));
    const [, job] = jobs.find(([id]) => id.startsWith("database-app-user_job_")) as [string, Json];
    const jobPod = ((job.spec as Json).template as Json).spec as Json;
    const adminSecret = manifest(prod, "ExternalSecret", "database-admin");

    it("runs once in its own namespace, where a store reads the master secret through the db-admin role", () => {
      expect(job.metadata).toMatchObject({
        namespace: expect.stringMatching(/kubernetes_namespace_v1\.database-app-user_namespace/),
      });
      const namespaces = Object.values(resourcesOf(json, "kubernetes_namespace_v1")).map(
        (n) => (n.metadata as Json).name,
      );
      expect(namespaces.sort()).toEqual(["marketing-agents", "marketing-agents-db-admin"]);
      expect(manifest(prod, "SecretStore").spec).toEqual({
        provider: {
          aws: {
            service: "SecretsManager",
            region: "us-east-1",
            role: expect.stringMatching(/cross-stack-output-aws_iam_roledatabase-admin-role_\w+arn\}$/),
            // The admin role's trust accepts only this tag value (in-cluster-identities.test.ts).
            sessionTags: [{ key: "external-secrets-store", value: "marketing-agents-db-admin/database-admin" }],
          },
        },
      });
      expect((adminSecret.spec as Json).secretStoreRef).toEqual({ kind: "SecretStore", name: "database-admin" });
    });

    it("is the only reader of the master secret: no other object of the stack names it", () => {
      const naming = [...manifests(prod), ...Object.values(resourcesOf(json, "kubernetes_deployment_v1"))].filter((o) =>
        JSON.stringify(o).includes("master_user_secret_arn"),
      );
      expect(naming).toEqual([adminSecret]);
      expect(JSON.stringify(podSpec(prod))).not.toContain("database-admin");
    });

    it("reads the app password at the version Terraform wrote, and re-runs when that version changes", () => {
      const refs = ((adminSecret.spec as Json).data as { secretKey: string; remoteRef: Json }[]).filter((d) =>
        d.secretKey.startsWith("APP_"),
      );
      for (const ref of refs) {
        expect(ref.remoteRef.version).toMatch(/^uuid\/\$\{data\.terraform_remote_state\.\S+version_id\}$/);
      }
      // ... and when the instance is new (its DbiResourceId) or config restores it from elsewhere.
      expect((job.metadata as Json).name).toMatch(
        /^create-app-user-\$\{substr\(sha1\(join\("\/", \["[0-9a-f]{64}", data\.terraform_remote_state\.\S+version_id, data\.terraform_remote_state\.\S+db_instance_resource_id, "created empty"\]\)\), 0, 10\)\}$/,
      );
    });

    // external-secrets v2.9.0 reads the secrets again as soon as an ExternalSecret's annotations
    // change, else only hourly (its FAQ; shouldRefreshPeriodic): RDS's 7-day master rotation would
    // leave every retry of a run in that hour with the old master password.
    it("reads the master secret afresh for each run: the admin ExternalSecret's force-sync is the Jobs' run key", () => {
      const annotations = adminSecret.metadata.annotations as Record<string, string>;
      expect(annotations["force-sync"]).toMatch(/^\$\{substr\(sha1\(/);
      const names = jobs.map(([, j]) => (j.metadata as Json).name as string).sort();
      expect(names).toEqual([
        `create-app-user-${annotations["force-sync"]}`,
        `retire-app-logins-${annotations["force-sync"]}`,
      ]);
    });

    it("runs psql hardened, against the database over TLS, and must finish before the app starts", () => {
      expect(job.wait_for_completion).toBe(true);
      expect(jobPod).toMatchObject({
        restart_policy: "Never",
        automount_service_account_token: false,
        security_context: { run_as_non_root: true, seccomp_profile: { type: "RuntimeDefault" } },
      });
      const [psql] = jobPod.container as Json[];
      expect(psql).toMatchObject({
        // ECR Public's postgres, through the environment's pull-through cache.
        image: expect.stringMatching(
          /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/\w+-ecr-public\/docker\/library\/postgres:17\.6-alpine$/,
        ),
        command: ["psql", "--no-psqlrc", "--file=/sql/create-app-user.sql"],
        env_from: [{ secret_ref: { name: "database-admin" } }],
        security_context: { read_only_root_filesystem: true, allow_privilege_escalation: false },
      });
      expect(psql.env).toEqual(
        expect.arrayContaining([
          { name: "PGSSLMODE", value: "require" },
          { name: "PGDATABASE", value: "marketing_agents" },
          { name: "APP_SCHEMA", value: "marketing_agents" },
        ]),
      );
      expect(only(prod, "kubernetes_deployment_v1").depends_on).toEqual([
        expect.stringMatching(/^kubernetes_job_v1\.database-app-user_job_/),
        expect.stringMatching(/^kubernetes_manifest\.secrets_external-secret_/),
      ]);
    });

    it("makes a login that cannot create roles or databases and owns only its schema", () => {
      const script = Object.values(resourcesOf(json, "kubernetes_config_map_v1")).find(
        (c) => (c.metadata as Json).name === "create-app-user",
      );
      const sql = (script?.data as Record<string, string>)["create-app-user.sql"];
      expect(sql).toContain("\\set ON_ERROR_STOP on");
      // The RDS master is no superuser: naming SUPERUSER or REPLICATION at all is refused (npm run db-check runs it).
      expect(sql).toContain(`ALTER ROLE :"app_user" WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD :'app_password';`);
      expect(sql).not.toMatch(/(?:ALTER|CREATE) ROLE[^;\n]*(?:SUPERUSER|REPLICATION|BYPASSRLS)/);
      // The schema belongs to the app's role; each login's sessions act as it.
      expect(sql).toContain(`CREATE SCHEMA IF NOT EXISTS :"schema" AUTHORIZATION :"app_role";`);
      expect(sql).toContain(`ALTER ROLE :"app_user" IN DATABASE :"database" SET search_path = :"schema";`);
      expect(sql).toContain(`ALTER ROLE :"app_user" IN DATABASE :"database" SET role = :"app_role";`);
      expect(sql).not.toMatch(/GRANT\s+(rds_superuser|ALL PRIVILEGES ON DATABASE)/i);
    });
  });

  describe("alert rules (PrometheusRule, to Alertmanager and the SNS topic)", () => {
    const rules = () => {
      const rule = manifest(prod, "PrometheusRule");
      return (rule.spec as { groups: { rules: Json[] }[] }).groups[0].rules;
    };

    it("alerts on the app's 5xx ratio, p95 latency, restarts and an HPA stuck at its maximum, with config's thresholds", () => {
      const byName = Object.fromEntries(rules().map((r) => [r.alert, r]));
      expect(Object.keys(byName).sort()).toEqual([
        "CertificateExpiringSoon",
        "ExternalSecretNotSynced",
        "MarketingAgentsAtMaxReplicas",
        "MarketingAgentsErrorRatioHigh",
        "MarketingAgentsLatencyHigh",
        "MarketingAgentsRestarting",
      ]);
      expect(byName.MarketingAgentsErrorRatioHigh.expr).toMatch(/status=~"5\.\."}\[10m\]\)\) \/ sum\(.*\) > 5$/);
      expect(byName.MarketingAgentsLatencyHigh.expr).toMatch(
        /^histogram_quantile\(0\.95, .*http_request_duration_seconds_bucket\{namespace="marketing-agents"\}.* > 2$/,
      );
      expect(byName.MarketingAgentsRestarting.expr).toMatch(/>= 3$/);
      expect(byName.MarketingAgentsAtMaxReplicas).toMatchObject({
        for: "30m",
        expr: expect.stringContaining(
          'kube_horizontalpodautoscaler_spec_max_replicas{namespace="marketing-agents",horizontalpodautoscaler="marketing-agents"}',
        ),
      });
      expect(byName.CertificateExpiringSoon.expr).toMatch(/< 1209600$/);
      for (const r of rules()) {
        expect(r.labels).toEqual({ severity: expect.stringMatching(/^(warning|critical)$/) });
        expect((r.annotations as Json).summary).toEqual(expect.any(String));
      }
    });

    it("takes its thresholds from config", () => {
      const config = dev.config.alerts;
      const devRules = (manifest(dev, "PrometheusRule").spec as { groups: { rules: Json[] }[] }).groups[0].rules;
      expect(String(devRules.find((r) => r.alert === "MarketingAgentsErrorRatioHigh")?.expr)).toMatch(
        new RegExp(`> ${config.appErrorPercent}$`),
      );
    });
  });
});
