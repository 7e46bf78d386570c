/**
 * npm run eks-versions -- <env>
 *
 * Prints each pinned EKS version of the environment (add-ons, node AMI release) next to the
 * newest AWS offers for its Kubernetes minor: what to put in config/<env>.ts to upgrade.
 * Reads only; needs credentials for the environment's account.
 */
import { EKSClient } from "@aws-sdk/client-eks";
import { SSMClient } from "@aws-sdk/client-ssm";
import { ConfigError, loadEnvironments, type EnvironmentConfig } from "../config";
import { printedHelp } from "./command-line";
import { awsErrorName, missingCredentials } from "./deploy/aws-errors";
import { pinnedVersions } from "./deploy/eks-versions";

const USAGE = [
  "usage: npm run eks-versions -- <env>",
  "Prints each pinned EKS version of <env> (add-ons, node AMI release) next to the newest AWS offers for its",
  "Kubernetes minor. Reads only; needs credentials for the environment's account.",
].join("\n");

async function main(argv: readonly string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return 0;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const configs = loadEnvironments();
  const config = configs.find((c) => c.name === argv[0]);
  if (argv.length !== 1 || !config) {
    console.error(
      `eks-versions: environment "${argv[0] ?? ""}" does not exist; allowed: ${configs.map((c) => c.name).join(", ")} (usage: npm run eks-versions -- <env>)`,
    );
    return 2;
  }
  const region = config.account.region;
  const versions = await pinnedVersions(config, {
    eks: new EKSClient({ region }),
    ssm: new SSMClient({ region }),
  }).catch((error: unknown) => {
    throw new EnvironmentError(config, error);
  });
  console.log(`${config.name}: Kubernetes ${config.cluster.kubernetesVersion} in ${region}`);
  for (const v of versions) {
    const state = v.pinned === v.newest ? "newest" : `newest is ${v.newest}`;
    console.log(`  ${v.setting.padEnd(46)} ${v.pinned.padEnd(22)} ${state}`);
  }
  return 0;
}

/** An AWS call's failure with the environment it was made for, so the message can name its account. */
class EnvironmentError extends Error {
  constructor(
    readonly config: EnvironmentConfig,
    override readonly cause: unknown,
  ) {
    super(`environment "${config.name}"`);
  }
}

function explain(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  const cause = error instanceof EnvironmentError ? error.cause : error;
  if (error instanceof EnvironmentError && missingCredentials(cause)) {
    // The same words as the deploy preflight's: which account to sign in to, and how.
    return `eks-versions: environment "${error.config.name}": no usable AWS credentials (${awsErrorName(cause)}): sign in to account ${error.config.account.id} (aws sso login, or set AWS_PROFILE) and run again`;
  }
  const first = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
  return `eks-versions: ${awsErrorName(cause)}: ${first}`;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(explain(error));
    process.exitCode = 1;
  },
);
