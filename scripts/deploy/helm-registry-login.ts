/**
 * Logs Helm in to an environment's ECR registry for terraform's Helm provider, which pulls the
 * platform's charts from there at plan and at apply. Provider 3.1.1 builds its registry client
 * with `registry.NewClient()` and no options, so the provider's `registry_config_path` never
 * reaches it: credentials come from `$HELM_CONFIG_HOME/registry/config.json` (docker config.json
 * format), falling back to Docker's (terraform-provider-helm v3.1.1 helm/provider.go Configure;
 * helm v3.18.4 pkg/registry/client.go NewClient, pkg/helmpath). So the login is that file, in a
 * folder of its own, and terraform runs with HELM_CONFIG_HOME pointing there; the cleanup removes
 * it, and so does the end of the process however it ends (exit, SIGINT, SIGTERM). The password
 * never reaches the synthesized JSON, a plan, a log or the terminal.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GetAuthorizationTokenCommand, type ECRClient } from "@aws-sdk/client-ecr";
import { ecrRegistryHost, type EnvironmentConfig } from "../../config";
import { awsErrorName, missingCredentials } from "./aws-errors";
import { DeployError } from "./deploy-error";

/** A registry login for terraform runs. */
export interface HelmRegistryLogin {
  /** The variables terraform runs with: HELM_CONFIG_HOME. */
  readonly env: Readonly<Record<string, string>>;
  /** Removes the credential; safe to call twice. */
  cleanup(): void;
}

/** Where the CI roles' rights come from, for a refusal by IAM. */
export function ciRightsHint(config: EnvironmentConfig): string {
  return `the CI roles' rights come from the bootstrap stack, applied by people (npm run deploy -- ${config.name} bootstrap --apply); see docs/who-can.md`;
}

/**
 * Writes `<tmp>/registry/config.json` (0600, its folder 0700) with a token for the environment's
 * registry (ecrAuthorizationToken, then writeHelmRegistryLogin).
 */
export async function helmRegistryLogin(
  config: EnvironmentConfig,
  ecr: Pick<ECRClient, "send">,
  tmpRoot: string = os.tmpdir(),
): Promise<HelmRegistryLogin> {
  return writeHelmRegistryLogin(config, await ecrAuthorizationToken(config, ecr), tmpRoot);
}

/**
 * The login file for a token: ECR's `authorizationToken` is already base64 of `AWS:<password>`,
 * the `auth` value docker config.json takes
 * (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html).
 */
export function writeHelmRegistryLogin(
  config: EnvironmentConfig,
  token: string,
  tmpRoot: string = os.tmpdir(),
): HelmRegistryLogin {
  const home = fs.mkdtempSync(path.join(tmpRoot, "helm-registry-"));
  liveLogins.add(home);
  const cleanup = () => liveLogins.remove(home);
  try {
    fs.mkdirSync(path.join(home, "registry"), { mode: 0o700 });
    const auths = { auths: { [ecrRegistryHost(config)]: { auth: token } } };
    fs.writeFileSync(path.join(home, "registry", "config.json"), `${JSON.stringify(auths)}\n`, {
      mode: 0o600,
      flag: "wx",
    });
  } catch (error) {
    cleanup();
    throw error;
  }
  return { env: { HELM_CONFIG_HOME: home }, cleanup };
}

/**
 * ECR's token for the environment's registry (one per stack run: the chart checks and helm's login
 * use the same). It lasts 12 hours.
 */
export async function ecrAuthorizationToken(config: EnvironmentConfig, ecr: Pick<ECRClient, "send">): Promise<string> {
  const where = `charts ${config.name}: logging in to ${ecrRegistryHost(config)}`;
  try {
    const answer = await ecr.send(new GetAuthorizationTokenCommand({}));
    const token = answer.authorizationData?.[0]?.authorizationToken;
    if (!token) throw new DeployError(`${where}: ECR GetAuthorizationToken returned no token`);
    return token;
  } catch (error) {
    if (error instanceof DeployError) throw error;
    const name = awsErrorName(error);
    if (missingCredentials(error)) {
      throw new DeployError(`${where}: no usable AWS credentials (${name}); sign in to account ${config.account.id}`);
    }
    const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    throw new DeployError(
      `${where}: ECR GetAuthorizationToken failed (${name}: ${message}); the role running the deploy needs ecr:GetAuthorizationToken: ${ciRightsHint(config)}`,
    );
  }
}

const ENDING_SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * The login folders not cleaned up yet. While there is one, the process removes them all when it
 * exits or gets SIGINT/SIGTERM: one handler per event however many logins (no listener piles up
 * across stacks), removed with the last login. A signal then ends the process as it would have
 * without the handler (its default action, re-raised), unless something else listens to it too:
 * then that listener decides, as it did before.
 * (https://nodejs.org/docs/latest-v20.x/api/process.html#signal-events: a listener replaces the
 * default exit; `exit` listeners must be synchronous.)
 */
class LiveLogins {
  private readonly homes = new Set<string>();

  add(home: string): void {
    if (this.homes.size === 0) this.listen();
    this.homes.add(home);
  }

  remove(home: string): void {
    fs.rmSync(home, { recursive: true, force: true });
    if (!this.homes.delete(home)) return;
    if (this.homes.size === 0) this.unlisten();
  }

  private readonly removeAll = () => [...this.homes].forEach((home) => this.remove(home));

  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.removeAll();
    this.unlisten();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };

  private listen(): void {
    process.on("exit", this.removeAll);
    ENDING_SIGNALS.forEach((signal) => process.on(signal, this.onSignal));
  }

  private unlisten(): void {
    process.removeListener("exit", this.removeAll);
    ENDING_SIGNALS.forEach((signal) => process.removeListener(signal, this.onSignal));
  }
}

const liveLogins = new LiveLogins();
