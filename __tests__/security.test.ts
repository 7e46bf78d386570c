/** Checks across every synthesized stack of every environment. */
import { CONCERNS } from "../config";
import { literalSecrets } from "../modules/policy/project-rules";
import { resourcesOf, synthEnvironment } from "./helpers";

const ENVIRONMENTS = ["dev", "staging", "prod"];

describe.each(ENVIRONMENTS)("%s security", (env) => {
  const synth = synthEnvironment(env);

  it.each([...CONCERNS])("has no literal password, token or secret value in %s", (concern) => {
    expect(literalSecrets(synth.json(concern))).toEqual([]);
  });

  it.each([...CONCERNS])("opens no security group of %s to the internet", (concern) => {
    const json = synth.json(concern);
    const rules = [
      ...Object.values(resourcesOf(json, "aws_vpc_security_group_ingress_rule")),
      ...Object.values(resourcesOf(json, "aws_security_group")).flatMap(
        (g) => (g.ingress as Record<string, unknown>[]) ?? [],
      ),
    ];
    for (const rule of rules) {
      expect(rule.cidr_ipv4 ?? "").not.toBe("0.0.0.0/0");
      expect(rule.cidr_blocks ?? []).not.toContain("0.0.0.0/0");
    }
  });
});

describe("secret scan", () => {
  it("catches a literal secret value but not references or secret names, so the scan can fail", () => {
    const json = {
      resource: {
        x: { y: { master_password: "hunter2", auth_token: "${random_password.a.result}", secretName: "tls" } },
      },
    };
    expect(literalSecrets(json)).toEqual([{ path: "resource.x.y.master_password", value: "hunter2" }]);
  });
});
