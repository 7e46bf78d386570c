/**
 * What a change does to each IAM role, in words: actions it may newly do or no longer do, denies
 * added or lifted, resources that changed per action, AWS managed policies attached or detached,
 * its permissions boundary and its trust. Patterns are compared as written (`ec2:Describe*` is one
 * action pattern, never expanded) and Terraform references as text.
 */
import { roleAccess, type ActionScopes, type Permissions, type RoleAccess, type Trust } from "./iam-roles";
import type { SynthOutput } from "./synth-output";

/** The resources (and conditions) of one action that changed. */
export interface ScopeChange {
  readonly action: string;
  readonly added: string[];
  readonly removed: string[];
}

/** How a set of policies changed. */
export interface PermissionChanges {
  readonly allowsAdded: string[];
  readonly allowsRemoved: string[];
  readonly allowScopes: ScopeChange[];
  readonly deniesAdded: string[];
  readonly deniesRemoved: string[];
  readonly denyScopes: ScopeChange[];
  /** Policies known by name only (AWS managed): attached / detached. */
  readonly policiesAdded: string[];
  readonly policiesRemoved: string[];
  /** Policies that are not JSON whose text changed. */
  readonly unreadableChanged: string[];
}

/** How who may assume the role changed. */
export interface TrustChanges {
  readonly principalsAdded: string[];
  readonly principalsRemoved: string[];
  readonly actionsAdded: string[];
  readonly actionsRemoved: string[];
  /** `token.actions.githubusercontent.com:sub StringEquals repo:...`. */
  readonly conditionsAdded: string[];
  readonly conditionsRemoved: string[];
  readonly conditionsChanged: { readonly condition: string; readonly before: string; readonly after: string }[];
  readonly refusedAdded: string[];
  readonly refusedRemoved: string[];
  readonly textChanged: boolean;
}

/** One role that is new, removed or whose effective access changed. */
export interface RoleChange {
  readonly environment: string;
  readonly stack: string;
  readonly role: string;
  readonly status: "new" | "removed" | "changed";
  readonly permissions: PermissionChanges;
  readonly boundary: {
    readonly before?: string;
    readonly after?: string;
    /** When the same boundary policy's statements changed. */
    readonly changes?: PermissionChanges;
  };
  readonly trust: TrustChanges;
  /** One line: the role and what changed. */
  readonly summary: string;
  /** Everything that changed, in full. */
  readonly details: string[];
}

/** How many actions a summary line names before `...`. */
const SUMMARY_ACTIONS = 5;

const byText = (a: string, b: string) => a.toLowerCase().localeCompare(b.toLowerCase()) || a.localeCompare(b);
const minus = <T>(a: Iterable<T>, b: Set<T>): T[] => [...a].filter((x) => !b.has(x));

function actionDiff(before: Map<string, ActionScopes>, after: Map<string, ActionScopes>) {
  const added = minus(after.keys(), new Set(before.keys())).map((k) => (after.get(k) as ActionScopes).action);
  const removed = minus(before.keys(), new Set(after.keys())).map((k) => (before.get(k) as ActionScopes).action);
  const scopes: ScopeChange[] = [];
  for (const [key, now] of after) {
    const old = before.get(key);
    if (!old) continue;
    const change = { action: now.action, added: minus(now.scopes, old.scopes), removed: minus(old.scopes, now.scopes) };
    if (change.added.length + change.removed.length > 0) scopes.push(change);
  }
  return {
    added: added.sort(byText),
    removed: removed.sort(byText),
    scopes: scopes.sort((a, b) => byText(a.action, b.action)),
  };
}

function permissionChanges(before: Permissions, after: Permissions): PermissionChanges {
  const allows = actionDiff(before.allows, after.allows);
  const denies = actionDiff(before.denies, after.denies);
  const labels = new Set([...before.unreadable.keys(), ...after.unreadable.keys()]);
  return {
    allowsAdded: allows.added,
    allowsRemoved: allows.removed,
    allowScopes: allows.scopes,
    deniesAdded: denies.added,
    deniesRemoved: denies.removed,
    denyScopes: denies.scopes,
    policiesAdded: minus(after.namedPolicies, before.namedPolicies).sort(byText),
    policiesRemoved: minus(before.namedPolicies, after.namedPolicies).sort(byText),
    unreadableChanged: [...labels].filter((l) => before.unreadable.get(l) !== after.unreadable.get(l)).sort(byText),
  };
}

