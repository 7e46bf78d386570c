/**
 * IAM Access Analyzer's archive rules, as an executable model of their documented matching, so
 * tests ask what a synthesized rule does to a finding instead of reading its filter:
 * - a rule archives a finding that matches every criterion of its filter
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-archive-rules.html);
 * - within one criterion, the finding's value matches `eq` when it equals one of the values,
 *   `neq` when it equals none, `contains` when it contains one of them, `exists` when it is there
 *   or not as asked (https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_Criterion.html);
 * - `resource` is the ARN of the resource the external principal can reach, `principal.<kind>` the
 *   principal of that kind the resource policy (a role's trust) lets in
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-filter-keys.html).
 */

/** One criterion of an archive rule's filter, as `aws_accessanalyzer_archive_rule` synthesizes it. */
export interface ArchiveCriterion {
  readonly criteria: string;
  readonly eq?: readonly string[];
  readonly neq?: readonly string[];
  readonly contains?: readonly string[];
  readonly exists?: boolean | string;
}

/** An archive rule: its name and filter. */
export interface ArchiveRule {
  readonly rule_name: string;
  readonly filter: readonly ArchiveCriterion[];
}

/** The parts of an external-access finding on a role the rules here filter on. */
export interface RoleFinding {
  /** ARN of the role whose trust lets the principal in. */
  readonly resource: string;
  /** The principal, by kind (`AWS`, `Federated`, `Service`). */
  readonly principal: Readonly<Record<string, string>>;
}

function valueOf(finding: RoleFinding, key: string): string | undefined {
  if (key === "resource") return finding.resource;
  if (key === "resourceType") return "AWS::IAM::Role";
  const principal = /^principal\.(.+)$/.exec(key);
  if (principal) return finding.principal[principal[1]];
  throw new Error(`the archive rule model does not know the filter key ${key}`);
}

function criterionMatches(criterion: ArchiveCriterion, finding: RoleFinding): boolean {
  const value = valueOf(finding, criterion.criteria);
  if (criterion.exists !== undefined) {
    const wanted = criterion.exists === true || criterion.exists === "true";
    if ((value !== undefined) !== wanted) return false;
  }
  if (criterion.eq && !(value !== undefined && criterion.eq.includes(value))) return false;
  if (criterion.neq && value !== undefined && criterion.neq.includes(value)) return false;
  if (criterion.contains && !(value !== undefined && criterion.contains.some((part) => value.includes(part)))) {
    return false;
  }
  return true;
}

/** The rules that archive the finding (none: it stays an active finding). */
export function archivingRules(rules: readonly ArchiveRule[], finding: RoleFinding): string[] {
  return rules.filter((rule) => rule.filter.every((c) => criterionMatches(c, finding))).map((rule) => rule.rule_name);
}
