/**
 * Variables a plan-only run sets: where a stack reaches into another account with a role that
 * writes (the parent zone's delegation), a plan takes the role's read-only twin instead, so no
 * plan, a pull request's least of all, holds rights to change anything there.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PARENT_ZONE_ROLE_VARIABLE, ZONE_READER_SUFFIX } from "../../config";

/** `-var` arguments for `terraform plan` of a stack that will not be applied. */
export function planOnlyVariables(stackDirectory: string): string[] {
  const file = path.join(stackDirectory, "cdk.tf.json");
  if (!fs.existsSync(file)) return [];
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as { variable?: Record<string, { default?: unknown }> };
  const writer = json.variable?.[PARENT_ZONE_ROLE_VARIABLE]?.default;
  return typeof writer === "string" ? [`-var=${PARENT_ZONE_ROLE_VARIABLE}=${writer}${ZONE_READER_SUFFIX}`] : [];
}
