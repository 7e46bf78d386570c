/**
 * The infra repository's GitHub settings as code (stacks/github-stack.ts): one stack for the
 * repository, applied by people, holding what the CI roles' trusts rely on: the GitHub
 * environments jobs plan and apply in (reviewers, no self-review, main only), the drift check's
 * (main only, no reviewer), the protection of main, GitHub's default OIDC subject; its token only
 * ever from the environment.
 */
import * as path from "node:path";
import { Testing } from "cdktf";
import {
  ENVIRONMENTS,
  GITHUB_SETTINGS_STATE_KEY,
  INFRA_BRANCH,
  PEOPLE_ONLY_CONCERNS,
  REQUIRED_STATUS_CHECKS,
  driftEnvironment,
  loadEnvironments,
  planEnvironment,
  stateBucketName,
  type EnvironmentConfig,
} from "../../config";
import { environmentOutputs } from "../../scripts/environment-outputs";
import { GithubStack } from "../../stacks/github-stack";
import { problemsWhen, resourcesOf, onlyResource, type TerraformJson } from "../helpers";
import { readWorkflows } from "../workflows/github-actions-model";
import { expandRun, outputLines } from "../workflows/run-model";

type Json = Record<string, unknown>;
const configs = loadEnvironments();
const TOKEN = "ghp_0123456789abcdefTOKENVALUEnotinjson";

/** Synthesizes the stack with a GitHub token in the process environment, as a person applying it has. */
function synthesize(environments: readonly EnvironmentConfig[] = configs): { stack: GithubStack; text: string } {
  const saved = process.env.GITHUB_TOKEN;
  process.env.GITHUB_TOKEN = TOKEN;
  try {
    const stack = new GithubStack(Testing.app(), { environments });
    return { stack, text: Testing.synth(stack) };
  } finally {
    if (saved === undefined) delete process.env.GITHUB_TOKEN;
    else process.env.GITHUB_TOKEN = saved;
  }
}

const { stack, text } = synthesize();
const json = JSON.parse(text) as TerraformJson;
const environments = Object.values(resourcesOf(json, "github_repository_environment"));
const policies = Object.values(resourcesOf(json, "github_repository_environment_deployment_policy"));
const environmentNamed = (name: string) => environments.find((e) => e.environment === name) as Json;
/** The deployment policies of one environment (they reference it: `${github_repository_environment.<id>.environment}`). */
const policiesOf = (name: string) => {
  const [id] = Object.entries(resourcesOf(json, "github_repository_environment")).find(
    ([, e]) => e.environment === name,
  ) ?? [""];
  return policies.filter((p) => p.environment === `\${github_repository_environment.${id}.environment}`);
};

describe("one stack for the repository", () => {
  it("is the settings environment's `<env>-github`, its state in that environment's bucket outside every `<env>/` prefix", () => {
    expect(stack.node.id).toBe("prod-github");
    const prod = configs.find((c) => c.name === "prod") as EnvironmentConfig;
    expect(json.terraform.backend?.s3).toEqual({
      bucket: stateBucketName(prod),
      key: GITHUB_SETTINGS_STATE_KEY,
      region: prod.account.region,
      encrypt: true,
      kms_key_id: `arn:aws:kms:${prod.account.region}:${prod.account.id}:alias/marketing-agents-prod-tfstate`,
      use_lockfile: true,
    });
    for (const config of configs) expect(GITHUB_SETTINGS_STATE_KEY.startsWith(`${config.name}/`)).toBe(false);
  });

  it("is applied by people only, like bootstrap", () => {
    expect(PEOPLE_ONLY_CONCERNS).toContain("github");
  });

  it("uses the GitHub provider, pinned exactly, for the owner of config's infra repository; no AWS provider or resource", () => {
    expect(json.terraform.required_providers).toEqual({
      github: { source: "integrations/github", version: expect.stringMatching(/^\d+\.\d+\.\d+$/) },
    });
    expect(json.provider?.github).toEqual([{ owner: configs[0].ci.infraRepository.split("/")[0] }]);
    expect(json.provider?.aws).toBeUndefined();
    expect(Object.keys(json.resource ?? {}).filter((t) => !t.startsWith("github_"))).toEqual([]);
  });
});

describe("no token in the synthesized JSON", () => {
  it("never writes the token the provider reads from GITHUB_TOKEN, nor a token setting", () => {
    expect(text).not.toContain(TOKEN);
    expect(Object.keys((json.provider?.github ?? [])[0] ?? {})).not.toContain("token");
    expect(text).not.toMatch(/"(token|app_auth|pem_file)"\s*:/);
  });

  it("has no token in config either", () => {
    expect(JSON.stringify(ENVIRONMENTS)).not.toMatch(/gh[pousr]_|github_pat_|token/i);
  });
});

