/**
 * Roles chained from a Pod Identity session, evaluated on every environment's synthesized stacks.
 *
 * EKS Pod Identity tags each session, and all of those tags are transitive: STS passes them into
 * any role the pod then assumes (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html,
 * "Cross-account tags"). An AssumeRole that carries session tags, inherited ones included, needs
 * `sts:TagSession` in the assumed role's trust as well as `sts:AssumeRole`
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html, "Chaining roles with
 * session tags" and "Permissions required to add session tags"; the same fix, for external-secrets:
 * https://github.com/external-secrets/external-secrets/issues/2951). Without it the db-admin
 * SecretStore never gets credentials.
 */
import { CONCERNS, loadEnvironments } from "../../config";
import { synthEnvironment } from "../helpers";
import { trustAllows, type Caller } from "../model/iam-trust";
import { rolesOfStack, type SynthesizedRole } from "../model/synthesized-roles";

const POD_IDENTITY: Caller = { kind: "service", service: "pods.eks.amazonaws.com" };
const CHAINED_ACTIONS = ["sts:AssumeRole", "sts:TagSession"];

const allRoles: SynthesizedRole[] = loadEnvironments().flatMap((config) => {
  const synth = synthEnvironment(config.name);
  return CONCERNS.flatMap((concern) => rolesOfStack(`${config.name}-${concern}`, synth.json(concern)));
});

/** Condition keys about the session's tags and source: what a pod session carries, evaluated elsewhere. */
const SESSION_KEY = /^aws:(RequestTag|PrincipalTag)\/|^aws:SourceAccount$/;

/** The trust's conditions without the session-tag and source keys (other keys still decide). */
function withoutSessionConditions(statement: SynthesizedRole["trust"][number]) {
  const kept = Object.entries(statement.Condition ?? {})
    .map(([operator, keys]) => [
      operator,
      Object.fromEntries(Object.entries(keys).filter(([k]) => !SESSION_KEY.test(k))),
    ])
    .filter(([, keys]) => Object.keys(keys).length > 0);
  return { ...statement, Condition: Object.fromEntries(kept) };
}

/**
 * The trust names the caller for the action, whatever it asks of the session's tags and source
 * account (those, for pod roles and the db-admin role, are evaluated in in-cluster-identities.test.ts).
 */
const admits = (role: SynthesizedRole, caller: Caller, action: string) =>
  trustAllows({ Statement: role.trust.map(withoutSessionConditions) }, { action, caller });

/** Roles whose sessions carry Pod Identity's tags: pod roles, and every role assumed from one, transitively. */
function podSessionRoles(roles: SynthesizedRole[]): SynthesizedRole[] {
  const found = roles.filter((r) => admits(r, POD_IDENTITY, "sts:AssumeRole"));
  for (let grew = true; grew;) {
    const next = roles.filter(
      (r) => !found.includes(r) && found.some((source) => namesCaller(r, { kind: "role", arn: source.arn })),
    );
    found.push(...next);
    grew = next.length > 0;
  }
  return found;
}

/** The trust lets the caller in for either action: it means that caller to chain into the role. */
const namesCaller = (role: SynthesizedRole, caller: Caller) => CHAINED_ACTIONS.some((a) => admits(role, caller, a));

/** Every (role, pod-session role it trusts) pair, with the actions the trust allows that caller. */
function chainedTrusts(roles: SynthesizedRole[]) {
  const sources = podSessionRoles(roles);
  return roles.flatMap((role) =>
    sources
      .filter((source) => source !== role && namesCaller(role, { kind: "role", arn: source.arn }))
      .map((source) => ({
        role: role.arn,
        from: source.arn,
        allows: CHAINED_ACTIONS.filter((a) => admits(role, { kind: "role", arn: source.arn }, a)),
      })),
  );
}

describe("roles chained from a Pod Identity session", () => {
  const chains = chainedTrusts(allRoles);

  it("include each environment's db-admin role, assumed by external-secrets' pod role", () => {
    for (const { name, account } of loadEnvironments().map((c) => ({ name: c.name, account: c.account.id }))) {
      expect(chains.map((c) => [c.role, c.from])).toContainEqual([
        `arn:aws:iam::${account}:role/marketing-agents-${name}-db-admin`,
        `arn:aws:iam::${account}:role/marketing-agents-${name}-external-secrets`,
      ]);
    }
  });

  it("each trust the pod session with sts:AssumeRole and sts:TagSession (its tags are transitive)", () => {
    const short = chains.filter((c) => c.allows.length !== CHAINED_ACTIONS.length);
    expect(short).toEqual([]);
  });
});
