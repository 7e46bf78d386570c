/**
 * The destroy command's run over the real synthesized stacks, with a terraform that records its
 * calls and answers from a model of each stack's state (the synthesized resources, as an apply
 * left them), mocked AWS for preflight, and fake leftovers of the cluster's controllers.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DescribeClusterCommand } from "@aws-sdk/client-eks";
import { ConfigError, loadEnvironments, type EnvironmentConfig } from "../../config";
import type { ClusterLeftovers, LoadBalancerLeftover } from "../../scripts/deploy/cluster-leftovers";
import {
  LOAD_BALANCER_TIMEOUT_MS,
  destroy,
  type DestroyDependencies,
  type DestroyRequest,
} from "../../scripts/deploy/destroy";
import { DESTROY_OVERRIDE_FILE } from "../../scripts/deploy/destroy-plan";
import type { Terraform, TerraformRun } from "../../scripts/deploy/terraform";
import { FakeHelmCharts, healthyAws, reachableProbes, synthOutputCopy, writeMatchingLocks } from "./deploy-helpers";

type Before = Record<string, unknown>;

/** The resources of a stack's synthesized JSON, as state addresses with the values an apply wrote. */
function appliedState(directory: string): Map<string, { type: string; before: Before }> {
  const json = JSON.parse(fs.readFileSync(path.join(directory, "cdk.tf.json"), "utf8")) as {
    resource?: Record<string, Record<string, Before>>;
  };
  const state = new Map<string, { type: string; before: Before }>();
  for (const [type, resources] of Object.entries(json.resource ?? {})) {
    for (const [name, body] of Object.entries(resources)) {
      const literal = Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v !== "object"));
      state.set(`${type}.${name}`, { type, before: { ...literal, id: `${name}-id`, key_id: `${name}-id` } });
    }
  }
  return state;
}

/**
 * Terraform over a model of each stack's state: `state list` and `show -json` of a destroy plan read
 * it, `state rm` forgets addresses, `apply` of a destroy plan empties it.
 */
class ModelTerraform implements Terraform {
  readonly calls: {
    stack: string;
    args: readonly string[];
    override?: string;
    env?: Readonly<Record<string, string>>;
  }[] = [];
  private readonly states = new Map<string, Map<string, { type: string; before: Before }>>();
  constructor(
    private readonly events: string[],
    private readonly script: {
      /** Stacks whose state is empty (destroyed already, or never applied). */
      empty?: string[];
      /** Changes the values AWS holds for some resources of a stack. */
      edit?: (stack: string, address: string, before: Before) => Before;
      /** Resources inside registry modules (not in the synthesized JSON's top level), by stack. */
      modules?: Record<string, Record<string, { type: string; before: Before }>>;
      /** A resource that appears in a stack's state after the plans were confirmed. */
      appearsLater?: { stack: string; address: string };
      fail?: { stack: string; command: string };
    } = {},
  ) {}

  private stateOf(directory: string) {
    const stack = path.basename(directory);
    if (!this.states.has(stack)) {
      const state = this.script.empty?.includes(stack) ? new Map() : appliedState(directory);
      if (!this.script.empty?.includes(stack)) {
        Object.entries(this.script.modules?.[stack] ?? {}).forEach(([address, entry]) => state.set(address, entry));
      }
      for (const [address, entry] of state) {
        state.set(address, { ...entry, before: this.script.edit?.(stack, address, entry.before) ?? entry.before });
      }
      this.states.set(stack, state);
    }
    return this.states.get(stack) as Map<string, { type: string; before: Before }>;
  }

