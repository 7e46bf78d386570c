import { DescribeImagesCommand as DescribeAmisCommand } from "@aws-sdk/client-ec2";
import { loadEnvironments } from "../../config";
import { runPreflight } from "../../scripts/deploy/preflight";
import { cloneConfig } from "../helpers";
import { healthyAws, reachableProbes, withOwnGithubIds } from "./deploy-helpers";

const [dev] = loadEnvironments("dev").map(withOwnGithubIds);

describe("preflight of a node AMI one minor behind the control plane (an upgrade's last step not taken yet)", () => {
  let aws: ReturnType<typeof healthyAws>;
  beforeEach(() => {
    aws = healthyAws(dev.account.id);
  });
  afterEach(() => Object.values(aws).forEach((m) => m.restore()));

  it("asks for the AMI of the release's own minor, not the cluster's", async () => {
    const config = cloneConfig(dev);
    config.cluster.nodeAmiReleaseVersion = "1.34.2-20251209";
    await runPreflight(
      { config, concerns: ["cluster"], deployedDependencies: [], imageTag: "0.1.0", mode: "plan" },
      reachableProbes,
      () => undefined,
    );
    const names = aws.ec2.commandCalls(DescribeAmisCommand).map((c) => c.args[0].input.Filters?.[0]?.Values?.[0]);
    expect(names).toContain("amazon-eks-node-al2023-x86_64-standard-1.34-v20251209");
  });
});
