/**
 * What the cluster's controllers made in AWS outside Terraform, which a destroy must see gone
 * before it deletes what they live in:
 * - the Network Load Balancer the Gateway's Envoy Service gets from the cluster's cloud provider
 *   (EKS's service controller; the AWS Load Balancer Controller's tag is matched too, should one be
 *   installed): in the VPC's public subnets, it keeps them, and so the VPC, from being deleted;
 * - the records ExternalDNS wrote in the environment's zone (it deletes them once their routes are
 *   gone, while it runs): a created zone cannot be deleted while they are there, an existing one
 *   would keep names pointing at a deleted load balancer;
 * - EBS volumes of the gp3 StorageClass (`reclaimPolicy: Retain`: Prometheus's and Grafana's data),
 *   which outlive their cluster: listed, never deleted.
 * Only reads: describing load balancers, tags, records and volumes.
 */
import { DescribeVolumesCommand, EC2Client, type Volume } from "@aws-sdk/client-ec2";
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
  type TagDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type ListResourceRecordSetsCommandOutput,
  type ResourceRecordSet,
} from "@aws-sdk/client-route-53";
import { clusterName, type EnvironmentConfig } from "../../config";
import { DeployError } from "./deploy-error";

/** A load balancer a controller of the cluster made. */
export interface LoadBalancerLeftover {
  readonly name: string;
  readonly arn: string;
  /** `namespace/name` of the Service (or Ingress) it serves, when its tags say. */
  readonly service?: string;
}

/** An EBS volume the cluster's CSI driver made that nothing uses. */
export interface VolumeLeftover {
  readonly volumeId: string;
  readonly sizeGib: number;
  /** `namespace/name` of the PersistentVolumeClaim it was made for, when its tags say. */
  readonly claim?: string;
}

/** The outside world of the leftovers, injectable for tests. */
export interface ClusterLeftovers {
  loadBalancers(config: EnvironmentConfig): Promise<LoadBalancerLeftover[]>;
  /** ExternalDNS's records for the cluster in the environment's zone, as `TYPE name`. */
  dnsRecords(config: EnvironmentConfig): Promise<string[]>;
  idleVolumes(config: EnvironmentConfig): Promise<VolumeLeftover[]>;
}

/** ELBv2 DescribeTags takes at most 20 ARNs per call. */
const TAGS_PER_CALL = 20;
/** The in-tree / cloud-provider-aws tag: `kubernetes.io/cluster/<cluster>` = owned. */
export const clusterTagKey = (cluster: string) => `kubernetes.io/cluster/${cluster}`;
/** The AWS Load Balancer Controller's tag, valued with the cluster's name. */
export const LB_CONTROLLER_CLUSTER_TAG = "elbv2.k8s.aws/cluster";
const SERVICE_TAGS = ["kubernetes.io/service-name", "service.k8s.aws/stack", "ingress.k8s.aws/stack"];
/** Tags the EBS CSI driver puts on every volume it creates, and on those made for a claim. */
export const CSI_VOLUME_TAG = "ebs.csi.aws.com/cluster";
const CLAIM_NAMESPACE_TAG = "kubernetes.io/created-for/pvc/namespace";
const CLAIM_NAME_TAG = "kubernetes.io/created-for/pvc/name";

/** Load balancers of the region tagged for the environment's cluster. */
export async function clusterLoadBalancers(
  client: ElasticLoadBalancingV2Client,
  cluster: string,
): Promise<LoadBalancerLeftover[]> {
  const all: { name: string; arn: string }[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(new DescribeLoadBalancersCommand({ Marker: marker }));
    for (const lb of page.LoadBalancers ?? []) {
      if (lb.LoadBalancerArn) all.push({ name: lb.LoadBalancerName ?? lb.LoadBalancerArn, arn: lb.LoadBalancerArn });
    }
    marker = page.NextMarker;
  } while (marker);
  const found: LoadBalancerLeftover[] = [];
  for (let i = 0; i < all.length; i += TAGS_PER_CALL) {
    const batch = all.slice(i, i + TAGS_PER_CALL);
    const { TagDescriptions } = await client.send(new DescribeTagsCommand({ ResourceArns: batch.map((b) => b.arn) }));
    for (const description of TagDescriptions ?? []) {
      if (!ownedBy(description, cluster)) continue;
      const lb = batch.find((b) => b.arn === description.ResourceArn) as { name: string; arn: string };
      const tags = description.Tags ?? [];
      const service = SERVICE_TAGS.map((key) => tags.find((t) => t.Key === key)?.Value).find(Boolean);
      found.push(service ? { ...lb, service } : lb);
    }
  }
  return found;
}

function ownedBy(description: TagDescription, cluster: string): boolean {
  return (description.Tags ?? []).some(
    (t) => t.Key === clusterTagKey(cluster) || (t.Key === LB_CONTROLLER_CLUSTER_TAG && t.Value === cluster),
  );
}

