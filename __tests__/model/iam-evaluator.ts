/**
 * Who may do what, decided by an IAM policy evaluator over the synthesized stacks (cdk.tf.json), not
 * by reading policies for patterns. For a role of the project and one request it gathers what IAM
 * would weigh, as Terraform would create it:
 * - identity policies: `aws_iam_role_policy` (inline), `aws_iam_policy` attached by
 *   `aws_iam_role_policy_attachment`, `inline_policy` blocks of the role;
 * - the permissions boundary (`permissions_boundary`, an `aws_iam_policy` of the environment);
 * - the resource policy of the target: KMS key policy, S3 bucket policy, SNS topic policy, the trust
 *   policy of a role for `sts:` actions;
 * and hands them to `@cloud-copilot/iam-simulate`, which implements AWS's evaluation logic
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html:
 * explicit deny, then resource-based and identity-based allows, then boundaries).
 *
 * It fails loudly instead of guessing: an AWS managed policy (whose text is not in the synth), a
 * Terraform reference it cannot resolve, a resource policy kind it does not model, a request the
 * evaluator rejects (unknown action, an ARN of the wrong resource type) all throw.
 *
 * Identifiers AWS assigns at apply (a KMS key id, a hosted zone id, a secret's random suffix, a
 * `random_id`, a registry module's outputs such as subnet ids) are stood in for by the Terraform
 * logical id (`module.<name>.<output>` for a module), so every reference to one resource agrees;
 * `arnOf` gives a test that stand-in ARN.
 *
 * `@cloud-copilot/iam-simulate` is AGPL-3.0: a devDependency used by the tests only, never shipped.
 */
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { CONCERNS, loadEnvironments, stackId, type EnvironmentConfig } from "../../config";
import { synthEnvironment, type TerraformJson } from "../helpers";

/** IAM's answer to a request, as the evaluator names it. */
export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

/** One API call made with a session of a project role. */
export interface EvaluationRequest {
  /** Name of the IAM role whose session makes the call (as synthesized, e.g. `marketing-agents-dev-pr-plan`). */
  readonly role: string;
  /** `service:Action`, e.g. `kms:PutKeyPolicy`. */
  readonly action: string;
  /** ARN of the target (or `*` for actions that take no resource). */
  readonly resource: string;
  /** Request context keys beyond those the harness fills in (principal, region, TLS, key aliases). */
  readonly context?: Record<string, string | string[]>;
}

type Body = Record<string, unknown>;

/** One synthesized stack and where it runs. */
interface Stack {
  readonly id: string;
  readonly config: EnvironmentConfig;
  readonly json: TerraformJson;
  readonly account: string;
  readonly region: string;
}

/** A resource of a stack: its type, logical id and body. */
interface Located {
  readonly stack: Stack;
  readonly type: string;
  readonly id: string;
  readonly body: Body;
}

/** Resource-policy kinds the harness does not read: their presence would make its answers wrong. */
const UNMODELLED_RESOURCE_POLICIES = [
  "aws_kms_key_policy",
  "aws_ecr_repository_policy",
  "aws_ecr_registry_policy",
  "aws_secretsmanager_secret_policy",
  "aws_sqs_queue_policy",
  "aws_lambda_permission",
  "aws_iam_policy_attachment",
  "aws_iam_role_policy_attachments_exclusive",
  "aws_iam_role_policies_exclusive",
  "aws_cloudwatch_log_resource_policy",
  "aws_backup_vault_policy",
];

const AWS_MANAGED_POLICY = /^arn:aws[\w-]*:iam::aws:policy\//;

let environments: Stack[][] | undefined;

/** Every environment's stacks, synthesized once per test file. */
function allStacks(): Stack[][] {
  environments ??= loadEnvironments().map((config) => {
    const synth = synthEnvironment(config.name);
    return CONCERNS.map((concern) => {
      const json = synth.json(concern);
      const provider = (json.provider?.aws ?? []).find((p) => p.alias === undefined);
      const [account] = (provider?.allowed_account_ids as string[] | undefined) ?? [];
      const region = provider?.region as string | undefined;
      if (!account || !region)
        throw new Error(`${stackId(config, concern)}: the AWS provider names no account or region`);
      return { id: stackId(config, concern), config, json, account, region };
    });
  });
  return environments;
}

