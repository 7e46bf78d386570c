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
import { Testing } from "cdktf";
import { CONCERNS, loadEnvironments, loadOrganization, stackId, type EnvironmentConfig } from "../../config";
import { awsManagedPolicyNamed, type AwsManagedPolicyName } from "../../modules/aws-managed-policies";
import { EKS_MODULE_ROLE_POLICIES } from "../../modules/eks-module";
import { RDS_MONITORING_ROLE_POLICY } from "../../modules/rds-module";
import { VPC_FLOW_LOG_ROLE_ACTIONS } from "../../modules/vpc-module";
import { OrgGuardrailsStack } from "../../stacks/org-guardrails-stack";
import { synthEnvironment, type TerraformJson } from "../helpers";
import { evaluateTrust } from "./iam-trust";

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
  /**
   * For an `sts:` request on a role no stack creates: its trust (what the deploy role could write
   * on a role of the environment's names). @default - a trust of the caller's whole account
   */
  readonly trust?: unknown;
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
    aws_kms_alias: { name: nameOr("name"), arn: () => arn("kms", literal(located, "name")) },
    aws_iam_instance_profile: {
      name: nameOr("name"),
      arn: () => `arn:aws:iam::${account}:instance-profile/${literal(located, "name")}`,
    },
    aws_ssm_document: { name: nameOr("name"), arn: () => arn("ssm", `document/${literal(located, "name")}`) },
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
  const { policies, awsManaged } = identityPoliciesAndAwsManaged(role);
  // Throws: an AWS managed policy's text is not in the synth.
  awsManaged.forEach((arn) => managedPolicy(role.stacks, arn, `role ${String(role.body.name)}`));
  return policies;
}

/** The role's identity policies as the synth holds them, and the ARNs of the AWS managed policies attached. */
function identityPoliciesAndAwsManaged(role: Located & { stacks: Stack[] }): {
  policies: { name: string; policy: unknown }[];
  awsManaged: string[];
} {
  const name = String(role.body.name);
  if ([role.body.managed_policy_arns].flat().filter(Boolean).length > 0) {
    throw new Error(`role ${name}: managed_policy_arns is not modelled`);
  }
  const blocks = [role.body.inline_policy ?? []].flat() as Body[];
  const inline = resourcesInEnvironment(role.stacks, "aws_iam_role_policy")
    .filter((p) => roleArgument(p) === name)
    .map((p) => ({ name: `${p.stack.id}:${p.id}`, policy: policyOf(p) }));
  const attachedArns = resourcesInEnvironment(role.stacks, "aws_iam_role_policy_attachment")
    .filter((a) => roleArgument(a) === name)
    .map((a) => resolve(a.stack, String(a.body.policy_arn)));
  const attached = attachedArns
    .filter((arn) => !AWS_MANAGED_POLICY.test(arn))
    .map((arn) => managedPolicy(role.stacks, arn, `role ${name}`));
  const blockPolicies = blocks.map((b, i) => ({
    name: `${name}-inline-${i}`,
    policy: JSON.parse(resolve(role.stack, String(b.policy))),
  }));
  return {
    policies: [...inline, ...attached, ...blockPolicies],
    awsManaged: attachedArns.filter((arn) => AWS_MANAGED_POLICY.test(arn)),
  };
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
  trust?: unknown,
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
    // A role no stack makes: the trust the request names, else the most a real trust would give
    // (the caller's whole account), so the caller's own policies decide.
    if (target && trust !== undefined) throw new Error(`${resource} is made by a stack: its trust is synthesized`);
    const policy = target ? policyOf(target, "assume_role_policy") : (trust ?? trustingAccount(caller.account));
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

/** A resource policy that lets every principal of the account do `action` (a role's trust: `sts:*`). */
function trustingAccount(account: string, action = "sts:*") {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: action,
        ...(action === "sts:*" ? {} : { Resource: "*" }),
      },
    ],
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
  const target = resourceSide(role.stacks, { account }, request.action, request.resource, request.trust);
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

