import type { ContainerRecord } from "./container-record.js";

/** One network a container is configured for, joined at each of its starts. */
export interface ContainerNetworkConfig {
  /** The network's name (as resolved when it was given). */
  readonly name: string;
  /** docker's --network-alias / `network connect --alias`: more names aardvark-dns answers on this network. */
  readonly aliases?: readonly string[];
  /** docker's `network connect --ip`. */
  readonly ipv4?: string;
}

/** Modes that are no network object: the container joins no network with them. */
const NO_NETWORK_OBJECT = new Set(["none", "host"]);

/**
 * The networks `record` joins when it starts, in order (the first gets
 * eth0 and the default route): the list `network connect` and `disconnect`
 * keep in the record once used, else `--network` with its
 * `--network-alias`. Empty for `none` and `host`, and for a container
 * disconnected from all its networks (it then starts with loopback only, as
 * docker's does).
 */
export function containerNetworks(record: ContainerRecord): readonly ContainerNetworkConfig[] {
  if (record.networks !== undefined) return record.networks;
  const mode = record.options.network ?? "none";
  if (NO_NETWORK_OBJECT.has(mode)) return [];
  return [{ name: mode, ...(record.options.networkAliases !== undefined && { aliases: record.options.networkAliases }) }];
}

/** Whether `record`'s network mode is `none` or `host`, which `network connect` cannot add to. */
export const hasNetworkObjectMode = (record: ContainerRecord): boolean => !NO_NETWORK_OBJECT.has(record.options.network ?? "none");
