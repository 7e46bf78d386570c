import { StorageClassV1 } from "@cdktf/provider-kubernetes/lib/storage-class-v1";
import { Construct } from "constructs";

/** An encrypted gp3 StorageClass served by the EBS CSI driver (EKS ships only in-tree gp2). */
export class Gp3StorageClass extends Construct {
  /** Name of the StorageClass. */
  readonly name = "gp3";

  constructor(scope: Construct, id: string) {
    super(scope, id);
    new StorageClassV1(this, "class", {
      metadata: { name: this.name },
      storageProvisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", encrypted: "true", fsType: "ext4" },
      reclaimPolicy: "Retain",
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
    });
  }
}
