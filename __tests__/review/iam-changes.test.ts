import { iamChanges, type RoleChange } from "../../scripts/review/iam-changes";
import { planDiff } from "../../scripts/review/plan-diff";
import { buildReview, toMarkdown } from "../../scripts/review/report";
import type { Json, SynthOutput } from "../../scripts/review/synth-output";
import { copyOutput, synthOutputOf } from "./review-helpers";

const prod = synthOutputOf("prod");

/** The resources of one type in a stack, by address name. */
const resources = (output: SynthOutput, stack: string, type: string): Record<string, Json> =>
  ((output.get(stack)?.json.resource as Json)[type] ?? {}) as Record<string, Json>;

/** The body of the one resource of `type` whose address starts with `prefix` (the hash suffix left out). */
function resource(output: SynthOutput, stack: string, type: string, prefix: string): Json {
  const matches = Object.entries(resources(output, stack, type)).filter(([name]) => name.startsWith(prefix));
  if (matches.length !== 1) throw new Error(`${matches.length} ${type} named ${prefix}* in ${stack}`);
  return matches[0][1];
}

function removeResource(output: SynthOutput, stack: string, type: string, prefix: string): void {
  const all = resources(output, stack, type);
  Object.keys(all)
    .filter((name) => name.startsWith(prefix))
    .forEach((name) => delete all[name]);
}

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource?: unknown; Condition?: Json };

/** Edits a policy held as a JSON string in `body[key]`. */
function editPolicy(body: Json, key: string, edit: (statements: Statement[]) => void): void {
  const document = JSON.parse(body[key] as string) as { Statement: Statement[] };
  edit(document.Statement);
  body[key] = JSON.stringify(document);
}

const statement = (statements: Statement[], sid: string) => statements.find((s) => s.Sid === sid) as Statement;
const byRole = (changes: RoleChange[], role: string) => changes.find((c) => c.role === role) as RoleChange;

/** Sets (or, with undefined, removes) one StringEquals key of a role's first trust statement. */
function setTrustCondition(output: SynthOutput, rolePrefix: string, key: string, value: string[] | undefined): void {
  editPolicy(resource(output, "prod-bootstrap", "aws_iam_role", rolePrefix), "assume_role_policy", ([trust]) => {
    const equals = (trust.Condition as { StringEquals: Json }).StringEquals;
    if (value === undefined) delete equals[key];
    else equals[key] = value;
  });
}

const WORKFLOW_REF = "token.actions.githubusercontent.com:job_workflow_ref";
const IMAGE_WORKFLOW = "acme/marketing-agents-infra/.github/workflows/app-image.yml";
const APPLY_WORKFLOW = "acme/marketing-agents-infra/.github/workflows/apply.yml@refs/heads/main";

