import type { Construct } from "constructs";
import { EnvironmentStack, type EnvironmentStackProps } from "./environment-stack";

/** `<env>-cluster`. */
export class ClusterStack extends EnvironmentStack {
  constructor(scope: Construct, props: EnvironmentStackProps) {
    super(scope, "cluster", props);
  }
}
