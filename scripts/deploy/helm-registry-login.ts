/**
 * Logs Helm in to an environment's ECR registry for terraform's Helm provider, which pulls the
 * platform's charts from there at plan and at apply. Provider 3.1.1 builds its registry client
 * with `registry.NewClient()` and no options, so the provider's `registry_config_path` never
 * reaches it: credentials come from `$HELM_CONFIG_HOME/registry/config.json` (docker config.json
 * format), falling back to Docker's (terraform-provider-helm v3.1.1 helm/provider.go Configure;
 * helm v3.18.4 pkg/registry/client.go NewClient, pkg/helmpath). So the login is that file, in a
 * folder of its own, and terraform runs with HELM_CONFIG_HOME pointing there; the cleanup removes
 * it. The password never reaches the synthesized JSON, a plan, a log or the terminal.
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

/**
 * Writes `<tmp>/registry/config.json` (0600, its folder 0700) with a token for the environment's
 * registry: ECR's `authorizationToken` is already base64 of `AWS:<password>`, the `auth` value
 * docker config.json takes (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html).
 * The token lasts 12 hours.
 */
export async function helmRegistryLogin(
  config: EnvironmentConfig,
  ecr: Pick<ECRClient, "send">,
  tmpRoot: string = os.tmpdir(),
): Promise<HelmRegistryLogin> {
  const host = ecrRegistryHost(config);
  const token = await authorizationToken(config, ecr, host);
  const home = fs.mkdtempSync(path.join(tmpRoot, "helm-registry-"));
  const cleanup = () => fs.rmSync(home, { recursive: true, force: true });
  try {
    fs.mkdirSync(path.join(home, "registry"), { mode: 0o700 });
    const auths = { auths: { [host]: { auth: token } } };
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

async function authorizationToken(config: EnvironmentConfig, ecr: Pick<ECRClient, "send">, host: string) {
  const where = `charts ${config.name}: logging helm in to ${host}`;
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
      `${where}: ECR GetAuthorizationToken failed (${name}: ${message}); the role running the deploy needs ecr:GetAuthorizationToken (docs/who-can.md)`,
    );
  }
}