function resourcesIn(stack: Stack, type: string, kind: "resource" | "data" = "resource"): Located[] {
  return Object.entries(stack.json[kind]?.[type] ?? {}).map(([id, body]) => ({ stack, type, id, body }));
}

function resourcesInEnvironment(stacks: Stack[], type: string): Located[] {
  return stacks.flatMap((s) => resourcesIn(s, type));
}

/** The stand-in for an identifier AWS assigns at apply. */
function assignedId(located: Pick<Located, "id">): string {
  return located.id;
}

function literal(located: Located, attribute: string): string {
  const value = located.body[attribute];
  if (typeof value !== "string") {
    throw new Error(`${located.stack.id}: ${located.type}.${located.id} has no ${attribute}`);
  }
  return resolve(located.stack, value);
}

/**
 * The region a resource is created in: its provider's (`provider = aws.<alias>`, e.g. the backup
 * copy region's key), else the stack's default provider's.
 */
function regionOf(located: Located): string {
  const provider = located.body.provider;
  if (typeof provider !== "string") return located.stack.region;
  const alias = provider.replace(/^aws\./, "");
  const region = (located.stack.json.provider?.aws ?? []).find((p) => p.alias === alias)?.region;
  if (typeof region !== "string") throw new Error(`${located.stack.id}: no region for provider ${provider}`);
  return region;
}

/** A computed attribute of a resource, as the provider documents it (`arn`, `id`, `name`...). */
function attributeOf(located: Located, attribute: string): string {
  const { stack } = located;
  const { account } = stack;
  const region = regionOf(located);
  const arn = (service: string, rest: string) => `arn:aws:${service}:${region}:${account}:${rest}`;
  const nameOr = (attr: string) => () => literal(located, attr);
  const table: Record<string, Record<string, () => string>> = {
    aws_iam_role: {
      name: nameOr("name"),
      id: nameOr("name"),
      arn: () => `arn:aws:iam::${account}:role/${literal(located, "name")}`,
    },
    aws_iam_policy: {
      name: nameOr("name"),
      id: () => attributeOf(located, "arn"),
      arn: () => `arn:aws:iam::${account}:policy/${literal(located, "name")}`,
    },
    aws_iam_openid_connect_provider: {
      arn: () => `arn:aws:iam::${account}:oidc-provider/${literal(located, "url").replace(/^https:\/\//, "")}`,
    },
    aws_s3_bucket: {
      id: nameOr("bucket"),
      bucket: nameOr("bucket"),
      arn: () => `arn:aws:s3:::${literal(located, "bucket")}`,
    },
    aws_kms_key: {
      id: () => assignedId(located),
      key_id: () => assignedId(located),
      arn: () => arn("kms", `key/${assignedId(located)}`),
    },
    aws_cloudwatch_log_group: { name: nameOr("name"), arn: () => arn("logs", `log-group:${literal(located, "name")}`) },
    aws_secretsmanager_secret: {
      name: nameOr("name"),
      arn: () => arn("secretsmanager", `secret:${literal(located, "name")}-${assignedId(located).slice(-6)}`),
    },
    aws_sns_topic: { name: nameOr("name"), arn: () => arn("sns", literal(located, "name")) },
    aws_route53_zone: {
      zone_id: () => assignedId(located),
      arn: () => `arn:aws:route53:::hostedzone/${assignedId(located)}`,
    },
    aws_ecr_repository: { name: nameOr("name"), arn: () => arn("ecr", `repository/${literal(located, "name")}`) },
    aws_ssm_parameter: {
      name: nameOr("name"),
      arn: () => arn("ssm", `parameter/${literal(located, "name").replace(/^\//, "")}`),
    },
    aws_cloudtrail: { arn: () => arn("cloudtrail", `trail/${literal(located, "name")}`) },
    aws_security_group: {
      id: () => assignedId(located),
      arn: () => arn("ec2", `security-group/${assignedId(located)}`),
    },
    aws_codebuild_project: { name: nameOr("name"), arn: () => arn("codebuild", `project/${literal(located, "name")}`) },
    random_id: { hex: () => assignedId(located).toLowerCase() },
  };
  const read = table[located.type]?.[attribute];
  if (!read) throw new Error(`${stack.id}: cannot resolve ${located.type}.${located.id}.${attribute}`);
  return read();
}

