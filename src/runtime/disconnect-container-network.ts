import { join } from "node:path";
import { BerthError, isBerthError } from "../oci/index.js";
import { findNetwork, liveNetwork, rewriteEtcFiles } from "./connect-container-network.js";
import { containerNetworks } from "./container-networks.js";
import { readContainerRecord, writeContainerRecord, type ContainerRecord } from "./container-record.js";
import { readContainerState, withContainerLock, writeContainerState } from "./container-state.js";
import { disconnectNetwork, NETNS_DIR, NetworkStore, NotConnectedError, removeNetns, type ContainerNetworkState } from "./network/index.js";
import { ContainerNotFoundError, type RuntimeContext } from "./runtime-context.js";

/**
 * docker's `network disconnect`: take the network out of the container's
 * record and, when it is running, out of the container (its interface,
 * address, port forwards and aardvark-dns names on that network), and
 * rewrite its /etc/hosts and resolv.conf in place.
 *
 * Under the container's lock: the record and state.json first, then
 * netavark, whose failure puts both back (the network file, which teardown
 * works from, keeps the address until a teardown succeeds). NotConnectedError
 * when neither the record nor the network has the container;
 * ContainerNotFoundError, NetworkNotFoundError; BerthError
 * FAILED_PRECONDITION for `host`, `none` and containers in those modes.
 */
export async function disconnectContainerNetwork(ctx: RuntimeContext, ref: ContainerRecord, network: string): Promise<void> {
  const dir = ctx.dir(ref.id);
  await withContainerLock(dir, async () => {
    const record = await readContainerRecord(dir);
    if (record === undefined) throw new ContainerNotFoundError(ref.id);
    const mode = record.options.network ?? "none";
    if (network === "host" || mode === "host") throw new BerthError("FAILED_PRECONDITION", "container cannot be disconnected from host network or connected to host network");
    if (network === "none" || mode === "none") {
      throw new BerthError("FAILED_PRECONDITION", "berth cannot disconnect a container from network none", { hint: "remove the container and run it on another network" });
    }
    const store = new NetworkStore(ctx.root);
    const net = await findNetwork(store, network);
    const state = await readContainerState(dir);
    const live = liveNetwork(state);
    const configured = containerNetworks(record);
    const inRecord = configured.some((n) => n.name === net.name);
    const inNetwork = live !== undefined && net.containers[record.id] !== undefined;
    if (!inRecord && !inNetwork) throw new NotConnectedError(record.id, net.name, live !== undefined);
    const updated: ContainerRecord = { ...record, networks: configured.filter((n) => n.name !== net.name) };
    await writeContainerRecord(dir, updated);
    if (live === undefined || !inNetwork) return;
    const { [net.name]: _gone, ...kept } = live.state?.networks ?? {};
    const before = live.state;
    const after: ContainerNetworkState | undefined = before && { ...before, networks: kept };
    await writeContainerState(dir, { ...state!, ...(after !== undefined && { network: after }) });
    let netState: ContainerNetworkState;
    try {
      netState = await disconnectNetwork(store, record.id, net.name, live.netnsPath);
    } catch (e) {
      await writeContainerState(dir, state!).catch(() => undefined);
      await writeContainerRecord(dir, record).catch(() => undefined);
      throw e;
    }
    // The network is gone and recorded so; this only refines the state's DNS servers and ports.
    await writeContainerState(dir, { ...state!, network: netState }).catch(() => undefined);
    await rewriteEtcFiles(dir, updated, netState);
  });
}

/**
 * `network disconnect -f`: for a container that exists, the same as
 * {@link disconnectContainerNetwork}; for one berth no longer has, take down
 * and free what the network file still holds for it (a removal a crash cut
 * short), found by the container's name or id prefix there, and, with its
 * last network, its namespace /run/netns/berth-<id12>. Refused for an
 * attachment whose container still exists (disconnect that container).
 * BerthError NOT_FOUND ("endpoint … not found", docker's) when the network
 * has no such entry.
 */
export async function forgetEndpoint(ctx: RuntimeContext, ref: string, network: string): Promise<void> {
  const record = await ctx.resolve(ref).catch((e: unknown) => {
    if (isBerthError(e, "NOT_FOUND")) return undefined;
    throw e;
  });
  if (record !== undefined) return disconnectContainerNetwork(ctx, record, network);
  const store = new NetworkStore(ctx.root);
  const net = await findNetwork(store, network);
  const found = Object.entries(net.containers).filter(([id, a]) => a.name === ref || (ref.length >= 3 && id.startsWith(ref)));
  if (found.length !== 1) throw new BerthError("NOT_FOUND", `endpoint ${ref} not found`, { hint: `see who is on the network with \`berth network inspect ${net.name}\`` });
  const [id] = found[0]!;
  if ((await readContainerRecord(ctx.dir(id))) !== undefined) {
    throw new BerthError("FAILED_PRECONDITION", `endpoint ${ref} belongs to container ${id.slice(0, 12)}, which exists`, { hint: `disconnect it by its id: berth network disconnect ${net.name} ${id.slice(0, 12)}` });
  }
  const netnsPath = join(NETNS_DIR, `berth-${id.slice(0, 12)}`);
  const left = await disconnectNetwork(store, id, net.name, netnsPath);
  // The namespace its start made goes with its last network, as detachNetwork's does (none left: fine).
  if (Object.keys(left.networks).length === 0) await removeNetns(netnsPath);
}
