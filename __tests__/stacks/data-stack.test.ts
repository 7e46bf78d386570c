import { resourcesOf, synthEnvironment, type SynthesizedEnvironment } from "../helpers";

type Json = Record<string, unknown>;
const postgresOf = (env: SynthesizedEnvironment) => env.json("data").module?.postgres as Json;
const FROM_CLUSTER_NODE_SG =
  "${data.terraform_remote_state.cross-stack-reference-input-%s-cluster.outputs.cross-stack-output-moduleeksnode_security_group_id}";

describe("data stack", () => {
  const dev = synthEnvironment("dev");
  const prod = synthEnvironment("prod");
  const staging = synthEnvironment("staging");

  describe("PostgreSQL", () => {
    it("runs PostgreSQL 15 through the pinned rds module with the seed's sizes and windows", () => {
      expect(postgresOf(dev)).toMatchObject({
        source: "terraform-aws-modules/rds/aws",
        version: "6.13.1",
        engine: "postgres",
        engine_version: "15",
        family: "postgres15",
        instance_class: "db.t3.micro",
        allocated_storage: 20,
        max_allocated_storage: 100,
        backup_retention_period: 7,
        maintenance_window: "Mon:00:00-Mon:02:30",
        backup_window: "03:00-06:00",
        db_name: "marketing_agents",
        port: "5432",
      });
    });

    it.each([
      ["dev", false],
      ["staging", true],
      ["prod", true],
    ])("%s: Multi-AZ, deletion protection and a final snapshot are %s", (env, on) => {
      expect(postgresOf(synthEnvironment(env))).toMatchObject({
        multi_az: on,
        deletion_protection: on,
        skip_final_snapshot: !on,
      });
    });

    it("encrypts storage, the managed master secret, Performance Insights and logs with the environment key", () => {
      const key = expect.stringMatching(/cross-stack-reference-input-prod-network.*environment-key/);
      expect(postgresOf(prod)).toMatchObject({
        storage_encrypted: true,
        kms_key_id: key,
        manage_master_user_password: true,
        master_user_secret_kms_key_id: key,
        performance_insights_enabled: true,
        performance_insights_kms_key_id: key,
        enabled_cloudwatch_logs_exports: ["postgresql", "upgrade"],
        cloudwatch_log_group_kms_key_id: key,
      });
      expect(postgresOf(prod)).not.toHaveProperty("password");
    });

    it("forces TLS through its parameter group and is never public", () => {
      expect(postgresOf(staging)).toMatchObject({ publicly_accessible: false, create_db_parameter_group: true });
      expect(postgresOf(staging).parameters).toContainEqual({ name: "rds.force_ssl", value: "1" });
    });

    it("sits in the network stack's database subnets behind a group open to the EKS nodes only", () => {
      expect(postgresOf(prod).db_subnet_group_name).toMatch(/prod-network.*database_subnet_group_name/);
      const rules = Object.values(resourcesOf(prod.json("data"), "aws_vpc_security_group_ingress_rule"));
      const postgres = rules.filter((r) => r.from_port === 5432);
      expect(postgres).toEqual([
        expect.objectContaining({
          to_port: 5432,
          ip_protocol: "tcp",
          referenced_security_group_id: FROM_CLUSTER_NODE_SG.replace("%s", "prod"),
        }),
      ]);
    });
  });

  describe("Redis", () => {
    const groupOf = (env: SynthesizedEnvironment) =>
      Object.values(resourcesOf(env.json("data"), "aws_elasticache_replication_group"))[0];

    it("encrypts at rest with the environment key and in transit, with an AUTH token from random_password", () => {
      expect(groupOf(prod)).toMatchObject({
        engine: "redis",
        engine_version: "7.1",
        at_rest_encryption_enabled: "true",
        kms_key_id: expect.stringMatching(/environment-key/),
        transit_encryption_enabled: true,
        auth_token: expect.stringMatching(/^\$\{random_password\.redis_auth-token_\w+\.result\}$/),
      });
    });

    it("fails over across zones in prod (2 nodes) and runs one cache.t3.micro node in dev", () => {
      expect(groupOf(prod)).toMatchObject({
        num_cache_clusters: 2,
        automatic_failover_enabled: true,
        multi_az_enabled: true,
      });
      expect(groupOf(dev)).toMatchObject({
        node_type: "cache.t3.micro",
        num_cache_clusters: 1,
        automatic_failover_enabled: false,
        multi_az_enabled: false,
      });
    });

    it("accepts 6379 only from the EKS nodes", () => {
      const rules = Object.values(resourcesOf(dev.json("data"), "aws_vpc_security_group_ingress_rule")).filter(
        (r) => r.from_port === 6379,
      );
      expect(rules).toEqual([
        expect.objectContaining({ referenced_security_group_id: FROM_CLUSTER_NODE_SG.replace("%s", "dev") }),
      ]);
    });

    it("keeps the token and a rediss:// URL in a KMS-encrypted secret, as references only", () => {
      const versions = Object.entries(resourcesOf(prod.json("data"), "aws_secretsmanager_secret_version"))
        .filter(([id]) => id.startsWith("redis"))
        .map(([, v]) => v);
      expect(versions).toHaveLength(1);
      expect(versions[0].secret_string).toMatch(
        /^\$\{jsonencode\(\{"AUTH_TOKEN" = random_password\.\S+\.result, "REDIS_URL" = "rediss:\/\/:\$\{random_password/,
      );
    });
  });

  describe("secrets", () => {
    it("creates the API keys secret empty, encrypted with the environment key", () => {
      const secrets = Object.values(resourcesOf(prod.json("data"), "aws_secretsmanager_secret"));
      expect(secrets.map((s) => s.name).sort()).toEqual([
        "marketing-agents/prod/api-keys",
        "marketing-agents/prod/database-app",
        "marketing-agents/prod/redis",
      ]);
      const apiKeys = Object.keys(resourcesOf(prod.json("data"), "aws_secretsmanager_secret_version"));
      expect(apiKeys.filter((id) => id.startsWith("api-keys"))).toEqual([]);
      for (const s of secrets)
        expect(s).toMatchObject({ kms_key_id: expect.stringMatching(/environment-key/), recovery_window_in_days: 30 });
    });

    const readPolicy = (name: string) =>
      Object.values(resourcesOf(prod.json("data"), "aws_iam_role_policy")).find((p) => p.name === name);

    it("lets external-secrets read exactly the app's login, Redis and API key secrets, never the master secret", () => {
      const policy = readPolicy("marketing-agents-prod-external-secrets-read");
      expect(policy?.role).toMatch(/prod-cluster.*external-secrets-role/);
      const [read] = JSON.parse(policy?.policy as string).Statement;
      expect(read.Resource).toEqual([
        expect.stringMatching(/aws_secretsmanager_secret\.database-app-login_secret/),
        expect.stringMatching(/aws_secretsmanager_secret\.redis_auth-secret/),
        expect.stringMatching(/aws_secretsmanager_secret\.api-keys/),
      ]);
      expect(JSON.stringify(read)).not.toContain("master_user_secret");
    });

    it("gives the master secret to the database-admin role only, with the app's login it creates", () => {
      const policy = readPolicy("marketing-agents-prod-database-admin-read");
      expect(policy?.role).toMatch(/prod-cluster.*database-admin-role/);
      const [read] = JSON.parse(policy?.policy as string).Statement;
      expect(read.Resource).toEqual([
        "${module.postgres.db_instance_master_user_secret_arn}",
        expect.stringMatching(/aws_secretsmanager_secret\.database-app-login_secret/),
      ]);
    });

    it("generates the app's login: its user name and a 48-character password, as references only", () => {
      const json = prod.json("data");
      const [password] = Object.values(resourcesOf(json, "random_password")).filter((p) => p.length === 48);
      // A new rotation generation (config's database.appLoginGeneration) is a new password.
      expect(password).toMatchObject({ length: 48, special: false, keepers: { rotation: "0" } });
      const [version] = Object.entries(resourcesOf(json, "aws_secretsmanager_secret_version"))
        .filter(([id]) => id.startsWith("database-app-login"))
        .map(([, v]) => v);
      expect(version.secret_string).toMatch(
        /^\$\{jsonencode\(\{"username" = "marketing_agents_app_a", "password" = random_password\.database-app-login_password_\w+\.result\}\)\}$/,
      );
    });
  });

  describe("buckets", () => {
    const buckets = (env: SynthesizedEnvironment) => Object.values(resourcesOf(env.json("data"), "aws_s3_bucket"));

    it("names logs and artifacts buckets with a random_id suffix, as the seed did", () => {
      expect(
        buckets(dev)
          .map((b) => b.bucket)
          .sort(),
      ).toEqual([
        expect.stringMatching(/^marketing-agents-dev-artifacts-\$\{random_id\.bucket-suffix\.hex\}$/),
        expect.stringMatching(/^marketing-agents-dev-logs-\$\{random_id\.bucket-suffix\.hex\}$/),
      ]);
    });

    it("versions, encrypts, blocks public access, enforces ownership and TLS on both", () => {
      const json = prod.json("data");
      expect(Object.values(resourcesOf(json, "aws_s3_bucket_versioning"))).toHaveLength(2);
      for (const v of Object.values(resourcesOf(json, "aws_s3_bucket_versioning")))
        expect(v.versioning_configuration).toEqual({ status: "Enabled" });
      for (const b of Object.values(resourcesOf(json, "aws_s3_bucket_public_access_block"))) {
        expect(b).toMatchObject({
          block_public_acls: true,
          block_public_policy: true,
          ignore_public_acls: true,
          restrict_public_buckets: true,
        });
      }
      for (const p of Object.values(resourcesOf(json, "aws_s3_bucket_policy")))
        expect(p.policy).toContain('"aws:SecureTransport":"false"');
      const algorithms = Object.values(resourcesOf(json, "aws_s3_bucket_server_side_encryption_configuration")).map(
        (e) => (e.rule as Json[])[0].apply_server_side_encryption_by_default,
      );
      expect(algorithms).toEqual(
        expect.arrayContaining([{ sse_algorithm: "AES256" }, expect.objectContaining({ sse_algorithm: "aws:kms" })]),
      );
    });

    it("moves logs to Standard-IA, expires them and old versions per config", () => {
      const rules = Object.values(resourcesOf(prod.json("data"), "aws_s3_bucket_lifecycle_configuration")).flatMap(
        (l) => l.rule as Json[],
      );
      expect(rules).toContainEqual(
        expect.objectContaining({
          id: "current-objects",
          transition: [{ days: 30, storage_class: "STANDARD_IA" }],
          expiration: [{ days: 365 }],
        }),
      );
      expect(rules).toContainEqual(
        expect.objectContaining({ noncurrent_version_expiration: [{ noncurrent_days: 90 }] }),
      );
    });

    it("logs access to the artifacts bucket into the logs bucket", () => {
      const [logging] = Object.values(resourcesOf(prod.json("data"), "aws_s3_bucket_logging"));
      expect(logging.target_bucket).toMatch(/aws_s3_bucket\.logs_bucket/);
    });

    it("keeps prod buckets on destroy, not dev's", () => {
      expect(buckets(prod).every((b) => (b.lifecycle as Json)?.prevent_destroy === true)).toBe(true);
      expect(buckets(dev).some((b) => b.lifecycle !== undefined)).toBe(false);
    });

    it("lets the app read and write artifacts and only write logs", () => {
      const policy = Object.values(resourcesOf(prod.json("data"), "aws_iam_role_policy")).find(
        (p) => p.name === "marketing-agents-prod-app-data",
      );
      const statements = JSON.parse(policy?.policy as string).Statement as Json[];
      const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
      expect(bySid.ReadWriteArtifacts.Action).toEqual(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]);
      expect(bySid.WriteLogs).toMatchObject({
        Action: "s3:PutObject",
        Resource: expect.stringMatching(/logs_bucket.*\/\*$/),
      });
    });
  });

  describe("alarms", () => {
    const alarms = (env: SynthesizedEnvironment) =>
      Object.values(resourcesOf(env.json("data"), "aws_cloudwatch_metric_alarm"));

    it("watches the database's CPU, free storage and connections with config's thresholds", () => {
      const db = alarms(prod).filter((a) => a.namespace === "AWS/RDS");
      expect(db.map((a) => [a.metric_name, a.statistic, a.comparison_operator, a.threshold]).sort()).toEqual([
        ["CPUUtilization", "Average", "GreaterThanThreshold", 80],
        ["DatabaseConnections", "Maximum", "GreaterThanThreshold", 720],
        ["FreeStorageSpace", "Minimum", "LessThanThreshold", 5 * 2 ** 30],
      ]);
      for (const a of db) {
        expect(a.dimensions).toEqual({ DBInstanceIdentifier: "${module.postgres.db_instance_identifier}" });
        expect(a.alarm_actions).toEqual([expect.stringMatching(/cross-stack-output-aws_sns_topicalerts/)]);
      }
    });

    it("watches memory and evictions of every cache node", () => {
      const nodes = (env: SynthesizedEnvironment) =>
        alarms(env)
          .filter((a) => a.namespace === "AWS/ElastiCache")
          .map((a) => `${(a.dimensions as Record<string, string>).CacheClusterId} ${String(a.metric_name)}`)
          .sort();
      expect(nodes(prod)).toEqual([
        "marketing-agents-prod-001 DatabaseMemoryUsagePercentage",
        "marketing-agents-prod-001 Evictions",
        "marketing-agents-prod-002 DatabaseMemoryUsagePercentage",
        "marketing-agents-prod-002 Evictions",
      ]);
      expect(nodes(dev)).toEqual([
        "marketing-agents-dev-001 DatabaseMemoryUsagePercentage",
        "marketing-agents-dev-001 Evictions",
      ]);
    });
  });
});
