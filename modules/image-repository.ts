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
  /** Refuse `terraform destroy` of the repository (and the images running from it). @default false */
  readonly preventDestroy?: boolean;
}

/** An ECR repository: immutable tags, scan on push, KMS-encrypted, old images expired. */
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
    });
    if (props.preventDestroy) repository.addOverride("lifecycle.prevent_destroy", true);
    new EcrLifecyclePolicy(this, "lifecycle", {
      repository: repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `Keep the last ${props.keepLastImages} images`,
            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: props.keepLastImages },
            action: { type: "expire" },
          },
        ],
      }),
    });
    this.url = repository.repositoryUrl;
    this.arn = repository.arn;
  }
}
