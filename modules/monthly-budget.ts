import { BudgetsBudget } from "@cdktf/provider-aws/lib/budgets-budget";
import { Construct } from "constructs";

/** Settings of an environment's cost budget. */
export interface MonthlyBudgetProps {
  /** Budget name. */
  readonly name: string;
  /** Monthly limit (USD). */
  readonly limitUsd: number;
  /** Alert when actual spend reaches these percentages of the limit. */
  readonly alertPercentages: readonly number[];
  /** Also alert when the month's forecast passes the limit. @default true */
  readonly forecastAlert?: boolean;
  /** Topic the alerts go to. */
  readonly topicArn: string;
  /**
   * Count only the costs of resources carrying this tag (a cost allocation tag, activated in the
   * billing console), for an account several environments share. @default - the whole account
   */
  readonly costTag?: { readonly key: string; readonly value: string };
}

/**
 * A monthly AWS cost budget of the account, alerting the environment's topic at each configured
 * share of the limit and when the month's forecast passes it. In an account of its own the
 * account's spend is the environment's; in a shared account `costTag` narrows it to the
 * environment's resources, so the environments' budgets do not count each other.
 */
export class MonthlyBudget extends Construct {
  constructor(scope: Construct, id: string, props: MonthlyBudgetProps) {
    super(scope, id);
    const notify = (threshold: number, notificationType: "ACTUAL" | "FORECASTED") => ({
      comparisonOperator: "GREATER_THAN",
      threshold,
      thresholdType: "PERCENTAGE",
      notificationType,
      subscriberSnsTopicArns: [props.topicArn],
    });
    new BudgetsBudget(this, "budget", {
      name: props.name,
      budgetType: "COST",
      timeUnit: "MONTHLY",
      limitAmount: props.limitUsd.toFixed(2),
      limitUnit: "USD",
      // "user:<key>$<value>": https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-create-filters.html
      costFilter: props.costTag
        ? [{ name: "TagKeyValue", values: [`user:${props.costTag.key}$${props.costTag.value}`] }]
        : undefined,
      notification: [
        ...props.alertPercentages.map((p) => notify(p, "ACTUAL")),
        ...((props.forecastAlert ?? true) ? [notify(100, "FORECASTED")] : []),
      ],
    });
  }
}
