import type { Construct } from "constructs";
import { EnvironmentStack, type EnvironmentStackProps } from "./environment-stack";

/** `<env>-data`. */
export class DataStack extends EnvironmentStack {
  constructor(scope: Construct, props: EnvironmentStackProps) {
    super(scope, "data", props);
  }
}
