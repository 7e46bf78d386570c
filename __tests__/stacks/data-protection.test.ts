/** What a mistaken destroy cannot take, per environment, from config (never `if (prod)`). */
import { imageRepositoryName } from "../../config";
import { resourcesOf, synthEnvironment } from "../helpers";

type Json = Record<string, unknown>;
const preventsDestroy = (resource: Json) => (resource.lifecycle as Json | undefined)?.prevent_destroy === true;

describe.each([
  ["dev", false],
  ["prod", true],
])("%s data protection", (env, protectedEnvironment) => {
  const synth = synthEnvironment(env);

  it(`${protectedEnvironment ? "keeps" : "does not keep"} the environment key and the image repository from a destroy (retainOnDestroy)`, () => {
    const [key] = Object.values(resourcesOf(synth.json("network"), "aws_kms_key"));
    const repository = Object.values(resourcesOf(synth.json("cluster"), "aws_ecr_repository")).find(
      (r) => r.name === imageRepositoryName(synth.config),
    ) as Json;
    expect(preventsDestroy(key)).toBe(protectedEnvironment);
    expect(preventsDestroy(repository)).toBe(protectedEnvironment);
  });

  it(`${protectedEnvironment ? "takes" : "skips"} a final snapshot of the cache when it is destroyed (cache.finalSnapshot)`, () => {
    const [cache] = Object.values(resourcesOf(synth.json("data"), "aws_elasticache_replication_group"));
    expect(cache.final_snapshot_identifier).toBe(protectedEnvironment ? `marketing-agents-${env}-final` : undefined);
  });

  it("always keeps the state bucket and its key", () => {
    const json = synth.json("bootstrap");
    expect(Object.values(resourcesOf(json, "aws_s3_bucket")).every(preventsDestroy)).toBe(true);
    expect(Object.values(resourcesOf(json, "aws_kms_key")).every(preventsDestroy)).toBe(true);
  });
});
