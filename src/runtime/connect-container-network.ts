import { readFile } from "node:fs/promises";
import { BerthError, InvalidArgumentError } from "../oci/index.js";
import { writeNetworkEtcFiles } from "./container-network.js";
import { containerNetworks, hasNetworkObjectMode, type ContainerNetworkConfig } from "./container-networks.js";
import { readContainerRecord, writeContainerRecord, type ContainerRecord } from "./container-record.js";
import { readContainerState, withContainerLock, writeContainerState, type ContainerState } from "./container-state.js";
import { etcFilesIn } from "./etc-files.js";
import {
  AlreadyConnectedError, checkAlias, checkBinaries, checkRequestedAddress, connectNetwork, DEFAULT_NETWORK, disconnectNetwork, NetworkStore, type ContainerNetworkState, type NetworkRecord,
} from "./network/index.js";
import { ContainerNotFoundError, type RuntimeContext } from "./runtime-context.js";

/** What `berth network connect` asks for. */
export interface NetworkConnectRequest {
  /** Name, id or unique id prefix. */
  readonly network: string;
  /** `--alias`: more names the container answers to on this network. */
  readonly aliases?: readonly string[];
  /** `--ip`: a fixed address on it. */
  readonly ipv4?: string;
}

/**
 * docker's `network connect`: add a network to the container's record, so
 * that every start joins it, and, when it is running, join it now (an
 * interface, an address, its name and aliases in aardvark-dns) and rewrite
 * its /etc/hosts and resolv.conf in place.
 *
 * Under the container's lock: the record first, then netavark, then
 * state.json; a failure of netavark or of the state write undoes the steps
 * before it, so `ps` and `inspect` are true once this has ended (a berth
 * killed between the steps leaves the record ahead: disconnect repairs it).
 * A stopped container already configured for the network gets the new
 * options (as docker's); a running one is refused (AlreadyConnectedError).
 * Also: ContainerNotFoundError, NetworkNotFoundError, BerthError
 * FAILED_PRECONDITION for `host`/`none` containers and networks (docker's
 * messages), InvalidArgumentError for --alias on the default network or an
 * alias aardvark-dns cannot take, AddressInUseError for an --ip outside the
 * network's subnet (also on a stopped container), and the network module's
 * setup errors.
 */
export async function connectContainerNetwork(ctx: RuntimeContext, ref: ContainerRecord, request: NetworkConnectRequest): Promise<void> {
  const dir = ctx.dir(ref.id);
  await withContainerLock(dir, async () => {
    const record = await readContainerRecord(dir);
    if (record === undefined) throw new ContainerNotFoundError(ref.id);
    checkModes(record, request.network);
    const store = new NetworkStore(ctx.root);
    const net = await findNetwork(store, request.network);
    if ((request.aliases ?? []).length > 0 && net.name === DEFAULT_NETWORK) {
      throw new InvalidArgumentError("network-scoped alias is supported only for containers in user defined networks", { hint: "connect the container to a network made with `berth network create`" });
    }
    // Checked before the record is written: a bad alias or address in it would fail every later start.
    for (const a of request.aliases ?? []) checkAlias(a, "--alias");
    if (request.ipv4 !== undefined) checkRequestedAddress(net, request.ipv4);
    await checkBinaries({ configDir: store.netavarkConfigDir }, net.dns);
    const state = await readContainerState(dir);
    const live = liveNetwork(state);
    if (live !== undefined && live.state?.networks[net.name] !== undefined) throw new AlreadyConnectedError(record.name ?? record.id.slice(0, 12), net.name);
    const entry: ContainerNetworkConfig = {
      name: net.name,
      ...((request.aliases ?? []).length > 0 && { aliases: [...request.aliases!] }),
      ...(request.ipv4 !== undefined && { ipv4: request.ipv4 }),
    };
    // In place when already there: the order is the interfaces' (the first gets eth0 and the default route).
    const current = containerNetworks(record);
    const networks = current.some((n) => n.name === net.name) ? current.map((n) => (n.name === net.name ? entry : n)) : [...current, entry];
    const updated: ContainerRecord = { ...record, networks };
    await writeContainerRecord(dir, updated);
    if (live === undefined) return;
    let netState: ContainerNetworkState;
    try {
      netState = await connectNetwork(store, {
        containerId: record.id, ...(record.name !== undefined && { containerName: record.name }), netnsPath: live.netnsPath,
        network: { name: net.name, ...(entry.aliases !== undefined && { aliases: entry.aliases }), ...(entry.ipv4 !== undefined && { ipv4: entry.ipv4 }) },
        ports: record.options.publish ?? [],
      });
    } catch (e) {
      await writeContainerRecord(dir, record).catch(() => undefined);
      throw e;
    }
    try {
      await writeContainerState(dir, { ...state!, network: netState });
    } catch (e) {
      await disconnectNetwork(store, record.id, net.name, live.netnsPath).catch(() => undefined);
      await writeContainerRecord(dir, record).catch(() => undefined);
      throw e;
    }
    await rewriteEtcFiles(dir, updated, netState);
  });
}

/** A running container's namespace and what is set up in it; undefined when it is not running with a namespace of its own. */
export function liveNetwork(state: ContainerState | undefined): { netnsPath: string; state: ContainerNetworkState | undefined } | undefined {
  if (state?.status !== "running" || state.netnsPath === undefined) return undefined;
  return { netnsPath: state.netnsPath, state: state.network as ContainerNetworkState | undefined };
}

/** docker's refusals for containers and networks that are no network objects. */
export function checkModes(record: ContainerRecord, network: string): void {
  const mode = record.options.network ?? "none";
  if (network === "host" || (mode === "host" && network !== "none")) {
    throw new BerthError("FAILED_PRECONDITION", mode === "host" && network !== "host"
      ? "container sharing network namespace with another container or host cannot be connected to any other network"
      : "container cannot be disconnected from host network or connected to host network");
  }
  if (network === "none" || !hasNetworkObjectMode(record)) {
    throw new BerthError("FAILED_PRECONDITION", "container cannot be connected to multiple networks with one of the networks in private (none) mode");
  }
}

/** The network by name, id or id prefix; the default one is made on first use. */
export async function findNetwork(store: NetworkStore, nameOrId: string): Promise<NetworkRecord> {
  return nameOrId === DEFAULT_NETWORK ? store.ensureDefault() : store.inspect(nameOrId);
}

/** The running container's /etc/hosts and resolv.conf for its networks now; its hostname is the one its start wrote. */
export async function rewriteEtcFiles(dir: string, record: ContainerRecord, state: ContainerNetworkState): Promise<void> {
  const files = etcFilesIn(dir);
  const hostname = (await readFile(files.hostname, "utf8").catch(() => record.id.slice(0, 12))).trim();
  // The network change is made and recorded; files a user cannot read back do not undo it.
  await writeNetworkEtcFiles(files, record, state, hostname, true).catch(() => undefined);
}
