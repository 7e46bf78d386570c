/**
 * The CDKTF app: validates every environment, creates the stacks of those selected, synthesizes
 * them beside the output folder, and publishes them only if the policy gate passes.
 * Select environments with ENVIRONMENTS=dev,staging (default: all).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import {
  ConfigError,
  GITHUB_SETTINGS_ENVIRONMENT,
  PRODUCTION_ENVIRONMENTS,
  loadEnvironments,
  ORGANIZATION_GUARDRAILS_ENVIRONMENT,
  loadOrganization,
} from "./config";
import { waiversFor } from "./config/waivers";
import { PolicyError, evaluatePolicy, readSynthesizedStacks } from "./modules/policy";
import { createEnvironmentStacks } from "./stacks/environment-stacks";
import { GithubStack } from "./stacks/github-stack";
import { OrgGuardrailsStack } from "./stacks/org-guardrails-stack";
import { describePublish, publishSynthOutput } from "./scripts/publish-synth-output";
import { summarizeSynth } from "./scripts/synth-summary";

/** Stack ids start with their environment's name: `prod-data` is production if prod is listed as such. */
function isProductionStack(stack: string): boolean {
  return PRODUCTION_ENVIRONMENTS.some((name) => stack.startsWith(`${name}-`));
}

function main(): void {
  // Validate before `new App()`: bad input writes nothing.
  const environments = loadEnvironments(process.env.ENVIRONMENTS);
  const everyEnvironment = loadEnvironments();
  const organization = loadOrganization();
  const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
  const staging = `${outdir}.staging`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(staging), { recursive: true });

  const app = new App({ outdir: staging });
  for (const config of environments) {
    const stacks = createEnvironmentStacks(app, config);
    // The repository's GitHub settings: one stack, synthesized with the environment that keeps its state.
    if (config.name === GITHUB_SETTINGS_ENVIRONMENT) {
      new GithubStack(app, { environments: everyEnvironment }).addDependency(stacks.bootstrap);
    }
    // The organization's guardrails: one stack, with the environment whose bucket keeps its state.
    if (config.name === ORGANIZATION_GUARDRAILS_ENVIRONMENT) {
      new OrgGuardrailsStack(app, { organization, environments: everyEnvironment }).addDependency(stacks.bootstrap);
    }
  }
  app.synth();

  const synthesized = readSynthesizedStacks(staging, isProductionStack);
  const report = evaluatePolicy(synthesized, waiversFor(environments));
  if (report.violations.length > 0 || report.waiverProblems.length > 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new PolicyError(report);
  }
  // The output's stacks become exactly these: a selection keeps the other declared environments'.
  const published = publishSynthOutput(outdir, staging, {
    selected: environments.map((c) => c.name),
    declared: everyEnvironment.map((c) => c.name),
  });
  const summary = summarizeSynth(
    synthesized,
    report,
    environments.map((c) => c.name),
  );
  [...summary, ...describePublish(published, outdir)].forEach((line) => console.log(line));
}

const SYNTH_USAGE = [
  "usage: [ENVIRONMENTS=dev,staging] [CDKTF_OUTDIR=cdktf.out] npm run synth",
  "Validates every environment, synthesizes those selected (default: all) and publishes them into the output",
  "folder only if the policy gate passes.",
].join("\n");

try {
  if (process.argv.includes("--help") || process.argv.includes("-h")) console.log(SYNTH_USAGE);
  else main();
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof PolicyError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
