import { cidrSubnet, cidrsOverlap, isCidr } from "../../config/cidr";

describe("CIDR arithmetic", () => {
  it("accepts canonical CIDRs and refuses malformed ones", () => {
    expect(isCidr("10.0.0.0/16")).toBe(true);
    expect(isCidr("0.0.0.0/0")).toBe(true);
    expect(isCidr("10.0.0.1/16")).toBe(false);
    expect(isCidr("256.0.0.0/8")).toBe(false);
    expect(isCidr("10.0.0.0")).toBe(false);
  });

  it("detects overlap in both directions and none for neighbours", () => {
    expect(cidrsOverlap("10.0.0.0/16", "10.0.128.0/17")).toBe(true);
    expect(cidrsOverlap("10.0.128.0/17", "10.0.0.0/16")).toBe(true);
    expect(cidrsOverlap("10.0.0.0/16", "10.1.0.0/16")).toBe(false);
  });

  it("computes subnets like Terraform's cidrsubnet", () => {
    expect(cidrSubnet("10.30.0.0/16", 3, 2)).toBe("10.30.64.0/19");
    expect(cidrSubnet("10.30.0.0/16", 8, 225)).toBe("10.30.225.0/24");
    expect(() => cidrSubnet("10.30.0.0/16", 3, 8)).toThrow("out of range");
  });
});
