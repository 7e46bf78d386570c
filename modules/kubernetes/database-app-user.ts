import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { JobV1 } from "@cdktf/provider-kubernetes/lib/job-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { NetworkPolicyV1 } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { Fn, dependable, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { createHash } from "node:crypto";
import { customResource } from "./custom-resource";
import { DefaultDenyNetworkPolicy } from "./default-deny-network-policy";
import { podSecurityLabels } from "./pod-security-labels";

/** psql of this image runs the script (15 or later: it uses `\getenv`; any server major it supports). */
export const PSQL_IMAGE = "public.ecr.aws/docker/library/postgres:17.6-alpine";
/** uid of `postgres` in the alpine image. */
const PSQL_USER = 70;
/** Labels of the Job's pods (its network policy selects them). */
const JOB_LABELS = { app: "create-app-user" };

/** Name of the database-admin SecretStore (and of its ExternalSecret and Secret). */
export const DATABASE_ADMIN_STORE = "database-admin";
/** Session tag the store asks STS for: the admin role's trust accepts only this store's value. */
export const STORE_SESSION_TAG = "external-secrets-store";

/** The value of {@link STORE_SESSION_TAG} the store in this namespace sends: `<namespace>/<store>`. */
export function storeSessionTagValue(namespace: string): string {
  return `${namespace}/${DATABASE_ADMIN_STORE}`;
}

/** Settings of the app's database login. */
export interface DatabaseAppUserProps {
  /** Namespace of the Job (created here); nothing else runs in it. */
  readonly namespace: string;
  /** Region of the environment's Secrets Manager. */
  readonly region: string;
  /** Role external-secrets assumes for this namespace's store: the only reader of the master secret. */
  readonly adminRoleArn: string;
  /** RDS-managed master secret (`username`, `password`). */
  readonly masterSecretArn: string;
  /** The app's login secret (`username`, `password`). */
  readonly appSecretArn: string;
  /** Id of the app login's current value: a new one re-runs the Job. */
  readonly appSecretVersionId: string;
  /** PostgreSQL host and port. */
  readonly host: string;
  readonly port: number;
  /** Database the app uses. */
  readonly database: string;
  /** Schema the app owns (created here). */
  readonly schema: string;
  /** CIDRs of the database subnets: the Job's only way out besides DNS. */
  readonly databaseSubnetCidrs: string[];
}

/**
 * Idempotent: creates the app's login or resets its password, keeps it from creating roles or
 * databases, gives it its own schema, owned by it, as its search path, and no rights in `public`.
 * psql's `:'var'` and `:"var"` quote each value as a literal and an identifier.
 *
 * It runs as the RDS master user, which is not a superuser: `LOGIN CREATEROLE CREATEDB`, a member
 * of `rds_superuser` (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.PostgreSQL.CommonDBATasks.Roles.rds_superuser.html).
 * - It never names SUPERUSER, REPLICATION or BYPASSRLS: only a superuser may (PostgreSQL 15,
 *   https://www.postgresql.org/docs/15/sql-alterrole.html). A new role has none of them; a role
 *   found with one is refused, since the master cannot take it away.
 * - `CREATE SCHEMA ... AUTHORIZATION` and `ALTER SCHEMA ... OWNER` need the master to be able to
 *   become the app role (https://www.postgresql.org/docs/15/sql-createschema.html), so it grants
 *   itself the app role. On 15 CREATEROLE may grant any non-superuser role; WITH ADMIN OPTION keeps,
 *   across an upgrade to 16, the right 16 gives a creator over the roles it made. On 16 and later
 *   CREATEROLE acts only on roles it holds ADMIN OPTION on, given to the creator at CREATE ROLE,
 *   and owning objects as a role takes the SET option
 *   (https://www.postgresql.org/docs/16/release-16.html, "Restrict the privileges of CREATEROLE";
 *   https://www.postgresql.org/docs/16/sql-grant.html); granting ADMIN back to oneself is refused
 *   there, hence `SET TRUE, INHERIT FALSE`.
 * - It ends by checking the result and fails the Job if the login is not what it should be.
 * `npm run db-check` runs this script, as synthesized, on a real PostgreSQL of the configured major.
 */
