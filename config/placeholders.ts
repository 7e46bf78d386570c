/**
 * GitHub ids the committed config holds until the platform team puts in its own (docs/runbook.md,
 * "First deploy of a new environment"). They are not harmless: GitHub numbers its accounts from 1,
 * so each is some stranger's real account id (or no one's). `npm run deploy` refuses a stack that
 * uses one (scripts/deploy/preflight.ts).
 */

/**
 * `ci.runner.actorAccountIds` until filled: with them the in-VPC runner starts for no one of the
 * team (no plan, apply or rollout job ever gets a runner), and for whoever owns these ids.
 */
export const PLACEHOLDER_RUNNER_ACTOR_IDS: readonly number[] = [1000001, 1000002, 1000003];

/**
 * `ci.reviewers.teamIds` until filled: the GitHub environments' required reviewers (set by the
 * repository's settings stack) would name a team that is not yours, or none, and no one of the team
 * could approve a deployment.
 */
export const PLACEHOLDER_REVIEWER_TEAM_IDS: readonly number[] = [2000001];

/**
 * `ORGANIZATION.id` until filled (config/organization.ts): the example id of AWS's documentation.
 * With it the organization guardrails stack refuses to plan, since the credentials' organization
 * is never this one, and `npm run deploy -- <env> org-guardrails --apply` refuses to start.
 */
export const PLACEHOLDER_ORGANIZATION_ID = "o-a1b2c3d4e5";

/**
 * `ORGANIZATION.policyAdminAccountId` until filled: an account id of AWS's documentation examples,
 * nobody's policy administrator.
 */
export const PLACEHOLDER_POLICY_ADMIN_ACCOUNT_ID = "111122223333";
