/**
 * What every command of the project does with its command line before its own options: `-h` and
 * `--help` print the usage (exit 0), and options npm read as its own are refused.
 */

/** True when the command was asked for its usage. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes("--help") || argv.includes("-h");
}

/** Prints the usage and says so, when asked for it: `if (printedHelp(argv, USAGE)) return 0`. */
export function printedHelp(argv: readonly string[], usage: string): boolean {
  if (!wantsHelp(argv)) return false;
  console.log(usage);
  return true;
}

/** An option of ours as npm leaves it in the environment when it reads it itself. */
export interface NpmFootprint {
  /** The option(s) of ours it comes from, as the user typed them. */
  readonly options: string;
  /** Every one of these is set (non-empty) when npm took the option. */
  readonly variables: readonly string[];
}

/**
 * The footprints npm left in `env`. `npm run <script> --x` without `--` hands `--x` to npm's own
 * parser, not to the script: "A `--` argument tells the cli parser to stop reading flags"
 * (https://docs.npmjs.com/cli/v11/using-npm/config#command-line-flags). npm then keeps it as its
 * configuration, which scripts receive as `npm_config_<name>` variables
 * (https://docs.npmjs.com/cli/v11/using-npm/scripts#configuration); a false or unset config is
 * exported as an empty string (@npmcli/config's set-envs.js,
 * https://app.unpkg.com/npm@11.4.1/files/node_modules/@npmcli/config/lib/set-envs.js), so only a
 * non-empty value counts.
 */
export function swallowedByNpm(env: NodeJS.ProcessEnv, footprints: readonly NpmFootprint[]): NpmFootprint[] {
  return footprints.filter((f) => f.variables.every((name) => (env[name] ?? "") !== ""));
}
