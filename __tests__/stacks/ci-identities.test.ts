/**
 * The CI identities (made in <env>-bootstrap, by people): who may assume each role and what it
 * may do, read from the synthesized IAM.
 */
import { CONCERNS, PULL_REQUEST_CONCERNS, type Concern } from "../../config";
import { resourcesOf, synthEnvironment, type SynthesizedEnvironment, type TerraformJson } from "../helpers";

type Json = Record<string, unknown>;
type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Json;
};

const roleNamed = (json: TerraformJson, name: string): Json => {
  const role = Object.values(resourcesOf(json, "aws_iam_role")).find((r) => r.name === name);
  if (!role) throw new Error(`no IAM role ${name}`);
  return role;
};
const subjectsOf = (role: Json): string[] => {
  const trust = JSON.parse(role.assume_role_policy as string).Statement[0];
  return trust.Condition.StringEquals["token.actions.githubusercontent.com:sub"];
};
const statementsOf = (json: TerraformJson, policyName: string): Statement[] => {
  const policy = Object.values(resourcesOf(json, "aws_iam_role_policy")).find((p) => p.name === policyName);
  if (!policy) throw new Error(`no inline policy ${policyName}`);
  return JSON.parse(policy.policy as string).Statement;
};
const actions = (s: Statement) => [s.Action ?? []].flat();
const resources = (s: Statement) => [s.Resource ?? []].flat();
/** Whether an IAM action pattern (`iam:Create*`) covers an action (`iam:CreateRole`). */
const covers = (pattern: string, action: string) => new RegExp(`^${pattern.replace(/\*/g, ".*")}$`, "i").test(action);

