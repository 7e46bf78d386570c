import type { Release } from "@cdktf/provider-helm/lib/release";
import type { ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import type { ClusterRefs } from "../cluster-connection";
import type { ImageMirror } from "../image-mirror";
import { helmRelease, type ChartSource, type PlatformAddOn } from "./platform-addon";

/**
 * 0.2.0 defaults to image 3.2.1; the release pins AWS_FOR_FLUENT_BIT_IMAGE_TAG instead. Published
 * only in an HTTPS chart repository (https://github.com/aws/eks-charts/issues/1070 asks for OCI):
 * deploy mirrors it into the environment's `<env>-charts/aws-for-fluent-bit` (modules/image-mirror.ts `chart`).
 */
export const AWS_FOR_FLUENT_BIT_CHART: ChartSource = {
  chart: "aws-for-fluent-bit",
  repository: "https://aws.github.io/eks-charts",
  version: "0.2.0",
  namespace: "logging",
};

/**
 * aws-for-fluent-bit 3.4.14 runs Fluent Bit 5.0.9, whose AWS credential chain reads EKS Pod
 * Identity (Fluent Bit >= 4.0 and 3.2.10); the chart's default 3.2.1 predates it, and its pods
 * would find no credentials (IMDS is out of their reach: hop limit 1).
 */
export const AWS_FOR_FLUENT_BIT_IMAGE_TAG = "3.4.14";
/** The chart's image, pulled through the environment's cache. */
const AWS_FOR_FLUENT_BIT_IMAGE = "public.ecr.aws/aws-observability/aws-for-fluent-bit";

/** Settings of the log shipper. */
export interface AwsForFluentBitProps {
  /** Service account name: must match the Pod Identity association of the cluster stack. */
  readonly serviceAccountName: string;
  /** The log group (made by the cluster stack, with its key and retention) every container writes to. */
  readonly logGroupName: string;
  /** Where its chart and images are pulled from: the environment's ECR (pull-through cache, chart mirror). */
  readonly images: ImageMirror;
}

/**
 * aws-for-fluent-bit as a DaemonSet: tails every container's log on every node, adds the pod's
 * namespace, name and labels, and ships each line to CloudWatch Logs, one stream per container,
 * into a group Terraform owns (never auto-created, so its KMS key and retention hold).
 */
export class AwsForFluentBitAddOn implements PlatformAddOn {
  readonly id = "aws-for-fluent-bit";

  constructor(private readonly props: AwsForFluentBitProps) {}

  deploy(scope: Construct, cluster: ClusterRefs, dependsOn?: ITerraformDependable[]): Release {
    return helmRelease(
      scope,
      this.id,
      this.props.images.chart(AWS_FOR_FLUENT_BIT_CHART),
      {
        image: { repository: this.props.images.image(AWS_FOR_FLUENT_BIT_IMAGE), tag: AWS_FOR_FLUENT_BIT_IMAGE_TAG },
        serviceAccount: { create: true, name: this.props.serviceAccountName },
        cloudWatchLogs: {
          enabled: true,
          region: cluster.region,
          logGroupName: this.props.logGroupName,
          logStreamTemplate: "$kubernetes['namespace_name'].$kubernetes['pod_name'].$kubernetes['container_name']",
          logStreamPrefix: "container-",
          autoCreateGroup: false,
        },
        // The stock image reads /var/log/containers (containerd); no Docker directory on AL2023.
        volumes: [{ name: "varlog", hostPath: { path: "/var/log" } }],
        volumeMounts: [{ name: "varlog", mountPath: "/var/log" }],
        // Every node, tainted ones included: a log lost on a special node is still lost.
        tolerations: [{ operator: "Exists" }],
        serviceMonitor: { enabled: true },
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
      },
      dependsOn,
    );
  }
}
