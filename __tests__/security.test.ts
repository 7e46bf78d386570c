/** Checks across every synthesized stack of every environment. */
import { CONCERNS } from "../config";
import { resourcesOf, synthEnvironment } from "./helpers";

const ENVIRONMENTS = ["dev", "staging", "prod"];
const SECRET_WORDS = /password|token|secret/i;
// Keys that name or point at a secret (secretName, secretKey, secretRef) rather than hold one.
const NAMES_A_SECRET = /(name|key|ref)$/i;
// Values that are references or non-secret settings, not secret values.
const NOT_A_SECRET_VALUE = /^\$\{|^(true|false|required|optional|enabled|disabled)$|^arn:aws:/;

/** Every [path, value] of a JSON document whose key names a secret and whose value is a literal string. */
function literalSecrets(value: unknown, path = ""): [string, string][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => literalSecrets(v, `${path}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  // "//" holds cdktf's metadata (construct paths, output names), not configuration.
  const entries = Object.entries(value).filter(([key]) => key !== "//");
  return entries.flatMap(([key, v]) => {
    const here = `${path}.${key}`;
    const holdsSecret = SECRET_WORDS.test(key) && !NAMES_A_SECRET.test(key);
    if (typeof v === "string" && holdsSecret && !NOT_A_SECRET_VALUE.test(v)) return [[here, v] as [string, string]];
    return literalSecrets(v, here);
  });
}

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
  it("catches a literal secret value, so the scan can fail", () => {
    expect(
      literalSecrets({
        resource: {
          x: { y: { master_password: "hunter2", auth_token: "${random_password.a.result}", secretName: "tls" } },
        },
      }),
    ).toEqual([[".resource.x.y.master_password", "hunter2"]]);
  });
});
