/**
 * The pinned EKS versions next to what AWS offers: the same answers feed the deploy preflight
 * and `npm run eks-versions`, which users run to upgrade.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import { DescribeAddonVersionsCommand, EKSClient } from "@aws-sdk/client-eks";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { loadEnvironments } from "../../config";
import { eksAmiName, pinnedVersions, recommendedReleaseParameter } from "../../scripts/deploy/eks-versions";
import { withoutAwsCredentials } from "./deploy-helpers";

const [staging] = loadEnvironments("staging");
const root = path.resolve(__dirname, "..", "..");

describe("pinned EKS versions", () => {
  const eks = mockClient(EKSClient);
  const ssm = mockClient(SSMClient);
  afterEach(() => {
    eks.reset();
    ssm.reset();
  });

  it("lists each pinned add-on and the AMI release with the newest AWS offers for the cluster's minor", async () => {
    eks.on(DescribeAddonVersionsCommand).callsFake((input: { addonName: string }) => ({
      addons: [{ addonVersions: [{ addonVersion: `${input.addonName}-newest` }, { addonVersion: "older" }] }],
    }));
    ssm
      .on(GetParameterCommand, { Name: recommendedReleaseParameter("1.35") })
      .resolves({ Parameter: { Value: "1.35.3-20260410" } });
    const versions = await pinnedVersions(staging, { eks: new EKSClient({}), ssm: new SSMClient({}) });
    expect(versions).toEqual([
      ...Object.entries(staging.cluster.addonVersions).map(([name, pinned]) => ({
        setting: `cluster.addonVersions.${name}`,
        pinned,
        newest: `${name}-newest`,
      })),
      { setting: "cluster.nodeAmiReleaseVersion", pinned: "1.35.0-20251209", newest: "1.35.3-20260410" },
    ]);
    expect(eks.commandCalls(DescribeAddonVersionsCommand).map((c) => c.args[0].input.kubernetesVersion)).toEqual(
      Object.keys(staging.cluster.addonVersions).map(() => "1.35"),
    );
  });

  it("reads the newest release where the eks module's own lookup does", () => {
    expect(recommendedReleaseParameter("1.35")).toBe(
      "/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/recommended/release_version",
    );
  });

  it("names the AMI of a release by its date", () => {
    expect(eksAmiName("1.35", "1.35.0-20251209")).toBe("amazon-eks-node-al2023-x86_64-standard-1.35-v20251209");
  });
});

describe("npm run eks-versions", () => {
  const run = (...args: string[]) =>
    spawnSync("npm", ["run", "--silent", "eks-versions", "--", ...args], {
      cwd: root,
      env: withoutAwsCredentials(),
      encoding: "utf8",
    });

  it("refuses an unknown environment in one line naming the allowed ones", () => {
    // Not a name the schema accepts ("-"), so no environment added later can make it known.
    const result = run("no-such-env");
    const allowed = loadEnvironments().map((c) => c.name);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      `eks-versions: environment "no-such-env" does not exist; allowed: ${allowed.join(", ")} (usage: npm run eks-versions -- <env>)`,
    );
  });

  it("without credentials says so in one line naming the account to sign in to, as deploy does, no stack trace", () => {
    const [dev] = loadEnvironments("dev");
    const result = run("dev");
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([
      `eks-versions: environment "dev": no usable AWS credentials (CredentialsProviderError): sign in to account ${dev.account.id} (aws sso login, or set AWS_PROFILE) and run again`,
    ]);
  });
});
