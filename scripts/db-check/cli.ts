/**
 * npm run db-check [-- --dir cdktf.out] [-- --install]
 * Runs the app's login Jobs (create-app-user, retire-app-logins) exactly as synthesized (their
 * ConfigMap, psql command line and environment) on a real PostgreSQL server of the major config
 * sets for the database, with a master user modelled on RDS's: `LOGIN CREATEROLE CREATEDB`, a
 * member of a NOLOGIN `rds_superuser`, not a superuser. First run, second run (idempotent), a
 * rotation in the order the app stack applies it (the next login's password is set while the old
 * login still logs in; once the pods have moved, the old one is disabled); then the app logs in
 * with the new login only, creates a table in its own schema, uses what the old login made, and
 * cannot create roles, databases or objects in `public`; a restore whose data holds other
 * passwords is set back; an upgrade from the single login of old keeps it working until retired.
 * One line per check, a closing "N passed, N failed" line; exit 1 on any failure. The server is found in Debian's layout
 * (/usr/lib/postgresql/<major>/bin, or DB_CHECK_PG_BIN); `--install` installs Debian's
 * postgresql-<major> when it is missing (CI). The server is stopped by its PID whatever happens.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadEnvironments } from "../../config";
import { printedHelp } from "../command-line";
import { appUserJob, majorMismatch, retireLoginsJob, type AppUserJob } from "./app-user-job";
import { startLocalPostgres } from "./local-postgres";
import { CheckError, LoginScenario, firstError, secret, type LoginJobs } from "./login-scenario";

const ROOT = path.resolve(__dirname, "..");

type Json = Record<string, unknown>;

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

/** Whether a login attempt failed for its credentials (a wrong password, or a login that may not log in). */
const refusedLogin = (output: string) => /password authentication failed|is not permitted to log in/.test(output);

/** First run, second run (idempotent), and the first retire: the login the pods start with. */
function firstLogin(s: LoginScenario, login: string, password: string): void {
  const afterFirst = s.step("first run creates the login and its schema", s.setLogin(login, password));
  const afterSecond = s.step("second run, same password, succeeds", s.setLogin(login, password));
  s.record(
    "the second run changes nothing (roles, memberships, schema owners and rights, settings)",
    afterFirst === afterSecond,
  );
  s.step(
    `retire after the first rollout succeeds: only ${login} of the app's roles can log in`,
    s.retire(login, password),
  );
  const role = s.logsIn(s.role, password);
  s.record(`the app's role ${s.role} cannot log in`, !role.ok && refusedLogin(role.output), role.ok ? "it can" : "");
}

/**
 * A rotation in the app stack's order: create-app-user sets the next login while the pods still
 * use the old one; the pods move (the Secret, then the Deployment); retire-app-logins disables the old.
 */
function rotation(s: LoginScenario, old: [string, string], next: [string, string]): void {
  const [oldLogin, oldPassword] = old;
  const [nextLogin, nextPassword] = next;
  staleSecret(s, old, nextLogin);
  s.step("third run with a new password (rotation) succeeds", s.setLogin(nextLogin, nextPassword));
  const stillOld = s.logsIn(oldLogin, oldPassword);
  s.record(
    `during the rotation the pods' login ${oldLogin} still logs in with its password (they have not moved yet)`,
    stillOld.ok,
    stillOld.ok ? "" : firstError(stillOld.output),
  );
  const nextIn = s.logsIn(nextLogin, nextPassword);
  s.record(
    `the next login ${nextLogin} logs in with the new password before the pods move to it`,
    nextIn.ok,
    nextIn.ok ? "" : firstError(nextIn.output),
  );
  s.step("retire after the pods moved succeeds", s.retire(nextLogin, nextPassword));
}

/**
 * A Job pod that starts before external-secrets has written the rotation's version reads the
 * previous one, naming the old login: both Jobs must stop there, changing nothing (above all,
 * retire must not disable the login the Secret is about to name).
 */
