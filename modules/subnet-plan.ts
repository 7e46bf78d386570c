import { cidrSubnet } from "../config/cidr";

/** Subnet CIDRs of each tier, one per availability zone. */
export interface SubnetPlan {
  readonly private: string[];
  readonly public: string[];
  readonly database: string[];
}

/**
 * Carves a /16../18 VPC into tiers. Private subnets get the first eighths (a /19 each in a /16:
 * 8,190 addresses, room for VPC CNI's one-IP-per-pod); public and database subnets get small
 * blocks at the top of the last eighth. Eighths 3..6 stay free for later tiers.
 */
export function planSubnets(vpcCidr: string, zoneCount: number): SubnetPlan {
  const zones = Array.from({ length: zoneCount }, (_, i) => i);
  return {
    private: zones.map((i) => cidrSubnet(vpcCidr, 3, i)),
    public: zones.map((i) => cidrSubnet(vpcCidr, 8, 224 + i)),
    database: zones.map((i) => cidrSubnet(vpcCidr, 8, 232 + i)),
  };
}
