import type { Construct } from "constructs";
import { EnvironmentStack, type EnvironmentStackProps } from "./environment-stack";

/** `<env>-app`. */
export class AppStack extends EnvironmentStack {
  constructor(scope: Construct, props: EnvironmentStackProps) {
    super(scope, "app", props);
  }
}
