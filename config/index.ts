/**
 * The environments this project deploys, validated together.
 * Adding an environment: docs/environments.md, "Add an environment" (every step, tested).
 */
import type { z } from "zod";
import { cidrsOverlap } from "./cidr";
import { ConfigError } from "./config-error";
import { dev } from "./dev";
import { prod } from "./prod";
import { zoneDelegationRoleArn } from "./naming";
import { accountProblems, copiedSettingProblems, declarationOrder } from "./cross-environment";
import { repositoryProblems } from "./delivery";
import { issueMessage } from "./issue-messages";
import { environmentSchema, type EnvironmentConfig } from "./schema";
import { staging } from "./staging";
import { kubernetesPromotionProblems } from "./versions";

export { ConfigError } from "./config-error";
export type { EnvironmentConfig, NodeGroupConfig } from "./schema";
export { EKS_SERVICE_CIDR, imageTagSchema } from "./schema";
export * from "./naming";
export * from "./placeholders";
export * from "./delivery";
export * from "./organization";
export * from "./versions";

/** Every environment, in promotion order. */
export const ENVIRONMENTS: readonly unknown[] = [dev, staging, prod];

/**
 * The production environments, named once, here: their `stage` must be "production" (so the
 * schema's production rules apply), and the policy gate holds the production floor on their
 * stacks on its own. A label in an environment's file cannot switch either off.
 */
export const PRODUCTION_ENVIRONMENTS: readonly string[] = ["prod"];

function describePath(path: PropertyKey[]): string {
  return path
    .map((p) => (typeof p === "number" ? `[${p}]` : String(p)))
    .join(".")
    .replace(/\.\[/g, "[");
}

function environmentLabel(raw: unknown, index: number): string {
  const name = (raw as { name?: unknown } | null)?.name;
  return typeof name === "string" ? name : `#${index + 1}`;
}

function formatIssue(env: string, issue: z.core.$ZodIssue, raw: unknown): string {
  const field = describePath(issue.path) || "(root)";
  return `environment "${env}", setting ${field}: ${issueMessage(issue, environmentSchema, raw)}`;
}

/** Validates one environment; returns the typed config or the list of problems. */
export function validateEnvironment(raw: unknown, index = 0): { config?: EnvironmentConfig; problems: string[] } {
  const result = environmentSchema.safeParse(raw);
  if (result.success) return { config: result.data, problems: [] };
  const label = environmentLabel(raw, index);
  return { problems: result.error.issues.map((i) => formatIssue(label, i, raw)) };
}

/**
 * Production is what PRODUCTION_ENVIRONMENTS says, checked on the raw settings so the answer does
 * not wait for (or drown in) the production rules a mislabelled environment would then break.
 */
function productionProblems(raws: readonly unknown[], production: readonly string[]): string[] {
  return raws.flatMap((raw) => {
    const { name, stage } = (raw ?? {}) as { name?: unknown; stage?: unknown };
    if (typeof name !== "string") return [];
    const listed = production.includes(name);
    if (listed && stage !== "production") {
      return [
        `environment "${name}", setting stage: must be "production": ${name} is listed in PRODUCTION_ENVIRONMENTS (config/index.ts)`,
      ];
    }
    if (!listed && stage === "production") {
      return [
        `environment "${name}", setting stage: "production" is allowed only for the environments listed in PRODUCTION_ENVIRONMENTS (config/index.ts); add ${name} there`,
      ];
    }
    return [];
  });
}

/** Rules across environments: unique names, VPCs that can later be peered, zone delegations both sides agree on. */
function crossEnvironmentProblems(configs: readonly EnvironmentConfig[], declared: readonly string[]): string[] {
  const problems: string[] = [];
  // The later-added of two environments is reported: usually the copy of the other (declarationOrder).
  const added = declarationOrder(configs);
  added.forEach((a, i) => {
    added.slice(i + 1).forEach((b) => {
      if (a.name === b.name) problems.push(`environment "${b.name}", setting name: must be unique (listed twice)`);
      if (cidrsOverlap(a.network.vpcCidr, b.network.vpcCidr)) {
        problems.push(
          `environment "${b.name}", setting network.vpcCidr: ${b.network.vpcCidr} overlaps ${a.network.vpcCidr} of environment "${a.name}" (added before ${b.name}); give ${b.name} a range of its own: VPC CIDRs must not overlap`,
        );
      }
    });
  });
  configs.forEach((parent) => problems.push(...zoneDelegationProblems(parent, configs, declared)));
  problems.push(...unofferedDelegationProblems(configs));
  problems.push(...repositoryProblems(configs));
  // What a copied environment file keeps from its original: zone, host, account, its ARNs.
  problems.push(...copiedSettingProblems(configs));
  problems.push(...accountProblems(configs, declared));
  // Environments upgrade one at a time, dev first: configs are in promotion order.
  problems.push(...kubernetesPromotionProblems(configs));
  return problems;
}

/** A parent zone's `childEnvironments` and each child's `dns.parent` must describe the same delegation. */
function zoneDelegationProblems(
  parent: EnvironmentConfig,
  configs: readonly EnvironmentConfig[],
  declared: readonly string[],
): string[] {
  return parent.dns.childEnvironments.flatMap(({ name, accountId, zoneName, adminRoleArns }, i) => {
    const where = `environment "${parent.name}", setting dns.childEnvironments[${i}]`;
    const child = configs.find((c) => c.name === name);
    // A declared environment that failed its own checks is reported by them.
    if (!child && declared.includes(name)) return [];
    if (!child) return [`${where}: ${name} is not an environment; allowed: ${declared.join(", ")}`];
    const expected = { zoneId: parent.dns.zoneId, roleArn: zoneDelegationRoleArn(parent, name) };
    const actual = child.dns.parent;
    if (child.account.id !== accountId) {
      return [`${where}.accountId: must be ${child.account.id}, the account of ${name} (got ${accountId})`];
    }
    if (child.dns.zoneName !== zoneName) {
      return [`${where}.zoneName: must be ${child.dns.zoneName}, the zone of ${name} (got ${zoneName})`];
    }
    if (!sameMembers(adminRoleArns, child.cluster.adminRoleArns)) {
      return [
        `${where}.adminRoleArns: must be ${JSON.stringify(child.cluster.adminRoleArns)}, the cluster.adminRoleArns of ${name} (got ${JSON.stringify(adminRoleArns)})`,
      ];
    }
    if (!zoneName.endsWith(`.${parent.dns.zoneName}`)) {
      return [`${where}.zoneName: must be below ${parent.dns.zoneName} (got ${zoneName})`];
    }
    const copied = actual?.roleArn ? copiedDelegation(configs, actual.roleArn, name) : undefined;
    if (copied) return [copied];
    if (actual?.zoneId !== expected.zoneId || actual.roleArn !== expected.roleArn) {
      return [
        `environment "${name}", setting dns.parent: must be { zoneId: "${expected.zoneId}", roleArn: "${expected.roleArn}" }, the delegation ${parent.name} offers it`,
      ];
    }
    return [];
  });
}

/**
 * A child's `dns.parent` must name a delegation its parent offers (the parent lists the child in
 * `dns.childEnvironments`): the parent's role trusts only the children it lists, so any other
 * child's network stack could not even plan.
 */
function unofferedDelegationProblems(configs: readonly EnvironmentConfig[]): string[] {
  return configs.flatMap((child) => {
    const wanted = child.dns.parent;
    if (!wanted) return [];
    // A parent that lists the child but disagrees on the role is reported with that parent's list.
    if (configs.some((parent) => parent.dns.childEnvironments.some((c) => c.name === child.name))) return [];
    const copied = wanted.roleArn ? copiedDelegation(configs, wanted.roleArn, child.name) : undefined;
    if (copied) return [copied];
    return [
      `environment "${child.name}", setting dns.parent: no environment offers ${child.name} the delegation ${wanted.roleArn}; add ${child.name} to its parent's dns.childEnvironments and use the role it names`,
    ];
  });
}

/**
 * The line for a child whose `dns.parent.roleArn` is the delegation a parent offers another
 * environment (kept from the file it was copied from); undefined when the role is no one else's.
 */
function copiedDelegation(configs: readonly EnvironmentConfig[], roleArn: string, child: string): string | undefined {
  for (const parent of configs) {
    const owner = parent.dns.childEnvironments.find(
      (c) => c.name !== child && zoneDelegationRoleArn(parent, c.name) === roleArn,
    );
    if (owner) {
      return `environment "${child}", setting dns.parent.roleArn: ${roleArn} is the delegation ${parent.name} offers environment "${owner.name}"; list ${child} in ${parent.name}'s dns.childEnvironments and use ${zoneDelegationRoleArn(parent, child)}`;
    }
  }
  return undefined;
}

/** Both lists hold the same strings, in any order. */
function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join("\n") === [...b].sort().join("\n");
}

