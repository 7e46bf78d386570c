/**
 * The CDKTF app: validates every environment, then creates the stacks of those selected.
 * Select environments with ENVIRONMENTS=dev,staging (default: all).
 */
import { App } from "cdktf";
import { ConfigError, loadEnvironments } from "./config";
import { createEnvironmentStacks } from "./stacks/environment-stacks";

function main(): void {
  // Validate before `new App()`: the App creates its output folder, and bad input writes nothing.
  const environments = loadEnvironments(process.env.ENVIRONMENTS);
  const app = new App();
  for (const config of environments) createEnvironmentStacks(app, config);
  app.synth();
}

try {
  main();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
