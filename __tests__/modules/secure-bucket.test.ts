import { resourcesOf, synthEnvironment, type TerraformJson } from "../helpers";

type Json = Record<string, unknown>;

/** Every `aws_s3_bucket_*` sub-configuration of a stack, as `type.name` -> resource. */
function bucketConfigurations(json: TerraformJson): Map<string, Json> {
  const found = new Map<string, Json>();
  for (const [type, resources] of Object.entries(json.resource ?? {})) {
    if (!type.startsWith("aws_s3_bucket_")) continue;
    for (const [name, resource] of Object.entries(resources)) found.set(`${type}.${name}`, resource);
  }
  return found;
}

/** The address of the bucket a sub-configuration belongs to (`aws_s3_bucket.<name>`). */
const bucketOf = (config: Json) => String(config.bucket).replace(/^\$\{(aws_s3_bucket\.[^.]+)\.id\}$/, "$1");

/** Follows `depends_on` from a bucket's configurations back to the bucket; returns the order. */
function chainOf(configs: Map<string, Json>, bucket: string): string[] {
  const own = [...configs].filter(([, c]) => bucketOf(c) === bucket);
  const ownAddresses = new Set(own.map(([address]) => address));
  const previous = new Map(
    own.map(([address, c]) => {
      const inChain = ((c.depends_on as string[]) ?? []).filter((d) => d === bucket || ownAddresses.has(d));
      return [address, inChain];
    }),
  );
  const order: string[] = [];
  let last = bucket;
  for (;;) {
    const next = [...previous].filter(([, deps]) => deps.length === 1 && deps[0] === last).map(([a]) => a);
    if (next.length !== 1) break;
    order.push(next[0]);
    last = next[0];
  }
  expect(order).toHaveLength(own.length);
  return order;
}

const typeOf = (address: string) => address.split(".")[0];

describe.each(["dev", "prod"])("%s buckets", (env) => {
  const synth = synthEnvironment(env);

  it.each(["bootstrap", "data"] as const)(
    "%s: each bucket's configurations are applied one after another, public access blocked before the policy",
    (concern) => {
      const json = synth.json(concern);
      const configs = bucketConfigurations(json);
      const buckets = Object.keys(resourcesOf(json, "aws_s3_bucket")).map((n) => `aws_s3_bucket.${n}`);
      expect(buckets.length).toBeGreaterThan(0);
      for (const bucket of buckets) {
        const order = chainOf(configs, bucket).map(typeOf);
        expect(order.indexOf("aws_s3_bucket_public_access_block")).toBeLessThan(order.indexOf("aws_s3_bucket_policy"));
        expect(order.at(-1)).toBe("aws_s3_bucket_lifecycle_configuration");
      }
    },
  );

  it("data: access logging of the artifacts bucket waits for the logs bucket to be fully configured", () => {
    const json = synth.json("data");
    const configs = bucketConfigurations(json);
    const [logging] = Object.values(resourcesOf(json, "aws_s3_bucket_logging"));
    const logsBucket = `aws_s3_bucket.${Object.keys(resourcesOf(json, "aws_s3_bucket")).find((n) => n.startsWith("logs_"))}`;
    const logsChain = chainOf(configs, logsBucket);
    expect(logsChain.map(typeOf)).toContain("aws_s3_bucket_policy");
    expect(logging.depends_on).toContain(logsChain.at(-1));
  });
});
