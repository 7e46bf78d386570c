import { EcrRepositoryCreationTemplate } from "@cdktf/provider-aws/lib/ecr-repository-creation-template";
import { Construct } from "constructs";

/** Settings of the pull-through cache's repository creation templates. */
export interface PullThroughRepositoryTemplatesProps {
  /**
   * The `ecr_repository_prefix` of each pull-through cache rule, by the rule's construct id: one
   * template each, under the same id.
   */
  readonly prefixes: Readonly<Record<string, string>>;
}

/**
 * The settings ECR gives the repositories it creates for the pull-through cache rules: without a
 * template it creates them with MUTABLE tags and AES256, and it refreshes a cached tag from the
 * upstream at least once every 24 hours
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html), so a tag
 * re-published upstream would replace the cached image under the same name. One template per rule,
 * for pull-through cache only, its prefix the rule's `ecr_repository_prefix`: "the repository prefix
 * you specify during rule creation is what you should specify as your repository creation template
 * prefix" (https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates.html).
 * A template applies to repositories created after it, never to those already there.
 *
 * - Tags IMMUTABLE: "turning on image tag immutability for repositories using a pull through cache
 *   rule will prevent Amazon ECR from updating images using the same tag" (pull-through-cache.html
 *   above), and no push replaces a cached tag (ImageTagAlreadyExistsException,
 *   https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html). Fine for what
 *   the cluster pulls through the caches: every image and chart names a version tag (the pinned
 *   charts rendered with `helm template`, as k8s-check does, name no `latest`-style tag); an image
 *   by a moving tag would keep its first cached bytes. aws/containers-roadmap#2275 reported the
 *   refresh going on regardless, so the charts' bytes are proved by their pinned digests
 *   (modules/addons/chart-digests.json, checked by the deploy command), not by this setting alone.
 * - No resource tags: a template with tags broke pulls through the cache
 *   (aws/containers-roadmap#2398), and tags would need a custom role (below).
 * - Encryption AES256, not the environment key: a template with a KMS key needs a custom role ECR
 *   assumes (https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates-create.html),
 *   which the deploy role would have to pass and the service-role boundary to allow grants on keys
 *   for. More to the point, ECR creates these repositories, Terraform never deletes them, and they
 *   outlive a destroy (docs/runbook.md) while the environment key does not (unless
 *   `retainOnDestroy`): a recreated environment's nodes would then fail to pull every cached image
 *   until someone deleted the repositories. What they hold is public, and AES256 is encryption at
 *   rest all the same (https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html).
 */
export class PullThroughRepositoryTemplates extends Construct {
  /** The templates, by the rule's construct id: a rule depends on its own (created after it). */
  readonly templates: Readonly<Record<string, EcrRepositoryCreationTemplate>>;

  constructor(scope: Construct, id: string, props: PullThroughRepositoryTemplatesProps) {
    super(scope, id);
    const templates: Record<string, EcrRepositoryCreationTemplate> = {};
    for (const [ruleId, prefix] of Object.entries(props.prefixes)) {
      templates[ruleId] = new EcrRepositoryCreationTemplate(this, ruleId, {
        prefix,
        appliedFor: ["PULL_THROUGH_CACHE"],
        description: `Repositories ECR creates for the pull-through cache rule ${prefix}: immutable tags`,
        imageTagMutability: "IMMUTABLE",
        encryptionConfiguration: [{ encryptionType: "AES256" }],
      });
    }
    this.templates = templates;
  }
}
