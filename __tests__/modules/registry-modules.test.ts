import * as fs from "node:fs";
import * as path from "node:path";
import { App, TerraformStack } from "cdktf";
import { CONCERNS } from "../../config";
import { EKS_MODULE } from "../../modules/eks-module";
import { RDS_MODULE } from "../../modules/rds-module";
import { RegistryModule, snakeCase, type RegistryModuleSpec } from "../../modules/registry-module";
import { VPC_MODULE } from "../../modules/vpc-module";
import { synthEnvironment } from "../helpers";

const SPECS: Record<string, RegistryModuleSpec> = { vpc: VPC_MODULE, eks: EKS_MODULE, postgres: RDS_MODULE };
const REFERENCE = path.resolve(__dirname, "../../../shared/reference/terraform-modules");

/** Every provider the module and its nested modules require (names as they declare them). */
function referenceProviders(spec: RegistryModuleSpec): string[] | undefined {
  const name = spec.source.split("/")[1];
  const file = path.join(REFERENCE, `${name}-${spec.version}.json`);
  if (!fs.existsSync(file)) return undefined;
  const reference = JSON.parse(fs.readFileSync(file, "utf8")) as {
    required_providers: Record<string, unknown>;
    nested_modules?: { required_providers?: Record<string, unknown> }[];
  };
  const all = [
    reference.required_providers,
    ...(reference.nested_modules ?? []).map((n) => n.required_providers ?? {}),
  ];
  return [...new Set(all.flatMap((r) => Object.keys(r)))].sort();
}

function referenceInputs(spec: RegistryModuleSpec): string[] | undefined {
  const name = spec.source.split("/")[1];
  const file = path.join(REFERENCE, `${name}-${spec.version}.json`);
  if (!fs.existsSync(file)) return undefined;
  return Object.keys(JSON.parse(fs.readFileSync(file, "utf8")).variables);
}

describe("registry module wrappers", () => {
  it.each(["dev", "prod"])("pass only inputs their module declares, at the pinned version (%s)", (env) => {
    const synth = synthEnvironment(env);
    const calls = CONCERNS.flatMap((c) => Object.entries(synth.json(c).module ?? {}));
    expect(calls.map(([id]) => id).sort()).toEqual(["eks", "postgres", "vpc"]);
    for (const [id, call] of calls) {
      const spec = SPECS[id];
      expect(call.source).toBe(spec.source);
      expect(call.version).toBe(spec.version);
      const inputs = Object.keys(call).filter(
        (k) => !["//", "source", "version", "providers", "depends_on"].includes(k),
      );
      expect(inputs.filter((i) => !spec.inputs.includes(i))).toEqual([]);
    }
  });

  it.each(Object.entries(SPECS))(
    "lists only real inputs of the %s module (checked when shared/reference exists)",
    (_id, spec) => {
      const real = referenceInputs(spec);
      if (!real) return; // the reference lives outside this repository; CI's module check covers it too
      expect(spec.inputs.filter((i) => !real.includes(i))).toEqual([]);
    },
  );

  it("pins exact versions that accept the AWS provider this project synthesizes (6.25.0)", () => {
    expect([VPC_MODULE.version, EKS_MODULE.version, RDS_MODULE.version]).toEqual(["6.5.1", "21.11.0", "6.13.1"]);
  });

  it("pins every provider a module or its nested modules require to one exact version, in the stack that calls it", () => {
    const synth = synthEnvironment("prod");
    for (const concern of CONCERNS) {
      const json = synth.json(concern);
      for (const id of Object.keys(json.module ?? {})) {
        const required = json.terraform.required_providers as Record<string, { version: string }>;
        const needed = referenceProviders(SPECS[id]) ?? Object.keys(SPECS[id].pinnedProviders ?? {});
        for (const provider of needed) {
          expect([id, provider, required[provider]?.version]).toEqual([
            id,
            provider,
            expect.stringMatching(/^\d+\.\d+\.\d+$/),
          ]);
        }
      }
    }
  });

  it("pins the eks module's tls, time, cloudinit and null providers in the cluster stack", () => {
    const required = synthEnvironment("dev").json("cluster").terraform.required_providers;
    expect(required).toMatchObject({
      tls: { source: "hashicorp/tls", version: "4.1.0" },
      time: { source: "hashicorp/time", version: "0.13.1" },
      cloudinit: { source: "hashicorp/cloudinit", version: "2.3.7" },
      null: { source: "hashicorp/null", version: "3.2.4" },
    });
  });

  it("fails at synth time on a prop the module does not declare", () => {
    class Probe extends RegistryModule {
      constructor(scope: TerraformStack) {
        super(scope, "probe", VPC_MODULE, { name: "x", clusterName: "y" });
      }
    }
    const stack = new TerraformStack(new App(), "probe");
    expect(() => new Probe(stack)).toThrow(
      'terraform-aws-modules/vpc/aws 6.5.1 has no input "cluster_name" (from prop clusterName)',
    );
  });

  it("maps camelCase props to the module's snake_case names", () => {
    expect(snakeCase("flowLogCloudwatchLogGroupRetentionInDays")).toBe(
      "flow_log_cloudwatch_log_group_retention_in_days",
    );
    expect(snakeCase("azs")).toBe("azs");
  });
});
