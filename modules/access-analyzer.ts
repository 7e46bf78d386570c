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

/** Settings of the account's external-access analyzer. */
export interface AccessAnalyzerProps {
  /** Name of the analyzer. */
  readonly analyzerName: string;
  /**
   * Other accounts of the project that the environment's roles trust on purpose (a parent zone's
   * delegation roles trust their child environments' accounts): their findings are archived.
   * @default [] - every cross-account trust is a finding
   */
  readonly trustedAccountIds?: readonly string[];
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
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-filter-keys.html):
 * `principal.AWS` for the project's other accounts, `principal.Federated` with `resource` for the
 * CI roles only. An archive rule applies to new findings and, when created, to existing ones.
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
    const trusted = [...(props.trustedAccountIds ?? [])];
    if (trusted.length > 0) {
      new AccessanalyzerArchiveRule(this, "project-accounts", {
        analyzerName: analyzer.analyzerName,
        ruleName: "project-accounts",
        // `contains`: a finding names an account by its id or by an ARN that holds it.
        filter: [{ criteria: "principal.AWS", contains: trusted }],
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
