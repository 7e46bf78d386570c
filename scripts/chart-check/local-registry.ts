/**
 * A throwaway OCI registry on 127.0.0.1: CNCF distribution's `registry` (built by
 * scripts/k8s-tools.sh) on a free port, plain HTTP, anonymous, its storage in a temporary folder.
 * `stop()` kills exactly the process it started, by PID, and removes the folder.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "../free-port";

/** A running registry. */
export interface LocalRegistry {
  /** `127.0.0.1:<port>`: what a reference (`oci://<host>/<repository>`) names. */
  readonly host: string;
  /** Kills the registry (by PID) and removes its storage. Safe to call twice. */
  stop(): void;
}

/**
 * The registry's configuration (https://distribution.github.io/distribution/about/configuration/):
 * filesystem storage, deletes off, only errors logged, no access log.
 */
function configuration(storage: string, port: number): string {
  return [
    "version: 0.1",
    "log:",
    "  level: error",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${JSON.stringify(storage)}`,
    "http:",
    `  addr: 127.0.0.1:${port}`,
    "",
  ].join("\n");
}

/** True once `GET /v2/` answers 200: the API version check every client makes first. */
async function answers(host: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(2000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Starts `<binDir>/registry`; resolves once it answers. */
export async function startLocalRegistry(binDir: string): Promise<LocalRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chart-check-registry-"));
  let child: ChildProcess | undefined;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const config = path.join(dir, "config.yml");
    fs.writeFileSync(config, configuration(path.join(dir, "storage"), port));
    const logFile = path.join(dir, "registry.log");
    const log = fs.openSync(logFile, "a");
    // No tracing exporter: the registry would otherwise try an OpenTelemetry collector.
    const env = { ...process.env, OTEL_TRACES_EXPORTER: "none" };
    child = spawn(path.join(binDir, "registry"), ["serve", config], { stdio: ["ignore", log, log], env });
    fs.closeSync(log);
    const host = `127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    while (!(await answers(host))) {
      if (child.exitCode !== null || child.signalCode !== null) {
        const last = fs.readFileSync(logFile, "utf8").trim().split("\n").pop() ?? "";
        throw new Error(`the registry exited at start: ${last}`);
      }
      if (Date.now() > deadline) throw new Error(`the registry did not answer on ${host} within 30 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return { host, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
