/**
 * DNS from config to records: the network stack's zone (created and delegated, or existing), the
 * roles a parent zone offers its children, ExternalDNS's role limited to the zone, and its release.
 */
import { zoneDelegationRoleArn } from "../../config";
import { EXTERNAL_DNS_CHART } from "../../modules/addons/external-dns";
import { resourcesOf, synthEnvironment, type SynthesizedEnvironment, type TerraformJson } from "../helpers";

type Json = Record<string, unknown>;
type Statement = { Sid?: string; Action: string | string[]; Resource: string | string[]; Condition?: Json };

const only = (records: Record<string, Json>): Json => {
  const all = Object.values(records);
  expect(all).toHaveLength(1);
  return all[0];
};
const statementsOf = (policy: unknown) => (JSON.parse(String(policy)) as { Statement: Statement[] }).Statement;
const policyNamed = (json: TerraformJson, name: string) =>
  Object.values(resourcesOf(json, "aws_iam_role_policy")).find((p) => p.name === name);

describe("DNS", () => {
  const dev = synthEnvironment("dev");
  const prod = synthEnvironment("prod");

  describe("a created zone (dev)", () => {
    const json = dev.json("network");

    it("creates the zone named in config, never force-destroyed", () => {
      expect(only(resourcesOf(json, "aws_route53_zone"))).toMatchObject({
        name: "dev.example.com",
        force_destroy: false,
        lifecycle: { prevent_destroy: dev.config.retainOnDestroy },
      });
      expect(json.data?.aws_route53_zone).toBeUndefined();
    });

    it("writes the zone's name servers into the parent zone through the parent account's role", () => {
      const delegation = only(resourcesOf(json, "aws_route53_record"));
      expect(delegation).toMatchObject({
        zone_id: dev.config.dns.parent?.zoneId,
        name: "dev.example.com",
        type: "NS",
        ttl: 172800,
        records: expect.stringMatching(/^\$\{aws_route53_zone\.zone_\w+\.name_servers\}$/),
        provider: "aws.dns_parent",
      });
      const parentProvider = json.provider?.aws.find((p) => p.alias === "dns_parent");
      expect(parentProvider).toMatchObject({
        region: "us-east-1",
        assume_role: [{ role_arn: "${var.dns_parent_role_arn}" }],
        default_tags: [{ tags: expect.objectContaining({ Environment: "dev" }) }],
      });
    });

    it("assumes the writing role by default, and accepts only it or its read-only twin", () => {
      const writer = zoneDelegationRoleArn(prod.config, "dev");
      const variable = json.variable?.dns_parent_role_arn as Json;
      expect(variable.default).toBe(writer);
      expect(JSON.stringify(variable.validation)).toContain(`[\\"${writer}\\", \\"${writer}-read\\"]`);
    });

    it("offers no delegation of its own", () => {
      expect(Object.keys(resourcesOf(json, "aws_iam_role"))).toEqual([]);
    });
  });

  describe("an existing zone with children (prod)", () => {
    const json = prod.json("network");

    it("looks the zone up by id and creates none", () => {
      expect(only(json.data?.aws_route53_zone ?? {})).toMatchObject({ zone_id: prod.config.dns.zoneId });
      expect(resourcesOf(json, "aws_route53_zone")).toEqual({});
      expect(resourcesOf(json, "aws_route53_record")).toEqual({});
    });

    const roleNamed = (name: string) =>
      Object.values(resourcesOf(json, "aws_iam_role")).find((r) => r.name === name) as Json;
    const narrowedTrust = (account: string, roles: string[]) => [
      {
        Effect: "Allow",
        Principal: { AWS: [`arn:aws:iam::${account}:root`] },
        Action: "sts:AssumeRole",
        Condition: { ArnEquals: { "aws:PrincipalArn": roles } },
      },
    ];

    it.each([
      ["dev", "111111111111", "dev.example.com"],
      ["staging", "222222222222", "staging.example.com"],
    ])(
      "offers %s a role only its deploy role and its people assume, to write its NS records only",
      (child, account, zone) => {
        const name = `marketing-agents-prod-dns-${child}`;
        const role = roleNamed(name);
        expect(role.permissions_boundary).toBe("arn:aws:iam::333333333333:policy/marketing-agents-prod-boundary");
        expect(statementsOf(role.assume_role_policy)).toEqual(
          narrowedTrust(account, [
            `arn:aws:iam::${account}:role/marketing-agents-${child}-deploy`,
            `arn:aws:iam::${account}:role/PlatformAdmin`,
          ]),
        );
        const [write, read, follow] = statementsOf(policyNamed(json, name)?.policy);
        expect(write).toMatchObject({
          Action: "route53:ChangeResourceRecordSets",
          Resource: expect.stringMatching(/^\$\{data\.aws_route53_zone\.zone_existing_\w+\.arn\}$/),
          Condition: {
            "ForAllValues:StringEquals": {
              "route53:ChangeResourceRecordSetsNormalizedRecordNames": [zone],
              "route53:ChangeResourceRecordSetsRecordTypes": ["NS"],
            },
          },
        });
        expect(read.Resource).toBe(write.Resource);
        expect(follow).toMatchObject({ Action: "route53:GetChange", Resource: "arn:aws:route53:::change/*" });
      },
    );

    it.each([
      ["dev", "111111111111"],
      ["staging", "222222222222"],
    ])("offers %s's plan roles and its people a twin that can only read", (child, account) => {
      const name = `marketing-agents-prod-dns-${child}-read`;
      expect(statementsOf(roleNamed(name).assume_role_policy)).toEqual(
        narrowedTrust(account, [
          ...["plan", "pr-plan"].map((r) => `arn:aws:iam::${account}:role/marketing-agents-${child}-${r}`),
          `arn:aws:iam::${account}:role/PlatformAdmin`,
        ]),
      );
      const actions = statementsOf(policyNamed(json, name)?.policy).flatMap((st) => [st.Action].flat());
      expect(actions.sort()).toEqual(["route53:GetChange", "route53:GetHostedZone", "route53:ListResourceRecordSets"]);
    });
  });

  it.each([
    ["dev", { deploy: "", plan: "-read", "pr-plan": "-read" }],
    ["prod", {}],
  ])(
    "lets %s's plan roles assume only the parent's read-only twin, and its deploy role only the writing role",
    (name, suffixes) => {
      const json = synthEnvironment(name).json("bootstrap");
      const assumers = Object.values(resourcesOf(json, "aws_iam_role_policy")).filter((p) =>
        statementsOf(p.policy).some((st) => st.Action === "sts:AssumeRole"),
      );
      const assumed = Object.fromEntries(
        assumers.map((p) => [
          String(p.name).replace(`marketing-agents-${name}-`, ""),
          statementsOf(p.policy).find((st) => st.Action === "sts:AssumeRole")?.Resource,
        ]),
      );
      const expected = Object.fromEntries(
        Object.entries(suffixes).map(([role, suffix]) => [
          role,
          [`${zoneDelegationRoleArn(prod.config, name)}${suffix}`],
        ]),
      );
      expect(assumed).toEqual(expected);
    },
  );

  describe.each([
    ["dev", "aws_route53_zone"],
    ["prod", "dataaws_route53_zone"],
  ])("ExternalDNS in %s", (name, zoneSource) => {
    const env: SynthesizedEnvironment = synthEnvironment(name);
    const zoneOutput = (attribute: string) =>
      new RegExp(
        `^\\$\\{data\\.terraform_remote_state\\.cross-stack-reference-input-${name}-network\\.outputs\\.cross-stack-output-${zoneSource}zone_\\w+${attribute}\\}$`,
      );

    it("has a Pod Identity role that writes records in the environment's zone only", () => {
      const cluster = env.json("cluster");
      const association = Object.values(resourcesOf(cluster, "aws_eks_pod_identity_association")).find(
        (a) => a.service_account === "external-dns",
      );
      expect(association).toMatchObject({ namespace: "external-dns" });
      const [write, read, find] = statementsOf(policyNamed(cluster, `marketing-agents-${name}-external-dns`)?.policy);
      expect(write.Action).toContain("route53:ChangeResourceRecordSets");
      expect(write.Resource).toEqual(expect.stringMatching(zoneOutput("arn")));
      expect(read.Resource).toEqual(expect.stringMatching(zoneOutput("arn")));
      expect(find).toMatchObject({ Action: ["route53:ListHostedZones", "route53:GetChange"], Resource: "*" });
    });

    it("publishes the Gateway API routes' names in that zone, and owns only its own records", () => {
      const release = resourcesOf(env.json("platform"), "helm_release")["external-dns"];
      expect(release).toMatchObject({
        chart: EXTERNAL_DNS_CHART.chart,
        version: "1.21.1",
        namespace: "external-dns",
        depends_on: expect.arrayContaining(["helm_release.envoy-gateway", "helm_release.kube-prometheus-stack"]),
      });
      const values = JSON.parse((release.values as string[])[0]) as Json;
      expect(values).toMatchObject({
        provider: { name: "aws" },
        sources: ["gateway-httproute"],
        domainFilters: [env.config.dns.zoneName],
        policy: "sync",
        registry: "txt",
        txtOwnerId: expect.stringMatching(/^\$\{data\.aws_eks_cluster\.connection_cluster_\w+\.name\}$/),
        serviceAccount: { create: true, name: "external-dns" },
      });
      const [zoneFilter] = values.extraArgs as string[];
      expect(zoneFilter.replace("--zone-id-filter=", "")).toMatch(zoneOutput("zone_id"));
    });
  });
});
