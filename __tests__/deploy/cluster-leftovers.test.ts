/**
 * What the cluster's controllers left in AWS, read through the AWS SDK (mocked): the load
 * balancers tagged for the cluster, ExternalDNS's records, the EBS volumes nothing uses; and the
 * wait that gives up with one line.
 */
import { mockClient } from "aws-sdk-client-mock";
import { DescribeVolumesCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { ListHostedZonesByNameCommand, ListResourceRecordSetsCommand, Route53Client } from "@aws-sdk/client-route-53";
import { loadEnvironments } from "../../config";
import {
  CSI_VOLUME_TAG,
  clusterLoadBalancers,
  environmentZoneId,
  externalDnsRecords,
  idleCsiVolumes,
  waitUntilGone,
} from "../../scripts/deploy/cluster-leftovers";

const CLUSTER = "marketing-agents-dev";
const arn = (n: number) => `arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/lb-${n}/${n}`;

describe("the cluster's load balancers", () => {
  const elb = mockClient(ElasticLoadBalancingV2Client);
  afterEach(() => elb.reset());

  /** 25 load balancers over two pages; lb-3 is the Gateway's, lb-21 another controller's, lb-7 another cluster's. */
  function region() {
    const lbs = Array.from({ length: 25 }, (_, i) => ({ LoadBalancerName: `lb-${i}`, LoadBalancerArn: arn(i) }));
    elb
      .on(DescribeLoadBalancersCommand, { Marker: undefined })
      .resolves({ LoadBalancers: lbs.slice(0, 15), NextMarker: "m" });
    elb.on(DescribeLoadBalancersCommand, { Marker: "m" }).resolves({ LoadBalancers: lbs.slice(15) });
    const tags: Record<string, { Key: string; Value: string }[]> = {
      [arn(3)]: [
        { Key: `kubernetes.io/cluster/${CLUSTER}`, Value: "owned" },
        { Key: "kubernetes.io/service-name", Value: "envoy-gateway-system/envoy-public-1234" },
      ],
      [arn(7)]: [{ Key: "kubernetes.io/cluster/marketing-agents-staging", Value: "owned" }],
      [arn(21)]: [
        { Key: "elbv2.k8s.aws/cluster", Value: CLUSTER },
        { Key: "service.k8s.aws/stack", Value: "shop/web" },
      ],
    };
    elb.on(DescribeTagsCommand).callsFake((input: { ResourceArns: string[] }) => ({
      TagDescriptions: input.ResourceArns.map((a) => ({ ResourceArn: a, Tags: tags[a] ?? [] })),
    }));
  }

  it("finds every load balancer tagged for the cluster, across pages, with the Service it serves", async () => {
    region();
    const found = await clusterLoadBalancers(new ElasticLoadBalancingV2Client({}), CLUSTER);
    expect(found).toEqual([
      { name: "lb-3", arn: arn(3), service: "envoy-gateway-system/envoy-public-1234" },
      { name: "lb-21", arn: arn(21), service: "shop/web" },
    ]);
  });

  it("asks for tags 20 load balancers at a time (the API's limit)", async () => {
    region();
    await clusterLoadBalancers(new ElasticLoadBalancingV2Client({}), CLUSTER);
    const batches = elb.commandCalls(DescribeTagsCommand).map((c) => c.args[0].input.ResourceArns?.length);
    expect(batches).toEqual([20, 5]);
  });

  it("finds none in a region whose load balancers belong to others", async () => {
    elb
      .on(DescribeLoadBalancersCommand)
      .resolves({ LoadBalancers: [{ LoadBalancerName: "x", LoadBalancerArn: arn(1) }] });
    elb
      .on(DescribeTagsCommand)
      .resolves({ TagDescriptions: [{ ResourceArn: arn(1), Tags: [{ Key: "team", Value: "a" }] }] });
    expect(await clusterLoadBalancers(new ElasticLoadBalancingV2Client({}), CLUSTER)).toEqual([]);
  });
});

describe("ExternalDNS's records", () => {
  const route53 = mockClient(Route53Client);
  afterEach(() => route53.reset());
  const txt = (owner: string, resource: string) =>
    `"heritage=external-dns,external-dns/owner=${owner},external-dns/resource=${resource}"`;

  it("lists the records this cluster's ExternalDNS owns (TXT ownership and the names it owns), across pages", async () => {
    route53.on(ListResourceRecordSetsCommand, { StartRecordName: undefined }).resolves({
      ResourceRecordSets: [
        { Name: "dev.example.com.", Type: "NS", ResourceRecords: [{ Value: "ns-1.awsdns-00.com." }] },
        {
          Name: "a-marketing-agents.dev.example.com.",
          Type: "TXT",
          ResourceRecords: [{ Value: txt(CLUSTER, "httproute/marketing-agents/app") }],
        },
      ],
      IsTruncated: true,
      NextRecordName: "marketing-agents.dev.example.com.",
      NextRecordType: "A",
    });
    route53.on(ListResourceRecordSetsCommand, { StartRecordName: "marketing-agents.dev.example.com." }).resolves({
      ResourceRecordSets: [
        {
          Name: "marketing-agents.dev.example.com.",
          Type: "A",
          AliasTarget: { DNSName: "x.elb.amazonaws.com.", HostedZoneId: "Z1", EvaluateTargetHealth: true },
        },
        { Name: "other.dev.example.com.", Type: "A", ResourceRecords: [{ Value: "192.0.2.1" }] },
        {
          Name: "a-other.dev.example.com.",
          Type: "TXT",
          ResourceRecords: [{ Value: txt("marketing-agents-dev2", "x") }],
        },
      ],
      IsTruncated: false,
    });
    expect(await externalDnsRecords(new Route53Client({}), "Z123", CLUSTER)).toEqual([
      "TXT a-marketing-agents.dev.example.com",
      "A marketing-agents.dev.example.com",
    ]);
  });

  it("finds none once ExternalDNS has deleted them (the zone's own NS and SOA stay)", async () => {
    route53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [
        { Name: "dev.example.com.", Type: "NS", ResourceRecords: [{ Value: "ns-1.awsdns-00.com." }] },
        {
          Name: "dev.example.com.",
          Type: "SOA",
          ResourceRecords: [{ Value: "ns-1.awsdns-00.com. x 1 7200 900 1209600 86400" }],
        },
      ],
    });
    expect(await externalDnsRecords(new Route53Client({}), "Z123", CLUSTER)).toEqual([]);
  });

  it("looks in config's zone, or in the public zone the network stack made for dns.zoneName", async () => {
    const [dev] = loadEnvironments("dev");
    route53.on(ListHostedZonesByNameCommand).resolves({
      HostedZones: [
        { Id: "/hostedzone/ZPRIVATE", Name: "dev.example.com.", CallerReference: "a", Config: { PrivateZone: true } },
        { Id: "/hostedzone/ZPUBLIC", Name: "dev.example.com.", CallerReference: "b", Config: { PrivateZone: false } },
      ],
    });
    expect(await environmentZoneId(new Route53Client({}), dev)).toBe("ZPUBLIC");
    const own = { ...dev, dns: { ...dev.dns, zoneId: "ZOWN", parent: null } };
    expect(await environmentZoneId(new Route53Client({}), own)).toBe("ZOWN");
    expect(route53.commandCalls(ListHostedZonesByNameCommand)).toHaveLength(1);
  });
});

