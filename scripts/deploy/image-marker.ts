/**
 * Before the app stack rolls an image out, the image gets a second tag, `deployed-<tag>`, in the
 * environment's ECR repository: the repository's lifecycle never expires such images, so the one
 * that runs is still there when a node is replaced months later.
 */
import { BatchGetImageCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { imageRepositoryName, type EnvironmentConfig } from "../../config";
import { DEPLOYED_TAG_PREFIX } from "../../modules/image-repository";
import { awsErrorName } from "./aws-errors";

/** Adds `deployed-<tag>` to the image `<tag>` (same manifest, so the same digest); idempotent. */
export async function markImageDeployed(config: EnvironmentConfig, imageTag: string): Promise<string> {
  const ecr = new ECRClient({ region: config.account.region });
  const repositoryName = imageRepositoryName(config);
  const deployedTag = `${DEPLOYED_TAG_PREFIX}${imageTag}`;
  if (imageTag.startsWith(DEPLOYED_TAG_PREFIX)) return imageTag;
  const found = await ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag }] }));
  const image = found.images?.[0];
  if (!image?.imageManifest) throw new Error(`image ${repositoryName}:${imageTag} has no manifest`);
  try {
    await ecr.send(
      new PutImageCommand({
        repositoryName,
        imageTag: deployedTag,
        imageManifest: image.imageManifest,
        imageManifestMediaType: image.imageManifestMediaType,
      }),
    );
  } catch (error) {
    // Rolled out before: the tag is there already (tags are immutable).
    if (!/ImageAlreadyExists|ImageTagAlreadyExists/.test(awsErrorName(error))) throw error;
  }
  return deployedTag;
}