function staleSecret(s: LoginScenario, [oldLogin, oldPassword]: [string, string], nextLogin: string): void {
  const set = s.setLogin(oldLogin, secret(), nextLogin);
  const retire = s.retire(oldLogin, oldPassword, nextLogin);
  const stillIn = s.logsIn(oldLogin, oldPassword);
  s.record(
    `a Job reading the Secret before external-secrets wrote the rotation's version (it names ${oldLogin}) fails and changes nothing`,
    !set.ok && !retire.ok && /has not written the new version yet/.test(set.output + retire.output) && stillIn.ok,
    set.ok || retire.ok ? "a Job ran" : stillIn.ok ? "" : `${oldLogin} lost its password`,
  );
}

/** What the app can and cannot do, logged in with the new login, after a rotation from the old. */
function appChecks(
  s: LoginScenario,
  [login, password]: [string, string],
  [oldLogin, oldPassword]: [string, string],
): void {
  const who = s.sql(login, password, "SELECT session_user || ' ' || current_user || ' ' || current_schema();");
  s.record(
    `the app logs in with the new password, its search path is its schema ${s.schema}, acting as ${s.role}`,
    who.ok && who.output === `${login} ${s.role} ${s.schema}`,
    who.ok ? `got "${who.output}"` : firstError(who.output),
  );
  const old = s.logsIn(oldLogin, oldPassword);
  s.record(
    `the app cannot log in with the old password (${oldLogin} is retired)`,
    !old.ok && refusedLogin(old.output),
    old.ok ? "the old login still works" : "",
  );
  const table = s.sql(
    login,
    password,
    "CREATE TABLE db_check_probe (id int); SELECT relnamespace::regnamespace || ' ' || relowner::regrole FROM pg_class WHERE relname = 'db_check_probe'; DROP TABLE db_check_probe;",
  );
  s.record(
    `the app creates a table in its own schema ${s.schema}, owned by ${s.role}`,
    table.ok && table.output === `${s.schema} ${s.role}`,
    table.ok ? `created in "${table.output}"` : firstError(table.output),
  );
  const kept = s.sql(login, password, "ALTER TABLE db_check_kept ADD COLUMN note text; DROP TABLE db_check_kept;");
  s.record(
    `a table the old login ${oldLogin} made is the app's: the new login alters and drops it`,
    kept.ok,
    kept.ok ? "" : firstError(kept.output),
  );
  const refusals: [string, string, RegExp][] = [
    ["create roles", "CREATE ROLE db_check_probe;", /permission denied to create role/],
    ["create databases", "CREATE DATABASE db_check_probe;", /permission denied to create database/],
    ["create objects in public", "CREATE TABLE public.db_check_probe (id int);", /permission denied for schema public/],
  ];
  for (const [what, statement, expected] of refusals) {
    const r = s.sql(login, password, statement);
    s.record(`the app cannot ${what}`, !r.ok && expected.test(r.output), r.ok ? "it could" : firstError(r.output));
  }
}

/** A login someone changed by hand: the script removes what it may, and refuses what it may not. */
function repairs(s: LoginScenario, login: string, password: string): void {
  const attributes = () =>
    s.asBootstrap(`SELECT rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = '${login}';`).output;
  s.asBootstrap(`ALTER ROLE ${login} CREATEDB CREATEROLE;`);
  const repaired = s.setLogin(login, password);
  s.record(
    "a login given CREATEDB CREATEROLE by hand loses them on the next run",
    repaired.ok && attributes() === "f",
    repaired.ok ? "" : firstError(repaired.output),
  );
  s.asBootstrap(`ALTER ROLE ${login} BYPASSRLS;`);
  const refused = s.setLogin(login, password);
  s.record(
    "a login given BYPASSRLS by hand (the master cannot remove it) fails the Job",
    !refused.ok && /cannot remove/.test(refused.output),
    refused.ok ? "the Job succeeded" : "",
  );
  s.asBootstrap(`ALTER ROLE ${login} NOBYPASSRLS;`);
}

/**
 * A restore: the data comes back from before the last rotation, so the pods' login has another
 * password there and the old login can log in again. The Jobs (run again: the instance is new)
 * set the pods' login back and retire the other.
 */
