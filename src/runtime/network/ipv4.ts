import { InvalidArgumentError } from "../../oci/index.js";

/**
 * IPv4 arithmetic for IPAM and subnet choice. An address is an unsigned
 * 32-bit number; a CIDR is its network address and prefix length, host bits
 * zero. Networks are IPv4 only for now (netavark would take IPv6 too).
 */
export interface Cidr {
  /** The network address, host bits zero. */
  readonly address: number;
  /** Prefix length, 0–32. */
  readonly prefix: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** A dotted quad as a number, or undefined. Leading zeros are refused (they read as octal to some tools). */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** `n` as a dotted quad. */
export const formatIpv4 = (n: number): string =>
  [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");

/** The netmask of a prefix length, as a number. */
export const prefixMask = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** Number of addresses in the CIDR, network and broadcast included. */
export const cidrSize = (c: Cidr): number => 2 ** (32 - c.prefix);

/** The last address of the CIDR (the broadcast address). */
export const cidrLast = (c: Cidr): number => c.address + cidrSize(c) - 1;

/** `10.89.0.0/24`. */
export const formatCidr = (c: Cidr): string => `${formatIpv4(c.address)}/${c.prefix}`;

/** True when `ip` lies in `c`. */
export const cidrContains = (c: Cidr, ip: number): boolean => ip >= c.address && ip <= cidrLast(c);

/** True when the two CIDRs share any address. */
export const cidrsOverlap = (a: Cidr, b: Cidr): boolean => a.address <= cidrLast(b) && b.address <= cidrLast(a);

/**
 * Parse `a.b.c.d/n` given for `field` (a flag or a JSON path, named in the
 * error). Host bits must be zero, as docker requires: the hint gives the
 * network address meant.
 */
export function parseCidr(text: string, field: string): Cidr {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  const ip = m ? parseIpv4(m[1]!) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (ip === undefined || !(prefix >= 0 && prefix <= 32)) {
    throw new InvalidArgumentError(`${field} ${JSON.stringify(text)}: not an IPv4 CIDR`, { hint: "give it as ADDRESS/PREFIX, e.g. 10.89.5.0/24 (IPv6 networks are not supported yet)" });
  }
  const address = (ip & prefixMask(prefix)) >>> 0;
  if (address !== ip) {
    throw new InvalidArgumentError(`${field} ${JSON.stringify(text)}: host bits are set`, { hint: `did you mean ${formatIpv4(address)}/${prefix}?` });
  }
  return { address, prefix };
}

/** Parse a plain IPv4 address given for `field`. */
export function parseIpv4Field(text: string, field: string): number {
  const ip = parseIpv4(text);
  if (ip === undefined) throw new InvalidArgumentError(`${field} ${JSON.stringify(text)}: not an IPv4 address`, { hint: "give a dotted quad such as 10.89.5.1" });
  return ip;
}
