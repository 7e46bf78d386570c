/**
 * Small IPv4 CIDR arithmetic, so the config can be checked and subnets planned
 * without Terraform's `cidrsubnet` (which only runs at plan time).
 */

/** An IPv4 block as a 32-bit network address and a prefix length. */
export interface Ipv4Block {
  readonly network: number;
  readonly prefix: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns undefined when the text is not a canonical IPv4 CIDR. */
export function parseCidr(text: string): Ipv4Block | undefined {
  const match = CIDR_PATTERN.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const network = address - (address % 2 ** (32 - prefix));
  // A CIDR with host bits set (10.0.0.1/16) is almost always a typo.
  if (network !== address) return undefined;
  return { network, prefix };
}

/** True when the text is a canonical IPv4 CIDR (no host bits set). */
export function isCidr(text: string): boolean {
  return parseCidr(text) !== undefined;
}

function size(block: Ipv4Block): number {
  return 2 ** (32 - block.prefix);
}

/** True when the two blocks share at least one address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y) return false;
  return x.network < y.network + size(y) && y.network < x.network + size(x);
}

function format(block: Ipv4Block): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(block.network / 2 ** shift) % 256);
  return `${octets.join(".")}/${block.prefix}`;
}

/** Terraform's `cidrsubnet(prefix, newbits, netnum)`, computed at synth time. */
export function cidrSubnet(cidr: string, newbits: number, netnum: number): string {
  const parent = parseCidr(cidr);
  if (!parent) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const prefix = parent.prefix + newbits;
  if (prefix > 32 || netnum < 0 || netnum >= 2 ** newbits) {
    throw new Error(`cidrSubnet(${cidr}, ${newbits}, ${netnum}) is out of range`);
  }
  return format({ network: parent.network + netnum * 2 ** (32 - prefix), prefix });
}

/** The IPv4 ranges reserved for documentation (RFC 5737): placeholders, never real networks. */
export const DOCUMENTATION_CIDRS = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"] as const;

/** True when the block lies in (or covers) a documentation range. */
export function isDocumentationRange(text: string): boolean {
  return DOCUMENTATION_CIDRS.some((doc) => cidrsOverlap(text, doc));
}