/**
 * The resources of one synthesized stack (`<env>-<concern>`) of the given types, each with its ARN
 * built from its synthesized name (stand-ins for what AWS assigns, as `arnOf`).
 */
export function namedResourcesOf(
  stackId: string,
  types: readonly string[],
): { type: string; address: string; arn: string; body: Body }[] {
  const stack = allStacks()
    .flat()
    .find((s) => s.id === stackId);
  if (!stack) throw new Error(`no stack ${stackId}`);
  return types.flatMap((type) =>
    resourcesIn(stack, type).map((r) => ({
      type,
      address: `${type}.${r.id}`,
      arn: attributeOf(r, "arn"),
      body: r.body,
    })),
  );
}

/** A string of a stack with its Terraform references resolved to the harness's stand-ins. */
export function resolvedIn(stackId: string, text: string): string {
  const stack = allStacks()
    .flat()
    .find((s) => s.id === stackId);
  if (!stack) throw new Error(`no stack ${stackId}`);
  return resolve(stack, text);
}

function metadataPath(located: Located): string | undefined {
  return (located.body["//"] as { metadata?: { path?: string } } | undefined)?.metadata?.path;
}

/** A statement of a policy document, as the harness reads one. */
export interface Statement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** A policy by name, with its text. */
export interface NamedPolicy {
  readonly name: string;
  readonly policy: { readonly Statement: Statement[] };
}

/**
 * A role under a permissions boundary, as Terraform would create it: what it is given and the
 * boundary it carries. Roles a registry module makes (the EKS cluster and node roles, the flow-log
 * role, the RDS monitoring role) are read from the module's inputs and what the module is
 * documented to attach (EKS_MODULE_ROLE_POLICIES, VPC_FLOW_LOG_ROLE_ACTIONS, RDS_MONITORING_ROLE_POLICY).
 */
export interface BoundedRole {
  /** The role's name; for a module-made role, what it is (`module.eks: node group spot`). */
  readonly name: string;
  /** The stack that creates it. */
  readonly stack: string;
  readonly account: string;
  readonly region: string;
  readonly boundary: NamedPolicy;
  /** Its own statements (inline and customer managed policies, references resolved). */
  readonly statements: readonly Statement[];
  /** The catalogued AWS managed policies it carries (an uncatalogued one throws). */
  readonly awsManaged: readonly AwsManagedPolicyName[];
}

function catalogued(arn: string, why: string): AwsManagedPolicyName {
  const name = awsManagedPolicyNamed(arn);
  if (!name) throw new Error(`${why}: ${arn} is not in modules/aws-managed-policies.ts`);
  return name;
}

function statementsOfPolicy(policy: unknown): Statement[] {
  return [(policy as { Statement: Statement | Statement[] }).Statement].flat();
}

function boundaryNamed(stacks: Stack[], arn: string, why: string): NamedPolicy {
  const { name, policy } = managedPolicy(stacks, arn, why);
  return { name, policy: { Statement: statementsOfPolicy(policy) } };
}

/** Every role of the environment that carries a permissions boundary, module-made ones included. */
export function boundedRoles(environment: string): BoundedRole[] {
  const stacks = allStacks().find((s) => s[0].config.name === environment);
  if (!stacks) throw new Error(`no environment ${environment}`);
  const made = stacks
    .flatMap((stack) => resourcesIn(stack, "aws_iam_role"))
    .filter((role) => role.body.permissions_boundary)
    .map((role): BoundedRole => {
      const name = String(role.body.name);
      const { policies, awsManaged } = identityPoliciesAndAwsManaged({ ...role, stacks });
      return {
        name,
        stack: role.stack.id,
        account: role.stack.account,
        region: role.stack.region,
        boundary: boundaryNamed(stacks, resolve(role.stack, String(role.body.permissions_boundary)), name),
        statements: policies.flatMap((p) => statementsOfPolicy(p.policy)),
        awsManaged: awsManaged.map((arn) => catalogued(arn, name)),
      };
    });
  return [...made, ...stacks.flatMap((stack) => moduleRoles(stack, stacks))];
}

