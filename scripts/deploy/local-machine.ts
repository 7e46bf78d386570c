/**
 * What `npm run deploy` and `npm run destroy` need from the machine they run on: the person's
 * terminal, a synth of one environment, and whether an address answers. One copy, so the two
 * commands ask, synthesize and probe the same way.
 */
import { execFile } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import * as readline from "node:readline/promises";
import { DeployError } from "./deploy-error";

/** The bundles run from dist/, one level under the repository. */
const ROOT = path.resolve(__dirname, "..");

/** Where a confirmation is asked. */
export interface Terminal {
  /** False in CI or when stdin or stdout is not a terminal. */
  readonly interactive: boolean;
  ask(question: string): Promise<string>;
}

/** CI runners set CI=true; a run there is never interactive, whatever its stdio. */
export function processTerminal(env: NodeJS.ProcessEnv): Terminal {
  const ci = (env.CI ?? "") !== "" && env.CI !== "false" && env.CI !== "0";
  return {
    interactive: !ci && process.stdin.isTTY === true && process.stdout.isTTY === true,
    async ask(question) {
      const prompt = readline.createInterface({ input: process.stdin, output: process.stdout });
      try {
        return await prompt.question(question);
      } finally {
        prompt.close();
      }
    },
  };
}

/** `npm run synth` of one environment into deploy-out/<env>/cdktf.out (policy gate included). */
export function synthesize(environment: string): Promise<string> {
  const outdir = path.join(ROOT, "deploy-out", environment, "cdktf.out");
  return new Promise((resolve, reject) => {
    execFile(
      "npm",
      ["run", "--silent", "synth"],
      { cwd: ROOT, env: { ...process.env, ENVIRONMENTS: environment, CDKTF_OUTDIR: outdir }, maxBuffer: 64 << 20 },
      (error, _stdout, stderr) => {
        if (!error) return resolve(outdir);
        reject(new DeployError(`synth of ${environment} failed: ${synthProblem(stderr)}`));
      },
    );
  });
}

/** The line of a failed synth's output that says why: a config or policy problem, or the error. */
function synthProblem(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim());
  const problem = lines.find((l) => l.startsWith("- ")) ?? lines.find((l) => /^\w*Error\b/.test(l));
  return (problem ?? lines.filter(Boolean).pop() ?? "no output").replace(/^- /, "");
}

/** Whether host:port accepts a TCP connection within the timeout (the cluster endpoint probe). */
export function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once("connect", () => finish(true));
    socket.once("error", () => finish(false));
  });
}
