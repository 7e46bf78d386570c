/**
 * Accepted exceptions to the policy rules, one per stack, resource and rule, each with its reason.
 * The README lists them; a waiver without a reason, for an unknown rule, or matching nothing fails
 * the synth. Addresses may use `*` for the construct hash cdktf appends to resource names.
 */
import type { Waiver } from "../modules/policy";

const ALL = ["dev", "staging", "prod"];

function waive(environments: string[], concern: string, address: string, rule: string, reason: string): Waiver[] {
  return environments.map((env) => ({ stack: `${env}-${concern}`, address, rule, reason }));
}

export const WAIVERS: readonly Waiver[] = [
  ...waive(
    ALL,
    "bootstrap",
    "aws_s3_bucket.state-bucket_*",
    "CKV_AWS_18",
    "The state bucket exists before any log bucket (bootstrap is the first stack); reads and writes of state are audited by CloudTrail.",
  ),
  ...waive(
    ALL,
    "data",
    "aws_s3_bucket.logs_bucket_*",
    "CKV_AWS_18",
    "This is the access-log bucket: logging it into itself would loop.",
  ),
  ...waive(
    ALL,
    "data",
    "aws_s3_bucket.logs_bucket_*",
    "CKV_AWS_145",
    "S3 server access logs (and load balancer logs) can only be delivered to SSE-S3 buckets; it is still encrypted (AES256).",
  ),
  ...waive(
    ["dev", "staging"],
    "cluster",
    "module.eks",
    "CKV_AWS_39",
    "Operators reach the API from the CIDRs in cluster.endpointPublicAccessCidrs only (CKV_AWS_38 enforces it); CI and nodes use the private endpoint. prod has no public endpoint.",
  ),
  ...waive(
    ["dev"],
    "data",
    "module.postgres",
    "CKV_AWS_293",
    "dev's database is disposable and re-created from migrations; staging and prod keep deletion protection (config schema enforces prod).",
  ),
  ...waive(
    ["dev"],
    "data",
    "module.postgres",
    "CKV_AWS_157",
    "dev runs single-AZ to halve its cost; staging and prod are Multi-AZ.",
  ),
  ...waive(
    ["dev"],
    "data",
    "module.postgres",
    "CKV_AWS_353",
    "dev keeps the seed's db.t3.micro, which does not offer Performance Insights.",
  ),
];
