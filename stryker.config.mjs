// Mutation testing of config/ and the policy gate (npm run mutation). Static mutants count
// (ignoreStatic off): zod bounds and regexes run once, at import, and are exactly what the
// config tests must pin down. Incremental: only mutants of changed code or tests run again;
// `npm run mutation -- --force` runs them all. The incremental file is not in git: the mutation
// workflow keeps it in the Actions cache, and a local run starts from the local copy, if any.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "jest",
  jest: { projectType: "custom", configFile: "jest.mutation.config.js", enableFindRelatedTests: true },
  coverageAnalysis: "perTest",
  // The environments' own files (dev, staging, prod) are the data these rules check, not rules:
  // a mutant there is another environment, which the schema then accepts or refuses.
  mutate: ["config/*.ts", "!config/{dev,staging,prod}.ts", "modules/policy/*.ts"],
  ignoreStatic: false,
  incremental: true,
  incrementalFile: "reports/mutation/stryker-incremental.json",
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  thresholds: { high: 95, low: 90, break: 90 },
  concurrency: 2,
  tempDirName: ".stryker-tmp",
  // The sandbox needs the sources and node_modules, not the tools and outputs.
  ignorePatterns: [
    ".venv",
    ".tools",
    "cdktf.out",
    "dist",
    "deploy-out",
    "review-out",
    "bench-out",
    "reports",
    "terraform-state",
    ".terraform-plugin-cache",
  ],
  cleanTempDir: "always",
  timeoutMS: 20000,
};
