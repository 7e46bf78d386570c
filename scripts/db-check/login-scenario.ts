/**
 * One PostgreSQL server modelled on RDS, and the app's login Jobs run on it exactly as
 * synthesized: their scripts, command line and literal environment, with this server and the
 * credentials db-check makes up in place of the Secret's. Each check is recorded as one line.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { APP_DATABASE } from "../../config";
import { localCommand, type AppUserJob } from "./app-user-job";
import { BOOTSTRAP_USER, type LocalPostgres } from "./local-postgres";

/** Refusal with one line: the check cannot go on. */
export class CheckError extends Error {}

/** The login Jobs of one app stack. */
export interface LoginJobs {
  /** create-app-user: sets the password of the login the secret names. */
  readonly set: AppUserJob;
  /** retire-app-logins: disables the app's other logins; undefined when the stack has none. */
  readonly retire?: AppUserJob;
}

export interface Result {
  readonly ok: boolean;
  readonly output: string;
}

/** Variables the Jobs' Secret gives psql; db-check supplies each. */
const SUPPLIED_SECRET_KEYS = ["PGUSER", "PGPASSWORD", "APP_USER", "APP_PASSWORD"];

/** libpq's environment for one login; nothing of the caller's PG* variables leaks in. */
function pgEnv(server: LocalPostgres, vars: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PG")));
  return { ...base, HOME: server.socketDir, PGHOST: server.socketDir, PGPORT: String(server.port), ...vars };
}

function run(command: string[], env: NodeJS.ProcessEnv, input?: string): Result {
  const r = spawnSync(command[0], command.slice(1), { env, input, encoding: "utf8" });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`.trim();
  return { ok: r.status === 0, output };
}

/** The first ERROR line of psql's output, for a one-line verdict. */
export function firstError(output: string): string {
  return (output.split("\n").find((l) => /ERROR|FATAL|error:/.test(l)) ?? output.split("\n")[0] ?? "").trim();
}

/** A made-up password with a quote, a backslash and a space: the script must quote it as a literal. */
export function secret(): string {
  return `it's a \\ ${randomBytes(9).toString("base64url")}`;
}

export class LoginScenario {
  readonly results: { name: string; ok: boolean; detail: string }[] = [];
  readonly masterPassword = randomBytes(12).toString("hex");
  private readonly sqlDir: string;

