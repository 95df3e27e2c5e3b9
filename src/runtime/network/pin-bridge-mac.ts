import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";

/** /sys/class/net/DEV/addr_assign_type of an address set by a user (NET_ADDR_SET): the kernel no longer changes it. */
const ADDR_SET = "3";

/**
 * Give a bridge a fixed MAC address (the one it has now), as docker does
 * for its bridges. A Linux bridge without one takes the lowest MAC of its
 * ports, so it changes when a container joins or leaves; the containers'
 * neighbour entry for their gateway is then stale and replies to the host
 * are lost for seconds — connections from the host (the load balancer's,
 * a published port's) hang while replicas come and go. netavark leaves
 * the bridge's address to the kernel. Done once per bridge: a bridge whose
 * address is already set is left alone. Best effort: a failure here only
 * brings the old behaviour back.
 */
export async function pinBridgeMac(bridge: string): Promise<void> {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(bridge)) return;
  const type = (await readFile(`/sys/class/net/${bridge}/addr_assign_type`, "utf8").catch(() => ADDR_SET)).trim();
  if (type === ADDR_SET) return;
  const mac = (await readFile(`/sys/class/net/${bridge}/address`, "utf8").catch(() => "")).trim();
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac)) return;
  await promisify(execFile)("ip", ["link", "set", "dev", bridge, "address", mac]).catch(() => undefined);
}
