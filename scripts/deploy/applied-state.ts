/**
 * What a stack's last apply left in its Terraform state, read from the state bucket as the S3
 * backend stores it (JSON, state format version 4). Preflight takes a few non-secret attributes
 * from it and prints nothing else: the state also holds generated passwords, which the roles that
 * plan and apply the data and app stacks read anyway (terraform does), and this process never
 * writes it.
 */
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { stateBucketName, stateKey, type Concern, type EnvironmentConfig } from "../../config";
import { awsErrorName } from "./aws-errors";

/** One object of a resource: the current one, or a deposed one (create before destroy, not yet destroyed). */
export interface StateInstance {
  readonly attributes?: Record<string, unknown>;
  /** Set on a deposed object. */
  readonly deposed?: string;
}

/** One resource of the state (`module.x.aws_db_instance.this` is module "module.x", type, name "this"). */
export interface StateResource {
  readonly mode: string;
  readonly type: string;
  readonly name: string;
  readonly module?: string;
  readonly instances: readonly StateInstance[];
}

/** The parts of a state preflight reads. */
export interface AppliedState {
  readonly resources: readonly StateResource[];
}

/** The stack's state, or undefined when it was never applied (no object under its key). */
export async function readAppliedState(
  s3: S3Client,
  config: EnvironmentConfig,
  concern: Concern,
): Promise<AppliedState | undefined> {
  const key = stateKey(config, concern);
  let text: string | undefined;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: stateBucketName(config), Key: key }));
    text = await object.Body?.transformToString();
  } catch (error) {
    if (awsErrorName(error) === "NoSuchKey") return undefined;
    throw error;
  }
  return parseState(text ?? "", key);
}

/** A state document's resources; throws (naming the key, never the content) when it is not one. */
export function parseState(text: string, key: string): AppliedState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${key} is not a Terraform state (not JSON)`);
  }
  const resources = (parsed as { resources?: unknown }).resources;
  if (!Array.isArray(resources)) throw new Error(`${key} is not a Terraform state (no resources)`);
  return { resources: resources as StateResource[] };
}

/**
 * The attributes of every object of the managed resources of one type, deposed ones too when asked
 * (`withDeposed`): an apply that failed half-way leaves them until the next one destroys them.
 */
export function attributesOf(
  state: AppliedState,
  type: string,
  options: { readonly withDeposed?: boolean } = {},
): Record<string, unknown>[] {
  return state.resources
    .filter((r) => r.mode === "managed" && r.type === type)
    .flatMap((r) => r.instances ?? [])
    .filter((i) => options.withDeposed || i.deposed === undefined)
    .map((i) => i.attributes ?? {});
}

/** Every string somewhere in a value (nested objects and lists included). */
export function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === "object") return Object.values(value).flatMap(stringsIn);
  return [];
}
