import { InvalidArgumentError } from "../oci/index.js";
import type { ContainerRecord } from "./container-record.js";
import { etcFilesIn, hostFile, writeEtcContents, writeEtcFiles } from "./etc-files.js";
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
 * Set up the network `record.options.network` names: `none` and `host`
 * need no plugin; `bridge` (the default network, made on first use) and
 * user networks get a namespace of their own, an address, their published
 * ports and, on user networks, a name in aardvark-dns. Throws the network
 * module's errors (PortInUseError, NetworkNotFoundError) with nothing left.
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
  const store = new NetworkStore(ctx.root);
  if (mode === DEFAULT_NETWORK) await store.ensureDefault();
  else await store.inspect(mode);
  const netnsPath = await createNetns(record.id);
  try {
    const state = await connectContainer(store, {
      containerId: record.id,
      ...(record.name !== undefined && { containerName: record.name }),
      netnsPath,
      networks: [{ name: mode, ...(record.options.networkAliases !== undefined && { aliases: record.options.networkAliases }) }],
      ports,
    });
    return {
      netnsPath,
      state,
      writeEtcFiles: async (hostname) => writeEtcContents(files, {
        hostname,
        hosts: containerHosts(state, { hostname, ...(record.name !== undefined && { name: record.name }) }),
        resolvConf: containerResolvConf(state, await hostFile("/etc/resolv.conf")),
      }),
    };
  } catch (e) {
    await removeNetns(netnsPath).catch(() => undefined);
    throw e;
  }
}

/** Undo {@link attachNetwork} from what state.json kept; safe to call twice and after a crash. */
export async function detachNetwork(ctx: RuntimeContext, record: ContainerRecord, attached: { netnsPath?: string; network?: unknown; state?: unknown }): Promise<void> {
  if (attached.netnsPath === undefined) return;
  const state = (attached.network ?? attached.state) as ContainerNetworkState | undefined;
  await disconnectContainer(new NetworkStore(ctx.root), state, record.id, attached.netnsPath);
  await removeNetns(attached.netnsPath);
}
