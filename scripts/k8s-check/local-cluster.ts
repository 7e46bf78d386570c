/**
 * A throwaway Kubernetes control plane on 127.0.0.1: etcd and kube-apiserver on free ports, with
 * a CA, serving certificate, service-account key and admin token made at start in a temporary
 * folder. No controllers, no webhooks: the API server's own validation only (schemas, CEL rules,
 * strict fields), which is what a dry-run needs. `stop()` kills exactly the processes it started.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "../free-port";

/** A running control plane. */
export interface LocalCluster {
  /** kubeconfig file for kubectl. */
  readonly kubeconfig: string;
  /** Kills the started processes (by PID) and removes the temporary folder. Safe to call twice. */
  stop(): void;
}

function openssl(dir: string, ...args: string[]): void {
  const run = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`openssl ${args[0]} failed: ${run.stderr.split("\n")[0]}`);
}

/** CA, a serving certificate for 127.0.0.1, and the service-account signing key pair. */
function makeCredentials(dir: string): void {
  openssl(
    dir,
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=k8s-check-ca",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
  );
  openssl(
    dir,
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=kube-apiserver",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
  );
  fs.writeFileSync(path.join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl(
    dir,
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    "san.ext",
    "-out",
    "server.crt",
  );
  openssl(dir, "genrsa", "-out", "sa.key", "2048");
  openssl(dir, "rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub");
}

function ready(port: number, token: string, ca: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const request = https.get(
      { host: "127.0.0.1", port, path: "/readyz", ca, headers: { Authorization: `Bearer ${token}` }, timeout: 2000 },
      (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      },
    );
    request.on("error", () => resolve(false));
    request.on("timeout", () => {
      request.destroy();
      resolve(false);
    });
  });
}

/** Starts etcd and kube-apiserver from `binDir`; resolves once the API server is ready. */
export async function startLocalCluster(binDir: string, log: (line: string) => void): Promise<LocalCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-check-cluster-"));
  const processes: ChildProcess[] = [];
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    for (const child of processes) {
      if (child.pid && child.exitCode === null) {
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    makeCredentials(dir);
    const token = randomBytes(24).toString("hex");
    fs.writeFileSync(path.join(dir, "tokens.csv"), `${token},k8s-check,k8s-check,system:masters\n`);
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    const logFile = fs.openSync(path.join(dir, "control-plane.log"), "a");
    const start = (name: string, args: string[]) => {
      const child = spawn(path.join(binDir, name), args, { stdio: ["ignore", logFile, logFile] });
      processes.push(child);
      return child;
    };
    start("etcd", [
      `--data-dir=${path.join(dir, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      "--log-level=error",
    ]);
    const file = (name: string) => path.join(dir, name);
    start("kube-apiserver", [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${file("server.crt")}`,
      `--tls-private-key-file=${file("server.key")}`,
      `--client-ca-file=${file("ca.crt")}`,
      `--token-auth-file=${file("tokens.csv")}`,
      "--authorization-mode=RBAC",
      "--service-account-issuer=https://kubernetes.default.svc",
      `--service-account-key-file=${file("sa.pub")}`,
      `--service-account-signing-key-file=${file("sa.key")}`,
      "--service-cluster-ip-range=10.96.0.0/16",
    ]);
    const ca = fs.readFileSync(file("ca.crt"));
    const deadline = Date.now() + 120_000;
    while (!(await ready(apiPort, token, ca))) {
      if (processes.some((p) => p.exitCode !== null))
        throw new Error(`the control plane exited; see ${file("control-plane.log")}`);
      if (Date.now() > deadline) throw new Error("kube-apiserver was not ready within 120 s");
      await new Promise((r) => setTimeout(r, 500));
    }
    log(`kube-apiserver ready on 127.0.0.1:${apiPort} (etcd on ${etcdClient})`);
    const kubeconfig = file("kubeconfig");
    fs.writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          {
            name: "check",
            cluster: { server: `https://127.0.0.1:${apiPort}`, "certificate-authority": file("ca.crt") },
          },
        ],
        users: [{ name: "check", user: { token } }],
        contexts: [{ name: "check", context: { cluster: "check", user: "check" } }],
        "current-context": "check",
      }),
    );
    return { kubeconfig, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
