import { TerraformHclModule, TerraformStack } from "cdktf";
import { Construct } from "constructs";

/** Where a registry module comes from and which of its inputs our wrapper may set. */
export interface RegistryModuleSpec {
  /** Registry address, e.g. terraform-aws-modules/vpc/aws. */
  readonly source: string;
  /** Exact release; bump only after `check-modules` passes against the new interface. */
  readonly version: string;
  /**
   * The module's input names (snake_case) our wrapper passes, each checked against the module's
   * variables.tf at `version` (shared/reference/terraform-modules).
   */
  readonly inputs: readonly string[];
  /**
   * Providers the module or its nested modules require beyond those our stacks configure, at an
   * exact version: without a pin, `terraform init` takes whatever is newest that day.
   * @default - none
   */
  readonly pinnedProviders?: Readonly<Record<string, { readonly source: string; readonly version: string }>>;
}

/** `maxAllocatedStorage` -> `max_allocated_storage`. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * A typed wrapper around one Terraform registry module: camelCase props become the module's
 * snake_case inputs (undefined ones are left out, so the module's default applies), and an input
 * the module does not declare fails at synth time instead of being rejected by `terraform init`.
 */
export abstract class RegistryModule extends Construct {
  /** The underlying module block. */
  protected readonly module: TerraformHclModule;

  protected constructor(scope: Construct, id: string, spec: RegistryModuleSpec, props: object) {
    super(scope, id);
    const variables: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined) continue;
      const input = snakeCase(key);
      if (!spec.inputs.includes(input)) {
        throw new Error(`${spec.source} ${spec.version} has no input "${input}" (from prop ${key})`);
      }
      variables[input] = value;
    }
    this.module = new TerraformHclModule(this, "module", {
      source: spec.source,
      version: spec.version,
      variables,
    });
    // `module.<id>` in the plan, not a hashed construct path: reviewers read these names.
    this.module.overrideLogicalId(id);
    for (const [name, requirement] of Object.entries(spec.pinnedProviders ?? {})) {
      TerraformStack.of(this).addOverride(`terraform.required_providers.${name}`, requirement);
    }
  }

  /** A string output of the module. */
  protected output(name: string): string {
    return this.module.getString(name);
  }

  /** A list-of-strings output of the module. */
  protected listOutput(name: string): string[] {
    return this.module.getList(name);
  }
}
