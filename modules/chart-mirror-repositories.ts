import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { Construct } from "constructs";
import { isMirroredChart, type ImageMirror } from "./image-mirror";
import type { ChartSource } from "./addons/platform-addon";

/** Settings of the chart mirror. */
export interface ChartMirrorRepositoriesProps {
  /** The environment's mirror: its chart prefix names the repositories (`<prefixStart>-charts`). */
  readonly mirror: ImageMirror;
  /** The pinned chart sources; a repository is created for each one ECR cannot cache (HTTPS). */
  readonly charts: readonly ChartSource[];
  /** KMS key ARN that encrypts the charts (the environment's key). */
  readonly kmsKeyArn: string;
}

/**
 * One ECR repository per chart published only in an HTTPS chart repository
 * (`<prefixStart>-charts/<chart>`): the deploy command pushes each pinned version there as an OCI
 * Helm artifact, and the platform's releases pull it from there (modules/image-mirror.ts `chart`).
 * Immutable tags: a version once pushed is the bytes every later plan and apply installs. A cache,
 * not a record: destroy deletes it with its charts (`force_delete`), the next deploy mirrors again.
 */
export class ChartMirrorRepositories extends Construct {
  constructor(scope: Construct, id: string, props: ChartMirrorRepositoriesProps) {
    super(scope, id);
    for (const source of props.charts.filter(isMirroredChart)) {
      new EcrRepository(this, source.chart, {
        name: props.mirror.chartLocation(source).repositoryName,
        imageTagMutability: "IMMUTABLE",
        // Nothing to find in a chart: basic scanning reports its media type UNSUPPORTED_IMAGE
        // (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageScanStatus.html). On
        // anyway, as on every repository: the gate and checkov (CKV_AWS_163) ask it of all of them,
        // and a waiver there would cover the app's repository too (checkov skips only everywhere).
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: [{ encryptionType: "KMS", kmsKey: props.kmsKeyArn }],
        forceDelete: true,
      });
    }
  }
}
