/**
 * npm run deploy -- <env> [stack...] [--plan] [--image-tag <tag>]
 *
 * Synthesizes one environment into deploy-out/<env>/, checks that the deploy can succeed
 * (preflight), then runs terraform on the selected stacks (default: all) in dependency order,
 * stacks that do not depend on each other together. `--plan` plans only. Per-stack logs go to
 * deploy-out/<env>/logs/. Exit 0 when every stack succeeded, 1 on a failed check or stack,
 * 2 on a wrong command line.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { CONCERNS, ConfigError, imageTagSchema, loadEnvironments, type EnvironmentConfig } from "../../config";
import { deploy, type DeployRequest } from "./deploy";
import { DeployError } from "./deploy-error";
import { markImageDeployed, recordImageTag } from "./image-record";
import { bootstrapStateInBucket } from "./preflight";
import { summaryTable } from "./summary";
import { TerraformCli, installedTerraformVersion, terraformEnvironment } from "./terraform";

const USAGE =
  "usage: npm run deploy -- <env> [stack...] [--plan [--record-plans <dir>]] [--reviewed-plans <dir>] [--image-tag <tag>]";
const ROOT = path.resolve(__dirname, "..");

/** Reads the command line into a request; refuses anything it does not know. */
export function parseArguments(argv: readonly string[], configs: readonly EnvironmentConfig[]): DeployRequest {
  const positional: string[] = [];
  let mode: DeployRequest["mode"] = "apply";
  let imageTag: string | undefined;
  let recordPlansTo: string | undefined;
  let reviewedPlansFrom: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--plan") mode = "plan";
    else if (arg === "--record-plans") recordPlansTo = path.resolve(argv[++i] ?? "");
    else if (arg === "--reviewed-plans") reviewedPlansFrom = path.resolve(argv[++i] ?? "");
    else if (arg === "--image-tag") imageTag = argv[++i] ?? "";
    else if (arg.startsWith("--image-tag=")) imageTag = arg.slice("--image-tag=".length);
    else if (arg.startsWith("-")) throw new DeployError(`unknown option ${arg}; ${USAGE}`, 2);
    else positional.push(arg);
  }
  const [environment, ...stackNames] = positional;
  if (!environment) throw new DeployError(`no environment given; ${USAGE}`, 2);
  const config = configs.find((c) => c.name === environment);
  if (!config) {
    throw new DeployError(
      `environment "${environment}" does not exist; allowed: ${configs.map((c) => c.name).join(", ")}`,
      2,
    );
  }
  const concerns = stackNames.map((n) => (n.startsWith(`${environment}-`) ? n.slice(environment.length + 1) : n));
  const unknown = concerns.find((c) => !(CONCERNS as readonly string[]).includes(c));
  if (unknown !== undefined) {
    throw new DeployError(
      `environment "${environment}", stack "${unknown}" does not exist; allowed: ${CONCERNS.join(", ")}`,
      2,
    );
  }
  if (imageTag !== undefined) {
    const parsed = imageTagSchema.safeParse(imageTag);
    if (!parsed.success) {
      throw new DeployError(
        `environment "${environment}", --image-tag "${imageTag}": ${parsed.error.issues[0].message}`,
        2,
      );
    }
  }
  if (recordPlansTo && mode !== "plan") throw new DeployError(`--record-plans needs --plan; ${USAGE}`, 2);
  if (reviewedPlansFrom && mode !== "apply")
    throw new DeployError(`--reviewed-plans applies; it cannot go with --plan`, 2);
  return { config, stackNames, mode, imageTag, recordPlansTo, reviewedPlansFrom };
}

/** `npm run synth` of one environment into deploy-out/<env>/cdktf.out (policy gate included). */
function synthesize(environment: string): Promise<string> {
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

function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
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

async function main(argv: readonly string[]): Promise<number> {
  // The pinned SDK runs on Node 20; its notice that later releases need Node 22 is for upgrades, not this run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const request = parseArguments(argv, loadEnvironments());
  const out = path.join(ROOT, "deploy-out", request.config.name);
  const logDirectory = path.join(out, "logs");
  fs.rmSync(logDirectory, { recursive: true, force: true });
  const outcome = await deploy(request, {
    synthesize,
    probes: { terraformVersion: installedTerraformVersion, canConnect },
    terraform: new TerraformCli(terraformEnvironment(path.join(ROOT, ".terraform-plugin-cache"))),
    bootstrapStateInBucket,
    markImageDeployed,
    recordImageTag,
    root: ROOT,
    logDirectory,
    print: (line) => console.log(line),
    now: () => Date.now(),
  });
  console.log("");
  summaryTable(outcome.results).forEach((line) => console.log(line));
  const failed = outcome.results.find((r) => r.result === "failed");
  if (!failed) return 0;
  console.error(
    `deploy ${request.config.name}: ${failed.stack} ${failed.reason} (log: ${failed.logFile}); fix it, then resume with: ${outcome.resumeCommand}`,
  );
  return 1;
}

function explain(error: unknown): { message: string; code: number } {
  if (error instanceof DeployError) return { message: `deploy: ${error.message}`, code: error.exitCode };
  if (error instanceof ConfigError) return { message: error.message, code: 1 };
  const first = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return { message: `deploy: unexpected error: ${first} (DEBUG=1 shows the stack trace)`, code: 1 };
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      const { message, code } = explain(error);
      console.error(message);
      if (process.env.DEBUG === "1") console.error(error);
      process.exitCode = code;
    },
  );
}
