import { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Construct } from "constructs";
import { policyDocument } from "./iam-policy";
import { RoleGrant, type RolePermissions } from "./role-policies";

/** The Kubernetes service account a role is bound to. */
export interface ServiceAccountRef {
  /** Namespace of the service account. */
  readonly namespace: string;
  /** Name of the service account. */
  readonly name: string;
}

/** Settings of an IAM role for pods. */
export interface PodIdentityRoleProps extends RolePermissions {
  /** IAM role name. */
  readonly roleName: string;
  /** What the role is for. */
  readonly description: string;
  /** Permissions boundary of the role (the environment's: the deploy role creates only bounded roles). */
  readonly permissionsBoundaryArn: string;
  /** Cluster the association belongs to (pass the module output, so the cluster exists first). */
  readonly clusterName: string;
  /**
   * Service account bound through an `aws_eks_pod_identity_association`.
   * @default - none: the caller binds it (EKS add-ons make their own association)
   */
  readonly serviceAccount?: ServiceAccountRef;
}

/**
 * An IAM role that pods assume through EKS Pod Identity: only the EKS Pod Identity service may
 * assume it, and only for the cluster's own pods (the association picks the service account).
 */
export class PodIdentityRole extends Construct {
  /** ARN of the role. */
  readonly arn: string;
  /** Name of the role (to attach policies from other stacks). */
  readonly name: string;

  constructor(scope: Construct, id: string, props: PodIdentityRoleProps) {
    super(scope, id);
    const role = new IamRole(this, "role", {
      name: props.roleName,
      description: props.description,
      permissionsBoundary: props.permissionsBoundaryArn,
      assumeRolePolicy: policyDocument([
        {
          Effect: "Allow",
          Principal: { Service: "pods.eks.amazonaws.com" },
          Action: ["sts:AssumeRole", "sts:TagSession"],
        },
      ]),
    });
    new RoleGrant(this, "permissions", { ...props, roleName: role.name, policyName: props.roleName });
    if (props.serviceAccount) {
      new EksPodIdentityAssociation(this, "association", {
        clusterName: props.clusterName,
        namespace: props.serviceAccount.namespace,
        serviceAccount: props.serviceAccount.name,
        roleArn: role.arn,
      });
    }
    this.arn = role.arn;
    this.name = role.name;
  }
}