  async run(
    directory: string,
    args: readonly string[],
    _logFile?: string,
    env?: Readonly<Record<string, string>>,
  ): Promise<TerraformRun> {
    const stack = path.basename(directory);
    const overrideFile = path.join(directory, DESTROY_OVERRIDE_FILE);
    const override = fs.existsSync(overrideFile) ? fs.readFileSync(overrideFile, "utf8") : undefined;
    this.calls.push({ stack, args, override, env });
    this.events.push(`${args[0]}${args[0] === "state" ? ` ${args[1]}` : ""} ${stack}`);
    if (this.script.fail?.stack === stack && this.script.fail.command === args[0]) {
      return { code: 1, tail: ["╷", "│ Error: deleting EC2 Subnet: DependencyViolation", "╵"] };
    }
    const state = this.stateOf(directory);
    if (args[0] === "state" && args[1] === "rm") args.slice(2).forEach((a) => state.delete(a));
    if (args[0] === "plan") {
      if (
        this.script.appearsLater?.stack === stack &&
        this.calls.filter((c) => c.stack === stack && c.args[0] === "plan").length > 1
      ) {
        state.set(this.script.appearsLater.address, { type: "aws_instance", before: { id: "i-1" } });
      }
      return { code: state.size > 0 ? 2 : 0, tail: [] };
    }
    if (args[0] === "apply") state.clear();
    return { code: 0, tail: [] };
  }

  async read(directory: string, args: readonly string[]): Promise<{ code: number; stdout: string }> {
    const stack = path.basename(directory);
    this.calls.push({ stack, args });
    const state = this.stateOf(directory);
    if (args[0] === "state" && args[1] === "list") return { code: 0, stdout: [...state.keys()].join("\n") };
    const resource_changes = [...state].map(([address, { type, before }]) => ({
      address,
      type,
      change: { actions: ["delete"], before },
    }));
    return { code: 0, stdout: JSON.stringify({ resource_changes }) };
  }

  /** Stacks a command ran on, in order. */
  stacks(command: string): string[] {
    return this.calls.filter((c) => c.args[0] === command).map((c) => c.stack);
  }
}

const GATEWAY_LB: LoadBalancerLeftover = {
  name: "a1b2c3",
  arn: "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/a1b2c3/1",
  service: "envoy-gateway-system/envoy-public-5f3c",
};

/** Load balancers answering from a list of answers (the last repeats), recorded as events. */
function fakeLeftovers(events: string[], loadBalancers: LoadBalancerLeftover[][] = [[]]): ClusterLeftovers {
  return {
    loadBalancers: async () => {
      events.push("look for load balancers");
      return loadBalancers.length > 1 ? (loadBalancers.shift() as LoadBalancerLeftover[]) : loadBalancers[0];
    },
    dnsRecords: async () => {
      events.push("look for ExternalDNS records");
      return [];
    },
    idleVolumes: async () => [{ volumeId: "vol-0abc", sizeGib: 20, claim: "monitoring/prometheus-db-0" }],
  };
}

function setUp(
  environment: "dev" | "prod",
  options: {
    script?: ConstructorParameters<typeof ModelTerraform>[1];
    loadBalancers?: LoadBalancerLeftover[][];
    answer?: boolean;
  } = {},
) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "destroy-root-"));
  const outdir = synthOutputCopy(environment);
  writeMatchingLocks(outdir, root, environment);
  const events: string[] = [];
  const printed: string[] = [];
  const questions: string[] = [];
  const terraform = new ModelTerraform(events, options.script);
  let clock = 0;
  const synthesized: string[] = [];
  const deps: DestroyDependencies = {
    synthesize: async (env) => {
      synthesized.push(env);
      return outdir;
    },
    probes: reachableProbes,
    terraform,
    leftovers: fakeLeftovers(events, options.loadBalancers),
    helmLogin: (config) => new FakeHelmCharts(events).login(config),
    confirm: async (question) => {
      events.push("confirm");
      questions.push(question);
      return options.answer ?? true;
    },
    root,
    logDirectory: path.join(root, "logs"),
    keptFile: path.join(root, "kept.txt"),
    print: (line) => printed.push(line),
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
  };
  return { deps, terraform, events, printed, questions, outdir, synthesized, root };
}

