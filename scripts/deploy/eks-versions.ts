/**
 * What AWS offers for the pinned EKS versions of config (cluster.addonVersions and
 * cluster.nodeAmiReleaseVersion): read by the deploy preflight and by `npm run eks-versions`.
 */
import { DescribeAddonVersionsCommand, type EKSClient } from "@aws-sdk/client-eks";
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import type { EnvironmentConfig } from "../../config";

/** Every version of an add-on EKS offers for a Kubernetes minor, newest first. */
export async function addonVersionsOffered(
  eks: EKSClient,
  addonName: string,
  kubernetesVersion: string,
): Promise<string[]> {
  const answer = await eks.send(new DescribeAddonVersionsCommand({ addonName, kubernetesVersion }));
  return (answer.addons ?? []).flatMap((a) => (a.addonVersions ?? []).map((v) => v.addonVersion ?? ""));
}

/** The AL2023 x86_64 AMI of a node group release: "1.35.0-20251209" -> "...-standard-1.35-v20251209". */
export function eksAmiName(kubernetesVersion: string, releaseVersion: string): string {
  const date = releaseVersion.split("-").pop();
  return `amazon-eks-node-al2023-x86_64-standard-${kubernetesVersion}-v${date}`;
}

/** AWS's public parameter naming the newest AL2023 x86_64 release for a Kubernetes minor. */
export function recommendedReleaseParameter(kubernetesVersion: string): string {
  return `/aws/service/eks/optimized-ami/${kubernetesVersion}/amazon-linux-2023/x86_64/standard/recommended/release_version`;
}

/** One pinned version next to the newest AWS offers. */
export interface PinnedVersion {
  /** The config setting, e.g. cluster.addonVersions.coredns. */
  readonly setting: string;
  readonly pinned: string;
  readonly newest: string;
}

/** Each pinned version of an environment with the newest one AWS offers for its Kubernetes minor. */
export async function pinnedVersions(
  config: EnvironmentConfig,
  clients: { eks: EKSClient; ssm: SSMClient },
): Promise<PinnedVersion[]> {
  const { kubernetesVersion, addonVersions, nodeAmiReleaseVersion } = config.cluster;
  const addons = await Promise.all(
    Object.entries(addonVersions).map(async ([name, pinned]) => ({
      setting: `cluster.addonVersions.${name}`,
      pinned,
      newest: (await addonVersionsOffered(clients.eks, name, kubernetesVersion))[0] ?? "none offered",
    })),
  );
  const recommended = await clients.ssm.send(
    new GetParameterCommand({ Name: recommendedReleaseParameter(kubernetesVersion) }),
  );
  return [
    ...addons,
    {
      setting: "cluster.nodeAmiReleaseVersion",
      pinned: nodeAmiReleaseVersion,
      newest: recommended.Parameter?.Value ?? "none published",
    },
  ];
}
