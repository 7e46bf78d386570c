import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktf";
import {
  CONCERNS,
  ConfigError,
  ENVIRONMENTS,
  ecrRegistryHost,
  loadEnvironments,
  type Concern,
  type EnvironmentConfig,
} from "../config";
import { createEnvironmentStacks, type EnvironmentStacks } from "../stacks/environment-stacks";

/** A synthesized Terraform JSON document (the parts the tests read). */
export interface TerraformJson {
  readonly terraform: {
    backend?: Record<string, Record<string, unknown>>;
    required_providers: Record<string, unknown>;
  };
  readonly provider?: Record<string, Record<string, unknown>[]>;
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly module?: Record<string, Record<string, unknown>>;
  readonly output?: Record<string, { value: unknown; sensitive?: boolean }>;
  readonly variable?: Record<string, Record<string, unknown>>;
}

/** One environment synthesized the way `cdktf synth` does it (cross-stack references resolved). */
export interface SynthesizedEnvironment {
  readonly config: EnvironmentConfig;
  readonly stacks: EnvironmentStacks;
  /** The stack's cdk.tf.json text, for cdktf's matchers. */
  text(concern: Concern): string;
  /** The stack's cdk.tf.json, parsed. */
  json(concern: Concern): TerraformJson;
}

const synthesized = new Map<string, SynthesizedEnvironment>();

/** Synthesizes an environment once per test file and shares it across that file's tests. */
export function synthEnvironment(name: string): SynthesizedEnvironment {
  const cached = synthesized.get(name);
  if (cached) return cached;
  const [config] = loadEnvironments(name);
  const app = Testing.app();
  const stacks = createEnvironmentStacks(app, config);
  app.synth();
  const texts = new Map<Concern, string>();
  const text = (concern: Concern): string => {
    if (!texts.has(concern)) {
      const file = path.join(app.outdir, "stacks", `${name}-${concern}`, "cdk.tf.json");
      texts.set(concern, fs.readFileSync(file, "utf8"));
    }
    return texts.get(concern) as string;
  };
  const result: SynthesizedEnvironment = { config, stacks, text, json: (concern) => JSON.parse(text(concern)) };
  synthesized.set(name, result);
  return result;
}

/** Every stack of the named environments as the local checks read them: id and synthesized JSON. */
export function synthesizedStacksOf(...environments: string[]): { id: string; json: Record<string, unknown> }[] {
  return environments.flatMap((env) =>
    CONCERNS.map((concern) => ({
      id: `${env}-${concern}`,
      json: synthEnvironment(env).json(concern) as unknown as Record<string, unknown>,
    })),
  );
}

/** The ECR registry host of a declared environment. */
export function registryHostOf(environment: string): string {
  const config = loadEnvironments().find((c) => c.name === environment);
  if (!config) throw new Error(`no declared environment ${environment}`);
  return ecrRegistryHost(config);
}

/** The resources of one type in a stack, by name (empty when there are none). */
export function resourcesOf(json: TerraformJson, type: string): Record<string, Record<string, unknown>> {
  return json.resource?.[type] ?? {};
}

/** The single resource of a type in a stack; fails when there is not exactly one. */
export function onlyResource(json: TerraformJson, type: string): Record<string, unknown> {
  const all = Object.values(resourcesOf(json, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

/** A deep copy of a config object, for tests that break one field. */
export function cloneConfig<T>(config: T): T {
  return JSON.parse(JSON.stringify(config)) as T;
}

/** A config whose every field, nested ones included, may be written (a test breaks one). */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

/** The names of the environments config/index.ts declares (ENVIRONMENTS), in promotion order. */
export function declaredNames(): string[] {
  return ENVIRONMENTS.map((raw) => (raw as { name: string }).name);
}

/** A copy of every declared environment, each free to change, in promotion order. */
export function declaredEnvironments(): Mutable<EnvironmentConfig>[] {
  return ENVIRONMENTS.map((raw) => cloneConfig(raw) as Mutable<EnvironmentConfig>);
}

/** A copy of every declared environment, by name. */
export function declaredByName(): Record<string, Mutable<EnvironmentConfig>> {
  return Object.fromEntries(declaredEnvironments().map((c) => [c.name, c]));
}

/**
 * `target` as config loads it when every declared environment is loaded with `target` changed by
 * `change` (config validates the environments together); throws config's refusal.
 */
export function loadedWith(target: string, change: (config: Mutable<EnvironmentConfig>) => void): EnvironmentConfig {
  const configs = declaredEnvironments();
  const config = configs.find((c) => c.name === target);
  if (!config) throw new Error(`${target} is not a declared environment (${declaredNames().join(", ")})`);
  change(config);
  return loadEnvironments(target, configs)[0];
}

/** Config's refusal of these environments, one line per problem; [] when it accepts them. */
export function problemsOf(configs: readonly unknown[]): string[] {
  try {
    loadEnvironments(undefined, configs);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
}

/**
 * Loads every declared environment with one of them changed by `breakIt`, and returns the message
 * config refuses them with (fails the test when config accepts them).
 */
export function problemsWhen(target: string, breakIt: (config: Mutable<EnvironmentConfig>) => void): string {
  const configs = declaredEnvironments();
  const config = configs.find((c) => c.name === target);
  if (!config) throw new Error(`${target} is not a declared environment (${declaredNames().join(", ")})`);
  breakIt(config);
  try {
    loadEnvironments(undefined, configs);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected the configuration to be refused");
}
