/**
 * In-cluster identities (issue 21, point 6), decided by evaluation over the synthesized stacks:
 * identity policies, boundaries and resource policies through `@cloud-copilot/iam-simulate`
 * (../model/iam-evaluator.ts), Pod Identity trusts through the trust model (../model/iam-trust.ts).
 * Each "cannot" row was allowed before this change; each "can" row is a positive control, so the
 * table cannot pass by denying everything.
 */
import { loadEnvironments, resourcePrefix } from "../../config";
import { synthEnvironment, type TerraformJson } from "../helpers";
import { arnOf, evaluate, type Decision } from "../model/iam-evaluator";
import { evaluateTrust } from "../model/iam-trust";
import { rolesOfStack, type SynthesizedRole } from "../model/synthesized-roles";

const dev = loadEnvironments().find((c) => c.name === "dev")!;
const prefix = resourcePrefix(dev);
const region = dev.account.region;
const account = dev.account.id;
const clusterArn = `arn:aws:eks:${region}:${account}:cluster/${prefix}`;
const role = (name: string) => `${prefix}-${name}`;
const zoneArn = () => arnOf("dev", "aws_route53_zone", "dev-network/zone/zone");
const environmentKey = () => arnOf("dev", "aws_kms_key", "dev-network/environment-key/key");

let roles: SynthesizedRole[];
beforeAll(() => {
  roles = rolesOfStack("dev-cluster", synthEnvironment("dev").json("cluster"));
  // The evaluator synthesizes every environment once, on first use: not inside a test's time.
  zoneArn();
}, 120_000);

describe("ExternalDNS writes only the app's records (route53 record-name and record-type conditions)", () => {
  const change = (names: string[], types: string[]) =>
    evaluate({
      role: role("external-dns"),
      action: "route53:ChangeResourceRecordSets",
      resource: zoneArn(),
      context: {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": names,
        "route53:ChangeResourceRecordSetsRecordTypes": types,
        "route53:ChangeResourceRecordSetsActions": ["UPSERT"],
      },
    });

  const rows: [string, string[], string[], Decision][] = [
    [
      "can write the app's alias record and its TXT ownership records",
      [dev.app.domain, `a-${dev.app.domain}`, `cname-${dev.app.domain}`],
      ["A", "TXT"],
      "Allowed",
    ],
    ["cannot write another name of the zone", [`www.${dev.dns.zoneName}`], ["A"], "ImplicitlyDenied"],
    [
      "cannot slip another name into a batch with the app's",
      [dev.app.domain, dev.dns.zoneName],
      ["A"],
      "ImplicitlyDenied",
    ],
    ["cannot write the zone's NS records", [dev.dns.zoneName], ["NS"], "ImplicitlyDenied"],
    ["cannot write an MX record on the app's name", [dev.app.domain], ["MX"], "ImplicitlyDenied"],
  ];
  it.each(rows)("ExternalDNS %s", async (_title, names, types, expected) => {
    expect(await change(names, types)).toBe(expected);
  });
});

describe("the environment key decrypts only through the service a grant is for (kms:ViaService)", () => {
  const use = (name: string, action: string, via?: string) =>
    evaluate({
      role: role(name),
      action,
      resource: environmentKey(),
      context: via ? { "kms:ViaService": `${via}.${region}.amazonaws.com` } : {},
    });

  // db-admin's grant is the same secretReadStatements; its secret ARN comes from the RDS registry
  // module, which the evaluator harness cannot resolve, so external-secrets stands for both.
  const rows: [string, string, string | undefined, Decision][] = [
    ["external-secrets", "kms:Decrypt", "secretsmanager", "Allowed"],
    ["external-secrets", "kms:Decrypt", undefined, "ImplicitlyDenied"],
    ["external-secrets", "kms:Decrypt", "s3", "ImplicitlyDenied"],
    ["app", "kms:Decrypt", "s3", "Allowed"],
    ["app", "kms:GenerateDataKey", "s3", "Allowed"],
    ["app", "kms:Decrypt", undefined, "ImplicitlyDenied"],
    ["app", "kms:Decrypt", "secretsmanager", "ImplicitlyDenied"],
    ["alertmanager", "kms:GenerateDataKey", "sns", "Allowed"],
    ["alertmanager", "kms:Decrypt", undefined, "ImplicitlyDenied"],
  ];
  it.each(rows)("%s %s via %s: %s", async (name, action, via, expected) => {
    expect(await use(name, action, via)).toBe(expected);
  });
});