function restoredData(
  s: LoginScenario,
  [login, password]: [string, string],
  [oldLogin, oldPassword]: [string, string],
): void {
  s.asBootstrap(
    `ALTER ROLE ${login} PASSWORD 'from-the-snapshot'; ALTER ROLE ${oldLogin} LOGIN PASSWORD '${oldPassword.replace(/'/g, "''")}';`,
  );
  const before = s.logsIn(login, password);
  s.record(
    `restored data: the pods' login ${login} has another password there, so the app could not log in`,
    !before.ok && refusedLogin(before.output),
    before.ok ? "it could: the model is not a restore" : "",
  );
  s.step("after a restore, create-app-user sets the pods' login back", s.setLogin(login, password));
  s.step("after a restore, retire-app-logins succeeds", s.retire(login, password));
  const now = s.logsIn(login, password);
  const old = s.logsIn(oldLogin, oldPassword);
  s.record(
    `after a restore the app logs in with its current password, and ${oldLogin} (live in the restored data) cannot`,
    now.ok && !old.ok,
    !now.ok ? firstError(now.output) : old.ok ? `${oldLogin} still logs in` : "",
  );
}

/** A secret naming a role that is not one of the app's logins (the master's) changes nothing. */
function foreignLogin(s: LoginScenario): void {
  const master = s.asMaster("SELECT current_user;").output;
  const refused = s.setLogin(master, secret());
  const masterStill = s.asMaster("SELECT 1;");
  s.record(
    `the Job refuses a login that is not one of the app's (${master}, the master) and leaves its password`,
    !refused.ok && /is not one of the app's logins/.test(refused.output) && masterStill.ok,
    refused.ok ? "the Job ran" : masterStill.ok ? "" : "the master's password changed",
  );
}

/** Fresh database: first login, a rotation to the other, the app's rights, repairs, a restore. */
function freshDatabase(s: LoginScenario): void {
  s.modelRds();
  const [first, next] = s.logins;
  const [p0, p1] = [secret(), secret()];
  firstLogin(s, first, p0);
  const made = s.sql(first, p0, "CREATE TABLE db_check_kept (id int);");
  if (!made.ok) throw new CheckError(`${first} cannot create a table: ${firstError(made.output)}`);
  rotation(s, [first, p0], [next, p1]);
  appChecks(s, [next, p1], [first, p0]);
  repairs(s, next, p1);
  restoredData(s, [next, p1], [first, p0]);
  foreignLogin(s);
}

/**
 * A database set up by the single login of old (the app's role itself logged in and owns the
 * schema and its tables): the first run adds the first login while the old one keeps working;
 * retire then disables it, and the new login uses the old tables.
 */
function upgradeFromOneLogin(s: LoginScenario): void {
  s.modelRds();
  const legacy = secret();
  const role = s.role;
  const made = s.asMaster(
    [
      `CREATE ROLE ${role} LOGIN PASSWORD '${legacy.replace(/'/g, "''")}';`,
      `GRANT ${role} TO CURRENT_USER WITH ADMIN OPTION;`,
      `REVOKE ALL ON DATABASE ${s.database} FROM PUBLIC;`,
      `GRANT CONNECT, TEMPORARY ON DATABASE ${s.database} TO ${role};`,
      `CREATE SCHEMA ${s.schema} AUTHORIZATION ${role};`,
      `ALTER ROLE ${role} IN DATABASE ${s.database} SET search_path = ${s.schema};`,
    ].join("\n"),
  );
  const table = made.ok ? s.sql(role, legacy, "CREATE TABLE db_check_legacy (id int);") : made;
  if (!table.ok) throw new CheckError(`cannot model the single login of old: ${firstError(table.output)}`);
  const [first] = s.logins;
  const password = secret();
  s.step(`upgrade from one login: the first run adds ${first}`, s.setLogin(first, password));
  const stillLegacy = s.logsIn(role, legacy);
  s.record(
    `upgrade from one login: the pods' old login ${role} still logs in until they move`,
    stillLegacy.ok,
    stillLegacy.ok ? "" : firstError(stillLegacy.output),
  );
  s.step("upgrade from one login: retire after the pods moved succeeds", s.retire(first, password));
  const legacyIn = s.logsIn(role, legacy);
  const uses = s.sql(first, password, "ALTER TABLE db_check_legacy ADD COLUMN note text; DROP TABLE db_check_legacy;");
  s.record(
    `upgrade from one login: ${role} can no longer log in, and ${first} uses the tables it made`,
    !legacyIn.ok && uses.ok,
    legacyIn.ok ? `${role} still logs in` : uses.ok ? "" : firstError(uses.output),
  );
}

