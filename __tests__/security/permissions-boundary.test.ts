/**
 * The permissions boundaries, evaluated by @cloud-copilot/iam-simulate on the synthesized stacks:
 * - positive controls: every action every bounded role is given (its own synthesized statements,
 *   what its registry module attaches, the catalogued actions of its AWS managed policies) gets
 *   through its boundary, on a resource and in a context its statement allows;
 * - no slack: every action a boundary allows is given to some role under it;
 * - limits: a session of either boundary given every action on every resource still cannot do
 *   what boundary-limits.ts lists.
 */
import { loadEnvironments, permissionsBoundaryArn, serviceRoleBoundaryArn, type EnvironmentConfig } from "../../config";
import {
  AWS_MANAGED_POLICIES,
  awsManagedPolicyArn,
  type AwsManagedPolicyName,
} from "../../modules/aws-managed-policies";
import { MANAGED_POLICY_MAX_CHARS } from "../../modules/ci-role-policies";
import { actionCovers, passedActionsOf } from "../../modules/permissions-boundary-statements";
import {
  decideControl,
  isWithheld,
  managedPolicyControls,
  statementControls,
  type Control,
} from "../model/boundary-controls";
import { arnOf, boundedRoles, evaluateBounded, loadProject, type BoundedRole } from "../model/iam-evaluator";
import { resourcesOf, synthEnvironment, type TerraformJson } from "../helpers";
import { BOUNDARY_LIMITS } from "./boundary-limits";

const environments = loadEnvironments();

/** Share of IAM's managed policy size limit a boundary may fill: room for a managed policy's next version. */
const SIZE_HEADROOM = 0.95;
/**
 * A KMS key id's length: a UUID, or `mrk-` and 32 hex digits for a multi-Region key, 36 either way
 * (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-id).
 */
const KMS_KEY_ID_CHARS = 36;
/** The longest partition and Region names, for values only the applying account knows. */
const LONGEST_PARTITION = "aws-us-gov";
const LONGEST_REGION = "ap-southeast-5";

/**
 * The longest value a Terraform reference in a boundary can take once applied. What config decides
 * (the account, the Region of the stack's resources, the project's `arn:aws:` partition that every
 * literal ARN of the policy also names) is taken as it is; what AWS assigns, at its longest.
 */
function longestValue(expression: string, stack: TerraformJson, config: EnvironmentConfig): string {
  const { id: account, region } = config.account;
  const reference = /^(data\.)?(\w+)\.([\w-]+)\.(\w+)$/.exec(expression);
  const [, data, type, id, attribute] = reference ?? [];
  if (data && type === "aws_caller_identity" && attribute === "account_id") return account;
  if (data && type === "aws_region") return LONGEST_REGION;
  if (data && type === "aws_partition" && attribute === "partition") return LONGEST_PARTITION;
  if (!data && type === "aws_kms_key" && attribute === "arn") {
    return `arn:aws:kms:${region}:${account}:key/${"0".repeat(KMS_KEY_ID_CHARS)}`;
  }
  if (!data && type === "aws_s3_bucket" && attribute === "arn") {
    const bucket = resourcesOf(stack, "aws_s3_bucket")[id]?.bucket;
    // A bucket name is at most 63 characters.
    return `arn:aws:s3:::${typeof bucket === "string" && !bucket.includes("${") ? bucket : "b".repeat(63)}`;
  }
  throw new Error(`no longest value known for the reference \${${expression}}: add it to longestValue`);
}

/** The characters IAM counts in a synthesized policy (no whitespace) with its references resolved at their longest. */
function resolvedLength(policy: string, stack: TerraformJson, config: EnvironmentConfig): number {
  const compact = JSON.stringify(JSON.parse(policy));
  return compact.replace(/\$\{([^}]*)\}/g, (_whole, expression: string) => longestValue(expression, stack, config))
    .length;
}

beforeAll(() => loadProject(), 120_000);

/** The roles of an environment under each of its boundaries, by boundary name. */
function byBoundary(environment: string): Map<string, BoundedRole[]> {
  const groups = new Map<string, BoundedRole[]>();
  for (const role of boundedRoles(environment)) {
    groups.set(role.boundary.name, [...(groups.get(role.boundary.name) ?? []), role]);
  }
  return groups;
}

const describeControl = (c: Control, resource: string, decision: string) =>
  `${c.role.name} ${c.action} on ${resource} (${c.source}): ${decision}`;