describe("the database-admin role serves only the database-admin namespace's store", () => {
  const podTags = {
    "aws:PrincipalTag/eks-cluster-arn": clusterArn,
    "aws:PrincipalTag/kubernetes-namespace": "external-secrets",
    "aws:PrincipalTag/kubernetes-service-account": "external-secrets",
  };
  const assume = (storeTag: string | undefined, tags: Record<string, string> = podTags) =>
    evaluate({
      role: role("external-secrets"),
      action: "sts:AssumeRole",
      resource: `arn:aws:iam::${account}:role/${role("db-admin")}`,
      context: {
        ...tags,
        ...(storeTag
          ? { "aws:RequestTag/external-secrets-store": storeTag, "aws:TagKeys": ["external-secrets-store"] }
          : {}),
      },
    });

  it("external-secrets can assume it for the store of marketing-agents-db-admin", async () => {
    expect(await assume("marketing-agents-db-admin/database-admin")).toBe("Allowed");
  });
  it("a store of any other namespace cannot (its session tag names it)", async () => {
    expect(await assume("marketing-agents/database-admin")).toBe("ImplicitlyDenied");
  });
  it("a store that sends no session tag cannot", async () => {
    expect(await assume(undefined)).toBe("ImplicitlyDenied");
  });
  it("a session of the external-secrets role for another cluster cannot", async () => {
    const tags = { ...podTags, "aws:PrincipalTag/eks-cluster-arn": `${clusterArn}-other` };
    expect(await assume("marketing-agents-db-admin/database-admin", tags)).toBe("ImplicitlyDenied");
  });
});

describe("Pod Identity trusts: this cluster (of this account), one service account", () => {
  const podIdentity = (
    serviceAccount: { namespace: string; name: string },
    overrides: Record<string, string> = {},
  ) => ({
    action: "sts:AssumeRole",
    caller: { kind: "service" as const, service: "pods.eks.amazonaws.com" },
    // What EKS Pod Identity documents it sends (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html):
    // session tags, no source account.
    context: {
      "aws:RequestTag/eks-cluster-arn": clusterArn,
      "aws:RequestTag/kubernetes-namespace": serviceAccount.namespace,
      "aws:RequestTag/kubernetes-service-account": serviceAccount.name,
      ...overrides,
    },
  });
  const trustOf = (name: string) => {
    const found = roles.find((r) => r.name === role(name));
    if (!found) throw new Error(`dev-cluster has no role ${role(name)}`);
    return { Statement: found.trust };
  };
  const bound: [string, { namespace: string; name: string }][] = [
    ["vpc-cni", { namespace: "kube-system", name: "aws-node" }],
    ["ebs-csi", { namespace: "kube-system", name: "ebs-csi-controller-sa" }],
    ["cluster-autoscaler", { namespace: "kube-system", name: "cluster-autoscaler" }],
    ["external-secrets", { namespace: "external-secrets", name: "external-secrets" }],
    ["app", { namespace: "marketing-agents", name: "marketing-agents" }],
    ["alertmanager", { namespace: "monitoring", name: "alertmanager" }],
    ["external-dns", { namespace: "external-dns", name: "external-dns" }],
    ["grafana", { namespace: "monitoring", name: "grafana" }],
    ["fluent-bit", { namespace: "logging", name: "aws-for-fluent-bit" }],
  ];

  it("every role EKS Pod Identity may assume is in the table", () => {
    const podRoles = roles.filter((r) => JSON.stringify(r.trust).includes("pods.eks.amazonaws.com")).map((r) => r.name);
    expect(podRoles.sort()).toEqual(bound.map(([name]) => role(name)).sort());
  });

  it.each(bound)("%s: its own service account's pods can assume it, with session tags", (name, sa) => {
    expect(evaluateTrust(trustOf(name), podIdentity(sa))).toBe("allow");
    expect(evaluateTrust(trustOf(name), { ...podIdentity(sa), action: "sts:TagSession" })).toBe("allow");
  });
  it.each(bound)("%s: another service account, even in its namespace, cannot", (name, sa) => {
    const other = { namespace: sa.namespace, name: "intruder" };
    expect(evaluateTrust(trustOf(name), podIdentity(other))).toBe("implicit-deny");
    expect(evaluateTrust(trustOf(name), podIdentity({ namespace: "default", name: sa.name }))).toBe("implicit-deny");
  });
  it.each(bound)("%s: another cluster of the account cannot", (name, sa) => {
    const otherCluster = { "aws:RequestTag/eks-cluster-arn": `arn:aws:eks:${region}:${account}:cluster/other` };
    expect(evaluateTrust(trustOf(name), podIdentity(sa, otherCluster))).toBe("implicit-deny");
  });
  it.each(bound)("%s: a cluster of another account cannot (its ARN names the account)", (name, sa) => {
    const otherAccount = { "aws:RequestTag/eks-cluster-arn": clusterArn.replace(`:${account}:`, ":999999999999:") };
    expect(evaluateTrust(trustOf(name), podIdentity(sa, otherAccount))).toBe("implicit-deny");
  });
  it.each(bound)("%s: conditions only on the session tags EKS documents (no key EKS Auth may not send)", (name) => {
    const keys = trustOf(name).Statement.flatMap((s) =>
      Object.values(s.Condition ?? {}).flatMap((byKey) => Object.keys(byKey)),
    );
    expect(keys.filter((k) => !k.startsWith("aws:RequestTag/"))).toEqual([]);
  });
});