describe("GitHub environments: <ci.githubEnvironment>, <ci.githubEnvironment>-plan and <ci.githubEnvironment>-drift of every environment", () => {
  /** Where a merge's jobs plan and apply: behind reviewers. */
  const reviewed = configs.flatMap((c) => [c.ci.githubEnvironment, planEnvironment(c)]);
  const drift = configs.map(driftEnvironment);
  const names = [...reviewed, ...drift];

  it("exist exactly for every environment, in the infra repository", () => {
    expect(environments.map((e) => e.environment).sort()).toEqual([...names].sort());
    const repository = configs[0].ci.infraRepository.split("/")[1];
    for (const e of [...environments, ...policies]) expect(e.repository).toBe(repository);
  });

  it("are the environments the infra workflow's credentialed jobs enter after a merge", () => {
    const workflows = readWorkflows(path.resolve(__dirname, "..", "..", ".github", "workflows"));
    const outputs = { environments: githubOutputs() };
    const run = expandRun(
      workflows,
      "infra.yml",
      { event_name: "push", ref: "refs/heads/main", run_id: 1, run_attempt: 1, event: {} },
      { outputs },
    );
    const entered = [...new Set(run.flatMap((j) => (j.environment ? [j.environment] : [])))].sort();
    expect(entered).toEqual([...reviewed].sort());
  });

  it("-drift: the environments the scheduled drift check's jobs enter, without reviewers", () => {
    const workflows = readWorkflows(path.resolve(__dirname, "..", "..", ".github", "workflows"));
    const run = expandRun(
      workflows,
      "drift.yml",
      { event_name: "schedule", ref: "refs/heads/main", run_id: 1, run_attempt: 1, event: {} },
      { outputs: { environments: githubOutputs() } },
    );
    expect(run.flatMap((j) => (j.environment ? [j.environment] : []))).toEqual(drift);
    for (const name of drift) {
      expect(environmentNamed(name).reviewers).toBeUndefined();
      expect(environmentNamed(name).can_admins_bypass).toBe(false);
    }
  });

  it.each(configs.flatMap((c) => [c.ci.githubEnvironment, planEnvironment(c)].map((n) => [n, c] as const)))(
    "%s: required reviewers from config, no self-review, no admin bypass",
    (name, config) => {
      const environment = environmentNamed(name);
      expect(environment.reviewers).toEqual([
        { teams: config.ci.reviewers.teamIds, users: config.ci.reviewers.userIds },
      ]);
      expect(environment.prevent_self_review).toBe(true);
      expect(environment.can_admins_bypass).toBe(false);
    },
  );

  it.each(names)("%s: deployments only from main (custom branch policies, one: main)", (name) => {
    expect(environmentNamed(name).deployment_branch_policy).toEqual({
      protected_branches: false,
      custom_branch_policies: true,
    });
    expect(policiesOf(name).map((p) => [p.branch_pattern, p.tag_pattern])).toEqual([[INFRA_BRANCH, undefined]]);
  });
});

describe("branch protection of main", () => {
  const protection = onlyResource(json, "github_branch_protection");

  it("requires reviewed pull requests whose `check` passed on the latest main, for admins too", () => {
    expect(protection).toMatchObject({
      pattern: INFRA_BRANCH,
      enforce_admins: true,
      allows_deletions: false,
      allows_force_pushes: false,
      require_signed_commits: true,
      required_status_checks: [{ strict: true, contexts: [...REQUIRED_STATUS_CHECKS] }],
      required_pull_request_reviews: [
        { required_approving_review_count: 1, dismiss_stale_reviews: true, require_last_push_approval: true },
      ],
    });
  });

  it("requires checks that a pull request's run of infra.yml reports (job names), so merging is possible", () => {
    const workflows = readWorkflows(path.resolve(__dirname, "..", "..", ".github", "workflows"));
    const run = expandRun(
      workflows,
      "infra.yml",
      { event_name: "pull_request", ref: "refs/pull/1/merge", run_id: 1, run_attempt: 1, event: {} },
      { outputs: { environments: githubOutputs() } },
    );
    const jobNames = run.map((j) => j.path[0].split(":")[1]);
    for (const check of REQUIRED_STATUS_CHECKS) expect(jobNames).toContain(check);
  });
});

describe("OIDC subject claims", () => {
  it("holds the repository at GitHub's default template, the `sub` form the roles' trusts compare", () => {
    expect(onlyResource(json, "github_actions_repository_oidc_subject_claim_customization_template")).toMatchObject({
      use_default: true,
    });
  });
});

describe("config for one repository", () => {
  it("refuses environments that name different infra repositories", () => {
    expect(problemsWhen("staging", (c) => (c.ci.infraRepository = "acme/other-infra"))).toContain(
      `environment "staging", setting ci.infraRepository: must be acme/marketing-agents-infra, the repository of environment "${configs[0].name}" (one repository deploys every environment)`,
    );
  });

  it("refuses two environments whose GitHub environments would be the same", () => {
    expect(problemsWhen("staging", (c) => (c.ci.githubEnvironment = "dev-plan"))).toContain(
      'environment "staging", setting ci.githubEnvironment: "dev-plan" (or its -plan or -drift twin) is already a GitHub environment of environment "dev"; each environment needs its own',
    );
    // dev's drift environment: staging's apply environment would share its name, and its trust.
    expect(problemsWhen("staging", (c) => (c.ci.githubEnvironment = "dev-drift"))).toContain(
      'environment "staging", setting ci.githubEnvironment: "dev-drift" (or its -plan or -drift twin) is already a GitHub environment of environment "dev"; each environment needs its own',
    );
  });

  it.each([
    ["none", { teamIds: [], userIds: [] }],
    ["seven", { teamIds: [1, 2, 3, 4], userIds: [5, 6, 7] }],
  ])("refuses %s reviewers (GitHub takes one to six)", (_what, reviewers) => {
    expect(problemsWhen("prod", (c) => (c.ci.reviewers = reviewers))).toContain(
      'environment "prod", setting ci.reviewers: must name one to six reviewers in all (teamIds and userIds): GitHub\'s limit for an environment',
    );
  });
});

/** What the `environments` job of infra.yml prints for config (scripts/environment-outputs.ts). */
function githubOutputs(): Record<string, string> {
  return outputLines(environmentOutputs(configs));
}
