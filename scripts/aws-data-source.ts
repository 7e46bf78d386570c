/** Reads the AWS facts the config is checked against from the pinned AWS SDK packages. */
import * as fs from "node:fs";

interface Partition {
  readonly id: string;
  readonly regions: Record<string, { description?: string }>;
}

/** The SDK's partition table (not exported by the package: read from its module file). */
function sdkPartitions(): Partition[] {
  const file = require
    .resolve("@aws-sdk/core/package.json")
    .replace(/package\.json$/, "dist-es/submodules/client/util-endpoints/lib/aws/partitions.js");
  const text = fs
    .readFileSync(file, "utf8")
    .replace(/^export const partitionsInfo = /, "")
    .replace(/;\s*$/, "");
  return (JSON.parse(text) as { partitions: Partition[] }).partitions;
}

/** Region ids of every partition, and EC2 instance types, as the committed JSON files hold them. */
export function awsDataFromSdk() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ec2 = require("@aws-sdk/client-ec2") as { _InstanceType: Record<string, string> };
  const sdkVersion = (name: string) =>
    (JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
  const regions = sdkPartitions()
    .flatMap((p) => Object.keys(p.regions).filter((r) => !r.endsWith("-global")))
    .sort();
  return {
    regions: { source: `@aws-sdk/core ${sdkVersion("@aws-sdk/core")} partition data`, regions },
    ec2InstanceTypes: {
      source: `@aws-sdk/client-ec2 ${sdkVersion("@aws-sdk/client-ec2")} InstanceType`,
      instanceTypes: Object.values(ec2._InstanceType).sort(),
    },
  };
}