export const APP_USER_SQL = `\\set ON_ERROR_STOP on
\\getenv app_user APP_USER
\\getenv app_password APP_PASSWORD
\\getenv database PGDATABASE
\\getenv schema APP_SCHEMA
SELECT current_setting('server_version_num')::int >= 160000 AS createrole_v16 \\gset
SELECT format('CREATE ROLE %I', :'app_user') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \\gexec
SELECT format('DO $$BEGIN RAISE EXCEPTION %L; END$$', format('role %I has SUPERUSER, REPLICATION or BYPASSRLS, which the master user cannot remove', rolname))
  FROM pg_roles WHERE rolname = :'app_user' AND (rolsuper OR rolreplication OR rolbypassrls) \\gexec
ALTER ROLE :"app_user" WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
\\if :createrole_v16
GRANT :"app_user" TO CURRENT_USER WITH INHERIT FALSE, SET TRUE;
\\else
GRANT :"app_user" TO CURRENT_USER WITH ADMIN OPTION;
\\endif
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"app_user";
CREATE SCHEMA IF NOT EXISTS :"schema" AUTHORIZATION :"app_user";
ALTER SCHEMA :"schema" OWNER TO :"app_user";
ALTER ROLE :"app_user" IN DATABASE :"database" SET search_path = :"schema";
SELECT format('REVOKE ALL ON SCHEMA public FROM PUBLIC, %I', :'app_user') WHERE EXISTS (SELECT FROM pg_namespace WHERE nspname = 'public') \\gexec
SELECT format('DO $$BEGIN RAISE EXCEPTION %L; END$$', 'create-app-user: ' || problem) FROM (
  SELECT 'the login must be LOGIN with no SUPERUSER, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS' AS problem
    FROM pg_roles WHERE rolname = :'app_user'
    AND NOT (rolcanlogin AND NOT (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls))
  UNION ALL SELECT format('the login is a member of role %s', roleid::regrole) FROM pg_auth_members WHERE member = :'app_user'::regrole
  UNION ALL SELECT 'the login does not own its schema' FROM pg_namespace WHERE nspname = :'schema' AND nspowner <> :'app_user'::regrole
  UNION ALL SELECT 'the login keeps rights in schema public' FROM pg_namespace WHERE nspname = 'public'
    AND (has_schema_privilege(:'app_user', oid, 'USAGE') OR has_schema_privilege(:'app_user', oid, 'CREATE'))
) AS problems \\gexec
`;

/**
 * The app's own PostgreSQL login, made in the cluster (the only place that reaches the database):
 * a store in a namespace of its own reads the master secret through a role only it assumes, and a
 * one-shot Job runs {@link APP_USER_SQL} with it. The master secret reaches no other pod; the app
 * logs in with its own secret. The Job's name follows the script and the app password, so
 * changing either runs it again on the next apply.
 */
export class DatabaseAppUser extends Construct {
  /** The Job: depend on it to start the app only once its login exists. */
  readonly done: ITerraformDependable;

