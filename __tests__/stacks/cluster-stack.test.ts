import { APPLY_SESSION_SECONDS } from "../../config";
import { cidrsOverlap } from "../../config/cidr";
import { resourcesOf, synthEnvironment, type SynthesizedEnvironment, type TerraformJson } from "../helpers";

type Json = Record<string, unknown>;
const eksOf = (env: SynthesizedEnvironment) => env.json("cluster").module?.eks as Json;
const FROM_NETWORK = (env: string, output: string) =>
  `\${data.terraform_remote_state.cross-stack-reference-input-${env}-network.outputs.cross-stack-output-${output}}`;

function roleNamed(json: TerraformJson, name: string): Json {
  const role = Object.values(resourcesOf(json, "aws_iam_role")).find((r) => r.name === name);
  if (!role) throw new Error(`no IAM role ${name}`);
  return role;
}

function trustOf(role: Json) {
  return JSON.parse(role.assume_role_policy as string).Statement[0];
}

describe("cluster stack", () => {
  const dev = synthEnvironment("dev");
  const prod = synthEnvironment("prod");

  it("runs EKS 1.35 through the pinned eks module in the network stack's private subnets", () => {
    expect(eksOf(prod)).toMatchObject({
      source: "terraform-aws-modules/eks/aws",
      version: "21.11.0",
      name: "marketing-agents-prod",
      kubernetes_version: "1.35",
      vpc_id: FROM_NETWORK("prod", "modulevpcvpc_id"),
      subnet_ids: FROM_NETWORK("prod", "modulevpcprivate_subnets"),
      control_plane_subnet_ids: FROM_NETWORK("prod", "modulevpcprivate_subnets"),
    });
  });

  it("keeps the seed's SPOT t3.medium group (2..10, 3) everywhere and adds an on-demand baseline in prod", () => {
    const groups = (env: SynthesizedEnvironment) => eksOf(env).eks_managed_node_groups as Record<string, Json>;
    const seed = { instance_types: ["t3.medium"], capacity_type: "SPOT", min_size: 2, max_size: 10, desired_size: 3 };
    expect(Object.keys(groups(dev))).toEqual(["spot"]);
    expect(groups(dev).spot).toMatchObject(seed);
    expect(Object.keys(groups(prod)).sort()).toEqual(["baseline", "spot"]);
    expect(groups(prod).spot).toMatchObject(seed);
    expect(groups(prod).baseline).toMatchObject({ capacity_type: "ON_DEMAND", min_size: 2 });
  });

  it("requires IMDSv2 with hop limit 1, encrypted gp3 roots and private subnets on every node group", () => {
    for (const group of Object.values(eksOf(prod).eks_managed_node_groups as Record<string, Json>)) {
      expect(group).toMatchObject({
        metadata_options: { http_tokens: "required", http_put_response_hop_limit: 1, http_endpoint: "enabled" },
        block_device_mappings: { root: { ebs: { encrypted: true, volume_type: "gp3" } } },
        subnet_ids: FROM_NETWORK("prod", "modulevpcprivate_subnets"),
        iam_role_attach_cni_policy: false,
      });
    }
  });

  it("logs every control-plane component and encrypts secrets with the environment key", () => {
    expect(eksOf(prod)).toMatchObject({
      enabled_log_types: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
      cloudwatch_log_group_retention_in_days: 365,
      cloudwatch_log_group_kms_key_id: FROM_NETWORK("prod", "aws_kms_keyenvironment-key_B8FFA627arn"),
      create_kms_key: false,
      encryption_config: {
        provider_key_arn: FROM_NETWORK("prod", "aws_kms_keyenvironment-key_B8FFA627arn"),
        resources: ["secrets"],
      },
    });
  });

  it("limits the public endpoint to configured CIDRs and keeps the private endpoint on", () => {
    expect(eksOf(dev)).toMatchObject({
      endpoint_public_access: true,
      endpoint_private_access: true,
      endpoint_public_access_cidrs: ["203.0.113.0/24"],
    });
  });

  it("gives prod no public endpoint at all (config), leaving the CIDR list unset", () => {
    expect(eksOf(prod)).toMatchObject({ endpoint_public_access: false, endpoint_private_access: true });
    expect(eksOf(prod)).not.toHaveProperty("endpoint_public_access_cidrs");
  });

  describe("in-VPC GitHub Actions runner", () => {
    /** The one resource of a type the runner construct made (the operator access host has its own group). */
    const only = (env: SynthesizedEnvironment, type: string) => {
      const all = Object.entries(resourcesOf(env.json("cluster"), type)).filter(([name]) =>
        name.startsWith("ci-runner_"),
      );
      expect(all).toHaveLength(1);
      return { ...all[0][1], address: `${type}.${all[0][0]}` } as Json;
    };

    it("runs a CodeBuild project in the private subnets, named as the workflows' runs-on label expects", () => {
      const project = only(prod, "aws_codebuild_project");
      const group = only(prod, "aws_security_group");
      expect(project).toMatchObject({
        name: "marketing-agents-prod-runner",
        source: {
          type: "GITHUB",
          location: "https://github.com/acme/marketing-agents-infra.git",
          auth: { type: "CODECONNECTIONS", resource: prod.config.ci.runner.connectionArn },
        },
        vpc_config: {
          vpc_id: FROM_NETWORK("prod", "modulevpcvpc_id"),
          // One element per zone's private subnet: the runner's role names each one.
          subnets: prod.config.network.availabilityZones.map(
            (_, i) => `\${element(${FROM_NETWORK("prod", "modulevpcprivate_subnets").slice(2, -1)}, ${i})}`,
          ),
          security_group_ids: [`\${${group.address}.id}`],
        },
        environment: { privileged_mode: false, compute_type: "BUILD_GENERAL1_SMALL" },
      });
      expect(project.encryption_key).toMatch(/remote_state.*network/);
    });

    it("starts a build only for queued jobs of the infra and drift workflows by the listed actors (no branch filter)", () => {
      // Which jobs match, under CodeBuild's rule: __tests__/modules/github-actions-runner.test.ts.
      expect(only(prod, "aws_codebuild_webhook")).toMatchObject({
        build_type: "BUILD",
        filter_group: [
          {
            filter: [
              { type: "EVENT", pattern: "WORKFLOW_JOB_QUEUED" },
              { type: "WORKFLOW_NAME", pattern: "^(infra|drift)$" },
              { type: "ACTOR_ACCOUNT_ID", pattern: `^(${prod.config.ci.runner.actorAccountIds.join("|")})$` },
            ],
          },
        ],
      });
    });

    it("lets the runner out on HTTPS only and into the cluster API through the cluster security group", () => {
      const group = only(prod, "aws_security_group");
      expect(group.ingress).toEqual([]);
      expect(group.egress).toEqual([expect.objectContaining({ protocol: "tcp", from_port: 443, to_port: 443 })]);
      expect(eksOf(prod).security_group_additional_rules).toEqual({
        "ingress-ci-runner": expect.objectContaining({
          type: "ingress",
          from_port: 443,
          to_port: 443,
          source_security_group_id: `\${${group.address}.id}`,
        }),
        // People's Session Manager host (prod's endpoint is private): __tests__/stacks/operator-access.test.ts.
        "ingress-operator-access": expect.objectContaining({ type: "ingress", from_port: 443, to_port: 443 }),
      });
    });

    it("gives the runner's own role no deploy rights: jobs still assume the plan or deploy role through OIDC", () => {
      const role = roleNamed(prod.json("cluster"), "marketing-agents-prod-runner");
      expect(trustOf(role)).toMatchObject({
        Principal: { Service: "codebuild.amazonaws.com" },
        Condition: {
          StringEquals: { "aws:SourceAccount": prod.config.account.id },
          ArnLike: {
            "aws:SourceArn": `arn:aws:codebuild:us-east-1:${prod.config.account.id}:project/marketing-agents-prod-runner`,
          },
        },
      });
      const attachments = Object.values(resourcesOf(prod.json("cluster"), "aws_iam_role_policy_attachment"));
      expect(attachments.filter((a) => String(a.role).includes("ci-runner"))).toEqual([]);
      const policy = Object.values(resourcesOf(prod.json("cluster"), "aws_iam_role_policy")).find(
        (p) => p.name === "marketing-agents-prod-runner",
      );
      const actions = (JSON.parse(policy?.policy as string).Statement as Json[]).flatMap((st) => st.Action);
      expect(actions.filter((a) => !/^(logs|ec2|codeconnections|codestar-connections|kms):/.test(String(a)))).toEqual(
        [],
      );
      expect(actions).not.toContain("sts:AssumeRole");
    });

    it("lets a job run as long as the longest apply", () => {
      expect(only(prod, "aws_codebuild_project").build_timeout).toBe(APPLY_SESSION_SECONDS / 60);
      expect(APPLY_SESSION_SECONDS).toBeGreaterThanOrEqual(3 * 3600);
    });
  });

  it("makes only the configured admin roles and the deploy role cluster admins; the full-plan role may only view; the pull-request role gets nothing", () => {
    const eks = eksOf(prod);
    expect(eks).toMatchObject({ authentication_mode: "API", enable_cluster_creator_admin_permissions: false });
    const entries = Object.values(eks.access_entries as Record<string, Json>).map((e) => [
      e.principal_arn,
      Object.values(e.policy_associations as Record<string, Json>)[0].policy_arn,
    ]);
    expect(entries).toEqual([
      [
        "arn:aws:iam::333333333333:role/PlatformAdmin",
        "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
      ],
      [
        "arn:aws:iam::333333333333:role/marketing-agents-prod-deploy",
        "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
      ],
      [
        "arn:aws:iam::333333333333:role/marketing-agents-prod-plan",
        "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy",
      ],
    ]);
  });

  it("installs the managed add-ons, giving IAM to vpc-cni and the EBS CSI driver through Pod Identity", () => {
    const addons = eksOf(prod).addons as Record<string, Json>;
    expect(Object.keys(addons).sort()).toEqual([
      "aws-ebs-csi-driver",
      "coredns",
      "eks-pod-identity-agent",
      "kube-proxy",
      "vpc-cni",
    ]);
    expect(addons["vpc-cni"]).toMatchObject({
      before_compute: true,
      pod_identity_association: [{ service_account: "aws-node", role_arn: expect.stringMatching(/vpc-cni-role/) }],
    });
    // Without it the app's NetworkPolicy would be accepted but not enforced.
    expect(JSON.parse(addons["vpc-cni"].configuration_values as string)).toEqual({ enableNetworkPolicy: "true" });
    expect(addons["aws-ebs-csi-driver"]).toMatchObject({
      pod_identity_association: [
        { service_account: "ebs-csi-controller-sa", role_arn: expect.stringMatching(/ebs-csi-role/) },
      ],
    });
  });

  it("pins every add-on to config's version: no apply upgrades one on its own", () => {
    const addons = eksOf(prod).addons as Record<string, Json>;
    for (const [name, version] of Object.entries(prod.config.cluster.addonVersions)) {
      expect(addons[name]).toMatchObject({ addon_version: version, most_recent: false });
    }
  });

  it("pins every node group to config's AMI release: nodes roll only when it changes", () => {
    for (const env of [dev, prod]) {
      for (const group of Object.values(eksOf(env).eks_managed_node_groups as Record<string, Json>)) {
        expect(group).toMatchObject({
          ami_release_version: env.config.cluster.nodeAmiReleaseVersion,
          use_latest_ami_release_version: false,
        });
      }
    }
  });

  it("protects the prod cluster from deletion but not dev's", () => {
    expect(eksOf(prod).deletion_protection).toBe(true);
    expect(eksOf(dev).deletion_protection).toBe(false);
  });

  it("binds the autoscaler, external-secrets, app, Alertmanager, ExternalDNS, Fluent Bit and Grafana service accounts to their own roles", () => {
    const associations = Object.values(resourcesOf(prod.json("cluster"), "aws_eks_pod_identity_association"));
    expect(associations.map((a) => `${a.namespace}/${a.service_account}`).sort()).toEqual([
      "external-dns/external-dns",
      "external-secrets/external-secrets",
      "kube-system/cluster-autoscaler",
      "logging/aws-for-fluent-bit",
      "marketing-agents/marketing-agents",
      "monitoring/alertmanager",
      "monitoring/grafana",
    ]);
    for (const a of associations) expect(a.cluster_name).toBe("${module.eks.cluster_name}");
    const trust = trustOf(roleNamed(prod.json("cluster"), "marketing-agents-prod-app"));
    expect(trust).toMatchObject({
      Effect: "Allow",
      Principal: { Service: "pods.eks.amazonaws.com" },
      Action: ["sts:AssumeRole", "sts:TagSession"],
      // What the conditions admit is evaluated in in-cluster-identities.test.ts.
      Condition: {
        StringEquals: expect.objectContaining({ "aws:RequestTag/kubernetes-namespace": "marketing-agents" }),
      },
    });
  });

  it("lets only external-secrets assume the db-admin role, and external-secrets nothing else through it", () => {
    const json = prod.json("cluster");
    const role = roleNamed(json, "marketing-agents-prod-db-admin");
    expect(trustOf(role)).toEqual({
      Effect: "Allow",
      Principal: { AWS: expect.stringMatching(/^\$\{aws_iam_role\.external-secrets-role_\w+\.arn\}$/) },
      // Pod Identity's session tags are transitive: the chained AssumeRole carries them.
      Action: ["sts:AssumeRole", "sts:TagSession"],
      // Only the database-admin namespace's store (evaluated in in-cluster-identities.test.ts).
      Condition: {
        StringEquals: expect.objectContaining({
          "aws:RequestTag/external-secrets-store": "marketing-agents-db-admin/database-admin",
        }),
      },
    });
    expect(role.permissions_boundary).toBe("arn:aws:iam::333333333333:policy/marketing-agents-prod-boundary");
    const assume = Object.values(resourcesOf(json, "aws_iam_role_policy")).find(
      (p) => p.name === "assume-marketing-agents-prod-db-admin",
    );
    expect(assume?.role).toMatch(/external-secrets-role/);
    expect(JSON.parse(assume?.policy as string).Statement).toEqual([
      {
        Sid: "AssumeOnlyThisRole",
        Effect: "Allow",
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Resource: expect.stringMatching(/^\$\{aws_iam_role\.database-admin-role_\w+\.arn\}$/),
      },
    ]);
  });

  it("lets Alertmanager publish to the alert topic, and nothing else", () => {
    const json = prod.json("cluster");
    const association = Object.values(resourcesOf(json, "aws_eks_pod_identity_association")).find(
      (a) => a.service_account === "alertmanager",
    );
    expect(association).toMatchObject({ namespace: "monitoring" });
    const policy = Object.values(resourcesOf(json, "aws_iam_role_policy")).find(
      (p) => p.name === "marketing-agents-prod-alertmanager",
    );
    expect(JSON.parse(policy?.policy as string).Statement).toEqual([
      {
        Sid: "PublishAlerts",
        Effect: "Allow",
        Action: "sns:Publish",
        Resource: expect.stringMatching(/cross-stack-output-aws_sns_topicalerts_topic_\w+arn\}$/),
      },
      expect.objectContaining({ Action: ["kms:GenerateDataKey*", "kms:Decrypt"] }),
    ]);
  });

  it("lets the autoscaler change only node groups tagged as this cluster's", () => {
    const policy = Object.values(resourcesOf(prod.json("cluster"), "aws_iam_role_policy")).find(
      (p) => p.name === "marketing-agents-prod-cluster-autoscaler",
    );
    const statements = JSON.parse(policy?.policy as string).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
        Condition: { StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/marketing-agents-prod": "owned" } },
      }),
    );
  });

  it("keeps app images in an immutable, scanned, KMS-encrypted ECR repository that expires old images", () => {
    const repository = Object.values(resourcesOf(prod.json("cluster"), "aws_ecr_repository")).find(
      (r) => r.name === "marketing-agents-prod",
    );
    expect(repository).toMatchObject({
      name: "marketing-agents-prod",
      image_tag_mutability: "IMMUTABLE",
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: "KMS" }],
    });
  });

  it("never expires an image that was deployed: deployed-* images are selected first, and by a count no repository reaches", () => {
    const [lifecycle] = Object.values(resourcesOf(prod.json("cluster"), "aws_ecr_lifecycle_policy"));
    const rules = JSON.parse(lifecycle.policy as string).rules as { rulePriority: number; selection: Json }[];
    expect(rules.map((r) => r.rulePriority)).toEqual([1, 2, 3]);
    expect(rules[0].selection).toEqual({
      tagStatus: "tagged",
      tagPrefixList: ["deployed-"],
      countType: "imageCountMoreThan",
      countNumber: 9999,
    });
    expect(rules[1].selection).toMatchObject({ tagStatus: "untagged", countType: "sinceImagePushed" });
    expect(rules[2].selection).toEqual({ tagStatus: "any", countType: "imageCountMoreThan", countNumber: 100 });
  });
});

describe("the Kubernetes Service range", () => {
  it.each(["dev", "prod"])(
    "is pinned in %s's cluster, and holds the API server address the platform's NetworkPolicies allow",
    (name) => {
      const env = synthEnvironment(name);
      const serviceCidr = (env.json("cluster").module?.eks as { service_ipv4_cidr?: string }).service_ipv4_cidr;
      expect(serviceCidr).toBeDefined();
      const apiServerBlocks = Object.values(resourcesOf(env.json("platform"), "kubernetes_network_policy_v1"))
        .flatMap((p) => JSON.stringify(p).match(/"cidr":"[0-9.]+\/32"/g) ?? [])
        .map((m) => m.slice(8, -1));
      const inServiceRange = apiServerBlocks.filter((block) => cidrsOverlap(block, serviceCidr as string));
      // Without the pin EKS picks 10.100.0.0/16 or 172.20.0.0/16 by the VPC's range, and every
      // workload's API access through the `kubernetes` Service would be dropped silently.
      expect(inServiceRange.length).toBeGreaterThan(0);
    },
  );
});
