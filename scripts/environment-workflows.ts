/**
 * The parts of .github/workflows/infra.yml that exist once per environment, generated from
 * config/: the delivery jobs after a merge (`deliver-<env>`, each after the one before, in
 * promotion order) and the environments a manual rollout may name. GitHub cannot chain jobs from
 * a list at run time, so they are written into the file: `npm run environments --
 * --write-workflows` rewrites them, and a test fails while the file differs from config.
 */
import { CI_APPLIED_CONCERNS, type EnvironmentConfig } from "../config";

/** The workflow holding the per-environment jobs, from the repository root. */
export const ENVIRONMENT_WORKFLOW = ".github/workflows/infra.yml";

/** The command that rewrites them. */
export const WRITE_WORKFLOWS_COMMAND = "npm run environments -- --write-workflows";

const BEGIN = `  # BEGIN deliveries, one per environment of config/, in promotion order: written by \`${WRITE_WORKFLOWS_COMMAND}\`, not by hand`;
const END = "  # END deliveries";
const BLOCK = /^ {2}# BEGIN deliveries[^\n]*\n[\s\S]*?^ {2}# END deliveries$/m;
const OPTIONS = /^(\s+options: )\[[^\]\n]*\]( # environments of config\/: written by .*)$/m;

type Named = Pick<EnvironmentConfig, "name">;

/** The workflow no longer has the markers its generated parts sit between. */
export class WorkflowMarkersError extends Error {
  constructor() {
    super(
      `${ENVIRONMENT_WORKFLOW} has lost its markers ("# BEGIN deliveries" ... "# END deliveries", and "options: [...] # environments of config/: written by ..."): restore them from git`,
    );
    this.name = "WorkflowMarkersError";
  }
}

/** One environment's delivery job: after the checks (the first) or the environment before it. */
function deliveryJob(config: Named, before: Named | undefined): string {
  const output = (name: string) => `\${{ fromJSON(needs.environments.outputs.${name}).${config.name} }}`;
  return [
    `  deliver-${config.name}:`,
    "    if: github.event_name == 'push'",
    `    needs: [${before ? `deliver-${before.name}` : "check"}, environments]`,
    "    concurrency:",
    `      group: deliver-${config.name}`,
    "      cancel-in-progress: false",
    "    permissions:",
    "      contents: read",
    "      id-token: write",
    "    uses: ./.github/workflows/deliver.yml",
    "    with:",
    `      environment: ${config.name}`,
    `      github-environment: ${output("github-environments")}`,
    `      account: ${output("accounts")}`,
    `      region: ${output("regions")}`,
    `      stacks: ${CI_APPLIED_CONCERNS.join(" ")}`,
  ].join("\n");
}

/** The delivery jobs of these environments, between their markers. */
export function deliveryBlock(configs: readonly Named[]): string {
  const jobs = configs.map((config, i) => deliveryJob(config, configs[i - 1]));
  return [BEGIN, jobs.join("\n\n"), END].join("\n");
}

/**
 * The workflow text with its per-environment parts written for these environments; throws when
 * the file has lost its markers (then nothing can be written safely).
 */
export function withEnvironments(text: string, configs: readonly Named[]): string {
  if (!BLOCK.test(text) || !OPTIONS.test(text)) throw new WorkflowMarkersError();
  const names = configs.map((c) => c.name).join(", ");
  return text
    .replace(BLOCK, () => deliveryBlock(configs))
    .replace(OPTIONS, (_all, head, tail) => `${head}[${names}]${tail}`);
}

/** What is out of date in the workflow for these environments, one line each; [] when it is current. */
export function workflowEnvironmentProblems(text: string, configs: readonly Named[]): string[] {
  let expected: string;
  try {
    expected = withEnvironments(text, configs);
  } catch (error) {
    if (!(error instanceof WorkflowMarkersError)) throw error;
    return [error.message];
  }
  if (expected === text) return [];
  const jobs = new Set([...text.matchAll(/^ {2}(deliver-[a-z0-9]+):$/gm)].map((m) => m[1]));
  const missing = configs.filter((c) => !jobs.has(`deliver-${c.name}`)).map((c) => `deliver-${c.name}`);
  const extra = [...jobs].filter((job) => !configs.some((c) => job === `deliver-${c.name}`));
  const detail = [
    missing.length > 0 ? `no job ${missing.join(", ")}` : "",
    extra.length > 0 ? `a job for no environment: ${extra.join(", ")}` : "",
  ].filter(Boolean);
  return [
    `${ENVIRONMENT_WORKFLOW}: its per-environment jobs are not those of config/ (${detail.join("; ") || "order, needs or settings differ"}): run ${WRITE_WORKFLOWS_COMMAND} and commit the file`,
  ];
}
