/**
 * What the gate tells a person: each rule's fix as docs/policy.md documents it, the one-line problems of
 * a failed synth, and the synthesized stacks it reads.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ALL_RULES, PolicyError, readSynthesizedStacks } from "../../modules/policy";

// Prettier pads table cells; compare with runs of spaces collapsed.
const squeeze = (text: string) => text.replace(/ +/g, " ");

describe("the gate's words", () => {
  const policyDoc = squeeze(fs.readFileSync(path.join(__dirname, "../../docs/policy.md"), "utf8"));

  it.each(ALL_RULES.map((r) => [r.id, r] as const))("docs/policy.md gives %s its why and its fix", (_id, rule) => {
    expect(rule.fix.length).toBeGreaterThan(10);
    expect(policyDoc).toContain(squeeze(`| ${rule.id} | ${rule.why} | ${rule.fix} |`));
  });

  it("fails a synth with one line per problem: stack, address, rule, why, detail and fix", () => {
    const error = new PolicyError({
      violations: [
        {
          stack: "dev-data",
          address: "aws_s3_bucket.b",
          rule: "CKV_AWS_21",
          why: "no versions",
          fix: "use SecureBucket",
        },
        {
          stack: "dev-app",
          address: "kubernetes_deployment_v1.d",
          rule: "CKV_K8S_8",
          why: "no probe",
          fix: "add one",
          detail: "container x",
        },
      ],
      waived: [],
      waiverProblems: ["waiver dev-data x CKV_AWS_18: matches no violation any more; remove it"],
    });
    expect(error.name).toBe("PolicyError");
    expect(error.message).toBe(
      [
        "Policy check failed (3 problems):",
        "  - dev-data aws_s3_bucket.b CKV_AWS_21 no versions. Fix: use SecureBucket.",
        "  - dev-app kubernetes_deployment_v1.d CKV_K8S_8 no probe (container x). Fix: add one.",
        "  - waiver dev-data x CKV_AWS_18: matches no violation any more; remove it",
      ].join("\n"),
    );
  });

  it("reads every synthesized stack in name order, marking the production ones", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-out-"));
    for (const [stack, json] of [
      ["prod-network", { resource: { a: {} } }],
      ["dev-network", { resource: { b: {} } }],
    ] as const) {
      fs.mkdirSync(path.join(outdir, "stacks", stack), { recursive: true });
      fs.writeFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), JSON.stringify(json));
    }
    expect(readSynthesizedStacks(outdir, (stack) => stack.startsWith("prod-"))).toEqual([
      { stack: "dev-network", production: false, json: { resource: { b: {} } } },
      { stack: "prod-network", production: true, json: { resource: { a: {} } } },
    ]);
  });
});
