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

/** psql of this image runs the scripts (15 or later: they use `\getenv`; any server major it supports). */
export const PSQL_IMAGE = "public.ecr.aws/docker/library/postgres:17.6-alpine";
/** uid of `postgres` in the alpine image. */
const PSQL_USER = 70;
/** The Job that sets the password of the login the app is to use (create-app-user.sql). */
export const SET_LOGIN_JOB = "create-app-user";
/** The Job that disables the app's other logins once the pods use the new one (retire-app-logins.sql). */
export const RETIRE_LOGINS_JOB = "retire-app-logins";
/** Label of both Jobs' pods: the network policy lets these reach PostgreSQL. */
const LOGIN_JOB_LABELS = { component: "database-login" };

/** Name of the database-admin SecretStore (and of its ExternalSecret and Secret). */
export const DATABASE_ADMIN_STORE = "database-admin";
/**
 * Annotation of the database-admin ExternalSecret holding the Jobs' run key: a new value makes
 * external-secrets read the master secret again before the Jobs run.
 */
export const FORCE_SYNC_ANNOTATION = "force-sync";
/** Session tag the store asks STS for: the admin role's trust accepts only this store's value. */
export const STORE_SESSION_TAG = "external-secrets-store";

/** The value of {@link STORE_SESSION_TAG} the store in this namespace sends: `<namespace>/<store>`. */
export function storeSessionTagValue(namespace: string): string {
  return `${namespace}/${DATABASE_ADMIN_STORE}`;
}

/** Settings of the app's database logins. */
export interface DatabaseAppUserProps {
  /** Namespace of the Jobs (created here); nothing else runs in it. */
  readonly namespace: string;
  /** Region of the environment's Secrets Manager. */
  readonly region: string;
  /** Role external-secrets assumes for this namespace's store: the only reader of the master secret. */
  readonly adminRoleArn: string;
  /** RDS-managed master secret (`username`, `password`). */
  readonly masterSecretArn: string;
  /** The app's login secret (`username`: the login to use, `password`). */
  readonly appSecretArn: string;
  /** Id of the app login's current value: a new one runs the Jobs again. */
  readonly appSecretVersionId: string;
  /** The role (no login) that owns the app's schema; the logins act as it. */
  readonly appRole: string;
  /** Every login the app may use (the secret names one of them); the others are retired. */
  readonly appLogins: readonly string[];
  /** The login the secret names at this rotation: a Secret naming another is not written yet. */
  readonly appLogin: string;
  /**
   * What the database's data came from (config's restore, in words) and the instance's
   * DbiResourceId: a new value of either (a restore replaced the instance) runs the Jobs again,
   * since the restored data may hold other passwords.
   */
  readonly databaseOrigin: string;
  readonly databaseResourceId: string;
  /** PostgreSQL host and port. */
  readonly host: string;
  readonly port: number;
  /** Database the app uses. */
  readonly database: string;
  /** Schema the app owns (created here). */
  readonly schema: string;
  /** CIDRs of the database subnets: the Jobs' only way out besides DNS. */
  readonly databaseSubnetCidrs: string[];
  /**
   * The Jobs' image, PSQL_IMAGE rewritten to the environment's pull-through cache
   * (modules/image-mirror.ts). @default PSQL_IMAGE
   */
  readonly psqlImage?: string;
}

/** Stops the script with `message` when `condition` (an SQL expression) holds. */
const failIf = (message: string, condition: string) =>
  `SELECT format('DO $$BEGIN RAISE EXCEPTION %L; END$$', ${message}) WHERE ${condition} \\gexec`;

/**
 * The secret names one of the app's logins, never another role (the master's, say), and the one
 * this rotation expects (`APP_LOGIN`): external-secrets writes the Job's Secret shortly after the
 * apply changes its ExternalSecret, so a pod started before that reads the previous version, whose
 * login is the other one. It fails then, changing nothing, and Kubernetes starts another.
 */
const SECRET_NAMES_THE_LOGIN = (job: string) =>
  [
    failIf(
      `format('${job}: %s is not one of the app''s logins (%s)', :'app_user', :'app_logins')`,
      `NOT (:'app_user' = ANY (string_to_array(:'app_logins', ',')))`,
    ),
    failIf(
      `format('${job}: the Secret names %s, not %s: external-secrets has not written the new version yet (the Job runs again)', :'app_user', :'app_login')`,
      `:'app_user' <> :'app_login'`,
    ),
  ].join("\n");

