/**
 * Every IAM role of a synth output with what it may do, read from the synthesized JSON as a
 * reviewer would: inline policies (aws_iam_role_policy and the role's inline_policy blocks),
 * customer managed policies attached to it (aws_iam_role_policy_attachment, aws_iam_policy_attachment,
 * managed_policy_arns), AWS managed policies by name (their contents are not in the synth), its
 * permissions boundary and its trust policy. Action patterns are kept as written (no wildcard
 * expansion) and Terraform references (`${...}`) are text, so two synths compare like for like.
 */
import type { Json, SynthOutput } from "./synth-output";

/** The resources (and conditions) one action is allowed or denied on, as written. */
export interface ActionScopes {
  /** The action as first written (IAM compares action names without case). */
  readonly action: string;
  /** `arn:... when StringEquals kms:ViaService = s3.us-east-1.amazonaws.com`, one per resource. */
  readonly scopes: Set<string>;
}

/** What a set of policies allows and denies. */
export interface Permissions {
  /** Allowed actions, by lower-cased action pattern. */
  readonly allows: Map<string, ActionScopes>;
  /** Denied actions, by lower-cased action pattern. */
  readonly denies: Map<string, ActionScopes>;
  /** Policies known by name only: `PowerUserAccess (AWS managed)`, or an ARN these stacks do not define. */
  readonly namedPolicies: Set<string>;
  /** Policies that are not a JSON document (a data source's output...), by label, compared as text. */
  readonly unreadable: Map<string, string>;
}

/** Who may assume a role, and on which conditions. */
export interface Trust {
  /** `Service pods.eks.amazonaws.com`, `Federated ${aws_iam_openid_connect_provider...arn}`, `AWS arn:...`. */
  readonly principals: Set<string>;
  /** sts:AssumeRole, sts:TagSession... */
  readonly actions: Set<string>;
  /**
   * `StringEquals token.actions.githubusercontent.com:sub` -> its values, joined; with several Allow
   * statements, the clause ends in a tab and the statement's Sid or number (1-based).
   */
  readonly conditions: Map<string, string>;
  /** Principals a Deny statement refuses. */
  readonly refused: Set<string>;
  /** The trust policy as text when it is not a JSON document. */
  readonly text?: string;
}

/** One aws_iam_role and everything that grants it or bounds it. */
export interface RoleAccess {
  readonly environment: string;
  readonly stack: string;
  /** The role's name (or its Terraform address when the name is not a literal). */
  readonly name: string;
  readonly permissions: Permissions;
  /** The boundary: its name (policy name, or ARN/`X (AWS managed)` when not defined here) and what it allows. */
  readonly boundary?: { readonly name: string; readonly permissions: Permissions };
  readonly trust: Trust;
}

const obj = (value: unknown): Json =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const AWS_MANAGED = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d+:role\/(?:.*\/)?([^/]+)$/;
const POLICY_ARN = /^arn:aws[a-z-]*:iam::\d+:policy\/(?:.*\/)?([^/]+)$/;

/** A resource attribute a `${type.name.attribute}` reference points to, followed across stacks. */
interface Reference {
  readonly stack: string;
  readonly type: string;
  readonly name: string;
}

/**
 * Resolves `${aws_iam_role.x.name}` in `stack`, and a cross-stack reference
 * (`${data.terraform_remote_state.cross-stack-reference-input-<stack>.outputs.<output>}`) through
 * the producing stack's output; anything else stays the literal it is.
 */
function resolve(output: SynthOutput, stack: string, value: unknown, depth = 0): Reference | string {
  const text = String(value);
  const match = /^\$\{([^}]*)\}$/.exec(text.trim());
  if (!match || depth > 5) return text;
  const parts = match[1].split(".");
  if (parts[0] === "data" && parts[1] === "terraform_remote_state" && parts[3] === "outputs") {
    const producer = parts[2].replace(/^cross-stack-reference-input-/, "");
    const produced = obj(obj(output.get(producer)?.json.output)[parts[4]]).value;
    return produced === undefined ? text : resolve(output, producer, produced, depth + 1);
  }
  return parts.length === 3 ? { stack, type: parts[0], name: parts[1] } : text;
}