describe.each(environments.map((c) => [c.name, c] as const))("%s: permissions boundaries", (name, config) => {
  it("are carried by every role CI creates, one of the environment's two", () => {
    const names = new Set(boundedRoles(name).map((r) => r.boundary.name));
    expect([...names].sort()).toEqual([
      `marketing-agents-${name}-boundary`,
      `marketing-agents-${name}-service-role-boundary`,
    ]);
  });

  it("take nothing from what the roles' own policies give them, where those policies give it", async () => {
    const changed: string[] = [];
    let allowed = 0;
    for (const role of boundedRoles(name)) {
      for (const control of await statementControls(role)) {
        const { resource, withBoundary, withoutBoundary } = await decideControl(control);
        if (withoutBoundary === "Allowed") allowed += 1;
        if (withBoundary !== withoutBoundary) {
          changed.push(describeControl(control, resource, `${withoutBoundary}, with the boundary ${withBoundary}`));
        }
      }
    }
    expect(changed).toEqual([]);
    // Positive controls: most of these requests are ones the roles' policies really allow.
    expect(allowed).toBeGreaterThan(50);
  }, 120_000);

  it("let through the AWS managed policies' actions, but for the parts withheld (and those stay out)", async () => {
    const refused: string[] = [];
    const leaked: string[] = [];
    const groups = byBoundary(name);
    for (const role of boundedRoles(name)) {
      // What some role under the same boundary is given whole (a withheld action may be another's).
      const givenUnderBoundary = (groups.get(role.boundary.name) ?? []).flatMap((r) => [
        ...r.statements.flatMap((s) => [s.Action ?? []].flat()),
        ...r.awsManaged.flatMap(passedActionsOf),
      ]);
      for (const control of managedPolicyControls(role)) {
        const { withBoundary: decision, resource } = await decideControl(control);
        const withheld =
          isWithheld(control.source as AwsManagedPolicyName, control.action) &&
          !givenUnderBoundary.some((g) => actionCovers(g, control.action));
        if (!withheld && decision !== "Allowed") refused.push(describeControl(control, resource, decision));
        if (withheld && decision === "Allowed") leaked.push(describeControl(control, resource, decision));
      }
    }
    expect(refused).toEqual([]);
    expect(leaked).toEqual([]);
  }, 120_000);

  it("allow nothing that no role under them is given", () => {
    const slack: string[] = [];
    for (const [boundary, roles] of byBoundary(name)) {
      const given = roles.flatMap((r) => [
        ...r.statements.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action ?? []].flat()),
        ...r.awsManaged.flatMap(passedActionsOf),
      ]);
      const allowed = roles[0].boundary.policy.Statement.filter((s) => s.Effect === "Allow").flatMap((s) =>
        [s.Action ?? []].flat(),
      );
      slack.push(...allowed.filter((a) => !given.includes(a)).map((a) => `${boundary}: ${a}`));
    }
    expect(slack).toEqual([]);
  });

  it("fit in a managed policy with room to spare: 95 % of 6,144 characters once every reference is resolved", () => {
    const bootstrap = synthEnvironment(name).json("bootstrap");
    const boundaries = Object.values(resourcesOf(bootstrap, "aws_iam_policy")).filter((p) =>
      [permissionsBoundaryArn(config), serviceRoleBoundaryArn(config)].some((arn) =>
        arn.endsWith(`/${String(p.name)}`),
      ),
    );
    expect(boundaries).toHaveLength(2);
    const limit = Math.floor(SIZE_HEADROOM * MANAGED_POLICY_MAX_CHARS);
    const sizes = boundaries.map((p) => ({
      policy: String(p.name),
      chars: resolvedLength(String(p.policy), bootstrap, config),
    }));
    expect(sizes.filter((s) => s.chars > limit)).toEqual([]);
  });

  const other = environments.find((c) => c.account.id !== config.account.id) ?? config;
  const boundaries = [permissionsBoundaryArn(config), serviceRoleBoundaryArn(config)];
  it.each(
    BOUNDARY_LIMITS.filter((row) => row.when?.(config) ?? true).flatMap((row) =>
      boundaries.map(
        (boundaryArn) => [boundaryArn.split("/").pop(), row.action, row.target, { row, boundaryArn }] as const,
      ),
    ),
  )("%s: %s on %s is denied, whatever policy the role is given", async (_b, _a, _t, { row, boundaryArn }) => {
    const role = boundedRoles(name).find((r) => boundaryArn.endsWith(`/${r.boundary.name}`));
    if (!role) throw new Error(`no role carries ${boundaryArn}`);
    const context = { config, other, boundaryArn, arnOf: (type: string, path: string) => arnOf(name, type, path) };
    const decision = await evaluateBounded({
      role,
      identity: [{ Effect: "Allow", Action: "*", Resource: "*" }],
      action: row.action,
      resource: row.resource(context),
      context: row.context?.(context),
      withResourcePolicy: true,
    });
    expect({ why: row.why, decision }).toEqual({ why: row.why, decision: expect.stringMatching(/Denied$/) });
  });
});

describe("the AWS managed policy catalogue", () => {
  it("holds every AWS managed policy a bounded role carries, and no other", () => {
    const carried = new Set(environments.flatMap((c) => boundedRoles(c.name).flatMap((r) => r.awsManaged)));
    expect([...carried].sort()).toEqual(Object.keys(AWS_MANAGED_POLICIES).sort());
  });

  it("names each policy by the ARN AWS gives it", () => {
    expect(awsManagedPolicyArn("AmazonEBSCSIDriverPolicy")).toBe(
      "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
    );
    expect(awsManagedPolicyArn("AmazonEKS_CNI_Policy")).toBe("arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy");
  });
});