describe("secret stores and the namespaces the app stack creates", () => {
  let appJson: TerraformJson;
  beforeAll(() => {
    appJson = synthEnvironment("dev").json("app");
  });
  const manifests = () =>
    Object.values(appJson.resource?.kubernetes_manifest ?? {}).map(
      (m) =>
        (m as { manifest: Record<string, unknown> }).manifest as {
          kind: string;
          metadata: { name: string; namespace?: string };
          spec: Record<string, unknown>;
        },
    );
  const manifest = (kind: string, name: string) => {
    const found = manifests().find((m) => m.kind === kind && m.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name} in dev-app`);
    return found;
  };

  it("the ClusterSecretStore serves only the app's namespace", () => {
    expect(manifest("ClusterSecretStore", "aws-secrets-manager").spec.conditions).toEqual([
      { namespaces: ["marketing-agents"] },
    ]);
  });

  it("the database-admin store names itself to STS with the tag the admin role's trust requires", () => {
    const aws = (manifest("SecretStore", "database-admin").spec.provider as { aws: Record<string, unknown> }).aws;
    expect(aws.sessionTags).toEqual([
      { key: "external-secrets-store", value: "marketing-agents-db-admin/database-admin" },
    ]);
  });

  it("admission policies keep every other store off AWS and pin the database-admin namespace, and are enforced", () => {
    const policies = manifests().filter((m) => m.kind === "ValidatingAdmissionPolicy");
    const bindings = manifests().filter((m) => m.kind === "ValidatingAdmissionPolicyBinding");
    expect(policies.map((p) => p.metadata.name).sort()).toEqual([
      "database-admin-namespace",
      "external-secrets-aws-stores",
    ]);
    for (const policy of policies) {
      const binding = bindings.find((b) => b.spec.policyName === policy.metadata.name);
      expect(binding?.spec.validationActions).toEqual(["Deny"]);
      expect(policy.spec.failurePolicy).toBe("Fail");
    }
    const stores = JSON.stringify(manifest("ValidatingAdmissionPolicy", "external-secrets-aws-stores").spec);
    expect(stores).toContain(
      "object.metadata.namespace == 'marketing-agents-db-admin' && object.metadata.name == 'database-admin'",
    );
    expect(stores).toContain("c.namespaces.all(n, n in ['marketing-agents'])");
  });

  /** The app stack's namespaces, each with the network policies that name it. */
  const namespaces = () =>
    Object.entries(appJson.resource?.kubernetes_namespace_v1 ?? {}).map(([id, body]) => {
      const { metadata } = body as { metadata: { name: string; labels: Record<string, string> } };
      const policies = Object.values(appJson.resource?.kubernetes_network_policy_v1 ?? {})
        .map((p) => p as { metadata: { name: string; namespace: string }; spec: Record<string, unknown> })
        .filter((p) => p.metadata.namespace.includes(`kubernetes_namespace_v1.${id}.`));
      return { ...metadata, policies };
    });

  it("every namespace enforces the restricted Pod Security level, and warns and audits against it", () => {
    expect(
      namespaces()
        .map((n) => n.name)
        .sort(),
    ).toEqual(["marketing-agents", "marketing-agents-db-admin"]);
    for (const { labels } of namespaces()) {
      expect(labels).toMatchObject({
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
      });
    }
  });

  it.each(["marketing-agents", "marketing-agents-db-admin"])(
    "%s denies all ingress and egress of every pod by default, DNS aside",
    (name) => {
      const { policies } = namespaces().find((n) => n.name === name)!;
      const denyAll = policies.find((p) => p.metadata.name === "default-deny");
      expect(denyAll?.spec).toEqual({ pod_selector: {}, policy_types: ["Ingress", "Egress"] });
      const dns = policies.find((p) => p.metadata.name === "allow-cluster-dns");
      expect(dns?.spec.pod_selector).toEqual({});
      expect(JSON.stringify(dns?.spec.egress)).toContain('"port":"53"');
    },
  );

  it("the create-app-user Job may reach PostgreSQL in the database subnets and nothing else but DNS", () => {
    const job = Object.values(appJson.resource?.kubernetes_network_policy_v1 ?? {})
      .map(
        (p) =>
          p as {
            metadata: { name: string };
            spec: {
              egress: { to: { ip_block: { cidr: string }[] }[]; ports: { port: string }[] }[];
              ingress?: unknown;
            };
          },
      )
      .find((p) => p.metadata.name === "create-app-user-to-database");
    expect(job?.spec.egress.flatMap((e) => e.ports.map((p) => p.port))).toEqual(["5432"]);
    expect(job?.spec.egress[0].to.length).toBe(dev.network.availabilityZones.length);
    expect(job?.spec.ingress).toBeUndefined();
  });
});
