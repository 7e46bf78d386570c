/** IAM policy documents as plain data, rendered with JSON.stringify (readable in the plan). */

/** One IAM policy statement. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: Record<string, string | string[]> | "*";
  /** What the statement covers; a statement has Action or NotAction. */
  readonly Action?: string | string[];
  /** Everything but these. No policy of this project uses it: its boundaries are allow-lists. */
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  /** Every resource but these (a deny of all roles but the ones a CI role steps into). */
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** A policy document of the given statements. */
export function policyDocument(statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
