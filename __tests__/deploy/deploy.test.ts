import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { DescribeImagesCommand, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { DescribeClusterCommand } from "@aws-sdk/client-eks";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { HeadBucketCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { loadEnvironments } from "../../config";
import { ecrHelmCharts, helmReleaseCharts } from "../../scripts/deploy/chart-mirror";
import { ChartsNotReadyError } from "../../scripts/deploy/charts-not-ready";
import { DeployError } from "../../scripts/deploy/deploy-error";
import { reportOutcome } from "../../scripts/deploy/cli";
import { deliverAgainNoteFile } from "../../scripts/deploy/deliver-again";
import { deploy, type DeployDependencies, type DeployOutcome, type DeployRequest } from "../../scripts/deploy/deploy";
import { loadStacks, outputLabel, outputReads } from "../../scripts/deploy/stack-graph";
import { summaryTable } from "../../scripts/deploy/summary";
import { lockFileOf } from "../../scripts/deploy/provider-locks";
import {
  FakeHelmCharts,
  FakeTerraform,
  awsError,
  healthyAws,
  reachableProbes,
  synthOutputCopy,
  withOwnGithubIds,
  writeMatchingLocks,
} from "./deploy-helpers";

const dev = withOwnGithubIds(loadEnvironments("dev")[0]);

function setUp(terraform: FakeTerraform, stateInBucketAfterMove = true) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-root-"));
  const outdir = synthOutputCopy("dev");
  writeMatchingLocks(outdir, root);
  const printed: string[] = [];
  const marked: string[] = [];
  const recorded: string[] = [];
  let clock = 0;
  const charts = new FakeHelmCharts(terraform.events);
  const deps: DeployDependencies = {
    synthesize: async () => outdir,
    probes: reachableProbes,
    terraform,
    helmCharts: charts,
    bootstrapStateInBucket: async () => stateInBucketAfterMove,
    markImageDeployed: async (_config, tag) => {
      marked.push(tag);
      return `deployed-${tag}`;
    },
    recordImageTag: async (_config, tag) => {
      recorded.push(tag);
    },
    root,
    logDirectory: path.join(root, "logs"),
    print: (line) => printed.push(line),
    now: () => (clock += 1000),
  };
  const localState = path.join(root, "terraform-state", "dev-bootstrap.tfstate");
  return { deps, printed, outdir, localState, marked, recorded, charts };
}

const request = (overrides: Partial<DeployRequest> = {}): DeployRequest => ({
  config: dev,
  stackNames: [],
  mode: "apply",
  ...overrides,
});

/** How the command ends a run: exit status, stderr lines, and the note for the apply job's summary. */
function report(req: DeployRequest, outcome: DeployOutcome) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-report-"));
  const errors: string[] = [];
  const code = reportOutcome(req, outcome, { root, print: () => undefined, printError: (l) => errors.push(l) });
  const noteFile = deliverAgainNoteFile(root, "dev");
  return { code, errors, note: fs.existsSync(noteFile) ? fs.readFileSync(noteFile, "utf8") : undefined };
}
const byStack = (outcome: DeployOutcome) => Object.fromEntries(outcome.results.map((r) => [r.stack, r]));