/** One server of the configured major for one scenario, stopped by its PID whatever happens. */
async function onServer(binDir: string, psql: string, jobs: LoginJobs, scenario: (s: LoginScenario) => void) {
  const server = await startLocalPostgres(binDir);
  const stop = () => void server.stop();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    console.log(`db-check: server PID ${server.pid}, socket only in ${server.socketDir}`);
    const s = new LoginScenario(server, psql, jobs);
    if (!jobs.retire) s.record("the app stack has a retire-app-logins Job", false, "none found");
    scenario(s);
    return s.results;
  } finally {
    process.removeListener("SIGINT", stop);
    process.removeListener("SIGTERM", stop);
    await server.stop();
  }
}

async function checkMajor(major: string, jobs: LoginJobs, environments: string[], install: boolean) {
  const binDir = ensureServer(major, install);
  const version = spawnSync(path.join(binDir, "postgres"), ["--version"], { encoding: "utf8" }).stdout ?? "";
  const mismatch = majorMismatch(major, version, binDir);
  if (mismatch) throw new CheckError(mismatch);
  const psql = fs.existsSync(path.join(binDir, "psql")) ? path.join(binDir, "psql") : "psql";
  const psqlVersion = spawnSync(psql, ["--version"], { encoding: "utf8" }).stdout?.trim();
  console.log(
    `db-check: ${version.trim()} from ${binDir}, ${psqlVersion}; the login Jobs of ${environments.join(", ")} (configured major ${major})`,
  );
  // Roles belong to the whole server: each scenario gets its own.
  return [
    ...(await onServer(binDir, psql, jobs, freshDatabase)),
    ...(await onServer(binDir, psql, jobs, upgradeFromOneLogin)),
  ];
}

const USAGE = "usage: npm run db-check [-- [--dir <cdktf.out>] [--install]]";

async function main(argv: readonly string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return 0;
  const dirAt = argv.indexOf("--dir");
  const outdir = dirAt >= 0 ? argv[dirAt + 1] : path.join(ROOT, "cdktf.out");
  const stacks = loadAppStacks(outdir);
  if (stacks.size === 0) throw new CheckError(`no app stack in ${outdir}`);
  // One run per distinct (major, Jobs): environments that ship the same scripts on the same major share it.
  const groups = new Map<string, { major: string; jobs: LoginJobs; environments: string[] }>();
  const where = ["PGHOST", "PGPORT"]; // the environment's own endpoint: replaced by the local server
  const shape = (job?: AppUserJob) =>
    job && [job.files, job.command, Object.entries(job.env).filter(([name]) => !where.includes(name)), job.secretKeys];
  for (const config of loadEnvironments()) {
    const stack = stacks.get(config.name);
    if (!stack) continue;
    const major = config.database.engineMajorVersion;
    const jobs: LoginJobs = { set: appUserJob(stack), retire: retireLoginsJob(stack) };
    const key = JSON.stringify([major, shape(jobs.set), shape(jobs.retire)]);
    const group = groups.get(key) ?? { major, jobs, environments: [] };
    group.environments.push(config.name);
    groups.set(key, group);
  }
  let passed = 0;
  let failed = 0;
  for (const { major, jobs, environments } of groups.values()) {
    const results = await checkMajor(major, jobs, environments, argv.includes("--install"));
    passed += results.filter((r) => r.ok).length;
    failed += results.filter((r) => !r.ok).length;
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
