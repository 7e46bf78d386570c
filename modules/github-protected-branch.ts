import { BranchProtection } from "@cdktf/provider-github/lib/branch-protection";
import { Construct } from "constructs";

/** Settings of a protected branch. */
export interface GithubProtectedBranchProps {
  /** Repository name (or node id). */
  readonly repository: string;
  readonly branch: string;
  /** Check names (job names) a pull request must pass, on its latest base. */
  readonly requiredChecks: readonly string[];
  /** Approving reviews a pull request needs. @default 1 */
  readonly approvals?: number;
}

/**
 * A branch that changes only through reviewed pull requests whose checks passed, for admins too:
 * no direct or force push, no deletion. Whatever lands on it is what the CI roles trust
 * (their tokens' `ref` and `job_workflow_ref` name this branch).
 */
export class GithubProtectedBranch extends Construct {
  constructor(scope: Construct, id: string, props: GithubProtectedBranchProps) {
    super(scope, id);
    new BranchProtection(this, "protection", {
      repositoryId: props.repository,
      pattern: props.branch,
      enforceAdmins: true,
      allowsDeletions: false,
      allowsForcePushes: false,
      requireConversationResolution: true,
      // Every commit on the branch carries a verified signature (GitHub signs the merges it makes).
      requireSignedCommits: true,
      // strict: the checks must have passed on the branch as it is now, not on an older base.
      requiredStatusChecks: [{ strict: true, contexts: [...props.requiredChecks] }],
      requiredPullRequestReviews: [
        {
          requiredApprovingReviewCount: props.approvals ?? 1,
          dismissStaleReviews: true,
          // The last push must be approved by someone other than its author.
          requireLastPushApproval: true,
        },
      ],
    });
  }
}