describe("review: IAM changes per role", () => {
  // Before: the deploy role without a workflow condition, the push role's on main.
  const before = copyOutput(prod);
  setTrustCondition(before, "deploy-role", WORKFLOW_REF, undefined);
  setTrustCondition(before, "push-image-role", WORKFLOW_REF, [`${IMAGE_WORKFLOW}@refs/heads/main`]);
  const after = copyOutput(prod);
  const push = resource(after, "prod-bootstrap", "aws_iam_role_policy", "push-image-role_permissions");
  editPolicy(push, "policy", (statements) => {
    const repository = statement(statements, "PushToThisRepository");
    repository.Action = [
      ...(repository.Action as string[]).filter((a) => a !== "ecr:DescribeImages"),
      "ecr:ListImages",
    ];
    statements.push({ Effect: "Deny", Action: "ecr:DeleteRepository", Resource: "*" });
  });
  setTrustCondition(after, "push-image-role", WORKFLOW_REF, [`${IMAGE_WORKFLOW}@refs/heads/release`]);
  setTrustCondition(after, "deploy-role", WORKFLOW_REF, [APPLY_WORKFLOW]);
  removeResource(after, "prod-cluster", "aws_iam_role_policy_attachment", "vpc-cni-role_permissions_managed");
  const changes = iamChanges(before, after, ["prod"]);

  it("lists only the roles that changed, in words", () => {
    expect(changes.map((c) => c.role)).toEqual([
      "marketing-agents-prod-deploy",
      "marketing-agents-prod-push-image",
      "marketing-agents-prod-vpc-cni",
    ]);
    expect(changes.map((c) => c.summary)).toEqual([
      "marketing-agents-prod-deploy (prod-bootstrap): trust: now also requires token.actions.githubusercontent.com:job_workflow_ref StringEquals acme/marketing-agents-infra/.github/workflows/apply.yml@refs/heads/main",
      "marketing-agents-prod-push-image (prod-bootstrap): allows 1 more action (ecr:ListImages), no longer allows 1 action (ecr:DescribeImages), denies 1 more action (ecr:DeleteRepository); " +
        "trust: now requires token.actions.githubusercontent.com:job_workflow_ref StringEquals acme/marketing-agents-infra/.github/workflows/app-image.yml@refs/heads/release " +
        "(was acme/marketing-agents-infra/.github/workflows/app-image.yml@refs/heads/main)",
      "marketing-agents-prod-vpc-cni (prod-cluster): no longer has AmazonEKS_CNI_Policy (AWS managed)",
    ]);
  });

  it("keeps the change as data for review.json", () => {
    const change = byRole(changes, "marketing-agents-prod-push-image");
    expect(change).toMatchObject({
      environment: "prod",
      stack: "prod-bootstrap",
      status: "changed",
      permissions: {
        allowsAdded: ["ecr:ListImages"],
        allowsRemoved: ["ecr:DescribeImages"],
        deniesAdded: ["ecr:DeleteRepository"],
      },
      trust: {
        conditionsChanged: [
          {
            condition: "token.actions.githubusercontent.com:job_workflow_ref StringEquals",
            before: "acme/marketing-agents-infra/.github/workflows/app-image.yml@refs/heads/main",
            after: "acme/marketing-agents-infra/.github/workflows/app-image.yml@refs/heads/release",
          },
        ],
      },
    });
    expect(byRole(changes, "marketing-agents-prod-vpc-cni").permissions.policiesRemoved).toEqual([
      "AmazonEKS_CNI_Policy (AWS managed)",
    ]);
  });

  it("finds nothing when nothing changed", () => {
    expect(iamChanges(prod, copyOutput(prod))).toEqual([]);
  });

  it("follows a grant made in another stack and names the resources that changed per action", () => {
    const moved = copyOutput(prod);
    // The app role lives in the cluster stack; the data stack grants it its buckets (cross-stack name).
    const grant = resource(moved, "prod-data", "aws_iam_role_policy", "app-grant");
    editPolicy(grant, "policy", (statements) => {
      statement(statements, "WriteLogs").Resource = "${aws_s3_bucket.logs_bucket_5A22438C.arn}/app/*";
    });
    const [change] = iamChanges(prod, moved);
    expect(change.summary).toBe(
      "marketing-agents-prod-app (prod-cluster): allows 1 action on other resources (s3:PutObject)",
    );
    expect(change.details).toEqual([
      "allows s3:PutObject now also on ${aws_s3_bucket.logs_bucket_5A22438C.arn}/app/*; no longer on ${aws_s3_bucket.logs_bucket_5A22438C.arn}/*",
    ]);
  });

  it("reads the statements of an attached customer managed policy", () => {
    const narrowed = copyOutput(prod);
    const allowList = resource(narrowed, "prod-bootstrap", "aws_iam_policy", "deploy-role_allow-list-2");
    editPolicy(allowList, "policy", (statements) => {
      const ec2 = statement(statements, "ApplyEc2");
      ec2.Action = (ec2.Action as string[]).filter((a) => a !== "ec2:CreateFlowLogs");
    });
    expect(iamChanges(prod, narrowed).map((c) => c.summary)).toEqual([
      "marketing-agents-prod-deploy (prod-bootstrap): no longer allows 1 action (ec2:CreateFlowLogs)",
    ]);
  });

  it("names a new role and a removed role as such", () => {
    const changed = copyOutput(prod);
    const cluster = changed.get("prod-cluster")?.json.resource as Record<string, Record<string, Json>>;
    cluster.aws_iam_role["audit-role_0000"] = {
      name: "marketing-agents-prod-audit",
      assume_role_policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
      permissions_boundary: "arn:aws:iam::333333333333:policy/marketing-agents-prod-boundary",
    };
    cluster.aws_iam_role_policy["audit-role_inline_0000"] = {
      role: "${aws_iam_role.audit-role_0000.name}",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "logs:GetLogEvents"], Resource: "*" }],
      }),
    };
    cluster.aws_iam_role_policy_attachment["audit-role_managed_0000"] = {
      role: "marketing-agents-prod-audit",
      policy_arn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
    };
    removeResource(changed, "prod-cluster", "aws_iam_role", "grafana-role");
    removeResource(changed, "prod-cluster", "aws_iam_role_policy", "grafana-role");
    const changes = iamChanges(prod, changed);
    expect(changes.map((c) => [c.role, c.status])).toEqual([
      ["marketing-agents-prod-audit", "new"],
      ["marketing-agents-prod-grafana", "removed"],
    ]);
    expect(changes[0].summary).toBe(
      "marketing-agents-prod-audit (prod-cluster): new role: has ReadOnlyAccess (AWS managed), allows 2 actions (logs:GetLogEvents, s3:GetObject); " +
        "boundary marketing-agents-prod-boundary; trust: trusts Service ec2.amazonaws.com, allows sts:AssumeRole",
    );
    expect(changes[1].summary).toMatch(
      /^marketing-agents-prod-grafana \(prod-cluster\): removed role: allowed \d+ actions \(/,
    );
    expect(changes[1].permissions.allowsRemoved).toContain("cloudwatch:GetMetricData");
  });

  it("reports a boundary removed, and a changed boundary on every role it bounds", () => {
    const changed = copyOutput(prod);
    delete resource(changed, "prod-network", "aws_iam_role", "dns-delegation-dev_reader").permissions_boundary;
    const boundary = resource(changed, "prod-bootstrap", "aws_iam_policy", "permissions-boundary_policy");
    editPolicy(boundary, "policy", (statements) => {
      statements.push({ Effect: "Deny", Action: "ssm:DeleteParameter", Resource: "*" });
    });
    const changes = iamChanges(prod, changed);
    const bounded = Object.values(prod.get("prod-cluster")?.json.resource as Json)
      .flatMap((r) => Object.values(r as Record<string, Json>))
      .filter((r) => r.permissions_boundary !== undefined && r.assume_role_policy !== undefined);
    expect(changes.filter((c) => c.stack === "prod-cluster")).toHaveLength(bounded.length);
    expect(byRole(changes, "marketing-agents-prod-dns-dev-read").summary).toBe(
      "marketing-agents-prod-dns-dev-read (prod-network): boundary: removed (was marketing-agents-prod-boundary)",
    );
    const delegation = byRole(changes, "marketing-agents-prod-dns-dev");
    expect(delegation.summary).toBe(
      "marketing-agents-prod-dns-dev (prod-network): boundary marketing-agents-prod-boundary: denies 1 more action",
    );
    expect(delegation.details).toEqual([
      "boundary marketing-agents-prod-boundary: denies 1 more action: ssm:DeleteParameter",
    ]);
  });

  it("writes an IAM changes section (one folded entry per role) and the same in the JSON review", () => {
    const review = buildReview(after, planDiff(before, after), ["prod"], before);
    const markdown = toMarkdown(review);
    expect(markdown.indexOf("## IAM changes")).toBeLessThan(markdown.indexOf("## Monthly cost"));
    expect(markdown).toContain("3 role(s) changed, 0 new, 0 removed");
    expect(markdown).toContain(
      "<details><summary>marketing-agents-prod-vpc-cni (prod-cluster): no longer has AmazonEKS_CNI_Policy (AWS managed)</summary>\n\n- no longer has AmazonEKS\\_CNI\\_Policy (AWS managed)\n\n</details>",
    );
    expect(markdown).not.toContain("marketing-agents-prod-app (");
    const json = JSON.parse(JSON.stringify(review)) as { iamChanges: RoleChange[] };
    expect(json.iamChanges.map((c) => c.summary)).toEqual(changes.map((c) => c.summary));
    expect(buildReview(after).iamChanges).toBeUndefined();
  });
});

