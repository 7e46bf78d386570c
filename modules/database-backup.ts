import { BackupPlan } from "@cdktf/provider-aws/lib/backup-plan";
import { BackupSelection } from "@cdktf/provider-aws/lib/backup-selection";
import { BackupVault } from "@cdktf/provider-aws/lib/backup-vault";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Construct } from "constructs";
import { policyDocument } from "./iam-policy";
import { KmsKey } from "./kms-key";
import { RoleGrant } from "./role-policies";
import { awsManagedPolicyArn } from "./aws-managed-policies";

/** Where copies of each backup go. */
export interface BackupCopy {
  /** The second region. */
  readonly region: string;
  /** Days each copy is kept. */
  readonly retentionDays: number;
}

/** Settings of the database's AWS Backup plan. */
export interface DatabaseBackupProps {
  /** Name prefix of the vaults, plan and role (`marketing-agents-<env>`). */
  readonly name: string;
  /** ARN of the DB instance backed up. */
  readonly resourceArn: string;
  /** The environment's key: it encrypts the vault. */
  readonly kmsKeyArn: string;
  /** The account (for the copy region's key policy). */
  readonly accountId: string;
  /** UTC hour the daily backup starts. */
  readonly startHourUtc: number;
  /** Days each backup is kept. */
  readonly retentionDays: number;
  /** A copy in a second region; null: none. */
  readonly copy: BackupCopy | null;
  /** Alias of the copy region's key (the deploy role's key rights name it). */
  readonly copyKeyAlias: string;
  /** Permissions boundary of the role AWS Backup works with. */
  readonly permissionsBoundaryArn: string;
  /** Default tags of the copy region's provider: the environment's, like every other provider's. */
  readonly tags: Record<string, string>;
  /** Refuse `terraform destroy` of the vaults and the copy region's key. */
  readonly preventDestroy: boolean;
}

/** Minutes AWS Backup has to start the job, and to finish it, after the scheduled hour. */
const START_WINDOW_MINUTES = 60;
const COMPLETION_WINDOW_MINUTES = 8 * 60;

/**
 * Daily AWS Backup of the database into a KMS-encrypted vault, kept `retentionDays` (the
 * automated backups stop at 35), and, when asked, a copy of each into a vault of a second region
 * under its own key there: the database survives a lost region or a deleted instance.
 */
export class DatabaseBackup extends Construct {
  /** ARN of the vault in the environment's region. */
  readonly vaultArn: string;

  constructor(scope: Construct, id: string, props: DatabaseBackupProps) {
    super(scope, id);
    const vault = new BackupVault(this, "vault", {
      name: `${props.name}-database`,
      kmsKeyArn: props.kmsKeyArn,
      lifecycle: { preventDestroy: props.preventDestroy },
    });
    const copyVault = props.copy ? this.copyVault(props, props.copy) : undefined;
    const plan = new BackupPlan(this, "plan", {
      name: `${props.name}-database`,
      rule: [
        {
          ruleName: "daily",
          targetVaultName: vault.name,
          schedule: `cron(0 ${props.startHourUtc} * * ? *)`,
          startWindow: START_WINDOW_MINUTES,
          completionWindow: COMPLETION_WINDOW_MINUTES,
          lifecycle: { deleteAfter: props.retentionDays },
          copyAction:
            copyVault && props.copy
              ? [{ destinationVaultArn: copyVault.arn, lifecycle: { deleteAfter: props.copy.retentionDays } }]
              : undefined,
        },
      ],
    });
    new BackupSelection(this, "selection", {
      name: `${props.name}-database`,
      planId: plan.id,
      iamRoleArn: this.backupRole(props).arn,
      resources: [props.resourceArn],
    });
    this.vaultArn = vault.arn;
  }

  /** The role AWS Backup takes and restores snapshots with (AWS's managed policies for it). */
  private backupRole(props: DatabaseBackupProps): IamRole {
    const role = new IamRole(this, "role", {
      name: `${props.name}-backup`,
      description: "AWS Backup takes, copies and restores the database's backups",
      permissionsBoundary: props.permissionsBoundaryArn,
      assumeRolePolicy: policyDocument([
        { Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" },
      ]),
    });
    new RoleGrant(this, "role-policies", {
      roleName: role.name,
      policyName: `${props.name}-backup`,
      managedPolicyArns: [
        awsManagedPolicyArn("AWSBackupServiceRolePolicyForBackup"),
        awsManagedPolicyArn("AWSBackupServiceRolePolicyForRestores"),
      ],
    });
    return role;
  }

  /** The second region's vault, under a key of that region (a key never leaves its region). */
  private copyVault(props: DatabaseBackupProps, copy: BackupCopy): BackupVault {
    const provider = new AwsProvider(this, "copy-region", {
      alias: "backup_copy",
      region: copy.region,
      allowedAccountIds: [props.accountId],
      defaultTags: [{ tags: props.tags }],
    });
    const key = new KmsKey(this, "copy-key", {
      description: `${props.name}: database backup copies in ${copy.region}`,
      alias: props.copyKeyAlias,
      accountId: props.accountId,
      region: copy.region,
      preventDestroy: props.preventDestroy,
      provider,
    });
    return new BackupVault(this, "copy-vault", {
      provider,
      name: `${props.name}-database-copies`,
      kmsKeyArn: key.arn,
      lifecycle: { preventDestroy: props.preventDestroy },
    });
  }
}
