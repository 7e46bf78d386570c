import { CREDENTIALED_UPSTREAMS, UPSTREAM_NAMES, UPSTREAM_REGISTRIES } from "../../modules/image-mirror";
import { resourcesOf, synthEnvironment, type SynthesizedEnvironment } from "../helpers";

type Json = Record<string, unknown>;

const rulesOf = (env: SynthesizedEnvironment) =>
  Object.values(resourcesOf(env.json("cluster"), "aws_ecr_pull_through_cache_rule"));
const secretsOf = (env: SynthesizedEnvironment) =>
  Object.values(resourcesOf(env.json("network"), "aws_secretsmanager_secret")).filter((s) =>
    String(s.name).startsWith("ecr-pullthroughcache/"),
  );

/**
 * Every image a platform release's values name, whole: an `image` string, a `repository` (after
 * its sibling `registry`, when the chart takes them apart), or a chart-wide `imageRegistry`.
 */
function helmImages(env: SynthesizedEnvironment): string[] {
  const found: string[] = [];
  const walk = (release: string, value: unknown): void => {
    if (!value || typeof value !== "object") return;
    const o = value as Json;
    if (typeof o.image === "string") found.push(`${release}: ${o.image}`);
    if (typeof o.repository === "string") {
      found.push(`${release}: ${typeof o.registry === "string" ? `${o.registry}/` : ""}${o.repository}`);
    }
    if (typeof o.imageRegistry === "string") found.push(`${release}: ${o.imageRegistry}`);
    Object.values(o).forEach((v) => walk(release, v));
  };
  for (const release of Object.values(resourcesOf(env.json("platform"), "helm_release"))) {
    walk(String(release.name), JSON.parse((release.values as string[])[0]));
  }
  return found;
}

