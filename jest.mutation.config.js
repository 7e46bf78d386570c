/**
 * The tests mutation testing runs (`npm run mutation`): those of config/ and the policy gate.
 * Stack, review and deploy tests exercise these files only through whole synths, too slowly to
 * run for each of the thousands of mutants, and a mutant they alone would kill means a missing
 * test here.
 */
const base = require("./jest.config.js");

module.exports = {
  ...base,
  testMatch: ["<rootDir>/__tests__/config/**/*.test.ts", "<rootDir>/__tests__/modules/policy*.test.ts"],
  testSequencer: "<rootDir>/jest.mutation.sequencer.js",
};
