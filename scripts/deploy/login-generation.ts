/**
 * The app's two logins alternate with `database.appLoginGeneration` (even: the first, odd: the
 * second). A deploy may keep the generation the environment runs or add one: two more would make
 * the create-app-user Job set a new password on the very login the pods use, an outage until they
 * roll (docs/day-2.md, "On a credential rotation"). What each stack applied is read from its state.
 */
import { PROJECT, appLoginAt, type EnvironmentConfig } from "../../config";
import { attributesOf, stringsIn, type AppliedState } from "./applied-state";

/** The generation each stack last applied; undefined where the stack records none (never applied). */
export interface AppliedGenerations {
  /** The data stack's: the `rotation` keeper of the login's random_password (its password's generation). */
  readonly data?: number;
  /**
   * The app stack's: the lowest generation its Deployment or an ExternalSecret still names (an
   * ExternalSecret left deposed by a failed rollout still feeds pods): the login the pods may use.
   */
  readonly app?: number;
}

/** The data stack's generation: its random_password whose `rotation` keeper the login secret sets. */
export function dataLoginGeneration(state: AppliedState | undefined): number | undefined {
  if (!state) return undefined;
  const rotations = attributesOf(state, "random_password")
    .map((a) => (a.keepers as Record<string, unknown> | null | undefined)?.rotation)
    .filter((r): r is string => typeof r === "string" && /^\d+$/.test(r))
    .map(Number);
  return rotations.length > 0 ? Math.max(...rotations) : undefined;
}

/**
 * The app stack's generation: the app's Secret is `<app>-secrets-<generation>` (stacks/app-stack.ts),
 * which its Deployment reads and its ExternalSecret writes. Before the two logins existed it had no
 * number: then undefined, and any generation moves the pods off the old shared login.
 */
export function appLoginGeneration(state: AppliedState | undefined): number | undefined {
  if (!state) return undefined;
  const secretName = new RegExp(`^${PROJECT}-secrets-(\\d+)$`);
  const generations = ["kubernetes_deployment_v1", "kubernetes_manifest"]
    .flatMap((type) => attributesOf(state, type, { withDeposed: true }))
    .flatMap(stringsIn)
    .map((s) => secretName.exec(s)?.[1])
    .filter((g): g is string => g !== undefined)
    .map(Number);
  return generations.length > 0 ? Math.min(...generations) : undefined;
}

/**
 * The generations config may hold: the one the pods use and the next, never below what the data
 * stack applied (a lower one would write a new password for a login the pods may use). Undefined
 * before any generation was applied: anything goes.
 */
export function allowedGenerations(applied: AppliedGenerations): number[] | undefined {
  const running = applied.app ?? applied.data;
  if (running === undefined) return undefined;
  const floor = applied.data ?? running;
  const allowed = [running, running + 1].filter((g) => g >= floor);
  if (allowed.length > 0) return allowed;
  // The data stack ran ahead by two or more (applied alone, before this check): the next
  // generation at or above it whose login is not the pods'.
  return [(floor - running) % 2 === 1 ? floor : floor + 1];
}

/** One line refusing config's generation, or undefined when it may be deployed. */
export function generationRefusal(config: EnvironmentConfig, applied: AppliedGenerations): string | undefined {
  const allowed = allowedGenerations(applied);
  const wanted = config.database.appLoginGeneration;
  if (allowed === undefined || allowed.includes(wanted)) return undefined;
  const running = (applied.app ?? applied.data) as number;
  const why =
    wanted < Math.max(running, applied.data ?? running)
      ? "a generation never decreases"
      : (wanted - running) % 2 === 0
        ? `${wanted} would set a new password on ${appLoginAt(wanted)} while the pods use it (an outage until they roll)`
        : "a rotation adds one at a time";
  const fix = wanted < allowed[0] ? allowed[0] : allowed[allowed.length - 1];
  const then = wanted > fix ? ", deploy data and app, then add one again" : "";
  return `environment "${config.name}": setting database.appLoginGeneration is ${wanted}, but ${appliedText(config, applied)}: allowed ${allowed.join(" or ")}, and ${why}: set ${fix} in config/${config.name}.ts${then} (docs/day-2.md, "On a credential rotation")`;
}

/** What the environment runs, in words. */
function appliedText(config: EnvironmentConfig, applied: AppliedGenerations): string {
  const data = `${config.name}-data`;
  if (applied.app === undefined) return `${data} applied generation ${applied.data}`;
  const pods = `the environment runs generation ${applied.app} (its pods log in as ${appLoginAt(applied.app)})`;
  return applied.data !== undefined && applied.data !== applied.app
    ? `${pods} and ${data} already applied ${applied.data}`
    : pods;
}
