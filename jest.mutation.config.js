/**
 * The tests mutation testing runs (`npm run mutation`): those of config/ and the policy gate.
 * Tests that synthesize whole environments (stacks, review, deploy, and in config/ the name-length,
 * new-environment and AWS-data tests) exercise these files too, but loading them costs seconds for
 * each of the thousands of mutants; a mutant only they would kill means a missing test here.
 */
const SYNTHESIZING = ["aws-data", "name-lengths", "new-environment"];
const base = require("./jest.config.js");

module.exports = {
  ...base,
  testMatch: ["<rootDir>/__tests__/config/**/*.test.ts", "<rootDir>/__tests__/modules/policy*.test.ts"],
  testPathIgnorePatterns: SYNTHESIZING.map((name) => `/__tests__/config/${name}\\.test\\.ts$`),
  testSequencer: "<rootDir>/jest.mutation.sequencer.js",
};