/**
 * The records ExternalDNS owns for this cluster in a zone: its TXT ownership records
 * (`"heritage=external-dns,external-dns/owner=<cluster>,..."`, txtOwnerId is the cluster's name)
 * and the records of the names they own.
 */
export async function externalDnsRecords(client: Route53Client, zoneId: string, owner: string): Promise<string[]> {
  const records: ResourceRecordSet[] = [];
  let start: { name?: string; type?: string; identifier?: string } | undefined = {};
  while (start) {
    const page: ListResourceRecordSetsCommandOutput = await client.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        StartRecordName: start.name,
        StartRecordType: start.type as never,
        StartRecordIdentifier: start.identifier,
      }),
    );
    records.push(...(page.ResourceRecordSets ?? []));
    start = page.IsTruncated
      ? { name: page.NextRecordName, type: page.NextRecordType, identifier: page.NextRecordIdentifier }
      : undefined;
  }
  const ownership = new RegExp(`external-dns/owner=${escapeRegExp(owner)}(,|"|$)`);
  const owning = records.filter(
    (r) => r.Type === "TXT" && (r.ResourceRecords ?? []).some((v) => ownership.test(v.Value ?? "")),
  );
  // ExternalDNS names its TXT record after the record it owns, with a prefix of the record type
  // (`a-<name>`, `cname-<name>`) or, in its older format, the same name.
  const owned = new Set(owning.map((r) => (r.Name ?? "").replace(/^(a|aaaa|cname)-/, "")));
  return records
    .filter((r) => owning.includes(r) || (r.Type !== "TXT" && owned.has(r.Name ?? "")))
    .map((r) => `${r.Type} ${(r.Name ?? "").replace(/\.$/, "")}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The environment's public zone: config's `dns.zoneId`, else the zone of `dns.zoneName` the network stack made. */
export async function environmentZoneId(client: Route53Client, config: EnvironmentConfig): Promise<string | undefined> {
  if (config.dns.zoneId) return config.dns.zoneId;
  const name = `${config.dns.zoneName}.`;
  const { HostedZones } = await client.send(new ListHostedZonesByNameCommand({ DNSName: name }));
  const zone = (HostedZones ?? []).find((z) => z.Name === name && z.Config?.PrivateZone !== true);
  return zone?.Id?.replace(/^\/hostedzone\//, "");
}

/** EBS volumes the EBS CSI driver created in the region that are attached to nothing. */
export async function idleCsiVolumes(client: EC2Client): Promise<VolumeLeftover[]> {
  const volumes: Volume[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new DescribeVolumesCommand({
        Filters: [
          { Name: "tag-key", Values: [CSI_VOLUME_TAG] },
          { Name: "status", Values: ["available"] },
        ],
        NextToken: token,
      }),
    );
    volumes.push(...(page.Volumes ?? []));
    token = page.NextToken;
  } while (token);
  return volumes.map((v) => {
    const tag = (key: string) => v.Tags?.find((t) => t.Key === key)?.Value;
    const namespace = tag(CLAIM_NAMESPACE_TAG);
    const name = tag(CLAIM_NAME_TAG);
    const leftover = { volumeId: v.VolumeId ?? "", sizeGib: v.Size ?? 0 };
    return namespace && name ? { ...leftover, claim: `${namespace}/${name}` } : leftover;
  });
}

/** The leftovers as AWS answers, in the environment's region. */
export function awsClusterLeftovers(): ClusterLeftovers {
  return {
    loadBalancers: (config) =>
      clusterLoadBalancers(new ElasticLoadBalancingV2Client({ region: config.account.region }), clusterName(config)),
    async dnsRecords(config) {
      const route53 = new Route53Client({ region: config.account.region });
      const zoneId = await environmentZoneId(route53, config);
      return zoneId ? externalDnsRecords(route53, zoneId, clusterName(config)) : [];
    },
    idleVolumes: (config) => idleCsiVolumes(new EC2Client({ region: config.account.region })),
  };
}

/** How to wait: polling interval, the deadline, and the clock (injectable for tests). */
export interface Waiting {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * Polls `list` until it is empty; past the deadline, stops with one line made by `refusal` from
 * what is still there.
 */
export async function waitUntilGone<T>(
  list: () => Promise<T[]>,
  refusal: (left: T[], waitedMinutes: number) => string,
  waiting: Waiting,
  progress?: (left: T[]) => void,
): Promise<void> {
  const started = waiting.now();
  for (;;) {
    const left = await list();
    if (left.length === 0) return;
    const waited = waiting.now() - started;
    if (waited >= waiting.timeoutMs) throw new DeployError(refusal(left, Math.round(waited / 60000)));
    progress?.(left);
    await waiting.sleep(waiting.intervalMs);
  }
}
