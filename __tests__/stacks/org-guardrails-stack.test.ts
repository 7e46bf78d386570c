/** The organization guardrails stack: the identity-perimeter RCP on every environment's account. */
import { Testing } from "cdktf";
import {
  ConfigError,
  ORGANIZATION,
  PEOPLE_ONLY_CONCERNS,
  loadEnvironments,
  loadOrganization,
  stateBucketName,
} from "../../config";
import type { PolicyStatement } from "../../modules/iam-policy";
import { OrgGuardrailsStack } from "../../stacks/org-guardrails-stack";
import { resourcesOf, synthEnvironment, type TerraformJson } from "../helpers";

const environments = loadEnvironments();
const prod = environments.find((c) => c.name === "prod");

function synth(organization = ORGANIZATION): TerraformJson {
  const stack = new OrgGuardrailsStack(Testing.app(), { organization, environments });
  return JSON.parse(Testing.synth(stack)) as TerraformJson;
}

/** Whether an IAM resource pattern matches an ARN (`*` any run of characters, `?` one; case-sensitive). */
function arnPatternMatches(pattern: string, arn: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`).test(arn);
}

const json = synth();
const policies = Object.values(json.resource?.aws_organizations_policy ?? {});
const [policy] = policies;
const content = JSON.parse(String(policy.content)) as {
  Statement: { Sid: string; Condition: unknown; Resource: unknown }[];
};

describe("the organization guardrails stack", () => {
  it("is one resource control policy, attached to every environment's account", () => {
    expect(policies).toHaveLength(1);
    expect(policy.type).toBe("RESOURCE_CONTROL_POLICY");
    const targets = Object.values(json.resource?.aws_organizations_policy_attachment ?? {}).map((a) => a.target_id);
    expect(targets.sort()).toEqual([...new Set(environments.map((c) => c.account.id))].sort());
  });

  it("keeps the accounts' roles to the organization's principals and the project's GitHub repositories", () => {
    expect(content.Statement.map((s) => [s.Sid, s.Condition])).toEqual([
      [
        "RolesAreAssumedFromInsideTheOrganizationOnly",
        {
          StringNotEqualsIfExists: { "aws:PrincipalOrgID": ORGANIZATION.id },
          BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
          Null: { "aws:PrincipalAccount": "false" },
        },
      ],
      [
        "WebIdentitiesAreTheProjectsGithubRepositoriesOnly",
        {
          StringNotEqualsIfExists: {
            "token.actions.githubusercontent.com:repository": ["acme/marketing-agents", "acme/marketing-agents-infra"],
          },
        },
      ],
    ]);
  });

  it("applies to the project's roles only: a role of another name (vendor tooling, break-glass) keeps its own trust", () => {
    const resources = content.Statement.map((s) => s.Resource);
    expect(resources).toEqual(content.Statement.map(() => "arn:aws:iam::*:role/marketing-agents-*"));
  });

  it.each(environments.map((c) => [c.name] as const))(
    "covers every role %s's deploy role may create or write a trust on",
    (name) => {
      const bootstrap = synthEnvironment(name).json("bootstrap");
      const writesTrusts = [
        ...Object.values(resourcesOf(bootstrap, "aws_iam_role_policy")),
        ...Object.values(resourcesOf(bootstrap, "aws_iam_policy")),
      ]
        .flatMap((p) => (JSON.parse(String(p.policy)) as { Statement: PolicyStatement[] }).Statement)
        .filter((s) => s.Effect === "Allow")
        .filter((s) =>
          [s.Action ?? []].flat().some((a) => ["iam:CreateRole", "iam:UpdateAssumeRolePolicy"].includes(a)),
        );
      expect(writesTrusts.length).toBeGreaterThan(0);
      for (const pattern of writesTrusts.flatMap((s) => [s.Resource ?? []].flat())) {
        // A pattern ending in `*` is covered when the perimeter's matches what comes before that `*`
        // (the perimeter's own trailing `*` then takes whatever follows).
        expect(pattern).toMatch(/^[^*?]+\*$/);
        for (const statement of content.Statement) {
          const perimeter = String(statement.Resource);
          expect(perimeter.endsWith("*")).toBe(true);
          expect({ pattern, covered: arnPatternMatches(perimeter, pattern.slice(0, -1)) }).toEqual({
            pattern,
            covered: true,
          });
        }
      }
    },
  );

  it("fits in a resource control policy (5,120 characters)", () => {
    // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
    expect(JSON.stringify(content).length).toBeLessThanOrEqual(5120);
  });

  it("stops the plan when the credentials' organization is not the configured one, or config holds placeholders", () => {
    const [sameOrganization, notTheManagementAccount] = (
      policy.lifecycle as { precondition: { condition: string; error_message: string }[] }
    ).precondition;
    expect(sameOrganization.condition).toMatch(
      /^\$\{\(data\.aws_organizations_organization\.[\w-]+\.id == "o-a1b2c3d4e5"\)\}$/,
    );
    expect(sameOrganization.error_message).toBe(
      "config/organization.ts still holds the committed placeholder id (o-a1b2c3d4e5) and policyAdminAccountId (111122223333): put your organization's (docs/organization-guardrails.md).",
    );
    // The environments' accounts, each once (two environments may share one), in order.
    const accounts = [...new Set(environments.map((c) => c.account.id))].sort();
    expect(accounts.length).toBeGreaterThan(0);
    expect(notTheManagementAccount.condition).toContain(
      `contains([${accounts.map((id) => JSON.stringify(id)).join(", ")}], data.aws_organizations_organization.`,
    );
    const own = synth({ ...ORGANIZATION, id: "o-ownorganization", policyAdminAccountId: "555555555555" });
    const [ownPolicy] = Object.values(own.resource?.aws_organizations_policy ?? {});
    expect((ownPolicy.lifecycle as { precondition: { error_message: string }[] }).precondition[0].error_message).toBe(
      "These credentials administer another organization than o-ownorganization (config/organization.ts, setting id).",
    );
  });

  it("runs in the policy administrator's account through its role, its state in prod's bucket outside every environment's prefix", () => {
    const [aws] = json.provider?.aws ?? [];
    expect(aws.allowed_account_ids).toEqual([ORGANIZATION.policyAdminAccountId]);
    expect(aws.assume_role).toEqual([
      {
        role_arn: `arn:aws:iam::${ORGANIZATION.policyAdminAccountId}:role/${ORGANIZATION.policyAdminRoleName}`,
        session_name: "marketing-agents-org-guardrails",
      },
    ]);
    expect(json.terraform.backend?.s3).toMatchObject({
      bucket: prod && stateBucketName(prod),
      key: "organization/guardrails.tfstate",
      use_lockfile: true,
    });
    expect(PEOPLE_ONLY_CONCERNS).toContain("org-guardrails");
  });
});

describe("the organization's settings", () => {
  it("fail with one line naming the setting and what is allowed", () => {
    expect(() => loadOrganization({ ...ORGANIZATION, id: "acme" })).toThrow(ConfigError);
    expect(() => loadOrganization({ ...ORGANIZATION, id: "acme" })).toThrow(
      "organization (config/organization.ts), setting id: must be an organization id such as o-a1b2c3d4e5",
    );
    expect(() => loadOrganization({ ...ORGANIZATION, policyAdminAccountId: "12" })).toThrow(
      "setting policyAdminAccountId: must be a 12-digit AWS account id",
    );
  });
});
