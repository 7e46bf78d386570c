/**
 * npm run db-check [-- --dir cdktf.out] [-- --install]
 * Runs the create-app-user Job's script, exactly as synthesized (its ConfigMap, its psql command
 * line, its environment), on a real PostgreSQL server of the major config sets for the database,
 * with a master user modelled on RDS's: `LOGIN CREATEROLE CREATEDB`, a member of a NOLOGIN
 * `rds_superuser`, not a superuser. First run, second run (idempotent), a new password
 * (rotation); then the app logs in with the new password only, creates a table in its own schema,
 * and cannot create roles, databases or objects in `public`. One line per check, a closing
 * "N passed, N failed" line; exit 1 on any failure. The server is found in Debian's layout
 * (/usr/lib/postgresql/<major>/bin, or DB_CHECK_PG_BIN); `--install` installs Debian's
 * postgresql-<major> when it is missing (CI). The server is stopped by its PID whatever happens.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { APP_DATABASE, loadEnvironments } from "../../config";
import { printedHelp } from "../command-line";
import { appUserJob, localCommand, majorMismatch, type AppUserJob } from "./app-user-job";
import { BOOTSTRAP_USER, startLocalPostgres, type LocalPostgres } from "./local-postgres";

const ROOT = path.resolve(__dirname, "..");

class CheckError extends Error {}

type Json = Record<string, unknown>;

interface Result {
  readonly ok: boolean;
  readonly output: string;
}

/** Variables the Job's Secret gives psql; db-check supplies each. */
const SUPPLIED_SECRET_KEYS = ["PGUSER", "PGPASSWORD", "APP_USER", "APP_PASSWORD"];

function binDirFor(major: string): string {
  return process.env.DB_CHECK_PG_BIN ?? `/usr/lib/postgresql/${major}/bin`;
}