/**
 * Idempotent: makes `APP_USER`, one of the app's logins, able to log in with `APP_PASSWORD`, a
 * member of `APP_ROLE` whose sessions act as it (`SET role`, so whatever it creates belongs to the
 * role, not to one login); the role owns the app's schema, its search path, and has no rights in
 * `public` and no role or database creation. It touches no other login: during a rotation the
 * pods keep using the other one until they have moved (retire-app-logins.sql then disables it).
 * A role found as the old single login (LOGIN) keeps logging in until then, too. It refuses a
 * Secret that names another login than `APP_LOGIN` (not written yet: the Job runs again).
 * psql's `:'var'` and `:"var"` quote each value as a literal and an identifier.
 *
 * It runs as the RDS master user, which is not a superuser: `LOGIN CREATEROLE CREATEDB`, a member
 * of `rds_superuser` (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.PostgreSQL.CommonDBATasks.Roles.rds_superuser.html).
 * - It never names SUPERUSER, REPLICATION or BYPASSRLS: only a superuser may (PostgreSQL 15,
 *   https://www.postgresql.org/docs/15/sql-alterrole.html). A new role has none of them; a role
 *   found with one is refused, since the master cannot take it away.
 * - `CREATE SCHEMA ... AUTHORIZATION` and `ALTER SCHEMA ... OWNER` need the master to be able to
 *   become the app's role (https://www.postgresql.org/docs/15/sql-createschema.html), so it grants
 *   itself the role. On 15 CREATEROLE may grant any non-superuser role; WITH ADMIN OPTION keeps,
 *   across an upgrade to 16, the right 16 gives a creator over the roles it made. On 16 and later
 *   CREATEROLE acts only on roles it holds ADMIN OPTION on, given to the creator at CREATE ROLE,
 *   and owning objects as a role takes the SET option
 *   (https://www.postgresql.org/docs/16/release-16.html, "Restrict the privileges of CREATEROLE";
 *   https://www.postgresql.org/docs/16/sql-grant.html); granting ADMIN back to oneself is refused
 *   there, hence `SET TRUE, INHERIT FALSE`.
 * - A login's `role` setting makes each of its sessions start with `SET ROLE` to the app's role
 *   (https://www.postgresql.org/docs/15/sql-alterrole.html, "ALTER ROLE ... SET"), so tables one
 *   login made stay usable by the next.
 * - It ends by checking the result and fails the Job if the login is not what it should be.
 * `npm run db-check` runs this script, as synthesized, on a real PostgreSQL of the configured major.
 */
export const APP_USER_SQL = `\\set ON_ERROR_STOP on
\\getenv app_user APP_USER
\\getenv app_password APP_PASSWORD
\\getenv app_role APP_ROLE
\\getenv app_logins APP_LOGINS
\\getenv app_login APP_LOGIN
\\getenv database PGDATABASE
\\getenv schema APP_SCHEMA
SELECT current_setting('server_version_num')::int >= 160000 AS createrole_v16 \\gset
${SECRET_NAMES_THE_LOGIN("create-app-user")}
SELECT format('CREATE ROLE %I', :'app_role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role') \\gexec
SELECT format('CREATE ROLE %I', :'app_user') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \\gexec
SELECT format('DO $$BEGIN RAISE EXCEPTION %L; END$$', format('role %I has SUPERUSER, REPLICATION or BYPASSRLS, which the master user cannot remove', rolname))
  FROM pg_roles WHERE rolname IN (:'app_role', :'app_user') AND (rolsuper OR rolreplication OR rolbypassrls) \\gexec
ALTER ROLE :"app_role" WITH NOCREATEDB NOCREATEROLE;
ALTER ROLE :"app_user" WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
\\if :createrole_v16
GRANT :"app_role" TO CURRENT_USER WITH INHERIT FALSE, SET TRUE;
\\else
GRANT :"app_role" TO CURRENT_USER WITH ADMIN OPTION;
\\endif
SELECT format('GRANT %I TO %I', :'app_role', :'app_user') WHERE NOT pg_has_role(:'app_user', :'app_role', 'MEMBER') \\gexec
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"app_role";
CREATE SCHEMA IF NOT EXISTS :"schema" AUTHORIZATION :"app_role";
ALTER SCHEMA :"schema" OWNER TO :"app_role";
ALTER ROLE :"app_role" IN DATABASE :"database" SET search_path = :"schema";
ALTER ROLE :"app_user" IN DATABASE :"database" SET search_path = :"schema";
ALTER ROLE :"app_user" IN DATABASE :"database" SET role = :"app_role";
SELECT format('REVOKE ALL ON SCHEMA public FROM PUBLIC, %I, %I', :'app_role', :'app_user') WHERE EXISTS (SELECT FROM pg_namespace WHERE nspname = 'public') \\gexec
SELECT format('DO $$BEGIN RAISE EXCEPTION %L; END$$', 'create-app-user: ' || problem) FROM (
  SELECT format('%s must have no SUPERUSER, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS', rolname) AS problem
    FROM pg_roles WHERE rolname IN (:'app_role', :'app_user')
    AND (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls)
  UNION ALL SELECT 'the login cannot log in' FROM pg_roles WHERE rolname = :'app_user' AND NOT rolcanlogin
  UNION ALL SELECT format('the login is a member of role %s', roleid::regrole) FROM pg_auth_members
    WHERE member = :'app_user'::regrole AND roleid <> :'app_role'::regrole
  UNION ALL SELECT format('role %s is a member of role %s', :'app_role', roleid::regrole) FROM pg_auth_members
    WHERE member = :'app_role'::regrole
  UNION ALL SELECT format('the login does not inherit role %s', :'app_role') WHERE NOT pg_has_role(:'app_user', :'app_role', 'USAGE')
  UNION ALL SELECT format('the login''s sessions do not act as role %s', :'app_role') WHERE NOT EXISTS (
    SELECT FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
    WHERE s.setrole = :'app_user'::regrole AND d.datname = :'database' AND format('role=%s', :'app_role') = ANY (s.setconfig))
  UNION ALL SELECT format('role %s does not own the schema', :'app_role') FROM pg_namespace
    WHERE nspname = :'schema' AND nspowner <> :'app_role'::regrole
  UNION ALL SELECT 'the login keeps rights in schema public' FROM pg_namespace WHERE nspname = 'public'
    AND (has_schema_privilege(:'app_user', oid, 'USAGE') OR has_schema_privilege(:'app_user', oid, 'CREATE'))
) AS problems \\gexec
`;

