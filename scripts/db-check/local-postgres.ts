/**
 * A throwaway PostgreSQL server: a cluster made by initdb in a temporary folder, listening only on
 * a Unix socket in that folder (no TCP port), password (SCRAM) authentication for every login.
 * The server refuses to run as root, so as root it runs as the `postgres` user (Debian's packages
 * create it). `stop()` stops exactly the postmaster it started, by PID, and removes the folder.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The bootstrap superuser (on RDS the service's own `rdsadmin`: nobody else logs in with it). */
export const BOOTSTRAP_USER = "rdsadmin";

/** A running server. */
export interface LocalPostgres {
  /** The folder holding the socket: libpq's PGHOST. */
  readonly socketDir: string;
  readonly port: number;
  /** PID of the postmaster. */
  readonly pid: number;
  /** Password of {@link BOOTSTRAP_USER}. */
  readonly bootstrapPassword: string;
  /** Stops the postmaster by its PID and removes the folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** Refusal with one line saying why the server could not start. */
export class ServerError extends Error {}

interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** Root runs the server as `postgres`; anyone else as themselves. */
function runAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync("id", [flag, "postgres"], { encoding: "utf8" });
  const [uid, gid] = [id("-u"), id("-g")];
  if (uid.status !== 0 || gid.status !== 0)
    throw new ServerError("PostgreSQL refuses to run as root and there is no postgres user to run it as");
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** postmaster.pid's 8th line reads "ready" once the server accepts connections (PostgreSQL 10+). */
async function waitUntilReady(child: ChildProcess, dataDir: string, logFile: string): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  for (let waited = 0; waited < 30_000; waited += 100) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    const lines = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, "utf8").split("\n") : [];
    if (lines[7]?.trim() === "ready") return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").trim().split("\n").slice(-3).join(" | ") : "";
  throw new ServerError(`postgres did not become ready: ${log || "no log"}`);
}

/** initdb, then starts the postmaster on a socket in a new temporary folder. */
export async function startLocalPostgres(binDir: string, port = 5432): Promise<LocalPostgres> {
  const owner = runAs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "db-check-"));
  const as = owner ? { uid: owner.uid, gid: owner.gid } : {};
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, "SIGINT"); // fast shutdown: ends sessions, then exits
      if (!(await waitForExit(child, 30_000))) process.kill(child.pid, "SIGKILL");
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (owner) fs.chownSync(dir, owner.uid, owner.gid);
    const bootstrapPassword = `boot-${process.pid}-${Date.now()}`;
    const passwordFile = path.join(dir, "bootstrap-password");
    fs.writeFileSync(passwordFile, `${bootstrapPassword}\n`, { mode: 0o600 });
    if (owner) fs.chownSync(passwordFile, owner.uid, owner.gid);
    const dataDir = path.join(dir, "data");
    const initdb = spawnSync(
      path.join(binDir, "initdb"),
      [
        `--pgdata=${dataDir}`,
        `--username=${BOOTSTRAP_USER}`,
        `--pwfile=${passwordFile}`,
        "--auth=scram-sha-256",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
      ],
      { encoding: "utf8", cwd: dir, ...as },
    );
    if (initdb.status !== 0)
      throw new ServerError(`initdb failed: ${(initdb.stderr || initdb.stdout || String(initdb.error)).trim()}`);
    const logFile = path.join(dir, "postgres.log");
    const log = fs.openSync(logFile, "a");
    if (owner) fs.fchownSync(log, owner.uid, owner.gid);
    child = spawn(
      path.join(binDir, "postgres"),
      ["-D", dataDir, "-k", dir, "-c", "listen_addresses=", "-p", String(port), "-c", "fsync=off"],
      { cwd: dir, stdio: ["ignore", log, log], ...as },
    );
    fs.closeSync(log);
    await waitUntilReady(child, dataDir, logFile);
    return { socketDir: dir, port, pid: child.pid as number, bootstrapPassword, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