describe.each(["dev", "prod"])("%s CI identities", (env) => {
  const synth: SynthesizedEnvironment = synthEnvironment(env);
  const json = synth.json("bootstrap");
  const prefix = `marketing-agents-${env}`;
  const account = synth.config.account.id;
  const boundaryArn = `arn:aws:iam::${account}:policy/${prefix}-boundary`;
  const serviceBoundaryArn = `arn:aws:iam::${account}:policy/${prefix}-service-role-boundary`;

  it("lives in bootstrap, which CI never applies, not in a stack the deploy role changes", () => {
    for (const concern of CONCERNS.filter((c) => c !== "bootstrap")) {
      const names = Object.values(resourcesOf(synth.json(concern), "aws_iam_role")).map((r) => r.name);
      expect(names.filter((n) => /-(deploy|plan|pr-plan|push-image)$/.test(String(n)))).toEqual([]);
      expect(resourcesOf(synth.json(concern), "aws_iam_openid_connect_provider")).toEqual({});
    }
  });

  describe("deploy role", () => {
    const statements = statementsOf(json, `${prefix}-deploy`);

    it("is trusted only through its reviewed GitHub environment, never a branch", () => {
      expect(subjectsOf(roleNamed(json, `${prefix}-deploy`))).toEqual([
        `repo:acme/marketing-agents-infra:environment:${env}`,
      ]);
    });

    it("creates roles, or grants them permissions, only with one of the environment's boundaries on", () => {
      const grantActions = [
        "iam:CreateRole",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:PutRolePermissionsBoundary",
      ];
      for (const action of grantActions) {
        const allowing = statements.filter((s) => s.Effect === "Allow" && actions(s).some((a) => covers(a, action)));
        expect(allowing.length).toBeGreaterThan(0);
        allowing.forEach((s) =>
          expect(s.Condition).toEqual({
            StringEquals: { "iam:PermissionsBoundary": [boundaryArn, serviceBoundaryArn] },
          }),
        );
      }
    });

    it("cannot touch its own role, the other CI roles or the boundary, and never removes a boundary", () => {
      const deny = statements.find((s) => s.Sid === "NeverTouchTheCiIdentitiesOrTheBoundary") as Statement;
      expect(deny.Effect).toBe("Deny");
      for (const role of ["deploy", "plan", "pr-plan", "push-image"]) {
        expect(resources(deny)).toContain(`arn:aws:iam::${account}:role/${prefix}-${role}`);
      }
      expect(resources(deny)).toContain(boundaryArn);
      expect(resources(deny)).toContain(serviceBoundaryArn);
      for (const action of [
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:CreatePolicyVersion",
        "iam:PassRole",
      ]) {
        expect(actions(deny).some((a) => covers(a, action))).toBe(true);
      }
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Action: "iam:DeleteRolePermissionsBoundary", Resource: "*" }),
      );
    });

    it("passes only this environment's roles, and only to the services that run them", () => {
      const passing = statements.filter(
        (s) => s.Effect === "Allow" && actions(s).some((a) => covers(a, "iam:PassRole")),
      );
      const hosts = synth.config.cluster.operatorAccess.enabled ? 1 : 0;
      expect(passing).toHaveLength(1 + hosts);
      expect(passing[0].Resource).toBe(`arn:aws:iam::${account}:role/${prefix}-*`);
      expect(passing[0].Condition).toEqual({
        StringEquals: {
          "iam:PassedToService": expect.arrayContaining(["eks.amazonaws.com", "codebuild.amazonaws.com"]),
        },
      });
      expect(JSON.stringify(passing[0].Condition)).not.toContain("ec2.amazonaws.com");
      // EC2 gets the operator host's role only, where config runs one: an instance profile's role.
      for (const toEc2 of passing.slice(1)) {
        expect(toEc2.Resource).toEqual([`arn:aws:iam::${account}:role/${prefix}-operator-access-host`]);
        expect(toEc2.Condition).toEqual({ StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } });
      }
    });
  });

  describe("pull-request plan role", () => {
    const statements = statementsOf(json, `${prefix}-pr-plan`);

    it("is the only role a pull request can assume", () => {
      const roles = Object.values(resourcesOf(json, "aws_iam_role")).filter((r) =>
        String(r.assume_role_policy).includes("token.actions.githubusercontent.com"),
      );
      const prTrusted = roles.filter((r) => subjectsOf(r).some((s) => s.endsWith(":pull_request")));
      expect(prTrusted.map((r) => r.name)).toEqual([`${prefix}-pr-plan`]);
    });

    it("can read no secret value: Secrets Manager and SSM values are denied, and nothing allows them", () => {
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: "Deny",
          Action: expect.arrayContaining(["secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters"]),
          Resource: "*",
        }),
      );
      const allows = statements.filter((s) => s.Effect === "Allow");
      expect(allows.flatMap(actions).filter((a) => covers(a, "secretsmanager:GetSecretValue"))).toEqual([]);
      // Objects: the state of the stacks a pull request plans, nothing else (evaluated in who-can-do-what).
      const objectReads = allows.filter((s) => actions(s).some((a) => covers(a, "s3:GetObject")));
      expect(objectReads.flatMap(resources).sort()).toEqual(
        PULL_REQUEST_CONCERNS.map(
          (c) => `arn:aws:s3:::marketing-agents-tfstate-${env}-${account}/${env}/${c}.tfstate`,
        ).sort(),
      );
    });

    it("cannot read the state of the stacks that hold secrets, nor the data buckets", () => {
      const deny = statements.find((s) => s.Sid === "NoStateThatHoldsSecrets") as Statement;
      expect(actions(deny)).toContain("s3:GetObject");
      const secretHolding = CONCERNS.filter((c) => !PULL_REQUEST_CONCERNS.includes(c as Concern));
      expect(secretHolding).toEqual(["data", "platform", "app"]);
      for (const concern of secretHolding) {
        expect(resources(deny)).toContain(
          `arn:aws:s3:::marketing-agents-tfstate-${env}-${account}/${env}/${concern}.tfstate`,
        );
      }
      expect(resources(deny)).toContain(`arn:aws:s3:::${prefix}-*/*`);
    });

    it("has no way into the cluster (no EKS access entry)", () => {
      const entries = Object.values((synth.json("cluster").module?.eks as Json).access_entries as Record<string, Json>);
      expect(entries.map((e) => e.principal_arn)).not.toContain(`arn:aws:iam::${account}:role/${prefix}-pr-plan`);
    });
  });

  it("lets full plans (which read secrets) run only in the protected <env>-plan environment, and drift.yml's in <env>-drift", () => {
    const trust = JSON.parse(roleNamed(json, `${prefix}-plan`).assume_role_policy as string).Statement as Statement[];
    const claim = (s: Statement, key: string) =>
      (s.Condition?.StringEquals as Json)[`token.actions.githubusercontent.com:${key}`];
    expect(trust.map((s) => [claim(s, "sub"), claim(s, "workflow")])).toEqual([
      [[`repo:acme/marketing-agents-infra:environment:${synth.config.ci.githubEnvironment}-plan`], undefined],
      [[`repo:acme/marketing-agents-infra:environment:${synth.config.ci.githubEnvironment}-drift`], ["drift"]],
    ]);
  });

  it("lets the app repository's main branch push images to its own ECR repository only", () => {
    expect(subjectsOf(roleNamed(json, `${prefix}-push-image`))).toEqual([
      "repo:acme/marketing-agents:ref:refs/heads/main",
    ]);
    const push = statementsOf(json, `${prefix}-push-image`).find((s) => s.Sid === "PushToThisRepository") as Statement;
    expect(push.Resource).toBe(`arn:aws:ecr:us-east-1:${account}:repository/${prefix}`);
  });

  describe("permissions boundaries", () => {
    const boundaryStatements = (name: string) => {
      const boundary = Object.values(resourcesOf(json, "aws_iam_policy")).find((p) => p.name === name);
      return JSON.parse(boundary?.policy as string).Statement as (Statement & { NotAction?: string[] })[];
    };
    const allows = (name: string, action: string) =>
      boundaryStatements(name).some((s) => s.Effect === "Allow" && actions(s).some((a) => covers(a, action)));

    it("are allow-lists: no NotAction, no service wildcard (what each allows is evaluated in __tests__/security)", () => {
      for (const name of [`${prefix}-boundary`, `${prefix}-service-role-boundary`]) {
        const statements = boundaryStatements(name);
        expect(statements.filter((s) => s.NotAction !== undefined)).toEqual([]);
        expect(statements.flatMap(actions).filter((a) => /(^|:)\*$/.test(a))).toEqual([]);
      }
    });

    it("let no role under them write IAM or pass a role; service roles make the load balancers' service-linked role", () => {
      for (const name of [`${prefix}-boundary`, `${prefix}-service-role-boundary`]) {
        for (const action of [
          "iam:CreateRole",
          "iam:PutRolePolicy",
          "iam:AttachRolePolicy",
          "iam:PassRole",
          "iam:CreatePolicyVersion",
          "organizations:LeaveOrganization",
        ]) {
          expect({ name, action, allowed: allows(name, action) }).toEqual({ name, action, allowed: false });
        }
      }
      expect(allows(`${prefix}-service-role-boundary`, "iam:CreateServiceLinkedRole")).toBe(true);
      expect(allows(`${prefix}-boundary`, "iam:CreateServiceLinkedRole")).toBe(false);
      for (const action of ["ec2:CreateNetworkInterface", "s3:PutObject", "secretsmanager:GetSecretValue"]) {
        expect({ action, allowed: allows(`${prefix}-boundary`, action) }).toEqual({ action, allowed: true });
      }
    });

    it.each(CONCERNS.filter((c) => c !== "bootstrap"))(
      "bound every role %s creates: AWS service roles by the service-role boundary, the others by the workload one",
      (concern) => {
        const stack = synth.json(concern as Concern);
        const serviceTrusts = ["backup.amazonaws.com"];
        for (const role of Object.values(resourcesOf(stack, "aws_iam_role"))) {
          const service = serviceTrusts.some((t) => String(role.assume_role_policy).includes(t));
          expect({ role: role.name, boundary: role.permissions_boundary }).toEqual({
            role: role.name,
            boundary: service ? serviceBoundaryArn : boundaryArn,
          });
        }
        const modules = stack.module ?? {};
        if (modules.eks) {
          expect(modules.eks.iam_role_permissions_boundary).toBe(serviceBoundaryArn);
          for (const group of Object.values(modules.eks.eks_managed_node_groups as Record<string, Json>)) {
            expect(group.iam_role_permissions_boundary).toBe(serviceBoundaryArn);
          }
        }
        if (modules.vpc) expect(modules.vpc.vpc_flow_log_permissions_boundary).toBe(serviceBoundaryArn);
        if (modules.postgres) expect(modules.postgres.monitoring_role_permissions_boundary).toBe(serviceBoundaryArn);
      },
    );
  });
});
