import { S3AccountPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-account-public-access-block";
import { Construct } from "constructs";

/** Settings of the account's S3 Block Public Access. */
export interface AccountPublicAccessBlockProps {
  /**
   * The account whose setting this is. Named, not taken from the credentials: S3 refuses the call
   * for any other account, so an apply with the wrong credentials fails instead of changing them.
   */
  readonly accountId: string;
}

/**
 * S3 Block Public Access for a whole account, all four settings on: no bucket or access point of the
 * account can be made public by an ACL or a policy, whoever made it (by hand, by another tool), and
 * what is already public stops being so. S3 applies the most restrictive of the account's and a
 * bucket's settings (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html);
 * every bucket of this project blocks public access on its own as well (SecureBucket).
 *
 * One per account: the setting is the account's, not a resource with a name, so a second owner
 * would fight the first (the provider's note: "a perpetual difference",
 * https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/resources/s3_account_public_access_block),
 * and a destroy deletes the account's setting (DeletePublicAccessBlock). Kept from a plan's destroy
 * (`prevent_destroy`): handing the setting to another stack is `terraform state rm` in the old one,
 * then an apply of the new one, which writes the same four settings (no import needed).
 */
export class AccountPublicAccessBlock extends Construct {
  constructor(scope: Construct, id: string, props: AccountPublicAccessBlockProps) {
    super(scope, id);
    new S3AccountPublicAccessBlock(this, "block", {
      accountId: props.accountId,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
      lifecycle: { preventDestroy: true },
    });
  }
}
