/**
 * Which image an environment runs, and keeping it: the SSM parameter the app stack reads its
 * image tag from (a rollout writes it; a merge never does), and a second tag, `deployed-<tag>`,
 * on the image in ECR, which the repository's lifecycle never expires.
 */
import { BatchGetImageCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { imageRepositoryName, imageTagParameterName, type EnvironmentConfig } from "../../config";
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

/** The tag the environment runs (its parameter), or undefined before the cluster stack made it. */
export async function runningImageTag(config: EnvironmentConfig): Promise<string | undefined> {
  const ssm = new SSMClient({ region: config.account.region });
  try {
    const found = await ssm.send(new GetParameterCommand({ Name: imageTagParameterName(config) }));
    return found.Parameter?.Value;
  } catch (error) {
    if (awsErrorName(error) === "ParameterNotFound") return undefined;
    throw error;
  }
}

/** Records the tag a rollout deploys, for this and every later apply of the app stack. */
export async function recordImageTag(config: EnvironmentConfig, imageTag: string): Promise<void> {
  const ssm = new SSMClient({ region: config.account.region });
  await ssm.send(new PutParameterCommand({ Name: imageTagParameterName(config), Value: imageTag, Overwrite: true }));
}
