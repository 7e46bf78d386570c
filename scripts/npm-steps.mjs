// The npm scripts that run several tools in a row: `npm run <name>` runs `node scripts/npm-steps.mjs
// <name> [args]`. An npm script written as `a && b` hands its arguments to `b` only, so
// `npm run setup -- --help` used to run `npm ci` (a reinstall) before any help; here -h/--help is
// read first and answered before anything runs. Arguments go to the last step, as npm would.
import { spawnSync } from "node:child_process";

const ESBUILD_NODE = ["--bundle", "--platform=node", "--target=node20", "--log-level=warning"];

/**
 * name -> its usage (printed on --help) and its steps. A `prepare` step (a synth a check reads) is
 * skipped on --help; when there is no usage of ours, the other steps run and the last one answers
 * --help itself.
 */
const SCRIPTS = {
  setup: {
    usage: [
      "usage: npm run setup",
      "Installs the locked dependencies (npm ci), then synthesizes every environment into cdktf.out (npm run synth).",
    ],
    steps: [
      ["npm", "ci"],
      ["npm", "run", "--silent", "synth"],
    ],
    takesArguments: false,
  },
  test: {
    usage: [
      "usage: npm test [-- <jest options and test files>]",
      "Type-checks everything (tsc --noEmit), then runs the jest suite; arguments go to jest (npx jest --help lists them).",
    ],
    steps: [["tsc", "--noEmit"], ["jest"]],
    takesArguments: true,
  },
  lint: {
    usage: ["usage: npm run lint", "ESLint over the repository, then prettier --check (npm run format rewrites)."],
    steps: [
      ["eslint", "."],
      ["prettier", "--check", "."],
    ],
    takesArguments: false,
  },
  "db-check": {
    steps: [
      { prepare: true, run: ["npm", "run", "--silent", "synth"] },
      ["esbuild", "scripts/db-check/cli.ts", ...ESBUILD_NODE, "--outfile=dist/db-check.js"],
      ["node", "dist/db-check.js"],
    ],
    takesArguments: true,
  },
  "check:helm": {
    usage: [
      "usage: npm run check:helm",
      "Helm values in cdktf.out against the real chart keys: the shared folder's tools/check-helm-values.mjs, over a copy",
      "of the stacks whose chart repositories (the environment's ECR) are put back to their upstream (scripts/chart-upstream-view).",
    ],
    steps: [
      ["esbuild", "scripts/chart-upstream-view/cli.ts", ...ESBUILD_NODE, "--outfile=dist/chart-upstream-view.js"],
      ["node", "dist/chart-upstream-view.js", "cdktf.out", "dist/helm-upstream-view"],
      ["node", "scripts/shared-tool.mjs", "check-helm-values.mjs", "dist/helm-upstream-view"],
    ],
    takesArguments: false,
  },
  "chart-check": {
    steps: [
      { prepare: true, run: ["npm", "run", "--silent", "synth"] },
      ["esbuild", "scripts/chart-check/cli.ts", ...ESBUILD_NODE, "--outfile=dist/chart-check.js"],
      ["node", "dist/chart-check.js"],
    ],
    takesArguments: true,
  },
  docs: {
    steps: [
      { prepare: true, run: ["npm", "run", "--silent", "build"] },
      ["esbuild", "scripts/docs/cli.ts", ...ESBUILD_NODE, "--outfile=dist/docs.js"],
      ["node", "dist/docs.js"],
    ],
    takesArguments: true,
  },
  "review:tables": {
    steps: [
      { prepare: true, run: ["npm", "run", "--silent", "synth"] },
      [
        "esbuild",
        "scripts/review/schema/generate.ts",
        ...ESBUILD_NODE,
        "--outfile=dist/review-tables.js",
        "--external:@cdktf/hcl2json",
        "--external:prettier",
      ],
      ["node", "dist/review-tables.js"],
    ],
    takesArguments: true,
  },
};

const wantsHelp = (args) => args.includes("--help") || args.includes("-h");

function run([command, ...args]) {
  const result = spawnSync(command, args, { stdio: "inherit" });
  if (result.error) {
    console.error(`${command}: ${result.error.message}`);
    return 1;
  }
  return result.status ?? 1;
}

function main([name, ...args]) {
  const script = SCRIPTS[name];
  if (!script) {
    console.error(`npm-steps: unknown script ${name}; known: ${Object.keys(SCRIPTS).join(", ")}`);
    return 2;
  }
  const help = wantsHelp(args);
  if (help && script.usage) {
    console.log(script.usage.join("\n"));
    return 0;
  }
  if (args.length > 0 && !script.takesArguments) {
    console.error(`${name}: unknown argument ${args[0]}; ${script.usage[0]}`);
    return 2;
  }
  const steps = script.steps.filter((s) => !(help && s.prepare)).map((s) => (Array.isArray(s) ? s : s.run));
  for (const [i, step] of steps.entries()) {
    const status = run(i === steps.length - 1 ? [...step, ...args] : step);
    if (status !== 0) return status;
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
