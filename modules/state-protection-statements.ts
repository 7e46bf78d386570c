/**
 * State storage that protects itself: the statements that keep the Terraform state key, the state
 * bucket, the state-access trail and its audit bucket out of reach of everyone but the people who
 * apply the bootstrap stack. Plain functions of names and ARNs, so the key, the buckets, the CI
 * roles and the permissions boundary compose them and tests evaluate them without synthesizing.
 *
 * Two lines of defence:
 * - resource policies (the key policy, the bucket policies) deny the actions below to every
 *   principal whose `aws:PrincipalArn` is not one of the people's roles, so whatever an identity
 *   policy grants (PowerUserAccess, a role the deploy role made) cannot change or destroy them;
 * - identity denies (every CI role, and the permissions boundary of every role CI creates) deny the
 *   same on the same resources, and the trail's actions, since a CloudTrail trail has no resource
 *   policy to carry them.
 *
 * `aws:PrincipalArn` is the ARN of the role, not of its session, for any session of that role
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn),
 * and AWS recommends it with ARN operators over `NotPrincipal`
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html).
 * A service principal has no `aws:PrincipalArn`, and a negated operator on a missing key matches
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html),
 * so these denies also apply to services: none of the actions below is one CloudTrail, S3 or KMS
 * needs to deliver or encrypt logs (CloudTrail reads the bucket ACL, writes objects and asks for
 * data keys), and none is an action Terraform needs to read or write state (it gets, puts and
 * deletes objects: a delete on a versioned bucket leaves the version, its lock file included).
 */
import type { PolicyStatement } from "./iam-policy";

/** Who alone may change or destroy the protected storage. */
export interface StateStorageAdmins {
  /** The account that owns the storage: its root user stays exempt, as break-glass. */
  readonly accountId: string;
  /**
   * The people's roles (ARNs) that apply the bootstrap stack. Nobody else, CI included, may
   * change the key or bucket policies or destroy what they protect.
   */
  readonly adminRoleArns: readonly string[];
}

/**
 * What would make the state key unusable, hand it to someone else or remove its protection: its
 * policy, its deletion or disabling, rotation, grants (a grant lets any principal, of any account,
 * decrypt), its aliases (the CI roles' decrypt rights name the alias) and its tags.
 */
export const GUARDED_KEY_ACTIONS = [
  "kms:PutKeyPolicy",
  "kms:ScheduleKeyDeletion",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:CreateGrant",
  "kms:CreateAlias",
  "kms:UpdateAlias",
  "kms:DeleteAlias",
  "kms:UpdateKeyDescription",
  "kms:ReplicateKey",
  "kms:UpdatePrimaryRegion",
  "kms:ImportKeyMaterial",
  "kms:DeleteImportedKeyMaterial",
  "kms:TagResource",
  "kms:UntagResource",
];

/**
 * What would destroy a protected bucket, its history, or its protection: the bucket and its
 * policy, versioning (and MFA delete), lifecycle (a rule could expire every version), object
 * lock, default encryption, public access block (also what DeleteBucketPublicAccessBlock needs),
 * ownership controls (turning ACLs back on), ACLs, replication (a copy of every object into
 * another account) and access logging; and the deletion of object versions, which nothing can undo.
 */
export const GUARDED_BUCKET_ACTIONS = [
  "s3:DeleteBucket",
  "s3:PutBucketPolicy",
  "s3:DeleteBucketPolicy",
  "s3:PutBucketVersioning",
  "s3:PutLifecycleConfiguration",
  "s3:PutBucketObjectLockConfiguration",
  "s3:PutEncryptionConfiguration",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketOwnershipControls",
  "s3:PutBucketAcl",
  "s3:PutReplicationConfiguration",
  "s3:PutBucketLogging",
  "s3:DeleteObjectVersion",
];

/**
 * Deleting an object of an evidence bucket (the audit bucket): its log files are the record of
 * who read the state. Not guarded on the state bucket, where Terraform deletes its lock files.
 */
export const GUARDED_EVIDENCE_ACTIONS = ["s3:DeleteObject"];

/** What would silence or redirect the trail of state access, or change what it records. */
export const GUARDED_TRAIL_ACTIONS = [
  "cloudtrail:StopLogging",
  "cloudtrail:DeleteTrail",
  "cloudtrail:UpdateTrail",
  "cloudtrail:PutEventSelectors",
  "cloudtrail:PutInsightSelectors",
  "cloudtrail:RemoveTags",
];

/**
 * The principals a protection statement leaves out: the people's roles and the account's root
 * user. Root stays so that a deleted or renamed admin role cannot leave the key unmanageable: KMS
 * has no other way back ("the KMS key becomes unmanageable",
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html), while S3 lets
 * root delete a bucket policy whatever it says
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketPolicy.html).
 */