describe("EBS volumes nothing uses", () => {
  const ec2 = mockClient(EC2Client);
  afterEach(() => ec2.reset());

  it("lists the available volumes the EBS CSI driver made, with the claim each was made for", async () => {
    ec2.on(DescribeVolumesCommand, { NextToken: undefined }).resolves({
      Volumes: [
        {
          VolumeId: "vol-1",
          Size: 20,
          Tags: [
            { Key: CSI_VOLUME_TAG, Value: "true" },
            { Key: "kubernetes.io/created-for/pvc/namespace", Value: "monitoring" },
            { Key: "kubernetes.io/created-for/pvc/name", Value: "prometheus-db-0" },
          ],
        },
      ],
      NextToken: "t",
    });
    ec2
      .on(DescribeVolumesCommand, { NextToken: "t" })
      .resolves({ Volumes: [{ VolumeId: "vol-2", Size: 10, Tags: [] }] });
    expect(await idleCsiVolumes(new EC2Client({}))).toEqual([
      { volumeId: "vol-1", sizeGib: 20, claim: "monitoring/prometheus-db-0" },
      { volumeId: "vol-2", sizeGib: 10 },
    ]);
    expect(ec2.commandCalls(DescribeVolumesCommand)[0].args[0].input.Filters).toEqual([
      { Name: "tag-key", Values: [CSI_VOLUME_TAG] },
      { Name: "status", Values: ["available"] },
    ]);
  });
});

describe("waiting until something is gone", () => {
  function clock() {
    let now = 0;
    const sleeps: number[] = [];
    return {
      sleeps,
      waiting: {
        timeoutMs: 60_000,
        intervalMs: 15_000,
        now: () => now,
        sleep: async (ms: number) => {
          sleeps.push(ms);
          now += ms;
        },
      },
    };
  }

  it("returns as soon as the list is empty", async () => {
    const { waiting, sleeps } = clock();
    const answers = [["lb"], ["lb"], []];
    await waitUntilGone(
      async () => answers.shift() ?? [],
      () => "never",
      waiting,
    );
    expect(sleeps).toEqual([15_000, 15_000]);
  });

  it("gives up at the deadline with the refusal made from what is left", async () => {
    const { waiting } = clock();
    await expect(
      waitUntilGone(
        async () => ["lb-3"],
        (left, minutes) => `${left.join()} still there after ${minutes} min`,
        waiting,
      ),
    ).rejects.toThrow(/^lb-3 still there after 1 min$/);
  });
});
