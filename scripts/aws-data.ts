/**
 * npm run aws-data: regenerates config/aws/regions.json and config/aws/ec2-instance-types.json
 * from the AWS SDK for JavaScript the project pins (its partition data and EC2's InstanceType
 * enum). Run it after bumping the SDK; a test fails while the committed files and the SDK differ.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { awsDataFromSdk } from "./aws-data-source";
import { printedHelp } from "./command-line";

const USAGE = [
  "usage: npm run aws-data",
  "Regenerates config/aws/regions.json and config/aws/ec2-instance-types.json from the pinned AWS SDK.",
].join("\n");

function writeAwsData(): void {
  const dir = path.resolve(__dirname, "..", "config", "aws");
  const { regions, ec2InstanceTypes } = awsDataFromSdk();
  fs.writeFileSync(path.join(dir, "regions.json"), `${JSON.stringify(regions, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, "ec2-instance-types.json"), `${JSON.stringify(ec2InstanceTypes, null, 2)}\n`);
  console.log(
    `aws-data: ${regions.regions.length} regions, ${ec2InstanceTypes.instanceTypes.length} EC2 instance types`,
  );
}

if (!printedHelp(process.argv.slice(2), USAGE)) writeAwsData();
