/** The policy gate over the real synthesized stacks of every environment. */
import { CONCERNS } from "../../config";
import { waiversFor } from "../../config/waivers";
import { evaluatePolicy, formatViolation } from "../../modules/policy";
import { synthEnvironment } from "../helpers";

type Json = Record<string, unknown>;

describe.each(["dev", "staging", "prod"])("%s against the policy", (env) => {
  it("has zero violations and uses every one of its waivers", () => {
    const synth = synthEnvironment(env);
    const docs = CONCERNS.map((concern) => ({
      stack: `${env}-${concern}`,
      production: synth.config.stage === "production",
      json: synth.json(concern) as unknown as Json,
    }));
    const report = evaluatePolicy(docs, waiversFor([synth.config]));
    expect(report.violations.map(formatViolation)).toEqual([]);
    expect(report.waiverProblems).toEqual([]);
  });
});
