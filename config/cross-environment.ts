/**
 * Rules across environments that catch an environment file copied from another and not fully
 * changed: each environment needs its own zone, host name and account (unless the account is
 * declared shared), a parent lists each child once, and no setting points into another
 * environment's account. Each problem is one line naming the environment, the setting and the fix.
 */
import type { EnvironmentConfig } from "./schema";

const at = (env: string, setting: string) => `environment "${env}", setting ${setting}`;

/**
 * The environments in the order they were added: those no parent delegates to first (in ENVIRONMENTS
 * order), then each parent's `dns.childEnvironments` in its order (a new environment is appended
 * there, docs/environments.md), then any no parent lists yet (the newest: its delegation is still to
 * write). ENVIRONMENTS is promotion order, where a new environment may sit between older ones, so
 * it cannot tell the copy from its original.
 */
export function declarationOrder<T extends Pick<EnvironmentConfig, "name" | "dns">>(configs: readonly T[]): T[] {
  const children = configs.flatMap((parent) => parent.dns.childEnvironments.map((c) => c.name));
  const rank = (env: T) => {
    if (env.dns.parent === null) return -1;
    const listed = children.indexOf(env.name);
    return listed < 0 ? children.length : listed;
  };
  // Array.prototype.sort is stable: equal ranks keep ENVIRONMENTS order.
  return [...configs].sort((a, b) => rank(a) - rank(b));
}

/** Every unordered pair, the earlier-added environment first (the later one is reported: usually the copy). */
function pairs<T extends Pick<EnvironmentConfig, "name" | "dns">>(items: readonly T[]): [T, T][] {
  const ordered = declarationOrder(items);
  return ordered.flatMap((a, i) => ordered.slice(i + 1).map((b) => [a, b] as [T, T]));
}

/**
 * Which of two environments with one value is the copy: the one the value does not name (a zone
 * `staging.example.com` is staging's), else the later one.
 */
function copyOf<T extends { readonly name: string }>(a: T, b: T, value: string): [original: T, copy: T] {
  const labels = value.split(".");
  return labels.includes(b.name) && !labels.includes(a.name) ? [b, a] : [a, b];
}