/** The roles the registry modules of a stack create under a boundary. */
function moduleRoles(stack: Stack, stacks: Stack[]): BoundedRole[] {
  const roles: BoundedRole[] = [];
  const role = (name: string, boundary: unknown, statements: Statement[], awsManaged: AwsManagedPolicyName[]) => {
    if (typeof boundary !== "string" || boundary === "") return;
    const arn = resolve(stack, boundary);
    roles.push({
      name,
      stack: stack.id,
      account: stack.account,
      region: stack.region,
      boundary: boundaryNamed(stacks, arn, name),
      statements,
      awsManaged,
    });
  };
  for (const [id, body] of Object.entries(stack.json.module ?? {}) as [string, Body][]) {
    if (body.source === "terraform-aws-modules/eks/aws") {
      const encryption = body.encryption_config as { provider_key_arn?: string } | undefined;
      const key = encryption?.provider_key_arn;
      const encrypts = body.attach_encryption_policy !== false && typeof key === "string";
      role(
        `module.${id}: cluster role`,
        body.iam_role_permissions_boundary,
        encrypts
          ? [
              {
                Effect: "Allow",
                Action: [...EKS_MODULE_ROLE_POLICIES.cluster.encryptionPolicyActions],
                Resource: resolve(stack, key),
              },
            ]
          : [],
        [...EKS_MODULE_ROLE_POLICIES.cluster.awsManaged],
      );
      for (const [group, settings] of Object.entries((body.eks_managed_node_groups ?? {}) as Record<string, Body>)) {
        const additional = Object.values((settings.iam_role_additional_policies ?? {}) as Record<string, string>).map(
          (arn) => resolve(stack, arn),
        );
        const why = `module.${id} node group ${group}`;
        role(
          `module.${id}: node group ${group}`,
          settings.iam_role_permissions_boundary,
          additional
            .filter((arn) => !AWS_MANAGED_POLICY.test(arn))
            .flatMap((arn) => statementsOfPolicy(managedPolicy(stacks, arn, why).policy)),
          [
            ...EKS_MODULE_ROLE_POLICIES.nodeGroup.awsManaged,
            ...(settings.iam_role_attach_cni_policy === false
              ? []
              : [EKS_MODULE_ROLE_POLICIES.nodeGroup.withCniPolicy]),
            ...additional.filter((arn) => AWS_MANAGED_POLICY.test(arn)).map((arn) => catalogued(arn, why)),
          ],
        );
      }
    }
    if (body.source === "terraform-aws-modules/vpc/aws" && body.create_flow_log_cloudwatch_iam_role === true) {
      // The module scopes the actions to its flow log group, whose name the synth does not hold.
      role(
        `module.${id}: flow-log role`,
        body.vpc_flow_log_permissions_boundary,
        [{ Effect: "Allow", Action: [...VPC_FLOW_LOG_ROLE_ACTIONS], Resource: "*" }],
        [],
      );
    }
    if (body.source === "terraform-aws-modules/rds/aws" && body.create_monitoring_role === true) {
      role(
        `module.${id}: monitoring role`,
        body.monitoring_role_permissions_boundary,
        [],
        [RDS_MONITORING_ROLE_POLICY],
      );
    }
  }
  return roles;
}

/** One request by a session of a bounded role, decided on given identity statements and its boundary. */
export interface BoundedRequest {
  readonly role: BoundedRole;
  /** What the role is given for this request (a statement of its own, or what a worst case attaches). */
  readonly identity: readonly Statement[];
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
  /**
   * Weigh the target's resource policy too: the one a stack of the environment gives it, and for a
   * resource of another account a stand-in that trusts the role's whole account (the most that
   * account could grant, so only the role's side decides). @default false - identity and boundary only
   */
  readonly withResourcePolicy?: boolean;
  /** Leave the boundary out (what the role's own policies decide). @default false */
  readonly withoutBoundary?: boolean;
}

