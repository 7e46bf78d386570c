/** The evaluator harness refuses what it cannot evaluate instead of guessing. */
import { evaluate, loadProject } from "./iam-evaluator";

beforeAll(() => loadProject(), 120_000);

describe("the IAM evaluator harness", () => {
  it("fails on a role with an AWS managed policy, whose text the synth does not hold", async () => {
    // The vpc-cni pod role carries AmazonEKS_CNI_Policy.
    await expect(
      evaluate({ role: "marketing-agents-dev-vpc-cni", action: "ec2:DescribeVpcs", resource: "*" }),
    ).rejects.toThrow(/AmazonEKS_CNI_Policy is an AWS managed policy/);
  });

  it("fails on a role no stack creates", async () => {
    await expect(evaluate({ role: "someone-else", action: "ec2:DescribeVpcs", resource: "*" })).rejects.toThrow(
      /no stack creates a role named someone-else/,
    );
  });

  it("fails on a resource pattern instead of one resource", async () => {
    await expect(
      evaluate({ role: "marketing-agents-dev-pr-plan", action: "s3:GetObject", resource: "arn:aws:s3:::b/*" }),
    ).rejects.toThrow(/name one resource/);
  });

  it("fails on an action the IAM catalog does not know", async () => {
    await expect(
      evaluate({ role: "marketing-agents-dev-pr-plan", action: "ec2:DescribeVpcz", resource: "*" }),
    ).rejects.toThrow();
  });

  it("fails on a KMS key no stack creates (its policy is unknown)", async () => {
    await expect(
      evaluate({
        role: "marketing-agents-dev-pr-plan",
        action: "kms:Decrypt",
        resource: "arn:aws:kms:us-east-1:111111111111:key/unknown",
      }),
    ).rejects.toThrow(/no stack creates the KMS key/);
  });
});