describe("a role trusted by several statements", () => {
  const WORKFLOW = "token.actions.githubusercontent.com:workflow";

  it("says which statement a condition belongs to: the drift statement's workflow condition is not the plan statement's", () => {
    const before = copyOutput(prod);
    const after = copyOutput(prod);
    editPolicy(resource(after, "prod-bootstrap", "aws_iam_role", "plan-role"), "assume_role_policy", (statements) => {
      const drift = statements.find((s) => JSON.stringify(s.Condition).includes(WORKFLOW)) as Statement;
      ((drift.Condition as Json).StringEquals as Json)[WORKFLOW] = ["drift", "nightly"];
    });
    const change = byRole(iamChanges(before, after, ["prod"]), "marketing-agents-prod-plan");
    const statements = JSON.parse(
      resource(after, "prod-bootstrap", "aws_iam_role", "plan-role").assume_role_policy as string,
    ) as { Statement: Statement[] };
    const drift = statements.Statement.findIndex((s) => JSON.stringify(s.Condition).includes(WORKFLOW)) + 1;
    expect(change.summary).toContain(
      `trust: now requires (trust statement ${drift}) ${WORKFLOW} StringEquals drift or nightly (was drift)`,
    );
    // The other statement's subject is its own, not merged with the drift statement's.
    expect(change.summary).not.toContain(" or repo:");
  });
});
