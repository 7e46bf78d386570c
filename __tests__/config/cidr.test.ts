import { cidrSubnet, cidrsOverlap, isCidr, isDocumentationRange, parseCidr } from "../../config/cidr";

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

describe("CIDR arithmetic, at its edges", () => {
  it.each([
    ["0.0.0.0/0", { network: 0, prefix: 0 }],
    ["10.1.0.0/16", { network: 10 * 2 ** 24 + 2 ** 16, prefix: 16 }],
    ["255.255.255.255/32", { network: 2 ** 32 - 1, prefix: 32 }],
    ["192.168.1.128/25", { network: ((192 * 256 + 168) * 256 + 1) * 256 + 128, prefix: 25 }],
  ])("parses %s into its network and prefix", (text, block) => {
    expect(parseCidr(text)).toEqual(block);
  });

  it.each(["10.0.0.0/33", "1.2.3.256/32", "256.0.0.0/8", "10.0.0.1/31", "10.0.0/16", "10.0.0.0/", " 10.0.0.0/16"])(
    "refuses %s",
    (text) => {
      expect(parseCidr(text)).toBeUndefined();
      expect(isCidr(text)).toBe(false);
    },
  );

  it.each([
    ["10.0.0.0/17", "10.0.128.0/17", false],
    ["10.0.128.0/17", "10.0.0.0/17", false],
    ["10.0.0.0/16", "10.0.0.0/16", true],
    ["10.0.255.0/24", "10.0.0.0/16", true],
    ["10.0.0.0/16", "10.0.255.0/24", true],
    ["10.0.0.0/16", "not a cidr", false],
    ["not a cidr", "10.0.0.0/16", false],
  ])("%s and %s overlap: %s", (a, b, overlap) => {
    expect(cidrsOverlap(a, b)).toBe(overlap);
  });

  it("plans the last subnet of a split and refuses one past it, a negative one or a prefix beyond /32", () => {
    expect(cidrSubnet("10.30.0.0/16", 2, 3)).toBe("10.30.192.0/18");
    expect(cidrSubnet("10.30.0.0/16", 16, 65535)).toBe("10.30.255.255/32");
    expect(() => cidrSubnet("10.30.0.0/16", 2, 4)).toThrow("cidrSubnet(10.30.0.0/16, 2, 4) is out of range");
    expect(() => cidrSubnet("10.30.0.0/16", 2, -1)).toThrow("is out of range");
    expect(() => cidrSubnet("10.30.0.0/16", 17, 0)).toThrow("is out of range");
    expect(() => cidrSubnet("10.30.0.1/16", 2, 0)).toThrow("not an IPv4 CIDR: 10.30.0.1/16");
  });

  it.each([
    ["192.0.2.0/24", true],
    ["198.51.100.128/25", true],
    ["203.0.113.7/32", true],
    ["203.0.0.0/16", true],
    ["203.0.114.0/24", false],
    ["10.0.0.0/8", false],
  ])("knows whether %s is a documentation range: %s", (text, documentation) => {
    expect(isDocumentationRange(text)).toBe(documentation);
  });
});
