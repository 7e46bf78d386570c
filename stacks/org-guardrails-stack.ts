import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Backend, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import {
  ENVIRONMENT_TAG_KEY,
  ORGANIZATION_CONCERN,
  ORGANIZATION_GUARDRAILS_ENVIRONMENT,
  ORGANIZATION_GUARDRAILS_STATE_KEY,
  PROJECT,
  organizationPlaceholders,
  policyAdminRoleArn,
  stateBucketName,
  stateKeyAlias,
  type EnvironmentConfig,
  type OrganizationConfig,
} from "../config";
import { identityPerimeterStatements } from "../modules/identity-perimeter-statements";
import { ResourceControlPolicy } from "../modules/resource-control-policy";

/** What the organization guardrails stack is given. */
export interface OrgGuardrailsStackProps {
  /** The organization's settings (config/organization.ts). */
  readonly organization: OrganizationConfig;
  /** Every environment: their accounts are the policy's targets, their repositories its GitHub tenants. */
  readonly environments: readonly EnvironmentConfig[];
}

/**
 * `<ORGANIZATION_GUARDRAILS_ENVIRONMENT>-org-guardrails`, applied by people only (like bootstrap and
 * github): the resource control policy that keeps the project's roles (`marketing-agents-*`) of the
 * environments' accounts assumable only from inside the organization, by AWS services and from the
 * project's GitHub repositories (modules/identity-perimeter-statements.ts), attached to every
 * environment's account. The deploy role can
 * write any trust on the roles it manages; this is what makes an outside principal's request fail
 * anyway. Its state lives in the home environment's state bucket (ORGANIZATION_GUARDRAILS_STATE_KEY,
 * outside every CI role's prefix); its AWS provider assumes `policyAdminRoleName` in the account
 * that administers the organization's policies. docs/organization-guardrails.md has the steps.
 */
export class OrgGuardrailsStack extends TerraformStack {
  /** The environment whose people apply it and whose bucket keeps its state. */
  readonly home: EnvironmentConfig;

  constructor(scope: Construct, props: OrgGuardrailsStackProps) {
    const home = props.environments.find((c) => c.name === ORGANIZATION_GUARDRAILS_ENVIRONMENT);
    if (!home)
      throw new Error(
        `ORGANIZATION_GUARDRAILS_ENVIRONMENT ${ORGANIZATION_GUARDRAILS_ENVIRONMENT} is not among the environments`,
      );
    super(scope, `${home.name}-${ORGANIZATION_CONCERN}`);
    this.home = home;
    const { organization } = props;
    new AwsProvider(this, "aws", {
      region: home.account.region,
      allowedAccountIds: [organization.policyAdminAccountId],
      assumeRole: [{ roleArn: policyAdminRoleArn(organization), sessionName: `${PROJECT}-org-guardrails` }],
      // Not one environment's: the organization's, for every environment.
      defaultTags: [
        {
          tags: {
            Project: PROJECT,
            [ENVIRONMENT_TAG_KEY]: "organization",
            Stack: ORGANIZATION_CONCERN,
            ManagedBy: "cdktf",
          },
        },
      ],
    });
    this.useRemoteState();
    const placeholders = organizationPlaceholders(organization);
    new ResourceControlPolicy(this, "identity-perimeter", {
      policyName: `${PROJECT}-identity-perimeter`,
      description:
        "Roles named marketing-agents-* in the environments' accounts: assumed only from inside the organization, by AWS services, and with the project's GitHub repositories' tokens",
      statements: identityPerimeterStatements({
        roleNamePrefix: PROJECT,
        organizationId: organization.id,
        githubRepositories: githubRepositories(props.environments),
      }),
      organizationId: organization.id,
      placeholderProblem:
        placeholders.length > 0
          ? `config/organization.ts still holds the committed placeholder ${placeholders.join(" and ")}: put your organization's (docs/organization-guardrails.md).`
          : undefined,
      targetIds: guardrailsTargetAccounts(props.environments),
    });
  }

  private useRemoteState(): void {
    const { home } = this;
    const backend = new S3Backend(this, {
      bucket: stateBucketName(home),
      key: ORGANIZATION_GUARDRAILS_STATE_KEY,
      region: home.account.region,
      encrypt: true,
      kmsKeyId: `arn:aws:kms:${home.account.region}:${home.account.id}:${stateKeyAlias(home)}`,
    });
    // cdktf 0.21's S3Backend has no field for S3-native locking (Terraform >= 1.10).
    backend.addOverride("use_lockfile", true);
  }
}

/** The accounts the guardrails are attached to: every environment's, each once. */
export function guardrailsTargetAccounts(environments: readonly EnvironmentConfig[]): string[] {
  return [...new Set(environments.map((c) => c.account.id))].sort();
}

/** The repositories whose GitHub Actions tokens the environments' roles trust: infra and app. */
function githubRepositories(environments: readonly EnvironmentConfig[]): string[] {
  return [...new Set(environments.flatMap((c) => [c.ci.infraRepository, c.ci.appRepository]))].sort();
}