describe("images through the environment's ECR pull-through cache", () => {
  const dev = synthEnvironment("dev");
  const prod = synthEnvironment("prod");
  const registry = (env: SynthesizedEnvironment) =>
    `${env.config.account.id}.dkr.ecr.${env.config.account.region}.amazonaws.com`;

  it("creates one rule per upstream (ECR Public, Docker Hub, Quay, GitHub, registry.k8s.io), under the environment's prefixes", () => {
    expect(
      rulesOf(prod)
        .map((r) => [r.ecr_repository_prefix, r.upstream_registry_url])
        .sort(),
    ).toEqual(UPSTREAM_NAMES.map((name) => [`prod-${name}`, UPSTREAM_REGISTRIES[name].url]).sort());
    expect(rulesOf(dev).map((r) => r.ecr_repository_prefix)).toContain("dev-docker-hub");
  });

  describe("the repositories ECR creates for the rules (repository creation templates)", () => {
    const templatesOf = (env: SynthesizedEnvironment) =>
      resourcesOf(env.json("cluster"), "aws_ecr_repository_creation_template");
    /** Prod's templates, one per upstream (none would make the checks on each vacuous). */
    const prodTemplates = () => {
      const templates = Object.values(templatesOf(prod));
      expect(templates).toHaveLength(UPSTREAM_NAMES.length);
      return templates;
    };

    it.each([
      ["dev", dev],
      ["prod", prod],
    ])("%s: one template per rule, under the rule's own prefix, for the pull-through cache only", (_, env) => {
      const templates = Object.values(templatesOf(env));
      expect(templates.map((t) => t.prefix).sort()).toEqual(
        rulesOf(env)
          .map((r) => r.ecr_repository_prefix)
          .sort(),
      );
      for (const template of templates) expect(template.applied_for).toEqual(["PULL_THROUGH_CACHE"]);
    });

    it("makes their tags immutable: a tag re-published upstream does not replace the cached bytes", () => {
      for (const template of prodTemplates()) expect(template.image_tag_mutability).toBe("IMMUTABLE");
    });

    it("encrypts them with AES256, with no custom role and no resource tags", () => {
      for (const template of prodTemplates()) {
        expect(template.encryption_configuration).toEqual([{ encryption_type: "AES256" }]);
        expect(template.custom_role_arn).toBeUndefined();
        expect(template.resource_tags).toBeUndefined();
      }
    });

    it("exist before their rule: each rule depends on the template of its prefix", () => {
      const templates = templatesOf(prod);
      for (const rule of rulesOf(prod)) {
        const [dependency] = (rule.depends_on as string[]).map((d) =>
          d.replace("aws_ecr_repository_creation_template.", ""),
        );
        expect(templates[dependency]?.prefix).toBe(rule.ecr_repository_prefix);
      }
    });
  });

  it("keeps each prefix within ECR's 30 characters for the longest environment name", () => {
    const longest = "abcdefghijkl"; // the schema's 12 characters
    for (const name of UPSTREAM_NAMES) expect(`${longest}-${name}`.length).toBeLessThanOrEqual(30);
  });

  it("gives Docker Hub and GitHub their credential from the network stack's secrets, and no other upstream one", () => {
    const withCredential = rulesOf(dev).filter((r) => r.credential_arn !== undefined);
    expect(withCredential.map((r) => String(r.upstream_registry_url)).sort()).toEqual([
      "ghcr.io",
      "registry-1.docker.io",
    ]);
    for (const rule of withCredential) {
      expect(rule.credential_arn).toMatch(/terraform_remote_state\.cross-stack-reference-input-dev-network\.outputs/);
    }
  });

  it("creates the credentials empty, named for ECR (ecr-pullthroughcache/), with Secrets Manager's own key: no value is ever synthesized", () => {
    const secrets = secretsOf(dev);
    expect(secrets.map((s) => s.name).sort()).toEqual(
      CREDENTIALED_UPSTREAMS.map((u) => `ecr-pullthroughcache/marketing-agents-dev/${u}`).sort(),
    );
    for (const secret of secrets) expect(secret.kms_key_id).toBeUndefined();
    const versions = Object.values(resourcesOf(dev.json("network"), "aws_secretsmanager_secret_version"));
    expect(versions).toEqual([]);
  });

  it("lets the nodes import upstream images and create the cache's repositories, and nothing else", () => {
    const policy = Object.values(resourcesOf(prod.json("cluster"), "aws_iam_policy")).find(
      (p) => p.name === "marketing-agents-prod-node-pull-through-cache",
    );
    expect(JSON.parse(String(policy?.policy)).Statement).toEqual([
      {
        Sid: "PullThroughCache",
        Effect: "Allow",
        Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
        Resource: UPSTREAM_NAMES.map((n) => `arn:aws:ecr:us-east-1:333333333333:repository/prod-${n}/*`),
      },
    ]);
    const groups = (prod.json("cluster").module?.eks as Json).eks_managed_node_groups as Record<string, Json>;
    for (const group of Object.values(groups)) {
      expect(group.iam_role_additional_policies).toMatchObject({
        "pull-through-cache": expect.stringMatching(/^\$\{aws_iam_policy\.pull-through-cache_node-policy_\w+\.arn\}$/),
      });
    }
  });

  it("rewrites every chart's images to the environment's registry", () => {
    for (const env of [dev, prod]) {
      const images = helmImages(env);
      expect(images.length).toBeGreaterThan(20);
      expect(images.filter((line) => !line.split(": ")[1].startsWith(`${registry(env)}/${env.config.name}-`))).toEqual(
        [],
      );
    }
  });

  it("runs the app's own image from the environment's repository, known at plan, and its helpers through the cache", () => {
    const deployment = Object.values(resourcesOf(prod.json("app"), "kubernetes_deployment_v1"))[0];
    const containers = (((deployment.spec as Json).template as Json).spec as Json).container as Json[];
    expect(String(containers[0].image)).toMatch(
      /^333333333333\.dkr\.ecr\.us-east-1\.amazonaws\.com\/marketing-agents-prod:\$\{/,
    );
    expect(containers[1].image).toBe(`${registry(prod)}/prod-ecr-public/docker/library/busybox:1.37.0`);
    const jobs = Object.values(resourcesOf(prod.json("app"), "kubernetes_job_v1"));
    for (const job of jobs)
      expect(JSON.stringify(job.spec)).toContain(`${registry(prod)}/prod-ecr-public/docker/library/postgres:`);
  });
});
