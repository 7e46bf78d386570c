/**
 * AWS Backup of the database, from config: none in dev, a vault and a daily plan in staging, and a
 * copy of every backup in a second region in production.
 */
import { resourcesOf, synthEnvironment, type TerraformJson } from "../helpers";

type Json = Record<string, unknown>;
const only = (json: TerraformJson, type: string): Json => {
  const all = Object.values(resourcesOf(json, type));
  expect(all).toHaveLength(1);
  return all[0];
};
const ENV_KEY =
  /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-\w+-network\.outputs\.cross-stack-output-aws_kms_keyenvironment-key_\w+arn\}$/;

describe("database backups", () => {
  it("has none in dev (config: backupPlan null)", () => {
    const json = synthEnvironment("dev").json("data");
    for (const type of ["aws_backup_vault", "aws_backup_plan", "aws_backup_selection"]) {
      expect(resourcesOf(json, type)).toEqual({});
    }
  });

  describe("staging: a vault and a daily plan, no copy", () => {
    const json = synthEnvironment("staging").json("data");

    it("keeps backups in a vault under the environment key", () => {
      expect(only(json, "aws_backup_vault")).toMatchObject({
        name: "marketing-agents-staging-database",
        kms_key_arn: expect.stringMatching(ENV_KEY),
      });
    });

    it("backs the instance up daily at the configured hour, keeping each for the configured days", () => {
      const [rule] = only(json, "aws_backup_plan").rule as Json[];
      expect(rule).toMatchObject({
        schedule: "cron(0 7 * * ? *)",
        start_window: 60,
        lifecycle: { delete_after: 35 },
        target_vault_name: expect.stringMatching(/^\$\{aws_backup_vault\.database-backup_vault_\w+\.name\}$/),
      });
      expect(rule.copy_action).toBeUndefined();
      expect(only(json, "aws_backup_selection")).toMatchObject({
        resources: ["${module.postgres.db_instance_arn}"],
        iam_role_arn: expect.stringMatching(/^\$\{aws_iam_role\.database-backup_role_\w+\.arn\}$/),
      });
    });

    it("works through a bounded role only AWS Backup assumes, with AWS's backup and restore policies", () => {
      const role = Object.values(resourcesOf(json, "aws_iam_role")).find(
        (r) => r.name === "marketing-agents-staging-backup",
      );
      expect(JSON.parse(String(role?.assume_role_policy)).Statement).toEqual([
        { Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" },
      ]);
      expect(role?.permissions_boundary).toBe(
        "arn:aws:iam::222222222222:policy/marketing-agents-staging-service-role-boundary",
      );
      const attached = Object.values(resourcesOf(json, "aws_iam_role_policy_attachment"))
        .filter((a) => String(a.role).includes("database-backup_role"))
        .map((a) => a.policy_arn);
      expect(attached.sort()).toEqual([
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
      ]);
    });
  });

  describe("prod: a year of backups and a copy of each in a second region", () => {
    const json = synthEnvironment("prod").json("data");
    const vaults = resourcesOf(json, "aws_backup_vault");
    const copyVault = Object.values(vaults).find((v) => v.provider === "aws.backup_copy");

    it("makes the copy vault in the configured region, under a key of that region", () => {
      expect(json.provider?.aws.find((p) => p.alias === "backup_copy")).toMatchObject({
        region: "us-west-2",
        allowed_account_ids: ["333333333333"],
        default_tags: [{ tags: expect.objectContaining({ Environment: "prod", Stack: "data" }) }],
      });
      expect(copyVault).toMatchObject({
        name: "marketing-agents-prod-database-copies",
        kms_key_arn: expect.stringMatching(/^\$\{aws_kms_key\.database-backup_copy-key_\w+\.arn\}$/),
        lifecycle: { prevent_destroy: true },
      });
      expect(only(json, "aws_kms_key")).toMatchObject({ provider: "aws.backup_copy", enable_key_rotation: true });
    });

    it("copies every backup there, kept for the configured days", () => {
      const [rule] = only(json, "aws_backup_plan").rule as Json[];
      expect(rule).toMatchObject({
        lifecycle: { delete_after: 365 },
        copy_action: [
          {
            destination_vault_arn: expect.stringMatching(
              /^\$\{aws_backup_vault\.database-backup_copy-vault_\w+\.arn\}$/,
            ),
            lifecycle: { delete_after: 90 },
          },
        ],
      });
    });

    it("never lets a plan destroy a vault", () => {
      for (const vault of Object.values(vaults)) expect(vault.lifecycle).toEqual({ prevent_destroy: true });
    });
  });
});
