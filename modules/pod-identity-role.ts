import { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Construct } from "constructs";
import { policyDocument, type PolicyStatement } from "./iam-policy";
import { RoleGrant, type RolePermissions } from "./role-policies";

/** The Kubernetes service account a role is bound to. */
export interface ServiceAccountRef {
  /** Namespace of the service account. */
  readonly namespace: string;
  /** Name of the service account. */
  readonly name: string;
}

/** The cluster whose pods may use a role. */
export interface PodIdentityCluster {
  /** Name of the cluster (pass the module output, so the cluster exists before the association). */
  readonly name: string;
  /**
   * ARN of the cluster, literal (`arn:aws:eks:<region>:<account>:cluster/<name>`): the trust pins
   * it, and with it the account.
   */
  readonly arn: string;
}

/** Settings of an IAM role for pods. */
export interface PodIdentityRoleProps extends RolePermissions {
  /** IAM role name. */
  readonly roleName: string;
  /** What the role is for. */
  readonly description: string;
  /** Permissions boundary of the role (the environment's: the deploy role creates only bounded roles). */
  readonly permissionsBoundaryArn: string;
  /** The cluster whose pods assume the role. */
  readonly cluster: PodIdentityCluster;
  /** The only service account whose pods may assume the role (the trust names it). */
  readonly serviceAccount: ServiceAccountRef;
  /**
   * Create the `aws_eks_pod_identity_association` binding the service account.
   * @default true; false when an EKS add-on makes its own association
   */
  readonly associate?: boolean;
}

/**
 * The trust of a Pod Identity role: the EKS Pod Identity service, for one service account of one
 * cluster. EKS Pod Identity calls `sts:AssumeRole` and `sts:TagSession` with the request tags
 * `eks-cluster-arn`, `eks-cluster-name`, `kubernetes-namespace`, `kubernetes-service-account`,
 * `kubernetes-pod-name`, `kubernetes-pod-uid`
 * (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html, "Setting Conditions";
 * https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html#pod-id-abac-tags), so the
 * cluster's ARN, which names the account, is pinned through `aws:RequestTag/eks-cluster-arn`.
 * Only these session-tag keys are conditioned on: they are what EKS documents for
 * `pods.eks.amazonaws.com`. A source key (`aws:SourceAccount`, `aws:SourceArn`) is not: EKS documents
 * none for Pod Identity (its confused-deputy page covers the cluster role only,
 * https://docs.aws.amazon.com/eks/latest/userguide/cross-service-confused-deputy-prevention.html),
 * and a trust requiring a key EKS Auth does not send refuses every pod's credentials (vpc-cni and
 * ebs-csi included: nodes would never become Ready); a trust pinning `aws:SourceArn` has been seen
 * to refuse real Pod Identity requests (https://github.com/awslabs/mountpoint-s3-csi-driver/issues/781).
 * The tags are absent when an association disables session tags; this project never does.
 */
export function podIdentityTrust(cluster: PodIdentityCluster, serviceAccount: ServiceAccountRef): PolicyStatement {
  return {
    Sid: "EksPodIdentityForOneServiceAccount",
    Effect: "Allow",
    Principal: { Service: "pods.eks.amazonaws.com" },
    Action: ["sts:AssumeRole", "sts:TagSession"],
    Condition: {
      StringEquals: {
        "aws:RequestTag/eks-cluster-arn": cluster.arn,
        "aws:RequestTag/kubernetes-namespace": serviceAccount.namespace,
        "aws:RequestTag/kubernetes-service-account": serviceAccount.name,
      },
    },
  };
}

/**
 * An IAM role that pods assume through EKS Pod Identity: only the EKS Pod Identity service may
 * assume it, only for this cluster (of this account), and only for the one service account it names
 * (a second association to the role, from another namespace or cluster, gets no credentials).
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
      assumeRolePolicy: policyDocument([podIdentityTrust(props.cluster, props.serviceAccount)]),
    });
    new RoleGrant(this, "permissions", { ...props, roleName: role.name, policyName: props.roleName });
    if (props.associate ?? true) {
      new EksPodIdentityAssociation(this, "association", {
        clusterName: props.cluster.name,
        namespace: props.serviceAccount.namespace,
        serviceAccount: props.serviceAccount.name,
        roleArn: role.arn,
      });
    }
    this.arn = role.arn;
    this.name = role.name;
  }
}
