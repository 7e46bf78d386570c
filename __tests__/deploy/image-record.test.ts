import { BatchGetImageCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { loadEnvironments } from "../../config";
import { markImageDeployed, recordImageTag, runningImageTag } from "../../scripts/deploy/image-record";
import { awsError } from "./deploy-helpers";

const [prod] = loadEnvironments("prod");
const MANIFEST = '{"schemaVersion":2}';

describe("keeping a deployed image", () => {
  const ecr = mockClient(ECRClient);
  beforeEach(() => {
    ecr.reset();
    ecr.on(BatchGetImageCommand).resolves({
      images: [{ imageManifest: MANIFEST, imageManifestMediaType: "application/vnd.oci.image.index.v1+json" }],
    });
  });
  afterAll(() => ecr.restore());

  it("adds deployed-<tag> to the same manifest (so the same digest) in the environment's repository", async () => {
    ecr.on(PutImageCommand).resolves({});
    expect(await markImageDeployed(prod, "sha-0123abcd")).toBe("deployed-sha-0123abcd");
    expect(ecr.commandCalls(PutImageCommand)[0].args[0].input).toEqual({
      repositoryName: "marketing-agents-prod",
      imageTag: "deployed-sha-0123abcd",
      imageManifest: MANIFEST,
      imageManifestMediaType: "application/vnd.oci.image.index.v1+json",
    });
  });

  it("accepts an image rolled out before (its tag already exists)", async () => {
    ecr.on(PutImageCommand).rejects(awsError("ImageAlreadyExistsException"));
    await expect(markImageDeployed(prod, "1.4.2")).resolves.toBe("deployed-1.4.2");
  });

  it("fails on any other error", async () => {
    ecr.on(PutImageCommand).rejects(awsError("AccessDeniedException", "not allowed"));
    await expect(markImageDeployed(prod, "1.4.2")).rejects.toThrow("not allowed");
  });
});

describe("the running image's record", () => {
  const ssm = mockClient(SSMClient);
  beforeEach(() => ssm.reset());
  afterAll(() => ssm.restore());

  it("reads the tag from /marketing-agents/<env>/image-tag, or nothing before the parameter exists", async () => {
    ssm
      .on(GetParameterCommand, { Name: "/marketing-agents/prod/image-tag" })
      .resolves({ Parameter: { Value: "sha-abc" } });
    expect(await runningImageTag(prod)).toBe("sha-abc");
    ssm.on(GetParameterCommand).rejects(awsError("ParameterNotFound"));
    expect(await runningImageTag(prod)).toBeUndefined();
  });

  it("writes a rollout's tag over the last one", async () => {
    ssm.on(PutParameterCommand).resolves({});
    await recordImageTag(prod, "sha-def");
    expect(ssm.commandCalls(PutParameterCommand)[0].args[0].input).toEqual({
      Name: "/marketing-agents/prod/image-tag",
      Value: "sha-def",
      Overwrite: true,
    });
  });
});
