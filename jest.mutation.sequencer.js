/**
 * Fast test files first in a mutation run: a mutant is killed by its first failing test and the
 * rest is skipped (bail), so the files that synthesize whole environments go last.
 */
const Sequencer = require("@jest/test-sequencer").default;

const SLOW = ["policy.test"];

class FastFirst extends Sequencer {
  sort(tests) {
    const rank = (test) => (SLOW.some((name) => test.path.includes(name)) ? 1 : 0);
    return [...tests].sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
  }
}

module.exports = FastFirst;
