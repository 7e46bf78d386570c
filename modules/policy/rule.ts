import type { StackDocument } from "./terraform-json";

/** Where a rule found a problem. */
export interface Finding {
  /** Terraform address of the resource or module call. */
  readonly address: string;
  /** What exactly is wrong, when the rule's text alone does not say. @default - the rule's `why` */
  readonly detail?: string;
}

/** One policy rule. */
export interface PolicyRule {
  /** The checkov check it mirrors (CKV_AWS_16...), or OWN_* for ours. */
  readonly id: string;
  /** Why it matters. */
  readonly why: string;
  /** How to fix it here. */
  readonly fix: string;
  /** The findings in one stack; empty when the stack complies. */
  check(doc: StackDocument): Finding[];
}

/** A rule over blocks of one kind: reports each block the predicate rejects. */
export function eachBlock<B extends { address: string }>(
  select: (doc: StackDocument) => B[],
  complies: (block: B, doc: StackDocument) => boolean,
): (doc: StackDocument) => Finding[] {
  return (doc) =>
    select(doc)
      .filter((b) => !complies(b, doc))
      .map((b) => ({ address: b.address }));
}