/** `StringEquals kms:ViaService = a or b; Bool aws:SecureTransport = false`, sorted. */
function conditionText(condition: unknown): string {
  const clauses: string[] = [];
  for (const [operator, keys] of Object.entries(obj(condition))) {
    for (const [key, values] of Object.entries(obj(keys))) {
      clauses.push(`${operator} ${key} = ${list(values).map(String).join(" or ")}`);
    }
  }
  return clauses.sort().join("; ");
}

function emptyPermissions(): Permissions {
  return { allows: new Map(), denies: new Map(), namedPolicies: new Set(), unreadable: new Map() };
}

function parseDocument(text: unknown): Json | undefined {
  if (typeof text !== "string") return typeof text === "object" && text !== null ? obj(text) : undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** Adds one policy document's statements to `into`. */
function addDocument(into: Permissions, label: string, document: unknown): void {
  const parsed = parseDocument(document);
  if (!parsed) {
    into.unreadable.set(label, String(document));
    return;
  }
  for (const statement of list(parsed.Statement).map(obj)) {
    const effect = statement.Effect === "Deny" ? into.denies : into.allows;
    const actions =
      statement.NotAction !== undefined
        ? [`everything except ${list(statement.NotAction).map(String).sort().join(", ")}`]
        : list(statement.Action).map(String);
    const resources =
      statement.NotResource !== undefined
        ? [`everything except ${list(statement.NotResource).map(String).sort().join(", ")}`]
        : list(statement.Resource ?? "*").map(String);
    const condition = conditionText(statement.Condition);
    for (const action of actions) {
      const entry = effect.get(action.toLowerCase()) ?? { action, scopes: new Set<string>() };
      resources.forEach((r) => entry.scopes.add(condition ? `${r} when ${condition}` : r));
      effect.set(action.toLowerCase(), entry);
    }
  }
}

/** A trust statement's name in the review: its Sid, else its place among the Allow statements. */
function statementLabel(statement: Json, index: number): string {
  return typeof statement.Sid === "string" && statement.Sid ? statement.Sid : String(index + 1);
}

function readTrust(document: unknown): Trust {
  const trust: Trust = { principals: new Set(), actions: new Set(), conditions: new Map(), refused: new Set() };
  const parsed = parseDocument(document);
  if (!parsed) return { ...trust, text: document === undefined ? undefined : String(document) };
  const statements = list(parsed.Statement).map(obj);
  const allows = statements.filter((st) => st.Effect !== "Deny");
  for (const statement of statements) {
    // Conditions hold per statement: with several, each clause names its statement, so a condition
    // of one (workflow: drift) is not read as applying to the others.
    const where = allows.length > 1 ? `\t${statementLabel(statement, allows.indexOf(statement))}` : "";
    const principals = Object.entries(obj(statement.Principal)).flatMap(([kind, ids]) =>
      list(ids).map((id) => `${kind} ${String(id)}`),
    );
    if (statement.Principal === "*") principals.push("anyone (*)");
    if (statement.Effect === "Deny") {
      principals.forEach((p) => trust.refused.add(p));
      continue;
    }
    principals.forEach((p) => trust.principals.add(p));
    list(statement.Action).forEach((a) => trust.actions.add(String(a)));
    for (const [operator, keys] of Object.entries(obj(statement.Condition))) {
      for (const [key, values] of Object.entries(obj(keys))) {
        const clause = `${operator} ${key}${where}`;
        const merged = new Set([...(trust.conditions.get(clause)?.split(" or ") ?? []), ...list(values).map(String)]);
        trust.conditions.set(clause, [...merged].sort().join(" or "));
      }
    }
  }
  return trust;
}

/** Every resource body of one type in the output, with its stack and address name. */
function resourcesOf(
  output: SynthOutput,
  type: string,
): { stack: string; environment: string; name: string; body: Json }[] {
  return [...output.values()].flatMap((s) =>
    Object.entries(obj(obj(s.json.resource)[type])).map(([name, body]) => ({
      stack: s.id,
      environment: s.environment,
      name,
      body: obj(body),
    })),
  );
}

/** Looks up the policies and roles of an output by address and by literal name. */
class Catalog {
  private readonly policies: ReturnType<typeof resourcesOf>;
  readonly roles: ReturnType<typeof resourcesOf>;

  constructor(private readonly output: SynthOutput) {
    this.policies = resourcesOf(output, "aws_iam_policy");
    this.roles = resourcesOf(output, "aws_iam_role");
  }

  /** The role an attachment's `role` value names: `stack/address`, or undefined when not one of ours. */
  roleId(stack: string, environment: string, value: unknown): string | undefined {
    const target = resolve(this.output, stack, value);
    if (typeof target !== "string")
      return target.type === "aws_iam_role" ? `${target.stack}/${target.name}` : undefined;
    const name = ROLE_ARN.exec(target)?.[1] ?? target;
    const found =
      this.roles.find((r) => r.environment === environment && r.body.name === name) ??
      this.roles.find((r) => r.body.name === name);
    return found ? `${found.stack}/${found.name}` : undefined;
  }

  /** Adds the policy a `policy_arn` names to `into`: its statements when defined here, else its name. */
  addPolicy(into: Permissions, stack: string, environment: string, value: unknown): string {
    const target = resolve(this.output, stack, value);
    const policy =
      typeof target === "string"
        ? this.policyNamed(environment, POLICY_ARN.exec(target)?.[1])
        : this.policies.find(
            (p) => p.stack === target.stack && p.name === target.name && target.type === "aws_iam_policy",
          );
    if (policy) {
      const label = String(policy.body.name ?? policy.name);
      addDocument(into, label, policy.body.policy);
      return label;
    }
    const text = typeof target === "string" ? target : String(value);
    const managed = AWS_MANAGED.exec(text);
    const label = managed ? `${managed[1]} (AWS managed)` : `${text} (not defined in these stacks)`;
    into.namedPolicies.add(label);
    return label;
  }

  private policyNamed(environment: string, name: string | undefined) {
    if (name === undefined) return undefined;
    return (
      this.policies.find((p) => p.environment === environment && p.body.name === name) ??
      this.policies.find((p) => p.body.name === name)
    );
  }
}

/** Every aws_iam_role of the output with its permissions, boundary and trust. */
export function roleAccess(output: SynthOutput): RoleAccess[] {
  const catalog = new Catalog(output);
  const grants = new Map<string, Permissions>();
  const permissionsOf = (id: string | undefined) => {
    if (id === undefined) return undefined;
    if (!grants.has(id)) grants.set(id, emptyPermissions());
    return grants.get(id);
  };
  for (const r of resourcesOf(output, "aws_iam_role_policy")) {
    const into = permissionsOf(catalog.roleId(r.stack, r.environment, r.body.role));
    if (into) addDocument(into, String(r.body.name ?? r.name), r.body.policy);
  }
  for (const r of resourcesOf(output, "aws_iam_role_policy_attachment")) {
    const into = permissionsOf(catalog.roleId(r.stack, r.environment, r.body.role));
    if (into) catalog.addPolicy(into, r.stack, r.environment, r.body.policy_arn);
  }
  for (const r of resourcesOf(output, "aws_iam_policy_attachment")) {
    for (const role of list(r.body.roles)) {
      const into = permissionsOf(catalog.roleId(r.stack, r.environment, role));
      if (into) catalog.addPolicy(into, r.stack, r.environment, r.body.policy_arn);
    }
  }
  return catalog.roles.map((role) => {
    const permissions = permissionsOf(`${role.stack}/${role.name}`) as Permissions;
    for (const inline of list(role.body.inline_policy).map(obj)) {
      addDocument(permissions, String(inline.name ?? "inline"), inline.policy);
    }
    for (const arn of list(role.body.managed_policy_arns)) {
      catalog.addPolicy(permissions, role.stack, role.environment, arn);
    }
    let boundary: RoleAccess["boundary"];
    if (role.body.permissions_boundary !== undefined) {
      const bounds = emptyPermissions();
      const name = catalog.addPolicy(bounds, role.stack, role.environment, role.body.permissions_boundary);
      boundary = { name, permissions: bounds };
    }
    const literalName = typeof role.body.name === "string" && !role.body.name.includes("${");
    return {
      environment: role.environment,
      stack: role.stack,
      name: literalName ? String(role.body.name) : `aws_iam_role.${role.name}`,
      permissions,
      boundary,
      trust: readTrust(role.body.assume_role_policy),
    };
  });
}