/**
 * Run once the pods use `APP_USER` (after their rollout): every other login of the app, and the
 * app's role itself (the single login of old), can no longer log in (NOLOGIN) and has no password.
 * Sessions already open stay until they close; the pods that held them are gone by then. Refuses
 * to run when the Secret names another login than `APP_LOGIN` (it would retire the new one), or
 * when `APP_USER` itself cannot log in: then create-app-user has not run and nothing is known to
 * work. Idempotent.
 */
export const RETIRE_LOGINS_SQL = `\\set ON_ERROR_STOP on
\\getenv app_user APP_USER
\\getenv app_role APP_ROLE
\\getenv app_logins APP_LOGINS
\\getenv app_login APP_LOGIN
${SECRET_NAMES_THE_LOGIN("retire-app-logins")}
${failIf(
  `format('retire-app-logins: %s cannot log in (create-app-user has not set it): nothing is retired', :'app_user')`,
  `NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user' AND rolcanlogin)`,
)}
SELECT format('ALTER ROLE %I NOLOGIN PASSWORD NULL', rolname) FROM pg_roles
  WHERE rolname <> :'app_user' AND (rolname = :'app_role' OR rolname = ANY (string_to_array(:'app_logins', ',')))
  ORDER BY rolname \\gexec
SELECT format('DO $$BEGIN RAISE EXCEPTION %L; END$$', format('retire-app-logins: %s can still log in', rolname)) FROM pg_roles
  WHERE rolname <> :'app_user' AND (rolname = :'app_role' OR rolname = ANY (string_to_array(:'app_logins', ',')))
  AND rolcanlogin \\gexec