/** IAM's decision on a bounded role's request; "error" when the evaluator rejects the request. */
export async function evaluateBounded(request: BoundedRequest): Promise<Decision | "error"> {
  const { role } = request;
  const stacks = allStacks().find((s) => s.some((stack) => stack.id === role.stack));
  if (!stacks) throw new Error(`no stack ${role.stack}`);
  const sessionName = role.name.replace(/[^\w+=,.@-]/g, "-");
  const targetAccount = request.resource.split(":")[4] || role.account;
  const target = !request.withResourcePolicy
    ? { policy: undefined, account: targetAccount, context: {} }
    : targetAccount === role.account
      ? resourceSide(stacks, { account: role.account }, request.action, request.resource)
      : { policy: trustingAccount(role.account, "*"), account: targetAccount, context: {} };
  const simulation: Simulation = {
    request: {
      principal: `arn:aws:sts::${role.account}:assumed-role/${sessionName}/session`,
      action: request.action,
      resource: { resource: request.resource, accountId: target.account },
      contextVariables: {
        "aws:PrincipalArn": `arn:aws:iam::${role.account}:role/${sessionName}`,
        "aws:PrincipalAccount": role.account,
        "aws:PrincipalType": "AssumedRole",
        "aws:SecureTransport": "true",
        "aws:RequestedRegion": role.region,
        ...target.context,
        ...request.context,
      },
    },
    identityPolicies: [{ name: "identity", policy: { Version: "2012-10-17", Statement: request.identity } }],
    permissionBoundaryPolicies: request.withoutBoundary ? [] : [role.boundary],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: target.policy,
  };
  const result = await runSimulation(simulation, {});
  return result.resultType === "error" ? "error" : (result.overallResult as Decision);
}

/** Who asks STS for a session of one of the project's roles. */
export type AssumingCaller =
  /** A role of some account; `organizationId` when that account is in an organization. */
  | { readonly kind: "role"; readonly arn: string; readonly organizationId?: string }
  /** An AWS service principal (`pods.eks.amazonaws.com`). */
  | { readonly kind: "service"; readonly service: string }
  /** A web identity of an OIDC provider (its ARN in the target's account), with the token's claims. */
  | { readonly kind: "federated"; readonly provider: string };

/** One request to STS for a session of a role in one of the environments' accounts. */
export interface AssumptionRequest {
  readonly caller: AssumingCaller;
  /** `sts:AssumeRole`, `sts:TagSession`, `sts:AssumeRoleWithWebIdentity`... */
  readonly action: string;
  /** ARN of the role asked for. */
  readonly roleArn: string;
  /**
   * Its trust: undefined for a role a stack creates (the synthesized trust), or the trust of a role
   * the deploy role could create (it may write any trust on `marketing-agents-<env>-*`).
   */
  readonly trust?: unknown;
  /** Request context the caller brings (session tags asked for, a token's claims). */
  readonly context?: Record<string, string | string[]>;
  /** Leave the organization's resource control policies out (what the accounts had without them). @default false */
  readonly withoutOrganizationPolicies?: boolean;
}

let guardrails: TerraformJson | undefined;

/** The organization guardrails stack, synthesized once per test file. */
function guardrailsStack(): TerraformJson {
  if (!guardrails) {
    const app = Testing.app();
    const stack = new OrgGuardrailsStack(app, { organization: loadOrganization(), environments: loadEnvironments() });
    guardrails = JSON.parse(Testing.synth(stack)) as TerraformJson;
  }
  return guardrails;
}

/** The resource control policies the guardrails stack attaches to an account. */
export function resourceControlPoliciesOf(account: string): { name: string; policy: unknown }[] {
  const json = guardrailsStack();
  const policies = Object.entries(json.resource?.aws_organizations_policy ?? {}).filter(
    ([, body]) => body.type === "RESOURCE_CONTROL_POLICY",
  );
  const attachments = Object.values(json.resource?.aws_organizations_policy_attachment ?? {});
  return policies
    .filter(([id]) =>
      attachments.some((a) => a.policy_id === `\${aws_organizations_policy.${id}.id}` && a.target_id === account),
    )
    .map(([, body]) => ({ name: String(body.name), policy: JSON.parse(String(body.content)) }));
}

