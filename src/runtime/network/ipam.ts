import { InvalidArgumentError } from "../../oci/index.js";
import { AddressInUseError, AddressPoolExhaustedError } from "./errors.js";
import { cidrContains, cidrLast, formatIpv4, parseCidr, parseIpv4, parseIpv4Field } from "./ipv4.js";
import type { NetworkRecord } from "./network-record.js";

/**
 * IPAM for one network (netavark does none): pick the IPv4 address a
 * container gets. Pure; the store calls it under its lock and records the
 * result in the network file, so the file is the truth of who holds what.
 *
 * - Idempotent: a container that holds an address gets the same one back.
 * - A requested address must lie in the subnet, not be the network, gateway
 *   or broadcast address, and be free (AddressInUseError otherwise).
 * - Without a request, the next free address after `lastAllocated`,
 *   wrapping around, so a just-freed address is not handed out again at
 *   once (a peer's ARP cache may still point at the old container).
 * - No free address left: AddressPoolExhaustedError.
 */
export function allocateAddress(net: NetworkRecord, containerId: string, requested?: string): string {
  const held = net.containers[containerId];
  if (held !== undefined && (requested === undefined || requested === held.ipv4)) return held.ipv4;
  const subnet = parseCidr(net.subnet, "subnet");
  const first = subnet.address + 1;
  // Subnets are /30 or larger (gatewayFor), so network and broadcast addresses always exist.
  const last = cidrLast(subnet) - 1;
  const taken = new Set<number>([parseIpv4(net.gateway)!]);
  for (const [id, a] of Object.entries(net.containers)) if (id !== containerId) taken.add(parseIpv4(a.ipv4)!);

  if (requested !== undefined) {
    if (taken.has(checkRequestedAddress(net, requested))) throw new AddressInUseError(requested, net.name, "held by another container");
    return requested;
  }
  const after = net.lastAllocated === undefined ? first - 1 : parseIpv4(net.lastAllocated)!;
  const count = last - first + 1;
  for (let i = 1; i <= count; i++) {
    const ip = first + ((after - first + i) % count + count) % count;
    if (!taken.has(ip)) return formatIpv4(ip);
  }
  throw new AddressPoolExhaustedError(`network ${net.name}: no free address left in ${net.subnet}`, "disconnect containers, or create a network with a larger --subnet");
}

/**
 * A requested address (`--ip`) that can be the network's at all: IPv4, a
 * host address of its subnet, not its gateway. Whether it is free is seen
 * only when it is allocated (a stopped container's, at its start).
 */
export function checkRequestedAddress(net: NetworkRecord, requested: string): number {
  const subnet = parseCidr(net.subnet, "subnet");
  const ip = parseIpv4Field(requested, "--ip");
  if (!cidrContains(subnet, ip) || ip === subnet.address || ip === cidrLast(subnet)) throw new AddressInUseError(requested, net.name, `not a host address of subnet ${net.subnet}`);
  if (ip === parseIpv4(net.gateway)) throw new AddressInUseError(requested, net.name, "it is the gateway");
  return ip;
}

/**
 * The default gateway of a subnet (its first host address), or a checked
 * `--gateway`: inside the subnet and neither its network nor broadcast address.
 */
export function gatewayFor(subnetText: string, gateway?: string): string {
  const subnet = parseCidr(subnetText, "--subnet");
  if (subnet.prefix > 30) {
    throw new InvalidArgumentError(`--subnet ${subnetText}: too small for a gateway and a container`, { hint: "give a prefix of /30 or shorter, e.g. /24" });
  }
  if (gateway === undefined) return formatIpv4(subnet.address + 1);
  const ip = parseIpv4Field(gateway, "--gateway");
  if (!cidrContains(subnet, ip) || ip === subnet.address || ip === cidrLast(subnet)) {
    throw new InvalidArgumentError(`--gateway ${gateway}: not a host address of --subnet ${subnetText}`, {
      hint: "give an address inside the subnet other than its first (network) and last (broadcast) ones",
    });
  }
  return formatIpv4(ip);
}
