import { InvalidArgumentError } from "../../oci/index.js";
import type { ContainerNetworkState } from "./container-network-state.js";
import { netavarkInput, type NetavarkConfig, type NetavarkEntry } from "./netavark.js";
import type { NetworkStore } from "./network-store.js";
import { teardownContainer } from "./teardown-container.js";

/** Options of {@link disconnectContainer}. */
export interface DisconnectOptions {
  /** Other netavark or aardvark-dns binaries than Debian's. */
  readonly binaries?: Pick<NetavarkConfig, "netavarkBinary" | "aardvarkBinary">;
}

/**
 * Take a container off every network it is on: `netavark teardown` (veth
 * ends, DNAT rules, aardvark-dns entries; the bridge, its firewall rules
 * and aardvark-dns itself go with the last container), then free its
 * addresses, all under the store's lock.
 *
 * The network files are the truth: they record each attachment before
 * netavark runs, so this works from them alone after any crash, whether
 * `state` (what connectContainer returned) survived or not, whether the
 * namespace still exists or not, and after a setup that never finished.
 * Idempotent: a container on no network is a no-op. When netavark fails
 * for another reason than things being gone, a NetworkSetupError is thrown
 * and the addresses stay held, so that a retry can finish the job.
 */
export async function disconnectContainer(
  store: NetworkStore, state: ContainerNetworkState | undefined, containerId: string, netnsPath: string, opts: DisconnectOptions = {},
): Promise<void> {
  // Only a state that names another container is refused: one from an older or damaged record is just not needed.
  if (typeof state?.containerId === "string" && state.containerId !== containerId) {
    throw new InvalidArgumentError(`disconnect ${containerId.slice(0, 12)}: the state given is container ${state.containerId.slice(0, 12)}'s`);
  }
  const config: NetavarkConfig = { configDir: store.netavarkConfigDir, ...opts.binaries };
  await store.transaction(async (tx) => {
    const on = (await tx.list()).filter((n) => n.containers[containerId] !== undefined);
    if (on.length === 0) return;
    const entries: NetavarkEntry[] = on.map((network) => ({ network, attachment: network.containers[containerId]! }));
    const name = entries.find((e) => e.attachment.name !== undefined)?.attachment.name ?? containerId.slice(0, 12);
    const ports = entries[0]!.attachment.ports;
    await teardownContainer(config, netnsPath, netavarkInput(containerId, name, entries, ports));
    for (const n of on) {
      const { [containerId]: _gone, ...rest } = n.containers;
      await tx.save({ ...n, containers: rest });
    }
  });
}