/** The synthesized trust of a role some stack creates. */
function synthesizedTrust(roleArn: string): unknown {
  const target = allStacks()
    .flat()
    .flatMap((s) => resourcesIn(s, "aws_iam_role"))
    .find((r) => attributeOf(r, "arn") === roleArn);
  if (!target) throw new Error(`no stack creates the role ${roleArn}`);
  return policyOf(target, "assume_role_policy");
}

const TRUST_DECISIONS: Record<string, Decision> = {
  allow: "Allowed",
  "implicit-deny": "ImplicitlyDenied",
  "explicit-deny": "ExplicitlyDenied",
};

/**
 * STS's decision on a request for a session of a role: the role's trust and the organization's
 * resource control policies (RCPs) of its account, by @cloud-copilot/iam-simulate. A caller of
 * another account is given every permission by its own account (a stand-in: only the target's side
 * is under test); a service principal and a web identity have no identity policy.
 *
 * A web identity's trust is decided by the trust model (iam-trust.ts) instead: iam-simulate 0.1.173
 * ignores `token.actions.githubusercontent.com:sub` and `:aud` (its catalog of STS condition keys,
 * from the Service Authorization Reference, lists GitHub's other claims but not these two), so it
 * would refuse every GitHub trust. The RCPs, which name `:repository` (a key it knows), are still
 * evaluated by iam-simulate, with a stand-in trust that lets the token in.
 */
export async function evaluateAssumption(request: AssumptionRequest): Promise<Decision> {
  const account = request.roleArn.split(":")[4];
  const trust = request.trust ?? synthesizedTrust(request.roleArn);
  const rcps = request.withoutOrganizationPolicies ? [] : resourceControlPoliciesOf(account);
  const { caller } = request;
  if (caller.kind === "federated") {
    const letIn = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Federated: caller.provider }, Action: request.action }],
    };
    const organization = await simulateAssumption(request, caller.provider, [], letIn, rcps);
    if (organization === "ExplicitlyDenied") return organization;
    return TRUST_DECISIONS[evaluateTrust(trust, { action: request.action, caller, context: request.context })];
  }
  if (caller.kind === "service") {
    return simulateAssumption(request, caller.service, [], trust, rcps, { "aws:PrincipalIsAWSService": "true" });
  }
  const callerAccount = caller.arn.split(":")[4];
  const allowAll = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
  const session = caller.arn.replace(/^arn:aws:iam::(\d{12}):role\/(.+)$/, "arn:aws:sts::$1:assumed-role/$2/session");
  return simulateAssumption(request, session, [{ name: "its-own-account", policy: allowAll }], trust, rcps, {
    "aws:PrincipalArn": caller.arn,
    "aws:PrincipalAccount": callerAccount,
    "aws:PrincipalType": "AssumedRole",
    "aws:PrincipalIsAWSService": "false",
    ...(caller.organizationId ? { "aws:PrincipalOrgID": caller.organizationId } : {}),
  });
}

async function simulateAssumption(
  request: AssumptionRequest,
  principal: string,
  identityPolicies: { name: string; policy: unknown }[],
  trust: unknown,
  rcps: { name: string; policy: unknown }[],
  callerContext: Record<string, string> = {},
): Promise<Decision> {
  const account = request.roleArn.split(":")[4];
  const result = await runSimulation(
    {
      request: {
        principal,
        action: request.action,
        resource: { resource: request.roleArn, accountId: account },
        contextVariables: { "aws:SecureTransport": "true", ...callerContext, ...request.context },
      },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: rcps.length > 0 ? [{ orgIdentifier: account, policies: rcps }] : [],
      resourcePolicy: trust,
    },
    {},
  );
  if (result.resultType === "error") {
    throw new Error(`${principal} ${request.action} ${request.roleArn}: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult as Decision;
}
