import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { BerthError, InvalidArgumentError } from "../../oci/index.js";
import { containerNetworkState, type ContainerNetworkState } from "./container-network-state.js";
import { resolveHostPorts } from "./host-ports.js";
import { allocateAddress } from "./ipam.js";
import { parseIpv4 } from "./ipv4.js";
import { pinBridgeMac } from "./pin-bridge-mac.js";
import { AARDVARK_BINARY, NETAVARK_BINARY, netavarkInput, netavarkSetup, type NetavarkConfig, type NetavarkEntry, type NetavarkInput, type NetavarkStatus } from "./netavark.js";
import type { NetworkRecord } from "./network-record.js";
import type { NetworkStore, NetworkTransaction } from "./network-store.js";
import type { PortMapping } from "./port-mapping.js";
import { teardownContainer } from "./teardown-container.js";

/** One network a container joins. */
export interface NetworkRequest {
  /** Name, id or unique id prefix. */
  readonly name: string;
  /** More names aardvark-dns answers for the container on this network (docker's --network-alias). */
  readonly aliases?: readonly string[];
  /** A fixed address (docker's --ip); the next free one when absent. */
  readonly ipv4?: string;
}

/** Options of {@link connectContainer}. */
export interface ConnectOptions {
  /** The full container id (64 hex; 12 at least). */
  readonly containerId: string;
  readonly containerName?: string;
  /** The namespace to put the interfaces in ({@link createNetns}). */
  readonly netnsPath: string;
  /** At least one; the first gets eth0 and the default route. */
  readonly networks: readonly NetworkRequest[];
  /** Published ports; host port 0 is given a free port. */
  readonly ports?: readonly PortMapping[];
  /** Resolvers aardvark-dns forwards this container's other queries to (docker's --dns); the host's when absent. */
  readonly dnsServers?: readonly string[];
  /** Other netavark or aardvark-dns binaries than Debian's. */
  readonly binaries?: Pick<NetavarkConfig, "netavarkBinary" | "aardvarkBinary">;
}

const ALIAS = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,252}$/;

/**
 * A name aardvark-dns answers for (alias, container name): it goes, as it
 * is, into the network's line-based, comma- and space-separated file, so one
 * with a space, comma or newline would break DNS for the whole network.
 */
export function checkAlias(alias: string, flag: string): void {
  if (!ALIAS.test(alias)) throw new InvalidArgumentError(`${flag} ${JSON.stringify(alias.slice(0, 80))}: must start with a letter or digit and hold only letters, digits, _ . -`);
}

/**
 * Put a container on its networks with netavark: under the store's lock,
 * check and pick host ports, give it an address on each network and record
 * that (status "allocated"), run `netavark setup`, then record it
 * "connected" with the MAC netavark reports.
 *
 * Fails, leaving nothing behind (no address held, no firewall rule, no
 * aardvark entry), with: PortInUseError (a host port taken), NetworkNotFoundError,
 * AddressInUseError, AddressPoolExhaustedError, InvalidArgumentError,
 * NetworkSetupError (netavark's own message). A container already connected
 * to exactly these networks gets its recorded state back; one connected
 * elsewhere is refused (disconnect it first).
 */
export async function connectContainer(store: NetworkStore, opts: ConnectOptions): Promise<ContainerNetworkState> {
  const id = checkOptions(opts);
  const config: NetavarkConfig = { configDir: store.netavarkConfigDir, ...opts.binaries };
  return store.transaction(async (tx) => {
    const records = await Promise.all(opts.networks.map((n) => tx.get(n.name)));
    await checkBinaries(config, records.some((r) => r.dns));
    if (new Set(records.map((r) => r.name)).size !== records.length) throw new InvalidArgumentError("--network: the same network is given twice");
    const again = alreadyConnected(await tx.list(), records, id);
    if (again) return again;

    const all = await tx.list();
    const taken = all.flatMap((n) => Object.entries(n.containers).filter(([cid]) => cid !== id).flatMap(([, a]) => a.ports));
    const ports = await resolveHostPorts(opts.ports ?? [], taken);
    const entries: NetavarkEntry[] = records.map((network, i) => {
      const request = opts.networks[i]!;
      const ipv4 = allocateAddress(network, id, request.ipv4);
      const aliases = [...new Set([...(request.aliases ?? []), id.slice(0, 12)])];
      const attachment = { ipv4, interface: `eth${i}`, aliases, ports, status: "allocated" as const, ...(opts.containerName !== undefined && { name: opts.containerName }) };
      return { network: { ...network, lastAllocated: ipv4, containers: { ...network.containers, [id]: attachment } }, attachment };
    });
    for (const e of entries) await tx.save(e.network);

    const input = netavarkInput(id, opts.containerName ?? id.slice(0, 12), entries, ports, opts.dnsServers);
    const status = await setupOrUndo(tx, config, opts.netnsPath, input, id);
    for (const { network } of entries) await pinBridgeMac(network.interface);
    const connected = entries.map(({ network, attachment }) => {
      const mac = status[network.name]?.interfaces?.[attachment.interface]?.mac_address;
      const a = { ...attachment, status: "connected" as const, ...(mac !== undefined && { mac }) };
      return { network: { ...network, containers: { ...network.containers, [id]: a } }, attachment: a };
    });
    for (const e of connected) await tx.save(e.network);
    return containerNetworkState(id, connected, status);
  });
}