  constructor(scope: Construct, id: string, props: DatabaseAppUserProps) {
    super(scope, id);
    if (props.databaseSubnetCidrs.length === 0) throw new Error("create-app-user: name the database subnets");
    const namespace = new NamespaceV1(this, "namespace", {
      metadata: { name: props.namespace, labels: { name: props.namespace, ...podSecurityLabels("restricted") } },
    }).metadata.name;
    new DefaultDenyNetworkPolicy(this, "default-deny", { namespace });
    // The Job reaches PostgreSQL and nothing else (no ingress; DNS from the default policy).
    new NetworkPolicyV1(this, "job-to-database", {
      metadata: { name: "create-app-user-to-database", namespace },
      spec: {
        podSelector: { matchLabels: JOB_LABELS },
        policyTypes: ["Egress"],
        egress: [
          {
            to: props.databaseSubnetCidrs.map((cidr) => ({ ipBlock: { cidr } })),
            ports: [{ port: String(props.port), protocol: "TCP" }],
          },
        ],
      },
    });
    // The tag names this store to STS; an admission policy keeps every other store from using AWS.
    const store = customResource(this, "store", {
      apiVersion: "external-secrets.io/v1",
      kind: "SecretStore",
      metadata: { name: DATABASE_ADMIN_STORE, namespace },
      spec: {
        provider: {
          aws: {
            service: "SecretsManager",
            region: props.region,
            role: props.adminRoleArn,
            sessionTags: [{ key: STORE_SESSION_TAG, value: storeSessionTagValue(props.namespace) }],
          },
        },
      },
    });
    const secretName = DATABASE_ADMIN_STORE;
    const credentials = customResource(this, "credentials", {
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { name: secretName, namespace },
      spec: {
        refreshInterval: "1h",
        secretStoreRef: { kind: "SecretStore", name: DATABASE_ADMIN_STORE },
        target: { name: secretName, creationPolicy: "Owner" },
        data: [
          { secretKey: "PGUSER", remoteRef: { key: props.masterSecretArn, property: "username" } },
          { secretKey: "PGPASSWORD", remoteRef: { key: props.masterSecretArn, property: "password" } },
          // Pinned to the value Terraform just wrote, so a new password is read before the Job runs.
          ...["username", "password"].map((property) => ({
            secretKey: property === "username" ? "APP_USER" : "APP_PASSWORD",
            remoteRef: { key: props.appSecretArn, property, version: `uuid/${props.appSecretVersionId}` },
          })),
        ],
      },
    });
    credentials.dependsOn = [dependable(store)];
    const script = new ConfigMapV1(this, "script", {
      metadata: { name: "create-app-user", namespace },
      data: { "create-app-user.sql": APP_USER_SQL },
    });
    const scriptHash = createHash("sha256").update(APP_USER_SQL).digest("hex");
    const job = new JobV1(this, "job", {
      metadata: {
        name: `create-app-user-${Fn.substr(Fn.sha1(Fn.join("/", [scriptHash, props.appSecretVersionId])), 0, 10)}`,
        namespace,
      },
      waitForCompletion: true,
      timeouts: { create: "10m", update: "10m" },
      spec: {
        backoffLimit: 4,
        activeDeadlineSeconds: 600,
        template: {
          metadata: { labels: JOB_LABELS },
          spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: String(PSQL_USER),
              runAsGroup: String(PSQL_USER),
              seccompProfile: { type: "RuntimeDefault" },
            },
            container: [
              {
                name: "psql",
                image: PSQL_IMAGE,
                imagePullPolicy: "IfNotPresent",
                command: ["psql", "--no-psqlrc", "--file=/sql/create-app-user.sql"],
                env: [
                  { name: "PGHOST", value: props.host },
                  { name: "PGPORT", value: String(props.port) },
                  { name: "PGDATABASE", value: props.database },
                  { name: "PGSSLMODE", value: "require" },
                  { name: "APP_SCHEMA", value: props.schema },
                  { name: "HOME", value: "/tmp" },
                ],
                envFrom: [{ secretRef: { name: secretName } }],
                resources: {
                  requests: { cpu: "50m", memory: "64Mi" },
                  limits: { cpu: "200m", memory: "128Mi" },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  privileged: false,
                  capabilities: { drop: ["ALL"] },
                },
                volumeMount: [
                  { name: "sql", mountPath: "/sql", readOnly: true },
                  { name: "tmp", mountPath: "/tmp" },
                ],
              },
            ],
            volume: [
              { name: "sql", configMap: { name: script.metadata.name } },
              { name: "tmp", emptyDir: {} },
            ],
          },
        },
      },
      dependsOn: [credentials],
    });
    this.done = job;
  }
}
