/**
 * IPv4 CIDR arithmetic for the VNet (DESIGN.md §6). Pure: the address-space rule is checked here
 * (src/config.ts calls `addressSpaceProblem` so a bad value is a config error before anything is
 * registered) and the subnets are carved here, always at the same offsets, so adding the appgw
 * subnet later never moves the others.
 */

const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);

export interface Cidr {
  /** The network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function ipToNumber(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/**
 * Parses `a.b.c.d/n` (host bits must be zero), or a bare address as a /32. Undefined when malformed,
 * blanks included: the value goes to Azure exactly as written.
 */
export function parseCidr(value: string): Cidr | undefined {
  const m = /^([^/]+)(?:\/(\d{1,2}))?$/.exec(value);
  if (!m || !IPV4.test(m[1])) return undefined;
  const prefix = m[2] === undefined ? 32 : Number(m[2]);
  if (prefix > 32) return undefined;
  const base = ipToNumber(m[1]);
  if (base % 2 ** (32 - prefix) !== 0) return undefined;
  return { base, prefix };
}

export const formatCidr = (c: Cidr): string => `${numberToIp(c.base)}/${c.prefix}`;

/** First and last address of a CIDR (or a single address), as Postgres firewall rules take them. */
export function ipRange(value: string): { start: string; end: string } {
  const c = parseCidr(value);
  if (!c) throw new Error(`"${value}" is not an IPv4 address or CIDR with no host bits set`);
  return { start: numberToIp(c.base), end: numberToIp(c.base + 2 ** (32 - c.prefix) - 1) };
}

/** The private IPv4 ranges of RFC 1918. */
export const PRIVATE_RANGES: readonly string[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
const PRIVATE_CIDRS = PRIVATE_RANGES.map((r) => parseCidr(r) as Cidr);

const within = (inner: Cidr, outer: Cidr): boolean =>
  inner.prefix >= outer.prefix &&
  Math.floor(inner.base / 2 ** (32 - outer.prefix)) === Math.floor(outer.base / 2 ** (32 - outer.prefix));

/** Whether a CIDR lies wholly inside one of the RFC 1918 ranges (false when it is not a CIDR). */
export function isPrivateCidr(value: string): boolean {
  const c = parseCidr(value);
  return c !== undefined && PRIVATE_CIDRS.some((r) => within(c, r));
}

/** The subnets, their size and their fixed offset (in /24 blocks) inside the address space. */
export const SUBNET_LAYOUT = {
  aca: { prefix: 23, offset: 0 },
  privateEndpoints: { prefix: 24, offset: 2 },
  appgw: { prefix: 24, offset: 3 },
} as const;
export type SubnetKey = keyof typeof SUBNET_LAYOUT;

/** The smallest address space the layout fits in (aca /23 + private-endpoints /24 + appgw /24). */
export const SMALLEST_ADDRESS_SPACE = 22;
export const LARGEST_ADDRESS_SPACE = 16;

export const ADDRESS_SPACE_RULES = {
  shape: "the address space is an IPv4 CIDR from /16 to /22 with no host bits set, e.g. 10.20.0.0/16",
  private:
    "the address space is private (RFC 1918: inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16); other ranges are public addresses the VNet would hide or ranges Azure and Container Apps reserve",
} as const;

/** The rule an address space breaks, or undefined when the subnets can be carved from it. */
export function addressSpaceProblem(value: string): string | undefined {
  const c = /\//.test(value) ? parseCidr(value) : undefined;
  if (!c || c.prefix < LARGEST_ADDRESS_SPACE || c.prefix > SMALLEST_ADDRESS_SPACE)
    return ADDRESS_SPACE_RULES.shape;
  if (!PRIVATE_CIDRS.some((r) => within(c, r))) return ADDRESS_SPACE_RULES.private;
  return undefined;
}

export type SubnetPrefixes = Record<SubnetKey, string>;

/**
 * The subnet CIDRs of an address space: aca = first /23, private-endpoints = the third /24,
 * appgw = the fourth /24 (reserved even when the WAF is off). Throws, naming the rule, when the
 * address space cannot hold them.
 */
export function carveSubnets(addressSpace: string): SubnetPrefixes {
  const problem = addressSpaceProblem(addressSpace);
  if (problem) throw new Error(`the VNet address space ${addressSpace} cannot hold the subnets: ${problem}`);
  const space = parseCidr(addressSpace) as Cidr;
  const out = {} as SubnetPrefixes;
  for (const [key, s] of Object.entries(SUBNET_LAYOUT) as [SubnetKey, { prefix: number; offset: number }][])
    out[key] = formatCidr({ base: space.base + s.offset * 256, prefix: s.prefix });
  return out;
}

/** Whether two IPv4 CIDRs share an address; false when either is malformed. */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y) return false;
  const size = (c: { prefix: number }) => 2 ** (32 - c.prefix);
  return x.base < y.base + size(y) && y.base < x.base + size(x);
}