/** Debian's postgresql-<major>, when asked to and the server is missing. */
function ensureServer(major: string, install: boolean): string {
  const binDir = binDirFor(major);
  if (fs.existsSync(path.join(binDir, "postgres"))) return binDir;
  if (!install || process.env.DB_CHECK_PG_BIN)
    throw new CheckError(
      `PostgreSQL ${major} (the configured major) is not installed in ${binDir}: apt-get install -y postgresql-${major}, or npm run db-check -- --install`,
    );
  console.log(`db-check: installing Debian's postgresql-${major}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", `postgresql-${major}`]]) {
    const run = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (run.status !== 0) throw new CheckError(`apt-get ${args.join(" ")} failed (exit ${run.status})`);
  }
  return binDir;
}

function loadAppStacks(outdir: string): Map<string, Json> {
  const manifestFile = path.join(outdir, "manifest.json");
  if (!fs.existsSync(manifestFile)) throw new CheckError(`no synth output in ${outdir}: run npm run synth first`);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as {
    stacks: Record<string, { synthesizedStackPath: string }>;
  };
  const stacks = new Map<string, Json>();
  for (const [id, entry] of Object.entries(manifest.stacks)) {
    if (id.endsWith("-app"))
      stacks.set(
        id.slice(0, -"-app".length),
        JSON.parse(fs.readFileSync(path.join(outdir, entry.synthesizedStackPath), "utf8")) as Json,
      );
  }
  return stacks;
}

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

class Scenario {
  readonly results: { name: string; ok: boolean; detail: string }[] = [];
  private readonly masterPassword = randomBytes(12).toString("hex");
  private readonly sqlDir: string;

  constructor(
    private readonly server: LocalPostgres,
    private readonly psql: string,
    private readonly job: AppUserJob,
  ) {
    this.sqlDir = path.join(server.socketDir, "job");
    for (const [mounted, text] of Object.entries(job.files)) {
      const file = path.join(this.sqlDir, mounted);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
  }

  private get database(): string {
    return this.job.env.PGDATABASE;
  }

  private get schema(): string {
    return this.job.env.APP_SCHEMA;
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

  /** The Job's own command line and environment, with this server and these credentials. */
  runJob(appPassword: string): Result {
    const missing = this.job.secretKeys.filter((k) => !SUPPLIED_SECRET_KEYS.includes(k));
    if (missing.length > 0)
      throw new CheckError(`the Job's Secret adds ${missing.join(", ")}, which db-check does not supply`);
    const env = pgEnv(this.server, {
      ...this.job.env,
      PGUSER: APP_DATABASE.masterUser,
      PGPASSWORD: this.masterPassword,
      APP_USER: APP_DATABASE.appUser,
      APP_PASSWORD: appPassword,
    });
    env.PGHOST = this.server.socketDir;
    env.PGPORT = String(this.server.port);
    return run(
      localCommand(this.job, this.psql, (mounted) => path.join(this.sqlDir, mounted)),
      env,
    );
  }

  /** Everything the script decides, as the bootstrap superuser sees it. */
  state(): string {
    const app = APP_DATABASE.appUser;
    return this.asBootstrap(
      `SELECT string_agg(line, E'\\n' ORDER BY line) FROM (
        SELECT format('role %s %s', rolname, row(rolsuper, rolcreatedb, rolcreaterole, rolcanlogin, rolreplication, rolbypassrls)) AS line FROM pg_roles WHERE rolname = '${app}'
        UNION ALL SELECT format('member %s of %s admin=%s', member::regrole, roleid::regrole, admin_option) FROM pg_auth_members WHERE roleid = '${app}'::regrole OR member = '${app}'::regrole
        UNION ALL SELECT format('schema %s owner %s acl %s', nspname, nspowner::regrole, nspacl) FROM pg_namespace WHERE nspname IN ('${this.schema}', 'public')
        UNION ALL SELECT format('database %s acl %s', datname, datacl) FROM pg_database WHERE datname = '${this.database}'
        UNION ALL SELECT format('setting %s', setconfig) FROM pg_db_role_setting WHERE setrole = '${app}'::regrole
      ) lines;`,
      this.database,
    ).output;
  }

  jobStep(name: string, password: string): string {
    const result = this.runJob(password);
    this.record(name, result.ok, result.ok ? "" : firstError(result.output));
    return this.state();
  }

  /** What the app can and cannot do, logged in with `password`, after a rotation from `oldPassword`. */
  appChecks(password: string, oldPassword: string): void {
    const app = APP_DATABASE.appUser;
    const who = this.sql(app, password, "SELECT current_user || ' ' || current_schema();");
    this.record(
      `the app logs in with the new password, its search path is its schema ${this.schema}`,
      who.ok && who.output === `${app} ${this.schema}`,
      who.ok ? `got "${who.output}"` : firstError(who.output),
    );
    const old = this.sql(app, oldPassword, "SELECT 1;");
    this.record(
      "the app cannot log in with the old password",
      !old.ok && /password authentication failed/.test(old.output),
      old.ok ? "the old password still works" : "",
    );
    const table = this.sql(
      app,
      password,
      "CREATE TABLE db_check_probe (id int); SELECT relnamespace::regnamespace FROM pg_class WHERE relname = 'db_check_probe'; DROP TABLE db_check_probe;",
    );
    this.record(
      `the app creates a table in its own schema ${this.schema}`,
      table.ok && table.output === this.schema,
      table.ok ? `created in "${table.output}"` : firstError(table.output),
    );
    const refusals: [string, string, RegExp][] = [
      ["create roles", "CREATE ROLE db_check_probe;", /permission denied to create role/],
      ["create databases", "CREATE DATABASE db_check_probe;", /permission denied to create database/],
      [
        "create objects in public",
        "CREATE TABLE public.db_check_probe (id int);",
        /permission denied for schema public/,
      ],
    ];
    for (const [what, statement, expected] of refusals) {
      const r = this.sql(app, password, statement);
      this.record(`the app cannot ${what}`, !r.ok && expected.test(r.output), r.ok ? "it could" : firstError(r.output));
    }
  }

  /** A login someone changed by hand: the script removes what it may, and refuses what it may not. */
  repairs(password: string): void {
    const app = APP_DATABASE.appUser;
    const attributes = () =>
      this.asBootstrap(`SELECT rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = '${app}';`).output;
    this.asBootstrap(`ALTER ROLE ${app} CREATEDB CREATEROLE;`);
    const repaired = this.runJob(password);
    this.record(
      "a login given CREATEDB CREATEROLE by hand loses them on the next run",
      repaired.ok && attributes() === "f",
      repaired.ok ? "" : firstError(repaired.output),
    );
    this.asBootstrap(`ALTER ROLE ${app} BYPASSRLS;`);
    const refused = this.runJob(password);
    this.record(
      "a login given BYPASSRLS by hand (the master cannot remove it) fails the Job",
      !refused.ok && /cannot remove/.test(refused.output),
      refused.ok ? "the Job succeeded" : "",
    );
    this.asBootstrap(`ALTER ROLE ${app} NOBYPASSRLS;`);
  }
}