/** `name` is `zone` or a name below it. */
function isIn(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/** Zones, host names and child listings that a copy keeps from its original. */
export function copiedSettingProblems(configs: readonly EnvironmentConfig[]): string[] {
  return [...zoneProblems(configs), ...domainProblems(configs), ...childListProblems(configs)];
}

/** Accounts: declared sharing, one GitHub OIDC provider per account, no ARN in another environment's account. */
export function accountProblems(configs: readonly EnvironmentConfig[], declared: readonly string[]): string[] {
  return [
    ...sharedWithProblems(configs, declared),
    ...sharingProblems(configs),
    ...oidcProviderProblems(configs),
    ...foreignArnProblems(configs),
  ];
}

/** Two environments with one zone name would create two zones for one domain (the later one's NS records win). */
function zoneProblems(configs: readonly EnvironmentConfig[]): string[] {
  return pairs(configs)
    .filter(([a, b]) => a.dns.zoneName === b.dns.zoneName)
    .map((pair) => {
      const [a, b] = copyOf(...pair, pair[0].dns.zoneName);
      const parent = configs.find((p) => b.dns.parent !== null && p.dns.zoneId === b.dns.parent.zoneId);
      const example = parent ? `, such as ${b.name}.${parent.dns.zoneName}` : "";
      return `${at(b.name, "dns.zoneName")}: ${b.dns.zoneName} is already the zone of environment "${a.name}"; each environment needs a zone of its own${example} (and app.domain in it)`;
    });
}

/**
 * A host name is one environment's: the same name twice is two ExternalDNS owners of one record,
 * and a name inside another environment's (more specific) zone is answered by that zone, not by
 * the one this environment writes it into.
 */
function domainProblems(configs: readonly EnvironmentConfig[]): string[] {
  const same = pairs(configs)
    .filter(([a, b]) => a.app.domain === b.app.domain)
    .map((pair) => {
      const [original, copy] = copyOf(...pair, pair[0].app.domain);
      return `${at(copy.name, "app.domain")}: ${copy.app.domain} is already the host name of environment "${original.name}"; use a name in ${copy.name}'s own zone (dns.zoneName)`;
    });
  return same.concat(shadowedDomainProblems(configs));
}

/** A host name in another environment's zone, more specific than its own: resolvers ask that zone. */
function shadowedDomainProblems(configs: readonly EnvironmentConfig[]): string[] {
  return configs.flatMap((env) => {
    const domain = env.app.domain;
    if (configs.some((o) => o !== env && o.app.domain === domain)) return [];
    const shadowing = configs.find(
      (o) =>
        o !== env &&
        o.dns.zoneName !== env.dns.zoneName &&
        o.dns.zoneName.length > env.dns.zoneName.length &&
        isIn(domain, o.dns.zoneName),
    );
    if (!shadowing) return [];
    return [
      `${at(env.name, "app.domain")}: ${domain} is in ${shadowing.dns.zoneName}, the zone of environment "${shadowing.name}", which answers for it instead of ${env.dns.zoneName}; use a name in ${env.dns.zoneName} outside the other environments' zones`,
    ];
  });
}

/** A parent lists each child once: a second entry would create its delegation roles twice. */
function childListProblems(configs: readonly EnvironmentConfig[]): string[] {
  return configs.flatMap((parent) => {
    const names = parent.dns.childEnvironments.map((c) => c.name);
    return names.flatMap((name, i) => {
      const first = names.indexOf(name);
      if (first === i) return [];
      return [
        `${at(parent.name, `dns.childEnvironments[${i}]`)}: lists ${name} again (dns.childEnvironments[${first}]); list each environment once`,
      ];
    });
  });
}

/** Each `account.sharedWith` entry names another declared environment of the same account. */
function sharedWithProblems(configs: readonly EnvironmentConfig[], declared: readonly string[]): string[] {
  return configs.flatMap((env) =>
    env.account.sharedWith.flatMap((name, i) => {
      const setting = at(env.name, `account.sharedWith[${i}]`);
      if (name === env.name) {
        return [`${setting}: ${name} is this environment; list the other environments of account ${env.account.id}`];
      }
      const other = configs.find((c) => c.name === name);
      // A declared environment that failed its own checks is reported by them.
      if (!other && declared.includes(name)) return [];
      if (!other) {
        const allowed = declared.filter((n) => n !== env.name).join(", ");
        return [`${setting}: ${name} is not an environment; allowed: ${allowed}`];
      }
      if (other.account.id !== env.account.id) {
        return [
          `${setting}: ${name} is in account ${other.account.id}, not ${env.account.id}; list only environments of this account`,
        ];
      }
      return [];
    }),
  );
}

/**
 * Two environments in one account is a decision, declared on both sides; a production
 * environment shares with none (config/schema.ts holds it to an empty `account.sharedWith`).
 */
function sharingProblems(configs: readonly EnvironmentConfig[]): string[] {
  return pairs(configs)
    .filter(([a, b]) => a.account.id === b.account.id)
    .flatMap(([a, b]) => {
      const id = a.account.id;
      const production = [a, b].find((c) => c.stage === "production");
      if (production) {
        const other = production === a ? b : a;
        return [
          `${at(other.name, "account.id")}: ${id} is the account of environment "${production.name}", a production environment, which shares its account with none; give ${other.name} an account of its own`,
        ];
      }
      const aLists = a.account.sharedWith.includes(b.name);
      const bLists = b.account.sharedWith.includes(a.name);
      if (aLists && bLists) return [];
      if (!aLists && !bLists) {
        return [
          `${at(b.name, "account.id")}: ${id} is also the account of environment "${a.name}"; give one of them an account of its own, or declare the sharing on both sides: account.sharedWith ["${a.name}"] in ${b.name} and ["${b.name}"] in ${a.name}`,
        ];
      }
      const [silent, lister] = aLists ? [b, a] : [a, b];
      return [
        `${at(silent.name, "account.sharedWith")}: must list ${lister.name}, which shares account ${id} with ${silent.name} and lists it (both sides declare a shared account)`,
      ];
    });
}

/** IAM has one OIDC provider per URL in an account: the first environment to ask for it creates it. */
function oidcProviderProblems(configs: readonly EnvironmentConfig[]): string[] {
  const creators = new Map<string, string>();
  return declarationOrder(configs).flatMap((env) => {
    if (!env.ci.createGithubOidcProvider) return [];
    const creator = creators.get(env.account.id);
    if (creator === undefined) {
      creators.set(env.account.id, env.name);
      return [];
    }
    return [
      `${at(env.name, "ci.createGithubOidcProvider")}: must be false: environment "${creator}", added before ${env.name}, creates the GitHub OIDC provider of account ${env.account.id} (one per account); ${env.name} looks it up, so apply ${creator}'s bootstrap first`,
    ];
  });
}

/** Settings that name other accounts by design: the parent's delegation role, the children's accounts and people. */
const CROSS_ACCOUNT_SETTINGS = ["dns.parent", "dns.childEnvironments"];

const ARN_ACCOUNT = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/;

/** Every ARN in the environment's settings, with the setting it is in. */
function arnsOf(value: unknown, path = ""): { setting: string; arn: string }[] {
  if (typeof value === "string") return ARN_ACCOUNT.test(value) ? [{ setting: path, arn: value }] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => arnsOf(item, `${path}[${i}]`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) => arnsOf(item, path ? `${path}.${key}` : key));
  }
  return [];
}

/**
 * An ARN in another environment's account (an admin role, a CodeConnections connection copied
 * with the file) would give that environment's people, or its connection, a hand in this one.
 * Accounts no environment lives in (an identity account's roles) stay allowed.
 */
function foreignArnProblems(configs: readonly EnvironmentConfig[]): string[] {
  return configs.flatMap((env) =>
    arnsOf(env)
      .filter(
        ({ setting }) =>
          !CROSS_ACCOUNT_SETTINGS.some(
            (s) => setting === s || setting.startsWith(`${s}.`) || setting.startsWith(`${s}[`),
          ),
      )
      .flatMap(({ setting, arn }) => {
        const account = (ARN_ACCOUNT.exec(arn) as RegExpExecArray)[1];
        if (account === env.account.id) return [];
        const owner = configs.find((o) => o !== env && o.account.id === account);
        if (!owner) return [];
        return [
          `${at(env.name, setting)}: ${arn} is in account ${account}, the account of environment "${owner.name}"; use one in ${env.name}'s account ${env.account.id} (or in an account no environment lives in)`,
        ];
      }),
  );
}
