import { writeFile } from "node:fs/promises";
import { InvalidArgumentError } from "../oci/index.js";
import { containerNetworks } from "./container-networks.js";
import type { ContainerRecord } from "./container-record.js";
import { etcFilesIn, hostFile, isolatedEtcTexts, writeEtcContents, writeEtcFiles, type EtcFiles } from "./etc-files.js";
import {
  connectContainer, containerHosts, containerResolvConf, createNetns, DEFAULT_NETWORK, disconnectContainer, NetworkStore, removeNetns,
  type ContainerNetworkState,
} from "./network/index.js";
import type { RuntimeContext } from "./runtime-context.js";

/** What one start set up for a container's network, to write its /etc files and to undo. */
export interface AttachedNetwork {
  /** The namespace made for it; absent for `none` (runc makes an empty one) and `host`. */
  readonly netnsPath?: string;
  /** netavark's setup as the network module recorded it, kept in state.json for teardown and inspect. */
  readonly state?: ContainerNetworkState;
  writeEtcFiles(hostname: string): Promise<void>;
}

/**
 * Set up the networks the container joins (containerNetworks): `none` and
 * `host` need no plugin; `bridge` (the default network, made on first use)
 * and user networks get a namespace of their own, an address on each, their
 * published ports and, on user networks, a name in aardvark-dns. A container
 * disconnected from all its networks gets the namespace alone (loopback),
 * so that `network connect` can add to it. Throws the network module's
 * errors (PortInUseError, NetworkNotFoundError) with nothing left.
 */
export async function attachNetwork(ctx: RuntimeContext, record: ContainerRecord): Promise<AttachedNetwork> {
  const mode = record.options.network ?? "none";
  const files = etcFilesIn(ctx.dir(record.id));
  const ports = record.options.publish ?? [];
  if (mode === "none" || mode === "host") {
    if (ports.length > 0 && mode === "none") {
      throw new InvalidArgumentError("-p: ports cannot be published with --network none", { hint: "use the default bridge network or a user network" });
    }
    return { writeEtcFiles: (hostname) => writeEtcFiles(files, hostname, mode) };
  }
  const networks = containerNetworks(record);
  const store = new NetworkStore(ctx.root);
  for (const n of networks) {
    if (n.name === DEFAULT_NETWORK) await store.ensureDefault();
    else await store.inspect(n.name);
  }
  const netnsPath = await createNetns(record.id);
  if (networks.length === 0) return { netnsPath, writeEtcFiles: (hostname) => writeNetworkEtcFiles(files, record, undefined, hostname) };
  try {
    const state = await connectContainer(store, {
      containerId: record.id,
      ...(record.name !== undefined && { containerName: record.name }),
      netnsPath,
      networks: networks.map((n) => ({ name: n.name, ...(n.aliases !== undefined && { aliases: n.aliases }), ...(n.ipv4 !== undefined && { ipv4: n.ipv4 }) })),
      ports,
    });
    return { netnsPath, state, writeEtcFiles: (hostname) => writeNetworkEtcFiles(files, record, state, hostname) };
  } catch (e) {
    await removeNetns(netnsPath).catch(() => undefined);
    throw e;
  }
}

/**
 * The container's /etc/hosts and resolv.conf for the networks it is on, and
 * its hostname. `inPlace` writes into the files a running container has
 * bind-mounted (a rename would leave its mounts on the old files), as
 * docker rewrites them when a network is connected or disconnected.
 */
export async function writeNetworkEtcFiles(files: EtcFiles, record: ContainerRecord, state: ContainerNetworkState | undefined, hostname: string, inPlace = false): Promise<void> {
  const texts = state === undefined || Object.keys(state.networks).length === 0 ? await isolatedEtcTexts(hostname, "none") : {
    hostname,
    hosts: containerHosts(state, { hostname, ...(record.name !== undefined && { name: record.name }) }),
    resolvConf: containerResolvConf(state, await hostFile("/etc/resolv.conf")),
  };
  if (!inPlace) return writeEtcContents(files, texts);
  await writeFile(files.hosts, texts.hosts);
  await writeFile(files.resolvConf, texts.resolvConf);
}

/** Undo {@link attachNetwork} from what state.json kept; safe to call twice and after a crash. */
export async function detachNetwork(ctx: RuntimeContext, record: ContainerRecord, attached: { netnsPath?: string; network?: unknown; state?: unknown }): Promise<void> {
  if (attached.netnsPath === undefined) return;
  const state = (attached.network ?? attached.state) as ContainerNetworkState | undefined;
  await disconnectContainer(new NetworkStore(ctx.root), state, record.id, attached.netnsPath);
  await removeNetns(attached.netnsPath);
}
