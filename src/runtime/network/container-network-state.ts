import type { NetavarkStatus } from "./netavark.js";
import type { NetworkAttachment, NetworkRecord } from "./network-record.js";
import type { PortMapping } from "./port-mapping.js";

/** A container's place on one network, as inspect shows it. */
export interface ContainerNetwork {
  readonly networkId: string;
  /** The interface inside the container: eth0, eth1, … */
  readonly interface: string;
  readonly ipv4: string;
  readonly prefixLength: number;
  readonly gateway: string;
  readonly mac: string;
  /** Names aardvark-dns answers for the container on this network, besides its name. */
  readonly aliases: readonly string[];
  /** Whether the network runs aardvark-dns (user networks do, the default one does not). */
  readonly dns: boolean;
}

/**
 * What {@link connectContainer} made, JSON-serialisable, for the
 * container's record, inspect and its /etc files.
 */
export interface ContainerNetworkState {
  readonly containerId: string;
  /** By network name, in the order the networks were asked for. */
  readonly networks: Readonly<Record<string, ContainerNetwork>>;
  /** aardvark-dns addresses (the gateways of DNS networks), for resolv.conf; empty when no network has DNS. */
  readonly dnsServers: readonly string[];
  /** Search domains netavark gives with them (`dns.podman`). */
  readonly dnsSearch: readonly string[];
  /** The published ports, every host port set. */
  readonly ports: readonly PortMapping[];
}

/**
 * Build the state from the network files (and netavark's status, when just
 * set up: it is what gives MAC addresses and DNS servers).
 */
export function containerNetworkState(containerId: string, entries: readonly { network: NetworkRecord; attachment: NetworkAttachment }[], status?: NetavarkStatus): ContainerNetworkState {
  const networks: Record<string, ContainerNetwork> = {};
  const dnsServers: string[] = [];
  const dnsSearch: string[] = [];
  const add = (list: string[], values: readonly string[] | null | undefined): void => {
    for (const v of values ?? []) if (!list.includes(v)) list.push(v);
  };
  for (const { network: n, attachment: a } of entries) {
    const reported = status?.[n.name];
    const iface = reported?.interfaces?.[a.interface];
    const address = iface?.subnets?.find((s) => s.ipnet.startsWith(`${a.ipv4}/`));
    networks[n.name] = {
      networkId: n.id,
      interface: a.interface,
      ipv4: a.ipv4,
      prefixLength: Number((address?.ipnet ?? n.subnet).split("/")[1]),
      gateway: address?.gateway ?? n.gateway,
      mac: iface?.mac_address ?? a.mac ?? "",
      aliases: a.aliases,
      dns: n.dns,
    };
    if (n.dns) {
      add(dnsServers, reported?.dns_server_ips ?? [n.gateway]);
      add(dnsSearch, reported?.dns_search_domains ?? ["dns.podman"]);
    }
  }
  return { containerId, networks, dnsServers, dnsSearch, ports: entries[0]?.attachment.ports ?? [] };
}
