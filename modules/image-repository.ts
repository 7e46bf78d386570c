import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { Construct } from "constructs";

/** Settings of the application's image repository. */
export interface ImageRepositoryProps {
  /** Repository name. */
  readonly name: string;
  /** KMS key ARN that encrypts the images. */
  readonly kmsKeyArn: string;
  /** How many images to keep; older ones expire. */
  readonly keepLastImages: number;
  /**
   * Refuse `terraform destroy` of the repository (and the images running from it). False deletes
   * it with its images on destroy (`force_delete`; ECR refuses to delete a repository that holds
   * images otherwise). @default false
   */
  readonly preventDestroy?: boolean;
}

/**
 * The tag prefix the deploy command adds to an image it rolls out (`deployed-<tag>`): the
 * lifecycle keeps such images, so an image that runs is never expired, however old.
 */
export const DEPLOYED_TAG_PREFIX = "deployed-";

/**
 * ECR applies the rules in priority order and a rule that selects an image takes it out of the
 * later rules' reach: rule 1 selects deployed images and (with a count no repository reaches)
 * expires none of them; untagged layers go after a week; of the rest, the newest N stay.
 */
function lifecycleRules(keepLastImages: number): object[] {
  return [
    {
      rulePriority: 1,
      description: "Keep every image that was deployed (tagged deployed-* by the deploy command)",
      selection: {
        tagStatus: "tagged",
        tagPrefixList: [DEPLOYED_TAG_PREFIX],
        countType: "imageCountMoreThan",
        countNumber: 9999,
      },
      action: { type: "expire" },
    },
    {
      rulePriority: 2,
      description: "Expire untagged images after 7 days",
      selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
      action: { type: "expire" },
    },
    {
      rulePriority: 3,
      description: `Keep the last ${keepLastImages} images that never ran`,
      selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keepLastImages },
      action: { type: "expire" },
    },
  ];
}

/** An ECR repository: immutable tags, scan on push, KMS-encrypted, images that never ran expired. */
export class ImageRepository extends Construct {
  /** URL to push to and pull from (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`). */
  readonly url: string;
  /** ARN of the repository. */
  readonly arn: string;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    const repository = new EcrRepository(this, "repository", {
      name: props.name,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "KMS", kmsKey: props.kmsKeyArn }],
      forceDelete: !props.preventDestroy,
    });
    if (props.preventDestroy) repository.addOverride("lifecycle.prevent_destroy", true);
    new EcrLifecyclePolicy(this, "lifecycle", {
      repository: repository.name,
      policy: JSON.stringify({ rules: lifecycleRules(props.keepLastImages) }),
    });
    this.url = repository.repositoryUrl;
    this.arn = repository.arn;
  }
}
