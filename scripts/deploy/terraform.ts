/** Running the terraform CLI on one stack's working directory, its output into the stack's log. */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** How one terraform command ended. */
export interface TerraformRun {
  /** Exit code (`plan -detailed-exitcode`: 0 no changes, 1 error, 2 changes). */
  readonly code: number;
  /** The last lines it printed, for the failure message. */
  readonly tail: readonly string[];
}

/** Runs terraform; the deploy command's tests replace it with a recorder. */
export interface Terraform {
  /**
   * Runs a command, its output into the log; `env` adds variables for this run only (a stack with
   * Helm releases gets HELM_CONFIG_HOME, its registry login).
   */
  run(
    directory: string,
    args: readonly string[],
    logFile: string,
    env?: Readonly<Record<string, string>>,
  ): Promise<TerraformRun>;
  /** Runs a command and returns what it printed, never logged (`show -json` prints values in clear). */
  read(directory: string, args: readonly string[]): Promise<{ readonly code: number; readonly stdout: string }>;
}

const TAIL_LINES = 12;

/** Terraform for automation: no prompts, no colour, no checkpoint calls, a shared provider cache. */
export function terraformEnvironment(pluginCacheDir: string): NodeJS.ProcessEnv {
  fs.mkdirSync(pluginCacheDir, { recursive: true });
  return {
    ...process.env,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    TF_PLUGIN_CACHE_DIR: pluginCacheDir,
  };
}

/** The terraform on PATH. */
export class TerraformCli implements Terraform {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  run(
    directory: string,
    args: readonly string[],
    logFile: string,
    env: Readonly<Record<string, string>> = {},
  ): Promise<TerraformRun> {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const log = fs.createWriteStream(logFile, { flags: "a" });
    log.write(`\n$ terraform ${args.join(" ")}\n`);
    const tail: string[] = [];
    const keep = (chunk: Buffer) => {
      log.write(chunk);
      tail.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
    };
    return new Promise((resolve) => {
      const child = spawn("terraform", [`-chdir=${directory}`, ...args], {
        env: { ...this.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.on("data", keep);
      child.stderr.on("data", keep);
      child.on("error", (error) => {
        tail.push(error.message);
        log.end(() => resolve({ code: 127, tail }));
      });
      child.on("close", (code) => log.end(() => resolve({ code: code ?? 1, tail })));
    });
  }

  read(directory: string, args: readonly string[]): Promise<{ code: number; stdout: string }> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      const child = spawn("terraform", [`-chdir=${directory}`, ...args], {
        env: this.env,
        stdio: ["ignore", "pipe", "ignore"],
      });
      child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
      child.on("error", () => resolve({ code: 127, stdout: "" }));
      child.on("close", (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(chunks).toString("utf8") }));
    });
  }
}

/** `terraform version -json` -> "1.10.5"; undefined when terraform is not on PATH. */
export function installedTerraformVersion(): Promise<string | undefined> {
  const result = spawnSync("terraform", ["version", "-json"], {
    encoding: "utf8",
    env: { ...process.env, CHECKPOINT_DISABLE: "1" },
  });
  if (result.status !== 0) return Promise.resolve(undefined);
  try {
    return Promise.resolve((JSON.parse(result.stdout) as { terraform_version?: string }).terraform_version);
  } catch {
    return Promise.resolve(undefined);
  }
}