  constructor(
    private readonly server: LocalPostgres,
    private readonly psql: string,
    private readonly jobs: LoginJobs,
  ) {
    this.sqlDir = path.join(server.socketDir, "job");
    const files = { ...jobs.set.files, ...jobs.retire?.files };
    for (const [mounted, text] of Object.entries(files)) {
      const file = path.join(this.sqlDir, mounted);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
  }

  get database(): string {
    return this.jobs.set.env.PGDATABASE;
  }

  get schema(): string {
    return this.jobs.set.env.APP_SCHEMA;
  }

  /** The role that owns the app's schema (the Jobs' APP_ROLE). */
  get role(): string {
    return this.jobs.set.env.APP_ROLE ?? APP_DATABASE.appRole;
  }

  /** The app's logins, in rotation order (the Jobs' APP_LOGINS). */
  get logins(): string[] {
    const listed = this.jobs.set.env.APP_LOGINS;
    return listed ? listed.split(",") : [...APP_DATABASE.appLogins];
  }

  record(name: string, ok: boolean, detail = ""): void {
    this.results.push({ name, ok, detail });
    console.log(`db-check: ${ok ? "ok    " : "FAILED"} ${name}${detail ? `: ${detail}` : ""}`);
  }

  /** SQL on stdin as one login, stopping at the first error. */
  sql(user: string, password: string, text: string, database = this.database): Result {
    const env = pgEnv(this.server, { PGUSER: user, PGPASSWORD: password, PGDATABASE: database });
    return run([this.psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-f", "-"], env, text);
  }

  asBootstrap(text: string, database = "postgres"): Result {
    return this.sql(BOOTSTRAP_USER, this.server.bootstrapPassword, text, database);
  }

  asMaster(text: string): Result {
    return this.sql(APP_DATABASE.masterUser, this.masterPassword, text);
  }

  /** Whether `user` logs in with `password` (and the error when not). */
  logsIn(user: string, password: string): Result {
    return this.sql(user, password, "SELECT 1;");
  }

  /** RDS at creation: the service's superuser, rds_superuser, the master user and its database. */
  modelRds(): void {
    const master = APP_DATABASE.masterUser;
    const made = this.asBootstrap(
      [
        "CREATE ROLE rds_superuser NOLOGIN;",
        `CREATE ROLE ${master} LOGIN CREATEROLE CREATEDB PASSWORD '${this.masterPassword}' IN ROLE rds_superuser;`,
        `CREATE DATABASE ${this.database} OWNER ${master};`,
      ].join("\n"),
    );
    if (!made.ok) throw new CheckError(`cannot model RDS: ${made.output}`);
    const refused = this.sql(master, this.masterPassword, "ALTER ROLE CURRENT_USER NOSUPERUSER;");
    this.record(
      `model: master ${master} is LOGIN CREATEROLE CREATEDB in rds_superuser and no superuser (it may not even say NOSUPERUSER)`,
      !refused.ok,
      refused.ok ? "the master could change SUPERUSER: the model is not RDS" : "",
    );
  }

  /**
   * One Job's own command line and environment, with this server and these credentials: the
   * Secret names `login`, and the Job expects `expected` (APP_LOGIN: the login of the rotation
   * db-check plays, in place of the environment's own).
   */
  runJob(job: AppUserJob, login: string, password: string, expected = login): Result {
    const missing = job.secretKeys.filter((k) => !SUPPLIED_SECRET_KEYS.includes(k));
    if (missing.length > 0)
      throw new CheckError(`the Job's Secret adds ${missing.join(", ")}, which db-check does not supply`);
    const env = pgEnv(this.server, {
      ...job.env,
      PGUSER: APP_DATABASE.masterUser,
      PGPASSWORD: this.masterPassword,
      APP_USER: login,
      APP_PASSWORD: password,
      APP_LOGIN: expected,
    });
    env.PGHOST = this.server.socketDir;
    env.PGPORT = String(this.server.port);
    return run(
      localCommand(job, this.psql, (mounted) => path.join(this.sqlDir, mounted)),
      env,
    );
  }

  /** create-app-user with the secret naming `login` and `password` (`expected`: the login the Job expects). */
  setLogin(login: string, password: string, expected = login): Result {
    return this.runJob(this.jobs.set, login, password, expected);
  }

  /** retire-app-logins with the secret naming `login` (the one the pods now use). */
  retire(login: string, password: string, expected = login): Result {
    if (!this.jobs.retire) return { ok: false, output: "error: the app stack has no retire-app-logins Job" };
    return this.runJob(this.jobs.retire, login, password, expected);
  }

  /** Runs a Job step and records it; returns the state it leaves. */
  step(name: string, result: Result): string {
    this.record(name, result.ok, result.ok ? "" : firstError(result.output));
    return this.state();
  }

  /** Everything the scripts decide, as the bootstrap superuser sees it. */
  state(): string {
    const names = [this.role, ...this.logins].map((n) => `'${n}'`).join(", ");
    return this.asBootstrap(
      `SELECT string_agg(line, E'\\n' ORDER BY line) FROM (
        SELECT format('role %s %s', rolname, row(rolsuper, rolcreatedb, rolcreaterole, rolcanlogin, rolreplication, rolbypassrls)) AS line FROM pg_roles WHERE rolname IN (${names})
        UNION ALL SELECT format('member %s of %s admin=%s', member::regrole, roleid::regrole, admin_option) FROM pg_auth_members m JOIN pg_roles r ON r.oid IN (m.roleid, m.member) WHERE r.rolname IN (${names})
        UNION ALL SELECT format('schema %s owner %s acl %s', nspname, nspowner::regrole, nspacl) FROM pg_namespace WHERE nspname IN ('${this.schema}', 'public')
        UNION ALL SELECT format('database %s acl %s', datname, datacl) FROM pg_database WHERE datname = '${this.database}'
        UNION ALL SELECT format('setting %s %s', setrole::regrole, setconfig) FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname IN (${names})
      ) lines;`,
      this.database,
    ).output;
  }
}