/** The value of one Terraform expression (the inside of `${...}`). */
function resolveExpression(stack: Stack, expression: string): string {
  // One element of a list: the list's stand-in, indexed (subnet ids a registry module assigns).
  const element = /^element\(([\w.-]+), (\d+)\)$/.exec(expression);
  if (element) return `${resolveExpression(stack, element[1])}[${element[2]}]`;
  // A registry module's output: ids its resources get at apply, which the synth cannot know.
  const moduleOutput = /^module\.([\w-]+)\.([\w-]+)$/.exec(expression);
  if (moduleOutput) return `module.${moduleOutput[1]}.${moduleOutput[2]}`;
  const remote = /^data\.terraform_remote_state\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expression);
  if (remote) return resolveRemoteOutput(stack, remote[1], remote[2]);
  const data = /^data\.(\w+)\.([\w-]+)\.(\w+)$/.exec(expression);
  if (data) {
    const [, type, , attribute] = data;
    if (type === "aws_caller_identity" && attribute === "account_id") return stack.account;
    if (type === "aws_region" && ["name", "region", "id"].includes(attribute)) return stack.region;
    if (type === "aws_partition" && attribute === "partition") return "aws";
    const found = resourcesIn(stack, type, "data").find((r) => r.id === data[2]);
    if (found && type === "aws_route53_zone" && attribute === "arn") {
      return `arn:aws:route53:::hostedzone/${assignedId(found)}`;
    }
  }
  const resource = /^(\w+)\.([\w-]+)\.(\w+)$/.exec(expression);
  if (resource && !["data", "module", "var", "local"].includes(resource[1])) {
    const found = resourcesIn(stack, resource[1]).find((r) => r.id === resource[2]);
    if (found) return attributeOf(found, resource[3]);
  }
  throw new Error(`${stack.id}: cannot resolve the Terraform reference \${${expression}}`);
}

/** An output of another stack, read through `terraform_remote_state` (found by its state key). */
function resolveRemoteOutput(stack: Stack, dataId: string, output: string): string {
  const source = stack.json.data?.terraform_remote_state?.[dataId] as { config?: { key?: string } } | undefined;
  const key = source?.config?.key;
  const target = allStacks()
    .flat()
    .find((s) => (s.json.terraform.backend?.s3 as { key?: string } | undefined)?.key === key);
  const value = target?.json.output?.[output]?.value;
  if (!target || typeof value !== "string") {
    throw new Error(`${stack.id}: cannot resolve output ${output} of remote state ${dataId}`);
  }
  return resolve(target, value);
}

/** A string with every `${...}` replaced by its value; `$${` is Terraform's escape for a literal `${`. */
export function resolve(stack: Stack, text: string): string {
  return text.replace(/(\$?)\$\{([^}]*)\}/g, (whole, escape: string, expression: string) =>
    escape ? whole.slice(1) : resolveExpression(stack, expression),
  );
}

/** The role named, wherever a stack creates it. */
function findRole(name: string): Located & { readonly stacks: Stack[] } {
  for (const stacks of allStacks()) {
    const found = resourcesInEnvironment(stacks, "aws_iam_role").find((r) => r.body.name === name);
    if (found) return { ...found, stacks };
  }
  throw new Error(`no stack creates a role named ${name}`);
}

