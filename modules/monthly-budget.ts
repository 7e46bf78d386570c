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
}

/**
 * A monthly AWS cost budget of the account, alerting the environment's topic at each configured
 * share of the limit and when the month's forecast passes it. Each environment has an account of
 * its own, so the account's spend is the environment's (no cost-allocation tag to activate).
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
      notification: [
        ...props.alertPercentages.map((p) => notify(p, "ACTUAL")),
        ...((props.forecastAlert ?? true) ? [notify(100, "FORECASTED")] : []),
      ],
    });
  }
}