/**
 * Validates every environment, then keeps those selected.
 * @param selection comma-separated names (the ENVIRONMENTS variable); empty selects all.
 * @throws ConfigError listing every problem found.
 */
export function loadEnvironments(
  selection?: string,
  raws: readonly unknown[] = ENVIRONMENTS,
  production: readonly string[] = PRODUCTION_ENVIRONMENTS,
): EnvironmentConfig[] {
  const declared = productionProblems(raws, production);
  // A mislabelled environment is reported as such, not by the rules its label turns on or off.
  if (declared.length > 0) throw new ConfigError(declared);
  const results = raws.map((raw, i) => validateEnvironment(raw, i));
  const problems = results.flatMap((r) => r.problems);
  const configs = results.flatMap((r) => (r.config ? [r.config] : []));
  problems.push(...crossEnvironmentProblems(configs, raws.map(environmentLabel)));
  if (problems.length > 0) throw new ConfigError(problems);
  return selectEnvironments(configs, selection);
}

function selectEnvironments(configs: EnvironmentConfig[], selection?: string): EnvironmentConfig[] {
  const names = (selection ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) return configs;
  const known = configs.map((c) => c.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new ConfigError(
      // The shell variable that selects, not ENVIRONMENTS of this file (the declared list).
      unknown.map(
        (n) => `the ENVIRONMENTS variable (shell): unknown environment "${n}"; declared: ${known.join(", ")}`,
      ),
    );
  }
  return configs.filter((c) => names.includes(c.name));
}