/** The role's name as a `role` argument names it, or undefined for a role a registry module makes. */
function roleArgument(located: Located): string | undefined {
  const value = String(located.body.role);
  if (/^\$\{module\./.test(value)) return undefined;
  return resolve(located.stack, value);
}

function policyOf(located: Located, attribute = "policy"): unknown {
  return JSON.parse(resolve(located.stack, String(located.body[attribute])));
}

/** The customer managed policy with this ARN; AWS managed policies cannot be evaluated here. */
function managedPolicy(stacks: Stack[], policyArn: string, why: string): { name: string; policy: unknown } {
  if (AWS_MANAGED_POLICY.test(policyArn)) {
    throw new Error(
      `${why}: ${policyArn} is an AWS managed policy; its text is not in the synth, so it cannot be evaluated`,
    );
  }
  const found = resourcesInEnvironment(stacks, "aws_iam_policy").find((p) => attributeOf(p, "arn") === policyArn);
  if (!found) throw new Error(`${why}: no stack creates the policy ${policyArn}`);
  return { name: String(found.body.name), policy: policyOf(found) };
}

/** The role's identity policies: inline ones, attached customer managed ones, `inline_policy` blocks. */
function identityPolicies(role: Located & { stacks: Stack[] }): { name: string; policy: unknown }[] {
  const name = String(role.body.name);
  if ([role.body.managed_policy_arns].flat().filter(Boolean).length > 0) {
    throw new Error(`role ${name}: managed_policy_arns is not modelled`);
  }
  const blocks = [role.body.inline_policy ?? []].flat() as Body[];
  const inline = resourcesInEnvironment(role.stacks, "aws_iam_role_policy")
    .filter((p) => roleArgument(p) === name)
    .map((p) => ({ name: `${p.stack.id}:${p.id}`, policy: policyOf(p) }));
  const attached = resourcesInEnvironment(role.stacks, "aws_iam_role_policy_attachment")
    .filter((a) => roleArgument(a) === name)
    .map((a) => managedPolicy(role.stacks, resolve(a.stack, String(a.body.policy_arn)), `role ${name}`));
  const blockPolicies = blocks.map((b, i) => ({
    name: `${name}-inline-${i}`,
    policy: JSON.parse(resolve(role.stack, String(b.policy))),
  }));
  return [...inline, ...attached, ...blockPolicies];
}

function boundaryOf(role: Located & { stacks: Stack[] }): { name: string; policy: unknown }[] {
  const boundary = role.body.permissions_boundary;
  if (boundary === undefined || boundary === null || boundary === "") return [];
  return [managedPolicy(role.stacks, resolve(role.stack, String(boundary)), `boundary of ${String(role.body.name)}`)];
}

/** The resource policy IAM weighs for a request on this ARN, and context keys the target brings. */
function resourceSide(
  stacks: Stack[],
  caller: { account: string },
  action: string,
  resource: string,
): { policy?: unknown; account: string; context: Record<string, string[]> } {
  const arnParts = resource.split(":");
  const account = arnParts[4] || caller.account;
  if (resource.startsWith("arn:aws:kms:") && arnParts[5]?.startsWith("key/")) {
    const key = resourcesInEnvironment(stacks, "aws_kms_key").find((k) => attributeOf(k, "arn") === resource);
    if (!key) throw new Error(`no stack creates the KMS key ${resource}`);
    const aliases = resourcesInEnvironment(stacks, "aws_kms_alias")
      .filter((a) => resolve(a.stack, String(a.body.target_key_id)) === assignedId(key))
      .map((a) => String(a.body.name));
    // A key without a policy gets the default one: the account administers it through IAM.
    // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    const policy = key.body.policy ? policyOf(key) : defaultKeyPolicy(key.stack.account);
    return { policy, account, context: { "kms:ResourceAliases": aliases } };
  }
  if (resource.startsWith("arn:aws:s3:::")) {
    const bucketName = resource.slice("arn:aws:s3:::".length).split("/")[0];
    const bucket = resourcesInEnvironment(stacks, "aws_s3_bucket").find((b) => attributeOf(b, "bucket") === bucketName);
    if (!bucket) return { account, context: {} };
    const policies = resourcesInEnvironment(stacks, "aws_s3_bucket_policy").filter(
      (p) => resolve(p.stack, String(p.body.bucket)) === bucketName,
    );
    if (policies.length > 1) throw new Error(`bucket ${bucketName} has ${policies.length} bucket policies`);
    return { policy: policies[0] && policyOf(policies[0]), account: bucket.stack.account, context: {} };
  }
  if (resource.startsWith("arn:aws:sns:")) {
    const policy = resourcesInEnvironment(stacks, "aws_sns_topic_policy").find(
      (p) => resolve(p.stack, String(p.body.arn)) === resource,
    );
    return { policy: policy && policyOf(policy), account, context: {} };
  }
  if (action.toLowerCase().startsWith("sts:") && /^arn:aws:iam::\d{12}:role\//.test(resource)) {
    const target = allStacks()
      .flat()
      .flatMap((s) => resourcesIn(s, "aws_iam_role"))
      .find((r) => attributeOf(r, "arn") === resource);
    // A role no stack makes: its trust is unknown, so assume the most a real trust would give (the
    // caller's whole account); the caller's own policies then decide.
    const policy = target ? policyOf(target, "assume_role_policy") : trustingAccount(caller.account);
    return { policy, account, context: {} };
  }
  return { account, context: {} };
}

function defaultKeyPolicy(account: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
    ],
  };
}