export function exemptPrincipalArns(admins: StateStorageAdmins): string[] {
  return [...admins.adminRoleArns, `arn:aws:iam::${admins.accountId}:root`];
}

function everyoneBut(admins: StateStorageAdmins): PolicyStatement["Condition"] {
  return { ArnNotLike: { "aws:PrincipalArn": exemptPrincipalArns(admins) } };
}

/**
 * Key-policy statement: nobody but the admins changes, disables, deletes or grants the key. The
 * account statement still delegates everything else to IAM, so the CI roles keep encrypting and
 * decrypting, and the admins keep every right: a new policy must let its author put the next one
 * (the lockout safety check, https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html),
 * which it does only when the bootstrap stack is applied with one of these roles.
 */
export function keyGuardStatements(admins: StateStorageAdmins): PolicyStatement[] {
  return [
    {
      Sid: "OnlyThePeoplesAdminRolesChangeOrDestroyTheKey",
      Effect: "Deny",
      Principal: "*",
      Action: GUARDED_KEY_ACTIONS,
      Resource: "*",
      Condition: everyoneBut(admins),
    },
  ];
}

/**
 * Bucket-policy statements: nobody but the admins changes the bucket's policy or protection,
 * deletes it or its object versions (and, for an evidence bucket, its objects).
 */
export function bucketGuardStatements(
  bucketArn: string,
  admins: StateStorageAdmins,
  options: { readonly evidence?: boolean } = {},
): PolicyStatement[] {
  const statements: PolicyStatement[] = [
    {
      Sid: "OnlyThePeoplesAdminRolesChangeOrDestroyTheBucket",
      Effect: "Deny",
      Principal: "*",
      Action: GUARDED_BUCKET_ACTIONS,
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: everyoneBut(admins),
    },
  ];
  if (options.evidence) {
    statements.push({
      Sid: "OnlyThePeoplesAdminRolesDeleteEvidence",
      Effect: "Deny",
      Principal: "*",
      Action: GUARDED_EVIDENCE_ACTIONS,
      Resource: `${bucketArn}/*`,
      Condition: everyoneBut(admins),
    });
  }
  return statements;
}

/** The protected storage, by ARN. */
export interface ProtectedStateStorage {
  readonly keyArn: string;
  readonly stateBucketArn: string;
  /** The audit bucket and the trail, where the state-access trail exists. @default - none */
  readonly auditBucketArn?: string;
  readonly trailArn?: string;
}

/**
 * Identity denies for roles that are never the people's (the CI roles, and the permissions
 * boundary of every role CI creates): the same guarded actions on the same resources, and the
 * trail's, which only an identity policy can deny.
 */
export function stateTamperingDenyStatements(storage: ProtectedStateStorage): PolicyStatement[] {
  const buckets = [storage.stateBucketArn, ...(storage.auditBucketArn ? [storage.auditBucketArn] : [])];
  const statements: PolicyStatement[] = [
    { Sid: "NeverChangeOrDestroyTheStateKey", Effect: "Deny", Action: GUARDED_KEY_ACTIONS, Resource: storage.keyArn },
    {
      Sid: "NeverChangeOrDestroyTheStateBuckets",
      Effect: "Deny",
      Action: GUARDED_BUCKET_ACTIONS,
      Resource: buckets.flatMap((arn) => [arn, `${arn}/*`]),
    },
  ];
  if (storage.auditBucketArn) {
    statements.push({
      Sid: "NeverDeleteTheStateAuditLogs",
      Effect: "Deny",
      Action: GUARDED_EVIDENCE_ACTIONS,
      Resource: `${storage.auditBucketArn}/*`,
    });
  }
  if (storage.trailArn) {
    statements.push({
      Sid: "NeverSilenceTheStateAccessTrail",
      Effect: "Deny",
      Action: GUARDED_TRAIL_ACTIONS,
      Resource: storage.trailArn,
    });
  }
  return statements;
}

/**
 * What a role CI creates never does with the state key: use it. None of them reads or writes state
 * (only the CI roles and the people do), so the permissions boundaries deny it outright, on top of
 * the guarded actions every non-admin is denied.
 */
export const STATE_KEY_USE_ACTIONS = [
  "kms:Decrypt",
  "kms:Encrypt",
  "kms:GenerateDataKey*",
  "kms:ReEncrypt*",
  "kms:CreateGrant",
];

/** The boundaries' deny of any use of the state key. */
export function stateKeyUseDenyStatements(keyArn: string): PolicyStatement[] {
  return [{ Sid: "NeverUseTheStateKey", Effect: "Deny", Action: STATE_KEY_USE_ACTIONS, Resource: keyArn }];
}
