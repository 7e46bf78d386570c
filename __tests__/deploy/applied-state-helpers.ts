import type { GetObjectCommandInput, GetObjectCommandOutput } from "@aws-sdk/client-s3";
import type { StateInstance, StateResource } from "../../scripts/deploy/applied-state";

/** A password no output of the deploy command may show. */
export const STATE_SECRET = "state-password-never-shown";

/** A managed resource of a state, with one object per entry (`deposed` marks a deposed one). */
export function stateResource(
  type: string,
  name: string,
  instances: (Record<string, unknown> & { deposed?: string })[],
  module?: string,
): StateResource {
  return {
    mode: "managed",
    type,
    name,
    ...(module ? { module } : {}),
    instances: instances.map(({ deposed, ...attributes }): StateInstance => ({
      attributes,
      ...(deposed ? { deposed } : {}),
    })),
  };
}

/** The data stack's login password as Terraform keeps it: its `rotation` keeper and its (secret) result. */
export function loginPassword(generation: number): StateResource {
  return stateResource("random_password", "database-app-login_password_61FD2C7B", [
    { keepers: { rotation: String(generation) }, length: 48, result: STATE_SECRET },
  ]);
}

/** The app stack's Deployment as the kubernetes provider keeps it (blocks as lists), on `marketing-agents-secrets-<generation>`. */
export function appDeployment(generation: number): StateResource {
  const secret = `marketing-agents-secrets-${generation}`;
  return stateResource("kubernetes_deployment_v1", "workload_deployment_04F00622", [
    {
      metadata: [{ name: "marketing-agents", annotations: { "secret.reloader.stakater.com/reload": secret } }],
      spec: [{ template: [{ spec: [{ container: [{ env_from: [{ secret_ref: [{ name: secret }] }] }] }] }] }],
    },
  ]);
}

/** The app's ExternalSecrets, one object per generation; all but the last deposed (a rollout that failed). */
export function appExternalSecrets(...generations: number[]): StateResource {
  return stateResource(
    "kubernetes_manifest",
    "secrets_external-secret_2E6DE609",
    generations.map((g, i) => ({
      manifest: { value: { metadata: { name: `marketing-agents-secrets-${g}` } } },
      ...(i < generations.length - 1 ? { deposed: `0000000${i}` } : {}),
    })),
  );
}

/** The data stack's DB instance, restored as `restore` says (module postgres). */
export function databaseInstance(restore: Record<string, unknown> = {}): StateResource {
  return stateResource(
    "aws_db_instance",
    "this",
    [{ identifier: "marketing-agents-dev", snapshot_identifier: null, restore_to_point_in_time: [], ...restore }],
    "module.postgres.module.db_instance",
  );
}

/** A GetObject answer holding a state document. */
export function stateObject(resources: StateResource[]): GetObjectCommandOutput {
  const text = JSON.stringify({ version: 4, terraform_version: "1.10.5", serial: 7, outputs: {}, resources });
  return { Body: { transformToString: async () => text }, $metadata: {} } as unknown as GetObjectCommandOutput;
}

/**
 * Answers GetObject of `<env>/<concern>.tfstate` with the resources given for that concern, and
 * NoSuchKey (never applied) for the others.
 */
export function statesByConcern(states: Partial<Record<string, StateResource[]>>) {
  return async (input: GetObjectCommandInput): Promise<GetObjectCommandOutput> => {
    const concern = /\/([a-z-]+)\.tfstate$/.exec(input.Key ?? "")?.[1] ?? "";
    const resources = states[concern];
    if (!resources)
      throw Object.assign(new Error("The specified key does not exist."), { name: "NoSuchKey", $metadata: {} });
    return stateObject(resources);
  };
}

/** The states of an environment deployed at a login generation (data and app agree). */
export function deployedAtGeneration(generation: number) {
  return statesByConcern({
    data: [loginPassword(generation), databaseInstance()],
    app: [appDeployment(generation), appExternalSecrets(generation)],
  });
}
