import { AccessanalyzerAnalyzer } from "@cdktf/provider-aws/lib/accessanalyzer-analyzer";
import { AccessanalyzerArchiveRule } from "@cdktf/provider-aws/lib/accessanalyzer-archive-rule";
import { Construct } from "constructs";

/** The GitHub identities the environment's CI roles trust on purpose. */
export interface KnownFederation {
  /** ARN of the GitHub OIDC provider. */
  readonly providerArn: string;
  /** The CI roles that trust it (their trusts name repositories, environments and workflows). */
  readonly roleArns: readonly string[];
}

/** Roles of the account that trust another account of the project on purpose. */
export interface KnownCrossAccountTrust {
  /** Name of its archive rule. */
  readonly ruleName: string;
  /** The other account. */
  readonly accountId: string;
  /** The roles that trust it (a parent zone's delegation roles for one child environment). */
  readonly roleArns: readonly string[];
}

/** Settings of the account's external-access analyzer. */
export interface AccessAnalyzerProps {
  /** Name of the analyzer. */
  readonly analyzerName: string;
  /**
   * Trusts of other accounts of the project, archived for the roles named only: the same account
   * trusted by any other role (a role the deploy role made, a CI role) stays a finding.
   * @default [] - every cross-account trust is a finding
   */
  readonly knownCrossAccountTrusts?: readonly KnownCrossAccountTrust[];
  /** The CI roles' GitHub federation: archived for those roles only, a finding on any other role. */
  readonly knownFederation?: KnownFederation;
}

/**
 * An IAM Access Analyzer external-access analyzer of the account (zone of trust: the account,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/what-is-access-analyzer.html): a role whose
 * trust lets in a principal of another account, or a federated identity, becomes an active
 * finding within minutes of the change. The detective twin of the organization's resource control
 * policy (docs/organization-guardrails.md): IAM has no condition key on a trust policy's content,
 * so the deploy role can write any trust on the roles it manages, and this is where it shows.
 *
 * What the project trusts on purpose is archived by rules on the documented filter keys
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-filter-keys.html),
 * each naming the roles it is for by `resource`: `principal.AWS` of another project account on the
 * roles that trust it on purpose, `principal.Federated` on the CI roles. A rule archives a finding
 * that matches all its criteria (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-archive-rules.html),
 * so a principal alone never archives a finding on any role. An archive rule applies to new
 * findings and, when created, to existing ones.
 */
export class AccessAnalyzer extends Construct {
  /** ARN of the analyzer. */
  readonly arn: string;

  constructor(scope: Construct, id: string, props: AccessAnalyzerProps) {
    super(scope, id);
    const analyzer = new AccessanalyzerAnalyzer(this, "analyzer", {
      analyzerName: props.analyzerName,
      type: "ACCOUNT",
    });
    for (const trust of props.knownCrossAccountTrusts ?? []) {
      if (trust.roleArns.length === 0) throw new Error(`archive rule ${trust.ruleName} names no role`);
      new AccessanalyzerArchiveRule(this, trust.ruleName, {
        analyzerName: analyzer.analyzerName,
        ruleName: trust.ruleName,
        filter: [
          // `contains`: a finding names an account by its id or by an ARN that holds it.
          { criteria: "principal.AWS", contains: [trust.accountId] },
          { criteria: "resource", eq: [...trust.roleArns] },
        ],
      });
    }
    const federation = props.knownFederation;
    if (federation && federation.roleArns.length > 0) {
      new AccessanalyzerArchiveRule(this, "ci-roles-github-federation", {
        analyzerName: analyzer.analyzerName,
        ruleName: "ci-roles-github-federation",
        filter: [
          { criteria: "principal.Federated", eq: [federation.providerArn] },
          { criteria: "resource", eq: [...federation.roleArns] },
        ],
      });
    }
    this.arn = analyzer.arn;
  }
}
