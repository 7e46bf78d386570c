/** Read access to a synthesized Terraform JSON document (cdk.tf.json), for policy rules. */

export type JsonObject = Record<string, unknown>;

/** A synthesized stack as the rules see it. */
export interface StackDocument {
  /** Stack id, `<env>-<concern>`. */
  readonly stack: string;
  /** The environment is production: the production-only rules apply. */
  readonly production: boolean;
  /** The parsed cdk.tf.json. */
  readonly json: JsonObject;
}

/** One block of the document with its Terraform address. */
export interface Block {
  /** `aws_s3_bucket.logs_bucket_1234ABCD`, `module.postgres`, `provider.aws`. */
  readonly address: string;
  /** The block's arguments. */
  readonly body: JsonObject;
}

const asObject = (value: unknown): JsonObject =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as JsonObject) : {};

/** Every resource of the given types. */
export function resources(doc: StackDocument, ...types: string[]): Block[] {
  const all = asObject(doc.json.resource);
  return types.flatMap((type) =>
    Object.entries(asObject(all[type])).map(([name, body]) => ({ address: `${type}.${name}`, body: asObject(body) })),
  );
}

/** Every module call whose source is the given registry module (e.g. terraform-aws-modules/rds/aws). */
export function modules(doc: StackDocument, source?: string): Block[] {
  return Object.entries(asObject(doc.json.module))
    .filter(([, body]) => source === undefined || asObject(body).source === source)
    .map(([name, body]) => ({ address: `module.${name}`, body: asObject(body) }));
}

/** The first element of a block written as a list, or the block itself. */
export function single(value: unknown): JsonObject {
  return asObject(Array.isArray(value) ? value[0] : value);
}

/** A list argument (blocks may be written as one object or a list). */
export function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** True for `true` and `"true"` (some AWS arguments are strings). */
export function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

/** True when the value is a Terraform reference or a non-empty literal. */
export function isSet(value: unknown): boolean {
  return typeof value === "string" ? value.length > 0 : value !== undefined && value !== null;
}

/** True when an argument's value refers to the given block (`${type.name.attribute}`). */
export function refersTo(value: unknown, target: Block): boolean {
  return typeof value === "string" && value.includes(`\${${target.address}.`);
}

/** A Kubernetes workload's containers, with the pod spec around them. */
export interface PodTemplate {
  readonly address: string;
  readonly pod: JsonObject;
  readonly containers: JsonObject[];
}

/** Pod templates of the typed Kubernetes workload resources. */
export function podTemplates(doc: StackDocument): PodTemplate[] {
  return resources(doc, "kubernetes_deployment_v1", "kubernetes_stateful_set_v1", "kubernetes_daemon_set_v1").map(
    (block) => {
      const pod = single(single(single(block.body.spec).template).spec);
      return {
        address: block.address,
        pod,
        containers: list(pod.container).map(single),
      };
    },
  );
}
