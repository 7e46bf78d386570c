import type { Construct } from "constructs";
import { EnvironmentStack, type EnvironmentStackProps } from "./environment-stack";

/** `<env>-platform`. */
export class PlatformStack extends EnvironmentStack {
  constructor(scope: Construct, props: EnvironmentStackProps) {
    super(scope, "platform", props);
  }
}
