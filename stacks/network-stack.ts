import type { Construct } from "constructs";
import { EnvironmentStack, type EnvironmentStackProps } from "./environment-stack";

/** `<env>-network`. */
export class NetworkStack extends EnvironmentStack {
  constructor(scope: Construct, props: EnvironmentStackProps) {
    super(scope, "network", props);
  }
}