const [devConfig] = loadEnvironments("dev");
const [prodConfig] = loadEnvironments("prod");
/** prod as it would be configured on the day it is decommissioned. */
const decommissionedProd: EnvironmentConfig = { ...prodConfig, lifecycle: { allowDestroy: true } };
const request = (mode: DestroyRequest["mode"] = "destroy", config = devConfig): DestroyRequest => ({ config, mode });
const REVERSE_ORDER = ["dev-app", "dev-data", "dev-platform", "dev-cluster", "dev-network"];

describe("destroy command", () => {
  let aws: ReturnType<typeof healthyAws>;
  afterEach(() => Object.values(aws).forEach((m) => m.restore()));

  describe("dev", () => {
    beforeEach(() => {
      aws = healthyAws(devConfig.account.id);
    });

    it("destroys app, then data and platform, then cluster, then network; bootstrap is never touched", async () => {
      const { deps, terraform } = setUp("dev");
      const outcome = await destroy(request(), deps);
      expect(outcome.waves.map((w) => w.map((s) => s.id))).toEqual([
        ["dev-app"],
        ["dev-data", "dev-platform"],
        ["dev-cluster"],
        ["dev-network"],
      ]);
      expect(terraform.stacks("apply")).toEqual(REVERSE_ORDER);
      expect(terraform.calls.filter((c) => c.stack === "dev-bootstrap")).toEqual([]);
      expect(outcome.results.map((r) => [r.stack, r.result])).toEqual(REVERSE_ORDER.map((s) => [s, "ok"]));
    });

    it("logs helm in once, only after the confirmation, for the platform's destroy runs, and removes the login at the end", async () => {
      const { deps, terraform, events } = setUp("dev");
      await destroy(request(), deps);
      const logins = events.filter((e) => e.startsWith("login "));
      expect(logins).toHaveLength(1);
      const home = logins[0].slice("login ".length);
      const confirmed = events.indexOf("confirm");
      expect(events.indexOf(logins[0])).toBeGreaterThan(confirmed);
      expect(events[events.length - 1]).toBe(`cleanup ${home}`);
      expect(events.some((e) => e.startsWith("mirror "))).toBe(false);
      // terraform.read (state list, show -json) spawns no provider: only runs carry the login.
      const runs = terraform.calls.filter((c) => c.args[0] !== "show" && c.args.join(" ") !== "state list");
      const platform = runs.filter((c) => c.stack === "dev-platform");
      const planned = platform.filter((c) => c.args[0] === "init" || c.args.includes("-lock=false"));
      const destroying = platform.filter((c) => !planned.includes(c));
      expect(planned.map((c) => c.args[0])).toEqual(["init", "plan"]);
      expect(planned.some((c) => c.env?.HELM_CONFIG_HOME)).toBe(false);
      expect(destroying.map((c) => c.args[0])).toEqual(expect.arrayContaining(["plan", "apply"]));
      expect(destroying.every((c) => c.env?.HELM_CONFIG_HOME === home)).toBe(true);
      expect(runs.filter((c) => c.stack !== "dev-platform").some((c) => c.env?.HELM_CONFIG_HOME)).toBe(false);
    });

    it.each([
      ["a destroy not confirmed", "destroy", false],
      ["a plan", "plan", true],
    ] as const)(
      "leaves no registry credential behind after %s: helm is never logged in",
      async (_what, mode, answer) => {
        const { deps, events } = setUp("dev", { answer });
        await destroy(request(mode), deps).catch(() => undefined);
        expect(events.filter((e) => /^(login|cleanup) /.test(e))).toEqual([]);
      },
    );

    it("plans every stack's destroy, without a lock, before it asks; a no changes nothing", async () => {
      const { deps, terraform, events, questions } = setUp("dev", { answer: false });
      const refused = destroy(request(), deps);
      await expect(refused).rejects.toThrow(/^destroy of dev not confirmed; nothing was changed$/);
      // The exit code destroy's --help gives "not confirmed" (destroy-cli.test.ts).
      await expect(refused).rejects.toMatchObject({ exitCode: 1 });
      const plans = terraform.calls.filter((c) => c.args[0] === "plan");
      expect(plans.map((c) => c.stack).sort()).toEqual([...REVERSE_ORDER].sort());
      expect(plans.every((c) => c.args.includes("-destroy") && c.args.includes("-lock=false"))).toBe(true);
      expect(events.indexOf("confirm")).toBeGreaterThan(events.lastIndexOf("plan dev-network"));
      expect(terraform.stacks("apply")).toEqual([]);
      expect(terraform.calls.filter((c) => c.args[0] === "state" && c.args[1] === "rm")).toEqual([]);
      expect(questions).toEqual([
        expect.stringMatching(
          /^destroy dev \(account 111111111111, us-east-1\): delete \d+ resource\(s\) of dev-app, dev-data, dev-platform, dev-cluster, dev-network$/,
        ),
      ]);
    });

    it("--plan plans and reports, never asks and never applies", async () => {
      const { deps, terraform, events, printed } = setUp("dev");
      const outcome = await destroy(request("plan"), deps);
      expect(events).not.toContain("confirm");
      expect(terraform.stacks("apply")).toEqual([]);
      expect(outcome.results.every((r) => /^plan: deletes \d+, keeps 0$/.test(r.action))).toBe(true);
      expect(printed).toContain("destroy dev: what the destroy deletes, and what stays");
    });

    it("waits until the Gateway's load balancer and ExternalDNS's records are gone before the platform goes", async () => {
      const { deps, events, printed } = setUp("dev", { loadBalancers: [[GATEWAY_LB], [GATEWAY_LB], []] });
      await destroy(request(), deps);
      const applyApp = events.indexOf("apply dev-app");
      const lastLook = events.lastIndexOf("look for load balancers");
      const firstLook = events.indexOf("look for load balancers");
      expect(firstLook).toBeGreaterThan(applyApp);
      expect(events.indexOf("look for ExternalDNS records")).toBeGreaterThan(firstLook);
      // Polled until gone (3 looks), then once more before the cluster.
      expect(events.filter((e) => e === "look for load balancers")).toHaveLength(4);
      expect(events.indexOf("apply dev-platform")).toBeGreaterThan(events.indexOf("look for ExternalDNS records"));
      expect(events.indexOf("apply dev-cluster")).toBeGreaterThan(lastLook);
      expect(lastLook).toBeGreaterThan(events.indexOf("apply dev-platform"));
      expect(printed).toContain("  still there: a1b2c3");
    });

    it("stops before the platform when the load balancer outlives the wait: one line naming it and its Service", async () => {
      const { deps, terraform } = setUp("dev", { loadBalancers: [[GATEWAY_LB]] });
      const outcome = await destroy(request(), deps);
      expect(terraform.stacks("apply")).toEqual(["dev-app"]);
      const byStack = Object.fromEntries(outcome.results.map((r) => [r.stack, r]));
      expect(byStack["dev-platform"].result).toBe("failed");
      expect(byStack["dev-platform"].reason).toBe(
        `dev: load balancer a1b2c3 of the cluster is still there after ${LOAD_BALANCER_TIMEOUT_MS / 60000} min, and the VPC cannot be deleted under it (1 in all): it serves envoy-gateway-system/envoy-public-5f3c: delete that Service (kubectl -n envoy-gateway-system delete service envoy-public-5f3c), then run npm run destroy -- dev again`,
      );
      expect([byStack["dev-cluster"].result, byStack["dev-network"].result]).toEqual(["not started", "not started"]);
      expect(outcome.resumeCommand).toBe("npm run destroy -- dev");
    });

    it("refuses before deleting anything when a bucket's force_destroy is off in AWS (applied before the code set it)", async () => {
      const { deps, terraform, printed } = setUp("dev", {
        script: {
          edit: (_s, address, before) =>
            address.startsWith("aws_s3_bucket.") ? { ...before, force_destroy: false } : before,
        },
      });
      await expect(destroy(request(), deps)).rejects.toThrow(
        /^2 resource\(s\) would stop the destroy halfway, first dev-data aws_s3_bucket\.\S+: force_destroy is off in AWS, so its deletion fails while it holds objects: .*\(npm run deploy -- dev data --apply\); nothing was deleted$/,
      );
      expect(terraform.stacks("apply")).toEqual([]);
      expect(printed.filter((l) => l.startsWith("  BLOCK dev-data aws_s3_bucket."))).toHaveLength(2);
    });

    it("plans a resumed destroy only where state is left, and skips the cluster check when platform and app are gone", async () => {
      const { deps, terraform } = setUp("dev", { script: { empty: ["dev-app", "dev-platform", "dev-data"] } });
      const outcome = await destroy(request(), deps);
      expect(terraform.stacks("plan").sort()).toEqual(["dev-cluster", "dev-cluster", "dev-network", "dev-network"]);
      expect(terraform.stacks("apply")).toEqual(["dev-cluster", "dev-network"]);
      expect(aws.eks.commandCalls(DescribeClusterCommand)).toEqual([]);
      expect(outcome.results.find((r) => r.stack === "dev-app")?.action).toBe("nothing in state");
    });

    it("refuses a stack whose destroy plan grew since the confirmation, and starts nothing after it", async () => {
      const { deps, terraform } = setUp("dev", {
        script: { appearsLater: { stack: "dev-data", address: "aws_instance.someone-elses" } },
      });
      const outcome = await destroy(request(), deps);
      const data = outcome.results.find((r) => r.stack === "dev-data");
      expect(data?.reason).toMatch(
        /^comparing with the confirmed plan failed: the destroy would now also delete aws_instance\.someone-elses/,
      );
      expect(terraform.stacks("apply")).not.toContain("dev-data");
      expect(terraform.stacks("apply")).not.toContain("dev-cluster");
    });

    it("lists the EBS volumes the cluster left, and reports a stack's failure with the command that resumes", async () => {
      const ok = setUp("dev");
      await destroy(request(), ok.deps);
      expect(ok.printed).toContain("  vol-0abc 20 GiB (monitoring/prometheus-db-0)");
      const failing = setUp("dev", { script: { fail: { stack: "dev-network", command: "apply" } } });
      const outcome = await destroy(request(), failing.deps);
      expect(outcome.results.find((r) => r.stack === "dev-network")?.reason).toBe(
        "terraform apply failed: Error: deleting EC2 Subnet: DependencyViolation",
      );
      expect(outcome.resumeCommand).toBe("npm run destroy -- dev");
    });

    it("leaves no saved plan and no override behind", async () => {
      const { deps, outdir } = setUp("dev");
      await destroy(request(), deps);
      const left = fs
        .readdirSync(path.join(outdir, "stacks"), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith(".tfplan") || f.endsWith(DESTROY_OVERRIDE_FILE));
      expect(left).toEqual([]);
    });
  });

  describe("an environment whose config forbids it, or keeps what it holds", () => {
    beforeEach(() => {
      aws = healthyAws(prodConfig.account.id);
    });

    it("refuses prod (lifecycle.allowDestroy false) before anything is synthesized", async () => {
      const { deps, synthesized, terraform } = setUp("prod");
      const refusal = destroy(request("destroy", prodConfig), deps);
      await expect(refusal).rejects.toThrow(ConfigError);
      await expect(refusal).rejects.toThrow(/environment "prod", setting lifecycle\.allowDestroy: false/);
      expect(synthesized).toEqual([]);
      expect(terraform.calls).toEqual([]);
    });

    it("keeps what config keeps: plans it as a deletion, then forgets it (state rm) before the destroy, and says how a recreate adopts it", async () => {
      const { deps, terraform, printed, root } = setUp("prod");
      const outcome = await destroy(request("destroy", decommissionedProd), deps);
      const repository = outcome.kept.find((k) => k.resource.type === "aws_ecr_repository");
      expect(repository?.stack.id).toBe("prod-cluster");
      // Planned with prevent_destroy lifted, so the plan could be made at all...
      const firstPlan = terraform.calls.find((c) => c.stack === "prod-cluster" && c.args[0] === "plan");
      expect(JSON.parse(firstPlan?.override ?? "{}")).toMatchObject({
        resource: {
          aws_ecr_repository: {
            [repository?.resource.address.split(".")[1] as string]: { lifecycle: { prevent_destroy: false } },
          },
        },
      });
      // ...then forgotten before the destroy plan that is applied.
      const clusterCalls = terraform.calls
        .filter((c) => c.stack === "prod-cluster")
        .map((c) => c.args.slice(0, 2).join(" "));
      expect(clusterCalls.slice(-5)).toEqual([
        "state list",
        "state rm",
        "plan -destroy",
        "show -json",
        "apply -input=false",
      ]);
      const forgotten = terraform.calls.find((c) => c.stack === "prod-cluster" && c.args[1] === "rm")?.args ?? [];
      expect(forgotten).toContain(repository?.resource.address);
      const kept = fs.readFileSync(path.join(root, "kept.txt"), "utf8");
      expect(kept).toContain(
        `prod-cluster ${repository?.resource.address} ${repository?.id}: a recreate must adopt it before the stack's first apply (its name is fixed); adopt: terraform -chdir=deploy-out/prod/cdktf.out/stacks/prod-cluster import '${repository?.resource.address}' ${repository?.id}`,
      );
      // Every backup vault is kept, whatever config says: it holds recovery points.
      expect(outcome.kept.filter((k) => k.resource.type === "aws_backup_vault").length).toBeGreaterThan(0);
      expect(printed).toContain(`kept in prod's account (also in ${path.join(root, "kept.txt")}):`);
    });

    const DATABASE = "module.postgres.module.db_instance.aws_db_instance.this[0]";
    const database = (before: Before) => ({
      modules: { "prod-data": { [DATABASE]: { type: "aws_db_instance", before: { id: "db-1", ...before } } } },
    });

    it("names what AWS deletes only after a waiting period, and the final snapshots it takes", async () => {
      const { deps, printed } = setUp("prod", {
        script: {
          ...database({ skip_final_snapshot: false, final_snapshot_identifier: "marketing-agents-prod-final-ab12" }),
          edit: (_s, address, before) =>
            address.startsWith("aws_secretsmanager_secret.")
              ? { ...before, name: "marketing-agents/prod/api-keys" }
              : before,
        },
      });
      await destroy(request("plan", decommissionedProd), deps);
      // recovery_window_in_days is config's secrets.recoveryWindowDays, as the synthesized JSON has it.
      expect(printed).toContain(
        "    prod-data secret marketing-agents/prod/api-keys: 30 days (undo: aws secretsmanager restore-secret --secret-id marketing-agents/prod/api-keys)",
      );
      expect(printed).toContain("    prod-data RDS snapshot marketing-agents-prod-final-ab12");
    });

    it("refuses before deleting anything while the database's deletion protection is still on in AWS", async () => {
      const { deps, terraform } = setUp("prod", { script: database({ deletion_protection: true }) });
      await expect(destroy(request("destroy", decommissionedProd), deps)).rejects.toThrow(
        `1 resource(s) would stop the destroy halfway, first prod-data ${DATABASE}: deletion protection is on in AWS: set it false in config and apply the stack first (npm run deploy -- prod data --apply); nothing was deleted`,
      );
      expect(terraform.stacks("apply")).toEqual([]);
    });
  });
});
