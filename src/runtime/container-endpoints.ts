import { containerNetworks, hasNetworkObjectMode } from "./container-networks.js";
import type { ContainerRecord } from "./container-record.js";
import type { ContainerState } from "./container-state.js";
import type { ContainerNetworkState } from "./network/index.js";

/** docker's EndpointSettings in inspect's `NetworkSettings.Networks`: the fields berth knows. */
export interface EndpointSettings {
  readonly NetworkID: string;
  readonly IPAddress: string;
  readonly IPPrefixLen: number;
  readonly Gateway: string;
  readonly MacAddress: string;
  readonly Aliases: readonly string[] | null;
}

/**
 * The container's place on each of its networks, by name, as docker's
 * inspect shows it. A running container's come from what its start and
 * `network connect` set up; otherwise (created, exited, restarting, or
 * `none`/`host` which connect to nothing) the networks it is configured for
 * (containerNetworks) are still listed, as docker keeps the entries, with no
 * address: those are given back when it ends. Their NetworkID is read from
 * the network store (`networkIdOf`), "" when the network is gone or is
 * `none`/`host`, which berth has no record of.
 */
export async function containerEndpoints(
  record: ContainerRecord, state: ContainerState, networkIdOf: (name: string) => Promise<string | undefined>,
): Promise<Record<string, EndpointSettings>> {
  const names = record.name !== undefined ? [record.name] : [];
  const live = state.status === "running" ? (state.network as ContainerNetworkState | undefined) : undefined;
  if (live !== undefined) {
    return Object.fromEntries(Object.entries(live.networks).map(([name, n]) => [name, {
      NetworkID: n.networkId, IPAddress: n.ipv4, IPPrefixLen: n.prefixLength, Gateway: n.gateway, MacAddress: n.mac, Aliases: [...names, ...n.aliases],
    }]));
  }
  const mode = record.options.network ?? "none";
  if (!hasNetworkObjectMode(record)) return { [mode]: { NetworkID: "", IPAddress: "", IPPrefixLen: 0, Gateway: "", MacAddress: "", Aliases: null } };
  const out: Record<string, EndpointSettings> = {};
  for (const n of containerNetworks(record)) {
    out[n.name] = {
      NetworkID: (await networkIdOf(n.name).catch(() => undefined)) ?? "",
      IPAddress: "",
      IPPrefixLen: 0,
      Gateway: "",
      MacAddress: "",
      Aliases: [...names, ...(n.aliases ?? [])],
    };
  }
  return out;
}
