import { readFile } from "node:fs/promises";
import { cidrsOverlap, parseIpv4, type Cidr } from "./ipv4.js";

/** Where user networks get their subnets: 10.89.0.0/24 … 10.89.255.0/24, as podman's pool. */
const POOL_BASE = parseIpv4("10.89.0.0")!;
const POOL_SIZE = 256;

/**
 * The first /24 of the pool that overlaps none of `taken` (subnets of other
 * networks and the host's routes), or undefined when all 256 are taken.
 */
export function pickSubnet(taken: readonly Cidr[]): Cidr | undefined {
  for (let n = 0; n < POOL_SIZE; n++) {
    const candidate = { address: POOL_BASE + n * 256, prefix: 24 };
    if (!taken.some((t) => cidrsOverlap(t, candidate))) return candidate;
  }
  return undefined;
}

/** A route of /proc/net/route: which interface reaches which destination. */
export interface HostRoute {
  readonly iface: string;
  readonly destination: Cidr;
}

/**
 * Parse /proc/net/route (the main table): destination and mask are
 * little-endian hex. Default routes (prefix 0) are left out: they overlap
 * everything and say nothing about which subnets are in use.
 */
export function parseProcRoutes(text: string): HostRoute[] {
  const out: HostRoute[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || !/^[0-9A-Fa-f]{8}$/.test(f[1]!) || !/^[0-9A-Fa-f]{8}$/.test(f[7]!)) continue;
    const le = (hex: string): number => Buffer.from(hex, "hex").readUInt32LE(0);
    const mask = le(f[7]!);
    const prefix = mask.toString(2).replace(/0/g, "").length;
    if (prefix === 0) continue;
    out.push({ iface: f[0]!, destination: { address: (le(f[1]!) & mask) >>> 0, prefix } });
  }
  return out;
}

/** The host's IPv4 routes now; empty when /proc/net/route cannot be read. */
export async function hostRoutes(): Promise<HostRoute[]> {
  return parseProcRoutes(await readFile("/proc/net/route", "utf8").catch(() => ""));
}
