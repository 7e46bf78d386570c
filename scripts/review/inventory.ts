/** What each synthesized stack holds: the `npm run review` inventory. */
import type { Json, SynthStack } from "./synth-output";

/** The inventory of one stack. */
export interface StackInventory {
  readonly stack: string;
  /** Resource count by type. */
  readonly resources: Record<string, number>;
  /** Module calls: name -> `source@version`. */
  readonly modules: Record<string, string>;
  /** Providers: name -> version. */
  readonly providers: Record<string, string>;
  /** Backend type, and bucket/key (S3) or path (local). */
  readonly backend: string;
  /** Output names. */
  readonly outputs: string[];
  /** Stacks deployed before this one. */
  readonly dependsOn: string[];
}

const obj = (value: unknown): Json => (value && typeof value === "object" ? (value as Json) : {});

function describeBackend(json: Json): string {
  const backends = obj(obj(json.terraform).backend);
  const [type, config] = Object.entries(backends)[0] ?? ["none", {}];
  const c = obj(config);
  if (type === "s3") return `s3://${String(c.bucket)}/${String(c.key)}${c.use_lockfile ? " (lock file)" : ""}`;
  if (type === "local") return `local ${String(c.path)}`;
  return type;
}

/** Counts and lists what a stack declares. */
export function inventory(stack: SynthStack): StackInventory {
  const { json } = stack;
  const resources = Object.fromEntries(
    Object.entries(obj(json.resource)).map(([type, blocks]) => [type, Object.keys(obj(blocks)).length]),
  );
  const modules = Object.fromEntries(
    Object.entries(obj(json.module)).map(([name, m]) => [name, `${String(obj(m).source)}@${String(obj(m).version)}`]),
  );
  const providers = Object.fromEntries(
    Object.entries(obj(obj(json.terraform).required_providers)).map(([name, p]) => [name, String(obj(p).version)]),
  );
  return {
    stack: stack.id,
    resources,
    modules,
    providers,
    backend: describeBackend(json),
    outputs: Object.keys(obj(json.output)).sort(),
    dependsOn: stack.dependencies,
  };
}
