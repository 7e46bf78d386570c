/** The command line of npm run chart-digests (scripts/chart-digests/cli.ts). */
import { CHART_DIGESTS_PATH } from "../../modules/addons/chart-digest-pins";
import { swallowedByNpm, type NpmFootprint } from "../command-line";

export const USAGE_LINE = "usage: npm run chart-digests [-- --write]";
export const USAGE = [
  USAGE_LINE,
  `Compares ${CHART_DIGESTS_PATH} with the charts as published today, for every chart version the`,
  "stacks in cdktf.out install (run npm run synth first): one line per chart version (pinned, missing,",
  "differs, unused). Mirrored charts: the sha256 of the archive, checked against the repository's index.yaml;",
  "cached charts: the digest of the upstream OCI manifest. Needs docker.io, ghcr.io, quay.io and the chart",
  "repositories over HTTPS.",
  "  --write      write the file instead (then review and commit it)",
  "  -h, --help   this help",
  "Exit 0: every chart version pinned, or the file written; 1: one missing or different, or unreadable; 2: wrong",
  "command line.",
].join("\n");

/** `npm run chart-digests --write` (no `--`): npm keeps it as its own `write` setting. Measured with npm 11.19. */
export const NPM_FOOTPRINTS: readonly NpmFootprint[] = [{ options: "--write", variables: ["npm_config_write"] }];

/** The command line: `--write` or nothing; otherwise one line for stderr. */
export function parseArguments(argv: readonly string[], env: NodeJS.ProcessEnv): { write: boolean } | string {
  const unknown = argv.filter((a) => a !== "--write");
  if (unknown.length > 0) return `chart-digests: unknown argument ${unknown[0]}; ${USAGE_LINE}`;
  const taken = swallowedByNpm(env, NPM_FOOTPRINTS);
  if (taken.length > 0) {
    return `chart-digests: npm took ${taken[0].options} as its own option, so the command never saw it; put -- before it: ${USAGE_LINE}`;
  }
  return { write: argv.includes("--write") };
}
