import { SsmParameter } from "@cdktf/provider-aws/lib/ssm-parameter";
import { Construct } from "constructs";

/** Settings of the running image's record. */
export interface ImageTagParameterProps {
  /** Parameter name, e.g. `/marketing-agents/prod/image-tag`. */
  readonly name: string;
  /** Tag recorded at creation (config's app.imageTag); rollouts change it afterwards. */
  readonly initialTag: string;
  /** What the parameter is for. @default - what it holds and who writes it */
  readonly description?: string;
}

/**
 * The one source of truth for the image an environment runs: the deploy command writes it when
 * it rolls an image out, the app stack reads it. Terraform creates it once and then ignores its
 * value, so a merge never rolls the image back and a rollout needs no code change.
 */
export class ImageTagParameter extends Construct {
  /** Name of the parameter. */
  readonly name: string;

  constructor(scope: Construct, id: string, props: ImageTagParameterProps) {
    super(scope, id);
    const parameter = new SsmParameter(this, "parameter", {
      name: props.name,
      type: "String",
      value: props.initialTag,
      description:
        props.description ??
        "Image tag the app runs; written by each rollout (npm run deploy -- <env> app --image-tag <tag> --apply)",
    });
    parameter.addOverride("lifecycle.ignore_changes", ["value"]);
    this.name = parameter.name;
  }
}
