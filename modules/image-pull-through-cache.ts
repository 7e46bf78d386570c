import { EcrPullThroughCacheRule } from "@cdktf/provider-aws/lib/ecr-pull-through-cache-rule";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { Construct } from "constructs";
import { policyDocument, type PolicyStatement } from "./iam-policy";
import { UPSTREAM_NAMES, UPSTREAM_REGISTRIES, type ImageMirror, type UpstreamName } from "./image-mirror";
import { PullThroughRepositoryTemplates } from "./pull-through-repository-templates";

/** Settings of the pull-through cache. */
export interface ImagePullThroughCacheProps {
  /** The mirror whose prefixes the rules create. */
  readonly mirror: ImageMirror;
  /** Secret ARN of every upstream that needs a credential (ImagePullCredentials). */
  readonly credentialArns: Partial<Record<UpstreamName, string>>;
  /** The registry's account and region (repository ARNs). */
  readonly accountId: string;
  readonly region: string;
  /** Name of the managed policy that lets the nodes pull through the cache (`pullStatements`). */
  readonly nodePolicyName: string;
}

/**
 * One ECR pull-through cache rule per upstream registry: the first pull of
 * `<registry>/<prefix>/<path>:<tag>` makes ECR fetch the image upstream, create the repository
 * and keep the image; later pulls never leave AWS. A puller needs `ecr:BatchImportUpstreamImage`
 * and, for a repository not cached yet, `ecr:CreateRepository` (`pullStatements`, in the policy
 * `nodePolicyArn` the node groups attach):
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-iam.html
 * The repositories ECR creates take their settings (immutable tags) from one repository creation
 * template per rule (modules/pull-through-repository-templates.ts), made before the rule.
 */
export class ImagePullThroughCache extends Construct {
  /** The managed policy of `pullStatements`, for the node roles. */
  readonly nodePolicyArn: string;
  /** The repository creation templates of the rules' repositories. */
  readonly repositoryTemplates: PullThroughRepositoryTemplates;
  private readonly repositoryArns: string[];

  constructor(scope: Construct, id: string, props: ImagePullThroughCacheProps) {
    super(scope, id);
    this.repositoryTemplates = new PullThroughRepositoryTemplates(this, "repository-templates", {
      prefixes: Object.fromEntries(UPSTREAM_NAMES.map((upstream) => [upstream, props.mirror.prefix(upstream)])),
    });
    for (const upstream of UPSTREAM_NAMES) {
      const registry = UPSTREAM_REGISTRIES[upstream];
      const credentialArn = props.credentialArns[upstream];
      if (registry.credential && !credentialArn) {
        throw new Error(`${registry.url} needs a credential secret for its pull-through cache rule`);
      }
      new EcrPullThroughCacheRule(this, upstream, {
        ecrRepositoryPrefix: props.mirror.prefix(upstream),
        upstreamRegistryUrl: registry.url,
        credentialArn: registry.credential ? credentialArn : undefined,
        // A repository the rule creates before its template exists would keep ECR's defaults.
        dependsOn: [this.repositoryTemplates.templates[upstream]],
      });
    }
    this.repositoryArns = props.mirror
      .prefixes()
      .map((prefix) => `arn:aws:ecr:${props.region}:${props.accountId}:repository/${prefix}/*`);
    this.nodePolicyArn = new IamPolicy(this, "node-policy", {
      name: props.nodePolicyName,
      description: "Nodes pull public images through the environment's ECR pull-through cache",
      policy: policyDocument(this.pullStatements()),
    }).arn;
  }

  /**
   * What a puller (the node role) needs on top of ECR's pull actions: importing an upstream image
   * into, and creating, the cache's repositories only.
   */
  pullStatements(): PolicyStatement[] {
    return [
      {
        Sid: "PullThroughCache",
        Effect: "Allow",
        Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
        Resource: this.repositoryArns,
      },
    ];
  }
}
