/**
 * What `npm run environments` gives GitHub Actions (`$GITHUB_OUTPUT` lines), so workflows never
 * keep a second copy of the accounts or of the GitHub environments the CI roles trust.
 */
import type { EnvironmentConfig } from "../config";

type Listed = Pick<EnvironmentConfig, "name" | "account" | "ci">;

/**
 * `matrix` (name, account, region of each, in promotion order), and `accounts`, `regions` and
 * `github-environments` (config's `ci.githubEnvironment`, the environment the deploy role trusts;
 * `<it>-plan` is the plan role's) by name, one `key=<JSON>` line each.
 */
export function environmentOutputs(environments: readonly Listed[]): string[] {
  const matrix = {
    include: environments.map((c) => ({ environment: c.name, account: c.account.id, region: c.account.region })),
  };
  const byName = (value: (c: Listed) => string) =>
    JSON.stringify(Object.fromEntries(environments.map((c) => [c.name, value(c)])));
  return [
    `matrix=${JSON.stringify(matrix)}`,
    `accounts=${byName((c) => c.account.id)}`,
    `regions=${byName((c) => c.account.region)}`,
    `github-environments=${byName((c) => c.ci.githubEnvironment)}`,
  ];
}