/** After a failed setup: take down what netavark made, then free the addresses. Kept when the teardown fails, for disconnect to retry. */
/** netavark setup of `input`; when it fails, what it did and the files' entries for `id` are undone before the error goes on. */
export async function setupOrUndo(tx: NetworkTransaction, config: NetavarkConfig, netnsPath: string, input: NetavarkInput, id: string): Promise<NetavarkStatus> {
  try {
    return await netavarkSetup(config, netnsPath, input);
  } catch (e) {
    await undoSetup(tx, config, netnsPath, input, id).catch(() => undefined);
    throw e;
  }
}

export async function undoSetup(tx: NetworkTransaction, config: NetavarkConfig, netnsPath: string, input: NetavarkInput, id: string): Promise<void> {
  await teardownContainer(config, netnsPath, input);
  for (const name of Object.keys(input.networks)) {
    const n = await tx.get(name);
    const { [id]: _gone, ...rest } = n.containers;
    await tx.save({ ...n, containers: rest });
  }
}

/** The recorded state when `id` is connected to exactly `wanted`; undefined when connected nowhere; refused otherwise. */
function alreadyConnected(all: readonly NetworkRecord[], wanted: readonly NetworkRecord[], id: string): ContainerNetworkState | undefined {
  const on = all.filter((n) => n.containers[id] !== undefined);
  if (on.length === 0) return undefined;
  const same = on.length === wanted.length && wanted.every((w) => w.containers[id]?.status === "connected");
  if (!same) {
    throw new BerthError("FAILED_PRECONDITION", `container ${id.slice(0, 12)} is already on network(s) ${on.map((n) => n.name).join(", ")}`, {
      hint: "disconnect it first (disconnectContainer), which also repairs a setup a crash cut short",
    });
  }
  const ordered = wanted.map((w) => ({ network: w, attachment: w.containers[id]! }))
    .sort((a, b) => ifaceIndex(a.attachment.interface) - ifaceIndex(b.attachment.interface));
  return containerNetworkState(id, ordered);
}

/** A missing netavark would fail only after addresses were recorded; say so first, with the package to install. */
export async function checkBinaries(config: NetavarkConfig, needsDns: boolean): Promise<void> {
  const wanted = [config.netavarkBinary ?? NETAVARK_BINARY, ...(needsDns ? [config.aardvarkBinary ?? AARDVARK_BINARY] : [])];
  for (const path of wanted) {
    const ok = await access(path, constants.X_OK).then(() => true, () => false);
    if (!ok) throw new BerthError("FAILED_PRECONDITION", `${path}: not found or not executable`, { hint: "apt-get install netavark aardvark-dns (Debian 12 or later)" });
  }
}

/** N of `ethN`: interfaces sort by it (eth0 has the default route). */
export const ifaceIndex = (name: string): number => Number(name.replace(/^\D+/, ""));

function checkOptions(opts: ConnectOptions): string {
  if (!/^[0-9a-f]{12,64}$/.test(opts.containerId)) throw new InvalidArgumentError(`container id ${JSON.stringify(opts.containerId.slice(0, 80))}: expected 12 to 64 lower-case hex characters`);
  if (opts.networks.length === 0) throw new InvalidArgumentError("--network: a container needs at least one network to connect to");
  for (const n of opts.networks) {
    for (const a of n.aliases ?? []) checkAlias(a, "--network-alias");
  }
  for (const s of opts.dnsServers ?? []) {
    if (parseIpv4(s) === undefined) throw new InvalidArgumentError(`--dns ${JSON.stringify(s.slice(0, 80))}: not an IPv4 address`);
  }
  if (opts.containerName !== undefined) checkAlias(opts.containerName, "container name");
  return opts.containerId;
}
