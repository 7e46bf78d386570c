/**
 * What a destroy meets in the synthesized stacks: a bucket or image repository that config does
 * not keep goes with its contents (AWS refuses to delete a bucket with objects or a repository
 * with images otherwise, halfway through `npm run destroy`); one it keeps is never emptied.
 */
import { imageRepositoryName } from "../../config";
import { resourcesOf, synthEnvironment } from "../helpers";

type Resource = Record<string, unknown>;
const lifecycleOf = (r: Resource) => (r.lifecycle ?? {}) as { prevent_destroy?: boolean };

describe.each(["dev", "staging", "prod"])("%s", (env) => {
  const synthesized = synthEnvironment(env);
  const { config } = synthesized;

  it("empties the data buckets on destroy exactly when config does not keep them", () => {
    const buckets = Object.values(resourcesOf(synthesized.json("data"), "aws_s3_bucket"));
    expect(buckets).toHaveLength(2);
    for (const bucket of buckets) {
      expect([bucket.force_destroy, lifecycleOf(bucket).prevent_destroy === true]).toEqual([
        !config.buckets.retainOnDestroy,
        config.buckets.retainOnDestroy,
      ]);
    }
  });

  it("deletes the image repository with its images exactly when config does not keep it", () => {
    const repository = Object.values(resourcesOf(synthesized.json("cluster"), "aws_ecr_repository")).find(
      (r) => r.name === imageRepositoryName(config),
    ) as Resource;
    expect([repository.force_delete, lifecycleOf(repository).prevent_destroy === true]).toEqual([
      !config.retainOnDestroy,
      config.retainOnDestroy,
    ]);
  });

  it("never empties the state or audit buckets: they are kept, whatever config says", () => {
    const buckets = Object.values(resourcesOf(synthesized.json("bootstrap"), "aws_s3_bucket"));
    expect(buckets.length).toBeGreaterThan(0);
    for (const bucket of buckets) {
      expect([bucket.force_destroy, lifecycleOf(bucket).prevent_destroy]).toEqual([false, true]);
    }
  });
});