function trustingAccount(account: string) {
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "sts:*" }],
  };
}

function assertModelled(stacks: Stack[]): void {
  for (const type of UNMODELLED_RESOURCE_POLICIES) {
    const found = resourcesInEnvironment(stacks, type);
    if (found.length > 0) throw new Error(`${found[0].stack.id}: ${type} is not modelled by the evaluator harness`);
  }
  for (const bucket of resourcesInEnvironment(stacks, "aws_s3_bucket")) {
    if (bucket.body.policy) throw new Error(`${bucket.stack.id}: inline bucket policy of ${bucket.id} is not modelled`);
  }
}

/** Synthesizes every environment (a few seconds): call it in `beforeAll` with a long timeout. */
export function loadProject(): void {
  allStacks();
}

/** The simulation IAM would run for the request. */
export function simulationOf(request: EvaluationRequest): Simulation {
  const role = findRole(request.role);
  assertModelled(role.stacks);
  const roleArn = attributeOf(role, "arn");
  const { account, region } = role.stack;
  if (request.resource.includes("*") && request.resource !== "*") {
    throw new Error(`${request.action} on ${request.resource}: name one resource, not a pattern`);
  }
  const target = resourceSide(role.stacks, { account }, request.action, request.resource);
  const context: Record<string, string | string[]> = {
    "aws:PrincipalArn": roleArn,
    "aws:PrincipalAccount": account,
    "aws:PrincipalType": "AssumedRole",
    "aws:SecureTransport": "true",
    "aws:RequestedRegion": region,
    ...target.context,
    ...request.context,
  };
  return {
    request: {
      principal: `arn:aws:sts::${account}:assumed-role/${request.role}/ci`,
      action: request.action,
      resource: { resource: request.resource, accountId: target.account },
      contextVariables: context,
    },
    identityPolicies: identityPolicies(role),
    permissionBoundaryPolicies: boundaryOf(role),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: target.policy,
  };
}

/** IAM's decision on the request, by the evaluator; throws when the evaluator rejects the input. */
export async function evaluate(request: EvaluationRequest): Promise<Decision> {
  const result = await runSimulation(simulationOf(request), {});
  if (result.resultType === "error") {
    throw new Error(`${request.role} ${request.action} ${request.resource}: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult as Decision;
}

/**
 * The ARN of a resource some stack of the environment creates, by type and construct path
 * (`<stack>/<path>` in its metadata, e.g. `dev-bootstrap/state-key/key`): the stand-in ids agree.
 */
export function arnOf(environment: string, type: string, path: string): string {
  const stacks = allStacks().find((s) => s[0].config.name === environment);
  if (!stacks) throw new Error(`no environment ${environment}`);
  const found = resourcesInEnvironment(stacks, type).find((r) => metadataPath(r) === path);
  if (!found) throw new Error(`${environment}: no ${type} at ${path}`);
  return attributeOf(found, "arn");
}

function metadataPath(located: Located): string | undefined {
  return (located.body["//"] as { metadata?: { path?: string } } | undefined)?.metadata?.path;
}
