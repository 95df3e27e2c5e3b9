import { InvalidArgumentError } from "../../oci/index.js";
import { containerNetworkState, type ContainerNetworkState } from "./container-network-state.js";
import { AlreadyConnectedError } from "./errors.js";
import { resolveHostPorts } from "./host-ports.js";
import { allocateAddress } from "./ipam.js";
import { netavarkInput, type NetavarkConfig, type NetavarkStatus } from "./netavark.js";
import type { NetworkAttachment, NetworkRecord } from "./network-record.js";
import type { NetworkStore, NetworkTransaction } from "./network-store.js";
import { pinBridgeMac } from "./pin-bridge-mac.js";
import type { PortMapping } from "./port-mapping.js";
import { checkAlias, checkBinaries, ifaceIndex, setupOrUndo, type NetworkRequest } from "./connect-container.js";
import { teardownContainer } from "./teardown-container.js";

/** Options of {@link connectNetwork}. */
export interface ConnectNetworkOptions {
  /** The full container id (64 hex; 12 at least). */
  readonly containerId: string;
  readonly containerName?: string;
  /** The running container's namespace, where its other networks are. */
  readonly netnsPath: string;
  /** The one network to add. */
  readonly network: NetworkRequest;
  /**
   * The container's published ports, for a container on no network yet
   * (host port 0 is then given a free port). On a container with networks
   * the ports its start resolved are used, as they are on each of its
   * networks: netavark forwards them per network, as podman's connect does.
   */
  readonly ports?: readonly PortMapping[];
  readonly dnsServers?: readonly string[];
  readonly binaries?: Pick<NetavarkConfig, "netavarkBinary" | "aardvarkBinary">;
}

/**
 * Add one network to a running container (docker's `network connect`):
 * under the store's lock, give it an address and the first free `ethN`,
 * record that ("allocated"), run `netavark setup` with this network alone
 * (its other interfaces are not touched), then record it "connected".
 *
 * A half-done attachment a crash left ("allocated") is taken down and done
 * again. Fails, leaving nothing of this network behind, with
 * AlreadyConnectedError, NetworkNotFoundError, AddressInUseError,
 * AddressPoolExhaustedError, PortInUseError, NetworkSetupError. Resolves the
 * container's state on all its networks, from the network files.
 */
export async function connectNetwork(store: NetworkStore, opts: ConnectNetworkOptions): Promise<ContainerNetworkState> {
  const id = opts.containerId;
  if (!/^[0-9a-f]{12,64}$/.test(id)) throw new InvalidArgumentError(`container id ${JSON.stringify(id.slice(0, 80))}: expected 12 to 64 lower-case hex characters`);
  for (const a of opts.network.aliases ?? []) checkAlias(a, "--alias");
  if (opts.containerName !== undefined) checkAlias(opts.containerName, "container name");
  const config: NetavarkConfig = { configDir: store.netavarkConfigDir, ...opts.binaries };
  return store.transaction(async (tx) => {
    let network = await tx.get(opts.network.name);
    await checkBinaries(config, network.dns);
    const name = opts.containerName ?? id.slice(0, 12);
    const previous = network.containers[id];
    if (previous?.status === "connected") throw new AlreadyConnectedError(name, network.name);
    if (previous !== undefined) {
      await teardownContainer(config, opts.netnsPath, netavarkInput(id, name, [{ network, attachment: previous }], previous.ports));
      network = await forget(tx, network.name, id);
    }
    const others = (await tx.list()).filter((n) => n.name !== network.name && n.containers[id] !== undefined);
    const taken = (await tx.list()).flatMap((n) => Object.entries(n.containers).filter(([cid]) => cid !== id).flatMap(([, a]) => a.ports));
    const ports = others.length > 0 ? others[0]!.containers[id]!.ports : await resolveHostPorts(opts.ports ?? [], taken);
    const ipv4 = allocateAddress(network, id, opts.network.ipv4);
    const attachment: NetworkAttachment = {
      ipv4, interface: freeInterface(others.map((n) => n.containers[id]!.interface)),
      aliases: [...new Set([...(opts.network.aliases ?? []), id.slice(0, 12)])], ports, status: "allocated",
      ...(opts.containerName !== undefined && { name: opts.containerName }),
    };
    network = { ...network, lastAllocated: ipv4, containers: { ...network.containers, [id]: attachment } };
    await tx.save(network);
    const input = netavarkInput(id, name, [{ network, attachment }], ports, opts.dnsServers);
    const status = await setupOrUndo(tx, config, opts.netnsPath, input, id);
    await pinBridgeMac(network.interface);
    const mac = status[network.name]?.interfaces?.[attachment.interface]?.mac_address;
    await tx.save({ ...network, containers: { ...network.containers, [id]: { ...attachment, status: "connected", ...(mac !== undefined && { mac }) } } });
    return stateFromFiles(await tx.list(), id, status);
  });
}

/** The container's state on every network the files have it on, by interface order. */
export function stateFromFiles(all: readonly NetworkRecord[], id: string, status?: NetavarkStatus): ContainerNetworkState {
  const entries = all.filter((n) => n.containers[id] !== undefined).map((network) => ({ network, attachment: network.containers[id]! }))
    .sort((a, b) => ifaceIndex(a.attachment.interface) - ifaceIndex(b.attachment.interface));
  return containerNetworkState(id, entries, status);
}

/** The lowest `ethN` not in `used`. */
export function freeInterface(used: readonly string[]): string {
  for (let i = 0; ; i++) if (!used.includes(`eth${i}`)) return `eth${i}`;
}

async function forget(tx: NetworkTransaction, networkName: string, id: string): Promise<NetworkRecord> {
  const n = await tx.get(networkName);
  const { [id]: _gone, ...rest } = n.containers;
  const next = { ...n, containers: rest };
  await tx.save(next);
  return next;
}
