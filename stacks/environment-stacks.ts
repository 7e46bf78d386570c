import type { Construct } from "constructs";
import { ecrRegistryHost, imageRepositoryName, type EnvironmentConfig } from "../config";
import { AppStack } from "./app-stack";
import { BootstrapStack } from "./bootstrap-stack";
import { ClusterStack } from "./cluster-stack";
import { DataStack } from "./data-stack";
import { NetworkStack } from "./network-stack";
import { PlatformStack } from "./platform-stack";

/** The stacks of one environment, by concern. */
export interface EnvironmentStacks {
  readonly bootstrap: BootstrapStack;
  readonly network: NetworkStack;
  readonly cluster: ClusterStack;
  readonly data: DataStack;
  readonly platform: PlatformStack;
  readonly app: AppStack;
}

/** Creates every stack of one environment and wires their outputs into one another. */
export function createEnvironmentStacks(scope: Construct, config: EnvironmentConfig): EnvironmentStacks {
  const bootstrap = new BootstrapStack(scope, { config });
  const network = new NetworkStack(scope, { config });
  // Every other stack keeps its state in the bucket bootstrap creates (network leads to them all).
  network.addDependency(bootstrap);
  const cluster = new ClusterStack(scope, {
    config,
    vpcId: network.vpc.vpcId,
    privateSubnetIds: network.vpc.privateSubnetIds,
    kmsKeyArn: network.key.arn,
    alertTopicArn: network.alerts.arn,
    dnsZoneArn: network.zone.zoneArn,
    imagePullCredentialArns: network.imagePullCredentials.arns,
  });
  const data = new DataStack(scope, {
    config,
    vpcId: network.vpc.vpcId,
    databaseSubnetIds: network.vpc.databaseSubnetIds,
    databaseSubnetGroupName: network.vpc.databaseSubnetGroupName,
    kmsKeyArn: network.key.arn,
    nodeSecurityGroupId: cluster.eks.nodeSecurityGroupId,
    appRoleName: cluster.appRole.name,
    externalSecretsRoleName: cluster.externalSecretsRole.name,
    databaseAdminRoleName: cluster.databaseAdminRole.name,
    alertTopicArn: network.alerts.arn,
  });
  const platform = new PlatformStack(scope, {
    config,
    clusterName: cluster.eks.clusterName,
    alertTopicArn: network.alerts.arn,
    dnsZoneId: network.zone.zoneId,
  });
  const app = new AppStack(scope, {
    config,
    clusterName: cluster.eks.clusterName,
    // Known at plan (the repository's URL is its registry and name): the reviewed plan shows the
    // whole image, and k8s-check can tell it is the environment's own registry.
    imageRepositoryUrl: `${ecrRegistryHost(config)}/${imageRepositoryName(config)}`,
    imageTagParameterName: data.imageTag.name,
    databaseAddress: data.database.address,
    databaseIdentifier: data.database.instanceIdentifier,
    cacheNodeIds: data.cache.nodeIds,
    databaseMasterSecretArn: data.database.masterUserSecretArn,
    databaseAdminRoleArn: cluster.databaseAdminRole.arn,
    databaseAppSecretArn: data.databaseAppLogin.arn,
    databaseAppSecretVersionId: data.databaseAppLogin.versionId,
    databaseResourceId: data.database.resourceId,
    redisSecretName: data.cache.secretName,
    apiKeysSecretName: data.apiKeysSecret.name,
  });
  // The app's custom resources need the CRDs the platform's charts install.
  app.addDependency(platform);
  return { bootstrap, network, cluster, data, platform, app };
}