function trustChanges(before: Trust, after: Trust): TrustChanges {
  const clause = (c: string) => {
    const [condition, statement] = c.split("\t");
    const text = condition.replace(/^(\S+) (.+)$/, "$2 $1");
    return statement === undefined ? text : `(trust statement ${statement}) ${text}`;
  };
  const changed = [...after.conditions].filter(([c, v]) => before.conditions.has(c) && before.conditions.get(c) !== v);
  return {
    principalsAdded: minus(after.principals, before.principals).sort(byText),
    principalsRemoved: minus(before.principals, after.principals).sort(byText),
    actionsAdded: minus(after.actions, before.actions).sort(byText),
    actionsRemoved: minus(before.actions, after.actions).sort(byText),
    conditionsAdded: minus(after.conditions.keys(), new Set(before.conditions.keys()))
      .map((c) => `${clause(c)} ${after.conditions.get(c)}`)
      .sort(byText),
    conditionsRemoved: minus(before.conditions.keys(), new Set(after.conditions.keys()))
      .map((c) => `${clause(c)} ${before.conditions.get(c)}`)
      .sort(byText),
    conditionsChanged: changed
      .map(([c, v]) => ({ condition: clause(c), before: before.conditions.get(c) as string, after: v }))
      .sort((a, b) => byText(a.condition, b.condition)),
    refusedAdded: minus(after.refused, before.refused).sort(byText),
    refusedRemoved: minus(before.refused, after.refused).sort(byText),
    textChanged: before.text !== after.text,
  };
}

const EMPTY_PERMISSIONS: Permissions = {
  allows: new Map(),
  denies: new Map(),
  namedPolicies: new Set(),
  unreadable: new Map(),
};
const EMPTY_TRUST: Trust = { principals: new Set(), actions: new Set(), conditions: new Map(), refused: new Set() };

const isEmpty = (changes: object): boolean =>
  Object.values(changes).every((v) => (Array.isArray(v) ? v.length === 0 : v === false || v === undefined));

/** Words for a new role, a removed one, or a change. */
type Tense = "new" | "removed" | "changed";
const VERBS: Record<
  Tense,
  { has: string; hasNot: string; allows: string; allowsNot: string; denies: string; deniesNot: string }
> = {
  changed: {
    has: "now has",
    hasNot: "no longer has",
    allows: "allows {n} more {actions}",
    allowsNot: "no longer allows {n} {actions}",
    denies: "denies {n} more {actions}",
    deniesNot: "no longer denies {n} {actions}",
  },
  new: {
    has: "has",
    hasNot: "",
    allows: "allows {n} {actions}",
    allowsNot: "",
    denies: "denies {n} {actions}",
    deniesNot: "",
  },
  removed: {
    has: "",
    hasNot: "had",
    allows: "",
    allowsNot: "allowed {n} {actions}",
    denies: "",
    deniesNot: "denied {n} {actions}",
  },
};

const actions = (n: number) => `${n} action${n === 1 ? "" : "s"}`;
/** `allows {n} more {actions}` with a count: `allows 1 more action`, `allows 12 more actions`. */
const counted = (template: string, n: number) =>
  template.replace("{n}", String(n)).replace("{actions}", n === 1 ? "action" : "actions");
const named = (items: string[], full: boolean) =>
  full || items.length <= SUMMARY_ACTIONS ? items.join(", ") : `${items.slice(0, SUMMARY_ACTIONS).join(", ")}, ...`;