describe("deploy command", () => {
  let aws: ReturnType<typeof healthyAws>;
  beforeEach(() => {
    aws = healthyAws(dev.account.id);
  });
  afterEach(() => Object.values(aws).forEach((m) => m.restore()));

  it.each([
    ["no credentials", () => aws.sts.on(GetCallerIdentityCommand).rejects(awsError("CredentialsProviderError")), []],
    [
      "another account",
      () =>
        aws.sts
          .on(GetCallerIdentityCommand)
          .resolves({ Account: "999999999999", Arn: "arn:aws:iam::999999999999:user/x" }),
      [],
    ],
    ["no state bucket", () => aws.s3.on(HeadBucketCommand).rejects(awsError("NotFound")), ["network"]],
    [
      "an image that was never pushed",
      () => aws.ecr.on(DescribeImagesCommand).rejects(awsError("ImageNotFoundException")),
      [],
    ],
    [
      "API keys not set",
      () => aws.secrets.on(GetSecretValueCommand).rejects(awsError("ResourceNotFoundException")),
      ["app"],
    ],
    [
      "a cluster API out of reach",
      () => aws.eks.on(DescribeClusterCommand).resolves({ cluster: { endpoint: "https://x" } }),
      ["platform"],
    ],
  ])("runs no terraform and touches no state when preflight fails on %s", async (_name, arrange, stackNames) => {
    arrange();
    const terraform = new FakeTerraform();
    const { deps, localState } = setUp(terraform);
    const probes = { ...reachableProbes, canConnect: async (host: string) => host !== "x" };
    await expect(deploy(request({ stackNames }), { ...deps, probes })).rejects.toThrow(/^preflight: /);
    expect(terraform.calls).toEqual([]);
    expect(fs.existsSync(localState)).toBe(false);
    const writes = Object.values(aws).flatMap((m) => m.calls().map((c) => c.args[0].constructor.name));
    // ValidatePullThroughCacheRule is a read too (IAM's access level Read): ECR tries the upstream.
    expect(writes.filter((c) => !/^(Get|Head|Describe|Validate)/.test(c))).toEqual([]);
  });

  it("prints the waves before preflight, so --plan shows them even without credentials", async () => {
    aws.sts.on(GetCallerIdentityCommand).rejects(awsError("CredentialsProviderError"));
    const { deps, printed } = setUp(new FakeTerraform());
    await expect(deploy(request({ mode: "plan" }), deps)).rejects.toThrow(/no usable AWS credentials/);
    expect(printed).toContain("  wave 4: dev-data, dev-platform  (together)");
    expect(printed[0]).toBe("deploy dev: plan of 6 stack(s) in 5 wave(s)");
  });

  it("inits every stack read-only from its concern's committed lock file", async () => {
    const terraform = new FakeTerraform();
    const { deps } = setUp(terraform);
    await deploy(request({ mode: "plan" }), deps);
    const inits = terraform.calls.filter((c) => c.args[0] === "init");
    expect(inits).toHaveLength(6);
    for (const init of inits) {
      expect(init.args).toContain("-lockfile=readonly");
      const concern = init.stack.replace("dev-", "");
      expect(init.lockFile).toBe(fs.readFileSync(lockFileOf(deps.root, concern), "utf8"));
    }
  });

  it.each([
    [
      "a concern without a committed lock file",
      (root: string) => fs.rmSync(lockFileOf(root, "cluster")),
      /^dev-cluster: terraform-locks\/cluster\.terraform\.lock\.hcl is missing: run npm run providers-lock where the Terraform registry is reachable, then commit terraform-locks\/$/,
    ],
    [
      "a provider pinned after the lock was written",
      (root: string) => {
        const file = lockFileOf(root, "cluster");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace('version     = "4.1.0"', 'version     = "4.0.6"'));
      },
      /^dev-cluster: terraform-locks\/cluster\.terraform\.lock\.hcl locks registry\.terraform\.io\/hashicorp\/tls 4\.0\.6, the stack pins 4\.1\.0: run npm run providers-lock/,
    ],
    [
      "a provider the lock does not hold",
      (root: string) => {
        const file = lockFileOf(root, "platform");
        fs.writeFileSync(
          file,
          fs.readFileSync(file, "utf8").replace(/provider "registry.terraform.io\/hashicorp\/helm"/, 'provider "x"'),
        );
      },
      /^dev-platform: terraform-locks\/platform\.terraform\.lock\.hcl does not lock registry\.terraform\.io\/hashicorp\/helm 3\.1\.1/,
    ],
  ])("stops before any terraform on %s", async (_name, breakLocks, expected) => {
    const terraform = new FakeTerraform();
    const { deps } = setUp(terraform);
    breakLocks(deps.root);
    await expect(deploy(request(), deps)).rejects.toThrow(expected);
    expect(terraform.calls).toEqual([]);
  });

  it("applies every stack in dependency order, data and platform at the same time", async () => {
    const terraform = new FakeTerraform({ delayMs: (stack) => (stack === "dev-data" ? 30 : 5) });
    const { deps } = setUp(terraform);
    const outcome = await deploy(request(), deps);
    expect(terraform.stacks("apply")).toEqual(
      expect.arrayContaining(["dev-bootstrap", "dev-network", "dev-cluster", "dev-data", "dev-platform", "dev-app"]),
    );
    const at = (event: string) => terraform.events.indexOf(event);
    expect(at("start dev-platform init")).toBeLessThan(at("end dev-data apply"));
    expect(at("start dev-data init")).toBeLessThan(at("end dev-platform apply"));
    expect(at("start dev-cluster init")).toBeGreaterThan(at("end dev-network apply"));
    expect(at("start dev-app init")).toBeGreaterThan(at("end dev-data apply"));
    expect(outcome.results.every((r) => r.result === "ok")).toBe(true);
    expect(outcome.resumeCommand).toBeUndefined();
  });

  it("applies the plan it just made, then deletes it (a saved plan holds secret values)", async () => {
    const terraform = new FakeTerraform();
    const { deps, outdir } = setUp(terraform);
    await deploy(request({ stackNames: ["data"] }), deps);
    const plan = terraform.calls.find((c) => c.args[0] === "plan");
    const apply = terraform.calls.find((c) => c.args[0] === "apply");
    const planFile = path.join(outdir, "stacks", "dev-data", "deploy.tfplan");
    expect(plan?.args).toEqual(expect.arrayContaining(["-detailed-exitcode", `-out=${planFile}`]));
    expect(plan?.args).not.toContain("-lock=false");
    expect(apply?.args).toEqual(["apply", "-input=false", "-no-color", planFile]);
    expect(fs.existsSync(planFile)).toBe(false);
  });

  it("plans without saving or applying anything in --plan mode", async () => {
    const terraform = new FakeTerraform();
    const { deps } = setUp(terraform);
    const outcome = await deploy(request({ mode: "plan" }), deps);
    expect(terraform.stacks("apply")).toEqual([]);
    expect(terraform.calls.some((c) => c.args.some((a) => a.startsWith("-out=")))).toBe(false);
    expect(terraform.calls.filter((c) => c.args[0] === "plan").every((c) => c.args.includes("-lock=false"))).toBe(true);
    expect(outcome.results.map((r) => r.action)).toEqual(Array(6).fill("plan: changes"));
  });

  it("plans the network stack through the parent zone's read-only role, and applies through the writing one", async () => {
    const writer = dev.dns.parent?.roleArn;
    expect(writer).toMatch(/^arn:aws:iam::\d{12}:role\//);
    const networkPlan = (terraform: FakeTerraform) =>
      terraform.calls.find((c) => c.stack === "dev-network" && c.args[0] === "plan")?.args ?? [];
    const planned = new FakeTerraform();
    await deploy(request({ mode: "plan" }), setUp(planned).deps);
    expect(networkPlan(planned)).toContain(`-var=dns_parent_role_arn=${writer}-read`);
    const otherArgs = planned.calls.filter((c) => c.stack !== "dev-network").flatMap((c) => c.args);
    expect(otherArgs.some((a) => a.startsWith("-var="))).toBe(false);
    const applied = new FakeTerraform();
    await deploy(request({ stackNames: ["network"] }), setUp(applied).deps);
    expect(networkPlan(applied).some((a) => a.startsWith("-var="))).toBe(false);
  });

  it("stops at the first failure: lets the running stack finish, starts nothing more, says how to resume", async () => {
    const terraform = new FakeTerraform({ fail: { stack: "dev-data", command: "apply" } });
    const { deps } = setUp(terraform);
    const outcome = await deploy(request({ imageTag: "1.4.2" }), deps);
    const byStack = Object.fromEntries(outcome.results.map((r) => [r.stack, r]));
    expect(byStack["dev-data"]).toMatchObject({
      result: "failed",
      reason: "terraform apply failed: Error: creating RDS DB Instance: InvalidParameterCombination",
    });
    expect(byStack["dev-platform"].result).toBe("ok");
    expect(byStack["dev-app"]).toMatchObject({ result: "not started", action: "-" });
    expect(terraform.stacks()).not.toContain("dev-app");
    expect(outcome.resumeCommand).toBe("npm run deploy -- dev data app --apply --image-tag 1.4.2");
  });

  it("ends with a table of stack, action, duration and result", async () => {
    const terraform = new FakeTerraform({ fail: { stack: "dev-data", command: "apply" } });
    const { deps } = setUp(terraform);
    const table = summaryTable((await deploy(request(), deps)).results);
    expect(table[0]).toMatch(/^stack\s+action\s+duration\s+result$/);
    expect(table.find((l) => l.startsWith("dev-data"))).toMatch(/^dev-data\s+terraform apply\s+\d+s\s+failed$/);
    expect(table.find((l) => l.startsWith("dev-app"))).toMatch(/^dev-app\s+-\s+-\s+not started$/);
  });

  it("checks again before later waves what the first preflight could not: a new private cluster stops the rollout", async () => {
    aws.s3.on(HeadBucketCommand).rejectsOnce(awsError("NotFound")).resolves({});
    aws.eks
      .on(DescribeClusterCommand)
      .rejectsOnce(awsError("ResourceNotFoundException"))
      .resolves({ cluster: { endpoint: "https://NEW.gr7.us-east-1.eks.amazonaws.com" } });
    const terraform = new FakeTerraform();
    const { deps } = setUp(terraform);
    const outcome = await deploy(request({ stackNames: ["bootstrap", "network", "cluster", "data", "platform"] }), {
      ...deps,
      probes: { ...reachableProbes, canConnect: async () => false },
    });
    expect(terraform.stacks("apply")).toEqual(["dev-bootstrap", "dev-network", "dev-cluster"]);
    const failed = outcome.results.filter((r) => r.result === "failed");
    expect(failed.map((r) => r.stack)).toEqual(["dev-data", "dev-platform"]);
    expect(failed[0].reason).toMatch(/^preflight: .*cluster API new\.gr7.*did not answer on 443/);
    expect(outcome.resumeCommand).toBe("npm run deploy -- dev data platform --apply");
  });

  describe("Helm charts", () => {
    const platformCalls = (terraform: FakeTerraform) => terraform.calls.filter((c) => c.stack === "dev-platform");

    it.each(["plan", "apply"] as const)(
      "in %s mode, fills the chart mirror and logs helm in before the platform's terraform, and logs out after",
      async (mode) => {
        const terraform = new FakeTerraform();
        const { deps, charts } = setUp(terraform);
        await deploy(request({ mode }), deps);
        const events = terraform.events;
        const mirror = events.findIndex((e) => e.startsWith("mirror dev "));
        const login = events.findIndex((e) => e.startsWith("login "));
        const home = events[login].slice("login ".length);
        expect(mirror).toBeGreaterThanOrEqual(0);
        expect(mirror).toBeLessThan(login);
        expect(login).toBeLessThan(events.indexOf("start dev-platform init"));
        expect(events.indexOf(`cleanup ${home}`)).toBeGreaterThan(events.lastIndexOf(`end dev-platform ${mode}`));
        expect(platformCalls(terraform).every((c) => c.env?.HELM_CONFIG_HOME === home)).toBe(true);
        expect(platformCalls(terraform).map((c) => c.args[0])).toContain(mode);
        expect(charts.mirrored).toHaveLength(1);
        expect(charts.mirrored[0].map((r) => r.chart)).toEqual(expect.arrayContaining(["metrics-server"]));
      },
    );

    it("gives stacks without Helm releases neither a mirror run nor a login", async () => {
      const terraform = new FakeTerraform();
      const { deps } = setUp(terraform);
      await deploy(request({ mode: "plan" }), deps);
      const others = terraform.calls.filter((c) => c.stack !== "dev-platform");
      expect(others.length).toBeGreaterThan(0);
      expect(others.some((c) => c.env?.HELM_CONFIG_HOME !== undefined)).toBe(false);
      expect(terraform.events.filter((e) => /^(mirror|login) /.test(e))).toHaveLength(2);
    });

    it("mirrors nothing when the platform is not deployed", async () => {
      const terraform = new FakeTerraform();
      const { deps } = setUp(terraform);
      await deploy(request({ stackNames: ["data", "app"], mode: "plan" }), deps);
      expect(terraform.events.filter((e) => /^(mirror|login|cleanup) /.test(e))).toEqual([]);
    });

    it("fails the platform stack without running its terraform when a chart is refused, and says why", async () => {
      const terraform = new FakeTerraform();
      const { deps } = setUp(terraform);
      const why = `charts dev: metrics-server 3.13.1: dev-charts/metrics-server:3.13.1 holds archive sha256:${"ee".repeat(32)}, not the one pinned in modules/addons/chart-digests.json: someone pushed that tag; refused`;
      const outcome = await deploy(request(), { ...deps, helmCharts: new FakeHelmCharts(terraform.events, why) });
      expect(outcome.results.find((r) => r.stack === "dev-platform")).toMatchObject({
        result: "failed",
        action: "checking charts",
        reason: `checking charts failed: ${why}`,
      });
      expect(platformCalls(terraform)).toEqual([]);
      expect(terraform.events.some((e) => e.startsWith("login "))).toBe(false);
    });
  });

  describe("chart pins, checked before any terraform (they need no AWS)", () => {
    /** The `<chart>@<version>` the synthesized dev-platform installs, sorted. */
    const platformCharts = (outdir: string) =>
      [
        ...new Set(
          helmReleaseCharts(path.join(outdir, "stacks", "dev-platform")).map((r) => `${r.chart}@${r.version}`),
        ),
      ].sort();
    const unpinnedLine = (charts: readonly string[]) =>
      `dev-platform: no pinned digest in modules/addons/chart-digests.json for ${charts.join(", ")}: run npm run synth && npm run chart-digests -- --write where the chart registries are reachable, then commit modules/addons/chart-digests.json`;

    it.each(["plan", "apply"] as const)(
      "in %s mode, a chart without a pin stops the run before any stack: one line naming it, nothing run",
      async (mode) => {
        const terraform = new FakeTerraform();
        const { deps, outdir } = setUp(terraform);
        const [first, second] = platformCharts(outdir);
        const missing = [first, second].sort();
        const pin = (chart: string, version: string) =>
          missing.includes(`${chart}@${version}`)
            ? undefined
            : { digest: `sha256:${"cd".repeat(32)}`, of: "manifest" as const };
        const helmCharts = new FakeHelmCharts(terraform.events, undefined, pin);
        const refusal = await deploy(request({ mode }), { ...deps, helmCharts }).catch((e: unknown) => e);
        expect(refusal).toBeInstanceOf(DeployError);
        expect(refusal).toMatchObject({ message: unpinnedLine(missing), exitCode: 1 });
        expect(terraform.calls).toEqual([]);
        expect(terraform.events).toEqual([]);
      },
    );

    it("asks the real chart access's pin lookup, and no ECR, naming every chart the platform installs when none is pinned", async () => {
      const terraform = new FakeTerraform();
      const { deps, outdir } = setUp(terraform);
      const helmCharts = ecrHelmCharts({ pin: () => undefined });
      await expect(deploy(request(), { ...deps, helmCharts })).rejects.toThrow(unpinnedLine(platformCharts(outdir)));
      expect(terraform.calls).toEqual([]);
      expect(aws.ecr.commandCalls(GetAuthorizationTokenCommand)).toEqual([]);
    });

    it("says the platform's charts are pinned next to the provider locks, and leaves a selection without charts alone", async () => {
      const terraform = new FakeTerraform();
      const { deps, printed, outdir } = setUp(terraform);
      await deploy(request({ mode: "plan" }), deps);
      const locks = printed.findIndex((l) => l.startsWith("  ok    provider lock files"));
      expect(printed[locks + 1]).toBe(
        `  ok    every chart the selected stacks install has a pinned digest (${platformCharts(outdir).length} in modules/addons/chart-digests.json)`,
      );
      const without = setUp(new FakeTerraform());
      const unpinned = new FakeHelmCharts([], undefined, () => undefined);
      const outcome = await deploy(request({ stackNames: ["data", "app"] }), { ...without.deps, helmCharts: unpinned });
      expect(outcome.results.every((r) => r.result === "ok")).toBe(true);
      expect(without.printed.some((l) => l.includes("pinned digest"))).toBe(false);
    });
  });

  describe("reviewed plans", () => {
    const secretPlan = (value: string) => () => ({
      resource_changes: [
        { address: "random_password.auth", change: { actions: ["create"], before: null, after: { result: value } } },
      ],
    });

    it("--plan --record-plans writes each stack's fingerprint and change list, never a value or a plan file", async () => {
      const terraform = new FakeTerraform({ planJson: secretPlan("s3cr3t-value") });
      const { deps, outdir } = setUp(terraform);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plans-"));
      await deploy(request({ mode: "plan", stackNames: ["data"], recordPlansTo: dir }), deps);
      expect(fs.readdirSync(dir).sort()).toEqual(["dev-data.changes.txt", "dev-data.outputs.txt", "dev-data.sha256"]);
      expect(fs.readFileSync(path.join(dir, "dev-data.changes.txt"), "utf8")).toBe("create random_password.auth\n");
      expect(fs.readFileSync(path.join(dir, "dev-data.sha256"), "utf8")).toMatch(/^[0-9a-f]{64}\n$/);
      expect(fs.readdirSync(dir).some((f) => fs.readFileSync(path.join(dir, f), "utf8").includes("s3cr3t"))).toBe(
        false,
      );
      expect(fs.existsSync(path.join(outdir, "stacks", "dev-data", "deploy.tfplan"))).toBe(false);
      expect(terraform.calls.find((c) => c.args[0] === "plan")?.args).toContain("-lock=false");
    });

    it("applies a stack whose plan has the reviewed fingerprint", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plans-"));
      await deploy(
        request({ mode: "plan", stackNames: ["data"], recordPlansTo: dir }),
        setUp(new FakeTerraform({ planJson: secretPlan("a") })).deps,
      );
      const terraform = new FakeTerraform({ planJson: secretPlan("a") });
      const outcome = await deploy(request({ stackNames: ["data"], reviewedPlansFrom: dir }), setUp(terraform).deps);
      expect(outcome.results[0]).toMatchObject({ result: "ok", action: "applied" });
    });

    it("refuses to apply when the plan differs from the reviewed one, or was never reviewed", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plans-"));
      await deploy(
        request({ mode: "plan", stackNames: ["data"], recordPlansTo: dir }),
        setUp(new FakeTerraform({ planJson: secretPlan("a") })).deps,
      );
      const terraform = new FakeTerraform({ planJson: secretPlan("b") });
      const outcome = await deploy(
        request({ stackNames: ["data", "platform"], reviewedPlansFrom: dir }),
        setUp(terraform).deps,
      );
      const byStack = Object.fromEntries(outcome.results.map((r) => [r.stack, r]));
      expect(byStack["dev-data"]).toMatchObject({
        result: "failed",
        reason: expect.stringMatching(
          /^comparing with the reviewed plan failed: the plan differs from the reviewed one/,
        ),
      });
      expect(byStack["dev-platform"]).toMatchObject({
        result: "failed",
        reason: expect.stringMatching(/no reviewed plan for dev-platform/),
      });
      expect(terraform.stacks("apply")).toEqual([]);
    });
  });

  describe("a stack changes outputs a later stack of the same delivery reads (a login rotation, a restore)", () => {
    const reads = outputReads(loadStacks(synthOutputCopy("dev"), "dev"));
    const appReads = reads.get("dev-app")?.get("dev-data") ?? [];
    const loginVersion = appReads.find((o) => o.endsWith("version_id")) as string;
    const clusterOutput = reads.get("dev-data")?.get("dev-cluster")?.[0] as string;
    type Outputs = Record<string, { actions: string[] }>;
    const change = (address: string, after: unknown) => ({
      address,
      change: { actions: ["create"], before: null, after },
    });
    /** Each stack's plan: the data stack writes a new login secret version; the app's Job is named after it. */
    const plans =
      (appJob: string, outputs: { data?: Outputs; cluster?: Outputs } = {}) =>
      (stack: string) => {
        if (stack === "dev-data")
          return {
            resource_changes: [change("aws_secretsmanager_secret_version.login", { version_stages: ["AWSCURRENT"] })],
            output_changes: outputs.data ?? {},
          };
        if (stack === "dev-app") return { resource_changes: [change("kubernetes_job_v1.create-app-user", { appJob })] };
        return { resource_changes: [], output_changes: stack === "dev-cluster" ? (outputs.cluster ?? {}) : {} };
      };
    const rotation: Outputs = { [loginVersion]: { actions: ["update"] }, redis_endpoint: { actions: ["no-op"] } };

    async function reviewed(planJson: (stack: string) => unknown, stackNames: string[]): Promise<string> {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plans-"));
      await deploy(
        request({ mode: "plan", stackNames, recordPlansTo: dir }),
        setUp(new FakeTerraform({ planJson })).deps,
      );
      return dir;
    }

    it("--record-plans names each output a plan changes and the stacks that read it (no value)", async () => {
      const dir = await reviewed(plans("create-app-user-1111", { data: rotation }), ["data", "app"]);
      expect(fs.readFileSync(path.join(dir, "dev-data.outputs.txt"), "utf8")).toBe(
        `update ${outputLabel(loginVersion)}: read by dev-app\n`,
      );
      expect(fs.readFileSync(path.join(dir, "dev-app.outputs.txt"), "utf8")).toBe("");
    });

    it("applies the data stack, then stops the app planned against the old outputs with one line, and exits 3 for a second delivery", async () => {
      const stackNames = ["data", "platform", "app"];
      const dir = await reviewed(plans("create-app-user-1111", { data: rotation }), stackNames);
      const terraform = new FakeTerraform({ planJson: plans("create-app-user-2222", { data: rotation }) });
      const { deps, marked, printed } = setUp(terraform);
      const req = request({ stackNames, reviewedPlansFrom: dir });
      const outcome = await deploy(req, deps);
      const line = `dev-app: planned before dev-data changed its outputs (${outputLabel(loginVersion)}): run the delivery again to plan it against them`;
      expect(byStack(outcome)["dev-data"]).toMatchObject({ result: "ok", action: "applied" });
      expect(byStack(outcome)["dev-app"]).toMatchObject({ result: "stopped", reason: line });
      expect(terraform.stacks("apply").sort()).toEqual(["dev-data", "dev-platform"]);
      expect(marked).toEqual([]);
      expect(printed).toContain(`  STOP  ${line}`);
      const { code, errors, note } = report(req, outcome);
      expect(code).toBe(3);
      expect(errors[0]).toBe(line);
      expect(errors[1]).toContain('gh workflow run infra.yml --ref main -f environment=dev -f stacks="app"');
      expect(errors).toHaveLength(2);
      expect(note).toContain(line);
      expect(note).toContain('gh workflow run infra.yml --ref main -f environment=dev -f stacks="app"');
      expect(summaryTable(outcome.results).find((l) => l.startsWith("dev-app"))).toMatch(/\sstopped$/);
    });

    it("stops everything after the stopped stack, and a second delivery takes them all (with the rollout's image tag)", async () => {
      const stackNames = ["cluster", "data", "platform", "app"];
      const outputs = { cluster: { [clusterOutput]: { actions: ["update"] } } };
      const dir = await reviewed(plans("j", outputs), stackNames);
      // The data stack's plan moved with the cluster's output; the platform's did not.
      const planJson = (stack: string) =>
        stack === "dev-data"
          ? { resource_changes: [change("aws_db_instance.this", { subnet: "new" })] }
          : plans("j", outputs)(stack);
      const moved = new FakeTerraform({ planJson });
      const req = request({ stackNames, imageTag: "1.4.2", reviewedPlansFrom: dir });
      const { deps, recorded } = setUp(moved);
      const outcome = await deploy(req, deps);
      expect(outcome.results.map((r) => [r.stack, r.result])).toEqual([
        ["dev-cluster", "ok"],
        ["dev-data", "stopped"],
        ["dev-platform", "ok"],
        ["dev-app", "not started"],
      ]);
      expect(recorded).toEqual([]);
      const { code, errors } = report(req, outcome);
      expect(code).toBe(3);
      expect(errors[0]).toMatch(/^dev-data: planned before dev-cluster changed its outputs \(/);
      expect(errors[1]).toContain('-f stacks="data app" -f image_tag=1.4.2');
    });

    it.each([
      ["no outputs change", { [loginVersion]: { actions: ["no-op"] } }, "create-app-user-1111"],
      [
        "the data stack changes outputs the app reads, but the app's plan is still the reviewed one",
        rotation,
        "create-app-user-1111",
      ],
    ])("a delivery applies every stack when %s (exit 0, no note)", async (_name, dataOutputs, appJob) => {
      const stackNames = ["data", "platform", "app"];
      const dir = await reviewed(plans("create-app-user-1111", { data: dataOutputs }), stackNames);
      const terraform = new FakeTerraform({ planJson: plans(appJob, { data: dataOutputs }) });
      const req = request({ stackNames, reviewedPlansFrom: dir });
      const outcome = await deploy(req, setUp(terraform).deps);
      expect(outcome.results.map((r) => r.result)).toEqual(["ok", "ok", "ok"]);
      expect(terraform.stacks("apply").sort()).toEqual(["dev-app", "dev-data", "dev-platform"]);
      expect(report(req, outcome)).toMatchObject({ code: 0, errors: [], note: undefined });
    });

    it.each([
      ["changes no output", { [loginVersion]: { actions: ["no-op"] } }],
      ["changes only outputs the app does not read", { redis_endpoint: { actions: ["update"] } }],
    ])(
      "still refuses an app plan that differs from the reviewed one when the data stack %s (exit 1)",
      async (_name, dataOutputs) => {
        const stackNames = ["data", "platform", "app"];
        const dir = await reviewed(plans("create-app-user-1111", { data: dataOutputs }), stackNames);
        const terraform = new FakeTerraform({
          planJson: plans("create-app-user-6666", { data: dataOutputs }),
        });
        const req = request({ stackNames, reviewedPlansFrom: dir });
        const outcome = await deploy(req, setUp(terraform).deps);
        expect(byStack(outcome)["dev-app"]).toMatchObject({
          result: "failed",
          reason: expect.stringMatching(
            /^comparing with the reviewed plan failed: the plan differs from the reviewed one/,
          ),
        });
        expect(terraform.stacks("apply")).not.toContain("dev-app");
        expect(report(req, outcome)).toMatchObject({ code: 1, note: undefined });
      },
    );
  });

  describe("a new chart, whose mirror repository the cluster stack of the same delivery creates", () => {
    const repository = "dev-charts/metrics-server";
    const stackNames = ["cluster", "data", "platform", "app"];
    const notReady = (name = repository) =>
      new ChartsNotReadyError(
        `charts dev: metrics-server 3.13.1: the chart mirror repository ${name} does not exist yet (ECR DescribeImages on ${name} failed (RepositoryNotFoundException)): dev-cluster creates it: apply it first (npm run deploy -- dev cluster --apply)`,
        name,
      );
    const planLine = `dev-platform: its chart mirror repository ${repository} does not exist yet; dev-cluster, planned in this delivery, creates it: a second delivery plans it`;
    const applyLine = `dev-platform: could not be planned before dev-cluster was applied (its chart mirror repository ${repository} did not exist yet): run the delivery again to plan it`;
    const withCharts = (deps: DeployDependencies, terraform: FakeTerraform, failure?: Error) => {
      const charts = new FakeHelmCharts(terraform.events, failure);
      return { deps: { ...deps, helmCharts: charts }, charts };
    };
    const ran = (terraform: FakeTerraform, stack: string) => terraform.calls.filter((c) => c.stack === stack);

    async function planned(): Promise<{ dir: string; req: DeployRequest; outcome: DeployOutcome; printed: string[] }> {
      const terraform = new FakeTerraform();
      const { deps, printed } = setUp(terraform);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plans-"));
      const req = request({ mode: "plan", stackNames, recordPlansTo: dir });
      const outcome = await deploy(req, withCharts(deps, terraform, notReady()).deps);
      expect(ran(terraform, "dev-platform")).toEqual([]);
      expect(terraform.events.some((e) => e.startsWith("login "))).toBe(false);
      return { dir, req, outcome, printed };
    }

    it("a plan stops the platform instead of failing, plans the stacks before it, records the stop beside their plans, exits 3", async () => {
      const { dir, req, outcome, printed } = await planned();
      expect(outcome.results.map((r) => [r.stack, r.result, r.action])).toEqual([
        ["dev-cluster", "ok", "plan: changes"],
        ["dev-data", "ok", "plan: changes"],
        ["dev-platform", "stopped", "waiting for dev-cluster"],
        ["dev-app", "not started", "-"],
      ]);
      expect(byStack(outcome)["dev-platform"].reason).toBe(planLine);
      expect(printed).toContain(`  STOP  ${planLine}`);
      const recorded = (stack: string) => [".changes.txt", ".outputs.txt", ".sha256"].map((s) => `${stack}${s}`);
      expect(fs.readdirSync(dir).sort()).toEqual([
        ...recorded("dev-cluster"),
        ...recorded("dev-data"),
        "dev-platform.stopped.json",
      ]);
      expect(JSON.parse(fs.readFileSync(path.join(dir, "dev-platform.stopped.json"), "utf8"))).toEqual({
        stack: "dev-platform",
        waitsFor: "dev-cluster",
        missing: `its chart mirror repository ${repository}`,
        reason: planLine,
      });
      const { code, errors, note } = report(req, outcome);
      expect(code).toBe(3);
      expect(errors[0]).toBe(planLine);
      expect(errors[1]).toMatch(/^deploy dev: not planned yet: platform app \(/);
      expect(errors).toHaveLength(2);
      // The note is the apply job's: a plan leaves none.
      expect(note).toBeUndefined();
    });

    it("the apply against those plans applies the stacks before as reviewed, stops the platform (not planned) and the app, exits 3 with the note", async () => {
      const { dir } = await planned();
      const terraform = new FakeTerraform();
      const { deps, printed } = setUp(terraform);
      const { deps: applying, charts } = withCharts(deps, terraform);
      const req = request({ stackNames, reviewedPlansFrom: dir });
      const outcome = await deploy(req, applying);
      expect(outcome.results.map((r) => [r.stack, r.result])).toEqual([
        ["dev-cluster", "ok"],
        ["dev-data", "ok"],
        ["dev-platform", "stopped"],
        ["dev-app", "not started"],
      ]);
      expect(terraform.stacks("apply")).toEqual(["dev-cluster", "dev-data"]);
      expect(ran(terraform, "dev-platform")).toEqual([]);
      expect(charts.mirrored).toEqual([]);
      expect(byStack(outcome)["dev-platform"]).toMatchObject({ action: "waiting for dev-cluster", reason: applyLine });
      expect(printed).toContain(`  STOP  ${applyLine}`);
      const { code, errors, note } = report(req, outcome);
      expect(code).toBe(3);
      expect(errors[0]).toBe(applyLine);
      expect(errors[1]).toContain('gh workflow run infra.yml --ref main -f environment=dev -f stacks="platform app"');
      expect(note).toContain(applyLine);
      expect(note).toMatch(/could not be planned before a stack this apply applied/);
    });

    it("a plan into a folder an earlier plan wrote replaces its record of the stack: a stop by a plan, a plan by a stop", async () => {
      const { dir } = await planned();
      const terraform = new FakeTerraform();
      await deploy(
        request({ mode: "plan", stackNames, recordPlansTo: dir }),
        withCharts(setUp(terraform).deps, terraform).deps,
      );
      const platform = () => fs.readdirSync(dir).filter((f) => f.startsWith("dev-platform."));
      expect(platform().sort()).toEqual([
        "dev-platform.changes.txt",
        "dev-platform.outputs.txt",
        "dev-platform.sha256",
      ]);
      const again = new FakeTerraform();
      const req = request({ mode: "plan", stackNames, recordPlansTo: dir });
      await deploy(req, withCharts(setUp(again).deps, again, notReady()).deps);
      expect(platform()).toEqual(["dev-platform.stopped.json"]);
    });

    it.each([
      ["without the cluster stack in the run", { mode: "plan", stackNames: ["data", "platform"] }, repository],
      ["when no earlier stack creates the repository it names", { mode: "plan" }, "dev-charts/not-declared"],
      ["in an apply, which applied the cluster stack before it", { mode: "apply" }, repository],
    ] as const)("fails the platform with the error's line %s (exit 1)", async (_name, overrides, name) => {
      const terraform = new FakeTerraform();
      const { deps } = setUp(terraform);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plans-"));
      const recordPlansTo = overrides.mode === "plan" ? dir : undefined;
      const req = request({ stackNames, ...overrides, recordPlansTo });
      const outcome = await deploy(req, withCharts(deps, terraform, notReady(name)).deps);
      expect(byStack(outcome)["dev-platform"]).toMatchObject({
        result: "failed",
        action: "checking charts",
        reason: `checking charts failed: ${notReady(name).message}`,
      });
      expect(ran(terraform, "dev-platform")).toEqual([]);
      expect(fs.readdirSync(dir).filter((f) => f.includes("stopped"))).toEqual([]);
      expect(report(req, outcome)).toMatchObject({ code: 1, note: undefined });
    });
  });

  describe("single-stack rollout", () => {
    it("runs only the app stack, recording the new image tag once it is applied, once its dependencies' state exists", async () => {
      const terraform = new FakeTerraform();
      const { deps, recorded } = setUp(terraform);
      const outcome = await deploy(request({ stackNames: ["app"], imageTag: "1.4.2" }), deps);
      expect(terraform.stacks()).toEqual(["dev-app"]);
      expect(recorded).toEqual(["1.4.2"]);
      expect(outcome.results).toEqual([
        expect.objectContaining({
          stack: "dev-app",
          result: "ok",
          action: "applied; image kept as deployed-1.4.2; image tag 1.4.2 recorded",
        }),
      ]);
      const keys = aws.s3.commandCalls(HeadObjectCommand).map((c) => c.args[0].input.Key);
      expect(keys).toEqual(expect.arrayContaining(["dev/cluster.tfstate", "dev/data.tfstate", "dev/platform.tfstate"]));
    });

    it("tags the image it rolls out deployed-<tag> (kept by ECR's lifecycle), before applying; a plan tags nothing", async () => {
      const { deps, marked } = setUp(new FakeTerraform());
      await deploy(request({ stackNames: ["app"], imageTag: "1.4.2", mode: "plan" }), deps);
      expect(marked).toEqual([]);
      await deploy(request({ stackNames: ["app"], imageTag: "1.4.2" }), deps);
      expect(marked).toEqual(["1.4.2"]);
    });

    it("does not apply the app when its image cannot be kept", async () => {
      const terraform = new FakeTerraform();
      const { deps } = setUp(terraform);
      const failing = { ...deps, markImageDeployed: async () => Promise.reject(new Error("AccessDenied")) };
      const outcome = await deploy(request({ stackNames: ["app"], imageTag: "1.4.2" }), failing);
      expect(outcome.results[0]).toMatchObject({
        result: "failed",
        reason: "keeping the image in ECR failed: AccessDenied",
      });
      expect(terraform.stacks("apply")).toEqual([]);
    });

    it("says how to record the tag by hand when recording it fails after the apply (else the next apply rolls it back)", async () => {
      const terraform = new FakeTerraform();
      const { deps } = setUp(terraform);
      const failing = {
        ...deps,
        recordImageTag: async () => Promise.reject(new Error("ThrottlingException: Rate exceeded")),
      };
      const outcome = await deploy(request({ stackNames: ["app"], imageTag: "1.4.2" }), failing);
      expect(terraform.stacks("apply")).toEqual(["dev-app"]);
      expect(outcome.results[0]).toMatchObject({
        result: "failed",
        reason:
          "recording the image tag failed: ThrottlingException: Rate exceeded; the app now runs 1.4.2 but /marketing-agents/dev/image-tag still names the previous tag, so the next apply of the app stack would roll it back: record it now with `aws ssm put-parameter --region us-east-1 --name /marketing-agents/dev/image-tag --type String --value 1.4.2 --overwrite` (docs/runbook.md, Recovery)",
      });
    });

    it("without --image-tag keeps the image the environment runs: a merge never rolls it back", async () => {
      const { deps, recorded, marked } = setUp(new FakeTerraform());
      await deploy(request({ stackNames: ["app"] }), deps);
      expect(recorded).toEqual([]);
      expect(marked).toEqual(["1.0.0"]);
      expect(aws.ecr.commandCalls(DescribeImagesCommand)[0].args[0].input.imageIds).toEqual([{ imageTag: "1.0.0" }]);
    });

    it("before the first rollout, runs config's tag", async () => {
      const { deps, marked } = setUp(new FakeTerraform());
      aws.ssm.on(GetParameterCommand).rejects(awsError("ParameterNotFound"));
      await deploy(request({ stackNames: ["app"] }), deps);
      expect(marked).toEqual([dev.app.imageTag]);
    });

    it("records nothing on a plan", async () => {
      const { deps, recorded } = setUp(new FakeTerraform());
      await deploy(request({ stackNames: ["app"], imageTag: "1.4.2", mode: "plan" }), deps);
      expect(recorded).toEqual([]);
    });

    it("plans the rollout's tag as the app stack's image_tag variable, in the plan and in the apply alike", async () => {
      const terraform = new FakeTerraform();
      const { deps } = setUp(terraform);
      await deploy(request({ stackNames: ["app"], imageTag: "1.4.2", mode: "plan" }), deps);
      await deploy(request({ stackNames: ["app"], imageTag: "1.4.2" }), deps);
      const plans = terraform.calls.filter((c) => c.args[0] === "plan");
      expect(plans).toHaveLength(2);
      plans.forEach((p) => expect(p.args).toContain("-var=image_tag=1.4.2"));
    });

    it("without --image-tag passes no image_tag: the app runs the recorded tag", async () => {
      const terraform = new FakeTerraform();
      const { deps } = setUp(terraform);
      await deploy(request({ stackNames: ["app"] }), deps);
      const plan = terraform.calls.find((c) => c.args[0] === "plan");
      expect(plan?.args.some((a) => a.startsWith("-var=image_tag"))).toBe(false);
    });

    it("records the tag only after the apply: not when the apply fails, nor when the plan is not the reviewed one", async () => {
      const failing = new FakeTerraform({ fail: { stack: "dev-app", command: "apply" } });
      const first = setUp(failing);
      const failed = await deploy(request({ stackNames: ["app"], imageTag: "1.4.2" }), first.deps);
      expect(failed.results[0].result).toBe("failed");
      expect(first.recorded).toEqual([]);

      const unreviewed = setUp(new FakeTerraform());
      const reviewed = fs.mkdtempSync(path.join(os.tmpdir(), "reviewed-"));
      fs.writeFileSync(path.join(reviewed, "dev-app.sha256"), "not-this-plan\n");
      const refused = await deploy(
        request({ stackNames: ["app"], imageTag: "1.4.2", reviewedPlansFrom: reviewed }),
        unreviewed.deps,
      );
      expect(refused.results[0].reason).toMatch(/^comparing with the reviewed plan failed/);
      expect(unreviewed.recorded).toEqual([]);
    });
  });

  describe("bootstrap state", () => {
    it("first deploy: applies bootstrap with local state, moves it into the new bucket, deletes the local copy", async () => {
      aws.s3.on(HeadBucketCommand).rejects(awsError("NotFound"));
      aws.eks.on(DescribeClusterCommand).rejects(awsError("ResourceNotFoundException"));
      const terraform = new FakeTerraform();
      const { deps, localState, outdir } = setUp(terraform);
      fs.mkdirSync(path.dirname(localState), { recursive: true });
      fs.writeFileSync(localState, "{}"); // what the phase-1 apply leaves behind
      const outcome = await deploy(request({ stackNames: ["bootstrap"] }), deps);
      const calls = terraform.calls.map((c) => [
        c.args
          .slice(0, 1)
          .concat(c.args.filter((a) => a === "-migrate-state"))
          .join(" "),
        c.localBackend,
      ]);
      expect(calls).toEqual([
        ["init", true],
        ["plan", true],
        ["apply", true],
        ["init -migrate-state", false],
      ]);
      expect(terraform.calls[3].args).toContain("-force-copy");
      expect(fs.existsSync(localState)).toBe(false);
      expect(fs.existsSync(path.join(outdir, "stacks", "dev-bootstrap", "backend_override.tf.json"))).toBe(false);
      expect(outcome.results[0].action).toBe("applied; state moved into the bucket");
    });

    it("keeps the local state when the bucket does not show it after the move", async () => {
      aws.s3.on(HeadBucketCommand).rejects(awsError("NotFound"));
      const terraform = new FakeTerraform();
      const { deps, localState } = setUp(terraform, false);
      fs.mkdirSync(path.dirname(localState), { recursive: true });
      fs.writeFileSync(localState, "{}");
      const outcome = await deploy(request({ stackNames: ["bootstrap"] }), deps);
      expect(outcome.results[0]).toMatchObject({ result: "failed", action: "moving bootstrap state into the bucket" });
      expect(fs.existsSync(localState)).toBe(true);
    });

    it("after an interrupted first deploy: moves the local state into the bucket before anything else", async () => {
      aws.s3.on(HeadObjectCommand, { Key: "dev/bootstrap.tfstate" }).rejects(awsError("NotFound"));
      const terraform = new FakeTerraform();
      const { deps, localState } = setUp(terraform);
      fs.mkdirSync(path.dirname(localState), { recursive: true });
      fs.writeFileSync(localState, "{}");
      await deploy(request({ stackNames: ["bootstrap"] }), deps);
      expect(terraform.calls[0].args).toEqual(expect.arrayContaining(["init", "-migrate-state", "-force-copy"]));
      expect(terraform.calls.slice(1).every((c) => !c.localBackend)).toBe(true);
      expect(fs.existsSync(localState)).toBe(false);
    });

    it("refuses to choose between a local bootstrap state and one in the bucket", async () => {
      const terraform = new FakeTerraform();
      const { deps, localState } = setUp(terraform);
      fs.mkdirSync(path.dirname(localState), { recursive: true });
      fs.writeFileSync(localState, "{}");
      await expect(deploy(request({ stackNames: ["bootstrap"] }), deps)).rejects.toThrow(
        /bootstrap state exists both in the bucket and in .*dev-bootstrap\.tfstate/,
      );
      expect(terraform.calls).toEqual([]);
    });

    it("refuses to re-create bootstrap when the bucket exists but its state is lost", async () => {
      aws.s3.on(HeadObjectCommand, { Key: "dev/bootstrap.tfstate" }).rejects(awsError("NotFound"));
      const terraform = new FakeTerraform();
      const { deps } = setUp(terraform);
      await expect(deploy(request({ stackNames: ["bootstrap"] }), deps)).rejects.toThrow(
        /the state bucket exists but bootstrap's state is neither in it nor in .*Recovery/,
      );
      expect(terraform.calls).toEqual([]);
    });

    it("uses the bucket from a fresh checkout once the state is there: no local backend", async () => {
      const terraform = new FakeTerraform();
      const { deps } = setUp(terraform);
      await deploy(request(), deps);
      expect(terraform.calls.filter((c) => c.stack === "dev-bootstrap").every((c) => !c.localBackend)).toBe(true);
      expect(terraform.calls.some((c) => c.args.includes("-migrate-state"))).toBe(false);
    });
  });
});
