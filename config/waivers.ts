/**
 * Accepted exceptions to the policy rules, each with its reason. A waiver is declared per concern
 * and per setting, never per environment name, so a new environment gets the waivers its own
 * settings call for. docs/policy.md lists them (generated); a waiver without a reason, for an unknown rule, or
 * matching nothing fails the synth. Addresses may use `*` for the construct hash cdktf appends.
 */
import type { Waiver } from "../modules/policy";
import { stackId, type Concern } from "./naming";
import type { EnvironmentConfig } from "./schema";

/** A waiver for every environment whose settings call for it. */
export interface WaiverRule {
  readonly concern: Concern;
  readonly address: string;
  readonly rule: string;
  /** When it applies, in words (docs/policy.md's "when" column). */
  readonly when: string;
  readonly applies: (config: EnvironmentConfig) => boolean;
  readonly reason: string;
}

const always = () => true;

export const WAIVER_RULES: readonly WaiverRule[] = [
  {
    concern: "bootstrap",
    address: "aws_s3_bucket.state-bucket_*",
    rule: "CKV_AWS_18",
    when: "state.dataEventTrail is true",
    applies: (c) => c.state.dataEventTrail,
    reason:
      "The state bucket exists before any log bucket (bootstrap is the first stack). A CloudTrail trail records every read and write of its objects (S3 data events), which says more than access logs.",
  },
  {
    concern: "bootstrap",
    address: "aws_s3_bucket.state-bucket_*",
    rule: "CKV_AWS_18",
    when: "state.dataEventTrail is false",
    applies: (c) => !c.state.dataEventTrail,
    reason:
      "The state bucket exists before any log bucket (bootstrap is the first stack); it is versioned, so every state write is kept. Reads are not recorded: state.dataEventTrail is off (production requires it).",
  },
  {
    concern: "bootstrap",
    address: "aws_s3_bucket.audit-bucket_*",
    rule: "CKV_AWS_18",
    when: "state.dataEventTrail is true",
    applies: (c) => c.state.dataEventTrail,
    reason:
      "The audit bucket receives the state trail's log files; CloudTrail validates them with digest files, and the bucket is versioned and never destroyed by a plan.",
  },
  {
    concern: "data",
    address: "aws_s3_bucket.logs_bucket_*",
    rule: "CKV_AWS_18",
    when: "always",
    applies: always,
    reason: "This is the access-log bucket: logging it into itself would loop.",
  },
  {
    concern: "data",
    address: "aws_s3_bucket.logs_bucket_*",
    rule: "CKV_AWS_145",
    when: "always",
    applies: always,
    reason:
      "S3 server access logs (and load balancer logs) can only be delivered to SSE-S3 buckets; it is still encrypted (AES256).",
  },
  {
    concern: "network",
    address: "aws_secretsmanager_secret.image-pull-credentials_*",
    rule: "CKV_AWS_149",
    when: "always",
    applies: always,
    reason:
      "The Docker Hub and GitHub credentials of ECR's pull-through cache: ECR reads them only when they are encrypted with Secrets Manager's own key, aws/secretsmanager (https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-creating-secret.html). They are read-only registry tokens, set by people, never in Terraform.",
  },
  {
    concern: "cluster",
    address: "aws_ecr_repository.chart-mirror_*",
    rule: "OWN_PROD_DATA_PROTECTION",
    when: "stage is production",
    applies: (c) => c.stage === "production",
    reason:
      "The chart mirror (<env>-charts/<chart>) is a cache of public Helm charts, not a record: destroy deletes it with its charts, and the next deploy pushes each pinned version again from its chart repository. Nothing in it exists only there.",
  },
  {
    concern: "cluster",
    address: "module.eks",
    rule: "CKV_AWS_39",
    when: "cluster.endpointPublicAccess is true",
    applies: (c) => c.cluster.endpointPublicAccess,
    reason:
      "Operators reach the API from the CIDRs in cluster.endpointPublicAccessCidrs only (CKV_AWS_38 enforces it); CI and nodes use the private endpoint. Production refuses placeholder CIDRs.",
  },
  {
    concern: "data",
    address: "module.postgres",
    rule: "CKV_AWS_293",
    when: "database.deletionProtection is false",
    applies: (c) => !c.database.deletionProtection,
    reason:
      "A disposable database, re-created from migrations; the schema and the production floor of the gate require deletion protection in production.",
  },
  {
    concern: "data",
    address: "module.postgres",
    rule: "CKV_AWS_293",
    when: "database.liftDeletionProtection is true",
    applies: (c) => c.database.liftDeletionProtection,
    reason:
      "A restore drill's first step: RDS refuses to delete a protected instance, and the restore replaces it (docs/runbook.md, \"Restore the database\"). The final snapshot stays on; the restore's own change turns protection back on.",
  },
  {
    concern: "data",
    address: "module.postgres",
    rule: "OWN_PROD_DATA_PROTECTION",
    when: "database.liftDeletionProtection is true",
    applies: (c) => c.database.liftDeletionProtection,
    reason:
      'Deletion protection is off for a restore drill only (docs/runbook.md, "Restore the database"); the final snapshot, backups and Multi-AZ this rule also holds are unchanged, and config refuses to lift it where it is not on.',
  },
  {
    concern: "data",
    address: "module.postgres",
    rule: "CKV_AWS_157",
    when: "database.multiAz is false",
    applies: (c) => !c.database.multiAz,
    reason: "Single-AZ halves the database's cost where an outage is acceptable; production must be Multi-AZ.",
  },
  {
    concern: "data",
    address: "module.postgres",
    rule: "CKV_AWS_353",
    when: "database.performanceInsights is false",
    applies: (c) => !c.database.performanceInsights,
    reason: "Micro and small classes (the seed's db.t3.micro) do not offer Performance Insights.",
  },
];

/** The waivers of the given environments. */
export function waiversFor(environments: readonly EnvironmentConfig[]): Waiver[] {
  return environments.flatMap((config) =>
    WAIVER_RULES.filter((w) => w.applies(config)).map((w) => ({
      stack: stackId(config, w.concern),
      address: w.address,
      rule: w.rule,
      reason: w.reason,
    })),
  );
}
