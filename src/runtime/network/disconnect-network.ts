import type { ContainerNetworkState } from "./container-network-state.js";
import { stateFromFiles } from "./connect-network.js";
import { NotConnectedError } from "./errors.js";
import { netavarkInput, type NetavarkConfig } from "./netavark.js";
import type { NetworkStore } from "./network-store.js";
import { teardownContainer } from "./teardown-container.js";

/** Options of {@link disconnectNetwork}. */
export interface DisconnectNetworkOptions {
  readonly binaries?: Pick<NetavarkConfig, "netavarkBinary" | "aardvarkBinary">;
}

/**
 * Take a running container off one network (docker's `network disconnect`):
 * under the store's lock, `netavark teardown` with that network alone (its
 * interface, port forwards and aardvark-dns entry on it; the bridge with
 * the network's last container), then free the address. Its other networks
 * are not touched. Works from the network file alone, so a setup a crash
 * cut short is taken down too. NotConnectedError when the file does not
 * have the container; a NetworkSetupError keeps the address held for a
 * retry. Resolves the container's state on the networks it keeps.
 */
export async function disconnectNetwork(
  store: NetworkStore, containerId: string, network: string, netnsPath: string, opts: DisconnectNetworkOptions = {},
): Promise<ContainerNetworkState> {
  const config: NetavarkConfig = { configDir: store.netavarkConfigDir, ...opts.binaries };
  return store.transaction(async (tx) => {
    const net = await tx.get(network);
    const attachment = net.containers[containerId];
    if (attachment === undefined) throw new NotConnectedError(containerId, net.name, true);
    const name = attachment.name ?? containerId.slice(0, 12);
    await teardownContainer(config, netnsPath, netavarkInput(containerId, name, [{ network: net, attachment }], attachment.ports));
    const { [containerId]: _gone, ...rest } = net.containers;
    await tx.save({ ...net, containers: rest });
    return stateFromFiles(await tx.list(), containerId);
  });
}