const scopeWords = (s: ScopeChange) =>
  [
    s.added.length ? `now also on ${s.added.join(", ")}` : "",
    s.removed.length ? `no longer on ${s.removed.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join("; ");

/**
 * The phrases of a permission change; `full` lists every action (details), else the first few;
 * `countsOnly` names none (a boundary many roles share: its actions are in each role's details).
 */
function permissionPhrases(c: PermissionChanges, tense: Tense, full: boolean, countsOnly = false): string[] {
  const v = VERBS[tense];
  const count = (template: string, items: string[]) => {
    const words = counted(template, items.length);
    if (countsOnly) return words;
    return full ? `${words}: ${named(items, true)}` : `${words} (${named(items, false)})`;
  };
  const phrases: string[] = [
    ...c.policiesRemoved.map((p) => `${v.hasNot} ${p}`),
    ...c.policiesAdded.map((p) => `${v.has} ${p}`),
  ];
  if (c.allowsAdded.length) phrases.push(count(v.allows, c.allowsAdded));
  if (c.allowsRemoved.length) phrases.push(count(v.allowsNot, c.allowsRemoved));
  const scopes = (verb: string, changes: ScopeChange[]) => {
    if (changes.length === 0) return [];
    if (full) return changes.map((s) => `${verb} ${s.action} ${scopeWords(s)}`);
    const which = countsOnly
      ? ""
      : ` (${named(
          changes.map((s) => s.action),
          false,
        )})`;
    return [`${verb} ${actions(changes.length)} on other resources${which}`];
  };
  phrases.push(...scopes("allows", c.allowScopes));
  if (c.deniesAdded.length) phrases.push(count(v.denies, c.deniesAdded));
  if (c.deniesRemoved.length) phrases.push(count(v.deniesNot, c.deniesRemoved));
  phrases.push(...scopes("denies", c.denyScopes));
  phrases.push(...c.unreadableChanged.map((p) => `policy ${p} changed (not JSON: compared as text)`));
  return phrases;
}

function boundaryPhrase(b: RoleChange["boundary"], tense: Tense, full: boolean): string[] {
  if (tense === "new") return b.after ? [`boundary ${b.after}`] : [];
  if (tense === "removed") return [];
  if (b.before !== b.after) {
    if (!b.after) return [`boundary: removed (was ${b.before})`];
    return [`boundary: now ${b.after}${b.before ? ` (was ${b.before})` : " (had none)"}`];
  }
  const phrases = b.changes ? permissionPhrases(b.changes, "changed", full, !full) : [];
  if (phrases.length === 0) return [];
  return full ? phrases.map((p) => `boundary ${b.after}: ${p}`) : [`boundary ${b.after}: ${phrases.join(", ")}`];
}

function trustPhrase(t: TrustChanges, tense: Tense): string[] {
  if (tense === "removed") return [];
  const also = tense === "new" ? "" : "now also ";
  const phrases = [
    ...t.principalsAdded.map((p) => `${also}trusts ${p}`),
    ...t.principalsRemoved.map((p) => `no longer trusts ${p}`),
    ...t.actionsAdded.map((a) => `${also}allows ${a}`),
    ...t.actionsRemoved.map((a) => `no longer allows ${a}`),
    ...t.conditionsAdded.map((c) => `${also}requires ${c}`),
    ...t.conditionsRemoved.map((c) => `no longer requires ${c}`),
    ...t.conditionsChanged.map((c) => `now requires ${c.condition} ${c.after} (was ${c.before})`),
    ...t.refusedAdded.map((p) => `now refuses ${p}`),
    ...t.refusedRemoved.map((p) => `no longer refuses ${p}`),
  ];
  if (t.textChanged) phrases.push("trust policy changed (not JSON: compared as text)");
  return phrases.length ? [`trust: ${phrases.join(", ")}`] : [];
}

function describe(change: Omit<RoleChange, "summary" | "details">): { summary: string; details: string[] } {
  const tense = change.status;
  const lead = tense === "new" ? "new role: " : tense === "removed" ? "removed role: " : "";
  const parts = [
    permissionPhrases(change.permissions, tense, false).join(", "),
    ...boundaryPhrase(change.boundary, tense, false),
    ...trustPhrase(change.trust, tense),
  ].filter(Boolean);
  const details = [
    ...permissionPhrases(change.permissions, tense, true),
    ...boundaryPhrase(change.boundary, tense, true),
    ...trustPhrase(change.trust, tense),
  ];
  const body = parts.join("; ") || (tense === "removed" ? "it had no permissions" : "no permissions");
  return { summary: `${change.role} (${change.stack}): ${lead}${body}`, details };
}

function compareRole(before: RoleAccess | undefined, after: RoleAccess | undefined): RoleChange | undefined {
  const status = !before ? "new" : !after ? "removed" : "changed";
  const role = (after ?? before) as RoleAccess;
  const boundaryChanges =
    before?.boundary && after?.boundary && before.boundary.name === after.boundary.name
      ? permissionChanges(before.boundary.permissions, after.boundary.permissions)
      : undefined;
  const change = {
    environment: role.environment,
    stack: role.stack,
    role: role.name,
    status,
    permissions: permissionChanges(before?.permissions ?? EMPTY_PERMISSIONS, after?.permissions ?? EMPTY_PERMISSIONS),
    boundary: {
      before: before?.boundary?.name,
      after: after?.boundary?.name,
      changes: boundaryChanges && !isEmpty(boundaryChanges) ? boundaryChanges : undefined,
    },
    trust: trustChanges(before?.trust ?? EMPTY_TRUST, after?.trust ?? EMPTY_TRUST),
  } as const;
  const unchanged =
    status === "changed" &&
    isEmpty(change.permissions) &&
    isEmpty(change.trust) &&
    change.boundary.before === change.boundary.after &&
    change.boundary.changes === undefined;
  return unchanged ? undefined : { ...change, ...describe(change) };
}

/** Every role (aws_iam_role, by environment and name) that is new, removed or changed from `before` to `after`. */
export function iamChanges(
  before: SynthOutput,
  after: SynthOutput,
  environmentOrder: readonly string[] = [],
): RoleChange[] {
  const key = (r: RoleAccess) => `${r.environment}\u0000${r.name}`;
  const old = new Map(roleAccess(before).map((r) => [key(r), r]));
  const now = new Map(roleAccess(after).map((r) => [key(r), r]));
  const rank = (env: string) =>
    environmentOrder.includes(env) ? environmentOrder.indexOf(env) : environmentOrder.length;
  return [...new Set([...old.keys(), ...now.keys()])]
    .map((k) => compareRole(old.get(k), now.get(k)))
    .filter((c): c is RoleChange => c !== undefined)
    .sort(
      (a, b) =>
        rank(a.environment) - rank(b.environment) ||
        a.environment.localeCompare(b.environment) ||
        a.stack.localeCompare(b.stack) ||
        a.role.localeCompare(b.role),
    );
}
