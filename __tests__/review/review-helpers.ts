import { CONCERNS } from "../../config";
import type { Json, SynthOutput, SynthStack } from "../../scripts/review/synth-output";
import { cloneConfig, synthEnvironment } from "../helpers";

/** An environment's synth as the review tool loads it from cdktf.out. */
export function synthOutputOf(env: string): SynthOutput {
  const synth = synthEnvironment(env);
  const stacks: SynthStack[] = CONCERNS.map((concern) => ({
    id: `${env}-${concern}`,
    environment: env,
    dependencies: synth.stacks[concern].dependencies.map((d) => d.node.id).sort(),
    json: cloneConfig(synth.json(concern)) as unknown as Json,
  }));
  return new Map(stacks.map((s) => [s.id, s]));
}

/** A deep copy of a synth output, for tests that change one thing. */
export function copyOutput(output: SynthOutput): SynthOutput {
  return new Map([...output].map(([id, s]) => [id, { ...s, json: cloneConfig(s.json) }]));
}

/** The module call or resource body at `module.<name>` / `<type>.<name>` of a stack. */
export function block(output: SynthOutput, stack: string, address: string): Json {
  const json = output.get(stack)?.json as Json;
  const [head, ...rest] = address.split(".");
  const name = rest.join(".");
  const container = head === "module" ? (json.module as Json) : ((json.resource as Json)[head] as Json);
  return container[name] as Json;
}
