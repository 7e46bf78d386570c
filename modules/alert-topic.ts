import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";
import { policyDocument } from "./iam-policy";

/** AWS services that publish the environment's alerts. */
export const ALERT_PUBLISHERS = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"] as const;

/** Settings of the environment's alert topic. */
export interface AlertTopicProps {
  /** Topic name. */
  readonly name: string;
  /** KMS key of the topic (its policy must let the publishers use it: `allowNotificationsFrom`). */
  readonly kmsKeyArn: string;
  /** The account whose alarms and budgets publish. */
  readonly accountId: string;
  /** Addresses subscribed by email (each confirms once, from the message AWS sends). */
  readonly emails: readonly string[];
}

/**
 * The SNS topic every alert of the environment goes to: CloudWatch alarms and budget
 * notifications of this account publish to it (nothing else may), encrypted with the environment
 * key, with the configured people subscribed by email.
 */
export class AlertTopic extends Construct {
  /** ARN of the topic. */
  readonly arn: string;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    const topic = new SnsTopic(this, "topic", { name: props.name, kmsMasterKeyId: props.kmsKeyArn });
    new SnsTopicPolicy(this, "policy", {
      arn: topic.arn,
      policy: policyDocument([
        {
          Sid: "ThisAccountsAlarmsAndBudgetsPublish",
          Effect: "Allow",
          Principal: { Service: [...ALERT_PUBLISHERS] },
          Action: "sns:Publish",
          Resource: topic.arn,
          Condition: { StringEquals: { "aws:SourceAccount": props.accountId } },
        },
      ]),
    });
    props.emails.forEach((email) => {
      new SnsTopicSubscription(this, `email-${email.replace(/[^a-z0-9]/gi, "-")}`, {
        topicArn: topic.arn,
        protocol: "email",
        endpoint: email,
      });
    });
    this.arn = topic.arn;
  }
}
