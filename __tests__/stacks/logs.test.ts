/**
 * Logs that outlive pods and nodes: the container log group (key and retention from config), Fluent
 * Bit's role limited to it, its release, and the app's log folder copied to stdout by a sidecar.
 */
import { AWS_FOR_FLUENT_BIT_CHART, AWS_FOR_FLUENT_BIT_IMAGE_TAG } from "../../modules/addons/aws-for-fluent-bit";
import { LOG_FORWARDER } from "../../modules/kubernetes/app-workload";
import { onlyResource, resourcesOf, synthEnvironment } from "../helpers";

type Json = Record<string, unknown>;
type Statement = { Action: string[]; Resource: string[] };

describe.each(["dev", "prod"])("logs in %s", (name) => {
  const env = synthEnvironment(name);
  const cluster = env.json("cluster");
  const groupName = `/aws/eks/marketing-agents-${name}/containers`;

  it("keeps container logs in a KMS-encrypted group with the configured retention", () => {
    const group = Object.values(resourcesOf(cluster, "aws_cloudwatch_log_group")).find((g) => g.name === groupName);
    expect(group).toMatchObject({
      name: groupName,
      retention_in_days: env.config.cluster.logRetentionDays,
      kms_key_id: expect.stringMatching(/^\$\{data\.terraform_remote_state\..*kms_key.*arn\}$/),
    });
  });

  it("lets Fluent Bit write streams and events in that group only", () => {
    const association = Object.values(resourcesOf(cluster, "aws_eks_pod_identity_association")).find(
      (a) => a.service_account === "aws-for-fluent-bit",
    );
    expect(association).toMatchObject({ namespace: "logging" });
    const policy = Object.values(resourcesOf(cluster, "aws_iam_role_policy")).find(
      (p) => p.name === `marketing-agents-${name}-fluent-bit`,
    );
    const [statement, ...rest] = (JSON.parse(String(policy?.policy)) as { Statement: Statement[] }).Statement;
    expect(rest).toEqual([]);
    const group = expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.container-logs_group_\w+\.arn\}$/);
    expect(statement).toMatchObject({
      Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      Resource: [group, expect.stringMatching(/\.arn\}:\*$/)],
    });
  });

  it("ships every container's output there, one stream per container, never creating a group", () => {
    const release = resourcesOf(env.json("platform"), "helm_release")["aws-for-fluent-bit"];
    expect(release).toMatchObject({
      chart: AWS_FOR_FLUENT_BIT_CHART.chart,
      // Published only in an HTTPS chart repository: from the environment's chart mirror.
      repository: `oci://${env.config.account.id}.dkr.ecr.${env.config.account.region}.amazonaws.com/${env.config.name}-charts`,
      version: "0.2.0",
      namespace: "logging",
    });
    const values = JSON.parse((release.values as string[])[0]) as Json;
    expect(values).toMatchObject({
      image: { tag: AWS_FOR_FLUENT_BIT_IMAGE_TAG },
      serviceAccount: { create: true, name: "aws-for-fluent-bit" },
      cloudWatchLogs: {
        enabled: true,
        region: env.config.account.region,
        logGroupName: groupName,
        autoCreateGroup: false,
        logStreamTemplate: expect.stringContaining("$kubernetes['pod_name']"),
      },
      tolerations: [{ operator: "Exists" }],
    });
  });

  it("copies the app's log folder to a sidecar's output, read-only", () => {
    const deployment = onlyResource(env.json("app"), "kubernetes_deployment_v1") as Json;
    const pod = ((deployment.spec as Json).template as Json).spec as Json;
    const containers = pod.container as Json[];
    expect(containers.map((c) => c.name)).toEqual(["marketing-agents", LOG_FORWARDER.name]);
    const sidecar = containers[1];
    expect(sidecar).toMatchObject({
      // LOG_FORWARDER.image (ECR Public's busybox) through the environment's pull-through cache.
      image: `${env.config.account.id}.dkr.ecr.${env.config.account.region}.amazonaws.com/${env.config.name}-ecr-public/docker/library/busybox:1.37.0`,
      command: ["sh", "-c", LOG_FORWARDER.script],
      volume_mount: [{ name: "logs", mount_path: "/app/logs", read_only: true }],
      security_context: expect.objectContaining({ read_only_root_filesystem: true, allow_privilege_escalation: false }),
    });
    expect(pod.volume).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "logs", empty_dir: { size_limit: "1Gi" } })]),
    );
  });
});