/** The first ERROR line of psql's output, for a one-line verdict. */
function firstError(output: string): string {
  return (output.split("\n").find((l) => /ERROR|FATAL|error:/.test(l)) ?? output.split("\n")[0] ?? "").trim();
}

function secret(): string {
  // A quote, a backslash and a space: the script must quote the password as a literal.
  return `it's a \\ ${randomBytes(9).toString("base64url")}`;
}

async function checkMajor(major: string, job: AppUserJob, environments: string[], install: boolean): Promise<Scenario> {
  const binDir = ensureServer(major, install);
  const version = spawnSync(path.join(binDir, "postgres"), ["--version"], { encoding: "utf8" }).stdout ?? "";
  const mismatch = majorMismatch(major, version, binDir);
  if (mismatch) throw new CheckError(mismatch);
  const psql = fs.existsSync(path.join(binDir, "psql")) ? path.join(binDir, "psql") : "psql";
  const psqlVersion = spawnSync(psql, ["--version"], { encoding: "utf8" }).stdout?.trim();
  console.log(
    `db-check: ${version.trim()} from ${binDir}, ${psqlVersion}; the Job's script of ${environments.join(", ")} (configured major ${major})`,
  );
  const server = await startLocalPostgres(binDir);
  const stop = () => void server.stop();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    console.log(`db-check: server PID ${server.pid}, socket only in ${server.socketDir}`);
    const scenario = new Scenario(server, psql, job);
    scenario.modelRds();
    const [first, rotated] = [secret(), secret()];
    const afterFirst = scenario.jobStep("first run creates the login and its schema", first);
    const afterSecond = scenario.jobStep("second run, same password, succeeds", first);
    scenario.record(
      "the second run changes nothing (roles, memberships, schema owners and rights, settings)",
      afterFirst === afterSecond,
    );
    scenario.jobStep("third run with a new password (rotation) succeeds", rotated);
    scenario.appChecks(rotated, first);
    scenario.repairs(rotated);
    return scenario;
  } finally {
    process.removeListener("SIGINT", stop);
    process.removeListener("SIGTERM", stop);
    await server.stop();
  }
}

const USAGE = "usage: npm run db-check [-- [--dir <cdktf.out>] [--install]]";

async function main(argv: readonly string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return 0;
  const dirAt = argv.indexOf("--dir");
  const outdir = dirAt >= 0 ? argv[dirAt + 1] : path.join(ROOT, "cdktf.out");
  const stacks = loadAppStacks(outdir);
  if (stacks.size === 0) throw new CheckError(`no app stack in ${outdir}`);
  // One run per distinct (major, Job): environments that ship the same script on the same major share it.
  const groups = new Map<string, { major: string; job: AppUserJob; environments: string[] }>();
  for (const config of loadEnvironments()) {
    const stack = stacks.get(config.name);
    if (!stack) continue;
    const major = config.database.engineMajorVersion;
    const job = appUserJob(stack);
    const where = ["PGHOST", "PGPORT"]; // the environment's own endpoint: replaced by the local server
    const env = Object.entries(job.env).filter(([name]) => !where.includes(name));
    const key = JSON.stringify([major, job.files, job.command, env, job.secretKeys]);
    const group = groups.get(key) ?? { major, job, environments: [] };
    group.environments.push(config.name);
    groups.set(key, group);
  }
  let passed = 0;
  let failed = 0;
  for (const { major, job, environments } of groups.values()) {
    const scenario = await checkMajor(major, job, environments, argv.includes("--install"));
    passed += scenario.results.filter((r) => r.ok).length;
    failed += scenario.results.filter((r) => !r.ok).length;
  }
  console.log(`db-check: ${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`db-check: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