`;

/** File names of the scripts in the Jobs' ConfigMap, and where the Jobs mount it. */
const SCRIPTS = { [SET_LOGIN_JOB]: APP_USER_SQL, [RETIRE_LOGINS_JOB]: RETIRE_LOGINS_SQL } as const;
const SQL_MOUNT = "/sql";

/**
 * The app's own PostgreSQL logins, kept in the cluster (the only place that reaches the database):
 * a store in a namespace of its own reads the master secret through a role only it assumes, and
 * one-shot Jobs run the scripts with it. The master secret reaches no other pod; the app logs in
 * with its own secret. A rotation runs in this order, each step waiting for the one before:
 * 1. create-app-user ({@link APP_USER_SQL}) sets the password of the login the secret now names,
 *    the one the pods are not using;
 * 2. the app's Secret switches to it (the app stack's ExternalSecret, after this Job);
 * 3. the Deployment rolls onto it;
 * 4. retire-app-logins ({@link RETIRE_LOGINS_SQL}, {@link retireOtherLogins}) disables the others.
 * The Jobs' names follow the scripts, the secret's version and the database's origin, so any of
 * them changing (a rotation, a restore) runs them again on the next apply.
 */
export class DatabaseAppUser extends Construct {
  /** The create-app-user Job: depend on it to hand the app a login that works. */
  readonly done: ITerraformDependable;
  private readonly props: DatabaseAppUserProps;
  private readonly jobNamespace: string;
  private readonly credentials: ITerraformDependable;
  private readonly scriptsConfigMap: string;
  private readonly runKey: string;

  constructor(scope: Construct, id: string, props: DatabaseAppUserProps) {
    super(scope, id);
    if (props.databaseSubnetCidrs.length === 0) throw new Error("create-app-user: name the database subnets");
    this.props = props;
    const namespace = new NamespaceV1(this, "namespace", {
      metadata: { name: props.namespace, labels: { name: props.namespace, ...podSecurityLabels("restricted") } },
    }).metadata.name;
    this.jobNamespace = namespace;
    new DefaultDenyNetworkPolicy(this, "default-deny", { namespace });
    // The Jobs reach PostgreSQL and nothing else (no ingress; DNS from the default policy).
    new NetworkPolicyV1(this, "job-to-database", {
      metadata: { name: "create-app-user-to-database", namespace },
      spec: {
        podSelector: { matchLabels: LOGIN_JOB_LABELS },
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
    const scriptsHash = createHash("sha256").update(JSON.stringify(SCRIPTS)).digest("hex");
    this.runKey = Fn.substr(
      Fn.sha1(Fn.join("/", [scriptsHash, props.appSecretVersionId, props.databaseResourceId, props.databaseOrigin])),
      0,
      10,
    );
    // RDS rotates the master password every 7 days and this store reads it hourly: a run between
    // the two would log in with the old one on every retry. A new annotation value makes
    // external-secrets read the secrets again at once, so each run of the Jobs (a new run key)
    // starts from the current master password. external-secrets v2.9.0 refreshes when the labels
    // or annotations change (pkg/controllers/externalsecret/externalsecret_controller.go,
    // shouldRefreshPeriodic; https://external-secrets.io/latest/introduction/faq/).
    const credentials = customResource(this, "credentials", {
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { name: DATABASE_ADMIN_STORE, namespace, annotations: { [FORCE_SYNC_ANNOTATION]: this.runKey } },
      spec: {
        refreshInterval: "1h",
        secretStoreRef: { kind: "SecretStore", name: DATABASE_ADMIN_STORE },
        target: { name: DATABASE_ADMIN_STORE, creationPolicy: "Owner" },
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
    this.credentials = credentials;
    this.scriptsConfigMap = new ConfigMapV1(this, "script", {
      metadata: { name: SET_LOGIN_JOB, namespace },
      data: Object.fromEntries(Object.entries(SCRIPTS).map(([job, sql]) => [`${job}.sql`, sql])),
    }).metadata.name;
    this.done = this.loginJob("job", SET_LOGIN_JOB, [credentials]);
  }

  /**
   * The retire-app-logins Job, run after `after` (the app's Deployment, rolled onto the login the
   * secret names): from then on only that login of the app can log in.
   */
  retireOtherLogins(after: ITerraformDependable[]): ITerraformDependable {
    return this.loginJob("retire-job", RETIRE_LOGINS_JOB, [this.credentials, ...after]);
  }

  private loginJob(id: string, job: keyof typeof SCRIPTS, dependsOn: ITerraformDependable[]): JobV1 {
    const props = this.props;
    return new JobV1(this, id, {
      metadata: {
        name: `${job}-${this.runKey}`,
        namespace: this.jobNamespace,
        annotations: { "marketing-agents/database-origin": props.databaseOrigin },
      },
      waitForCompletion: true,
      timeouts: { create: "10m", update: "10m" },
      spec: {
        backoffLimit: 4,
        activeDeadlineSeconds: 600,
        template: {
          metadata: { labels: { app: job, ...LOGIN_JOB_LABELS } },
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
                image: props.psqlImage ?? PSQL_IMAGE,
                imagePullPolicy: "IfNotPresent",
                command: ["psql", "--no-psqlrc", `--file=${SQL_MOUNT}/${job}.sql`],
                env: [
                  { name: "PGHOST", value: props.host },
                  { name: "PGPORT", value: String(props.port) },
                  { name: "PGDATABASE", value: props.database },
                  { name: "PGSSLMODE", value: "require" },
                  { name: "APP_SCHEMA", value: props.schema },
                  { name: "APP_ROLE", value: props.appRole },
                  { name: "APP_LOGINS", value: props.appLogins.join(",") },
                  { name: "APP_LOGIN", value: props.appLogin },
                  { name: "HOME", value: "/tmp" },
                ],
                envFrom: [{ secretRef: { name: DATABASE_ADMIN_STORE } }],
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
                  { name: "sql", mountPath: SQL_MOUNT, readOnly: true },
                  { name: "tmp", mountPath: "/tmp" },
                ],
              },
            ],
            volume: [
              { name: "sql", configMap: { name: this.scriptsConfigMap } },
              { name: "tmp", emptyDir: {} },
            ],
          },
        },
      },
      dependsOn,
    });
  }
}
