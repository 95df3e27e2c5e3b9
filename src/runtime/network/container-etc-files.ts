import type { ContainerNetworkState } from "./container-network-state.js";
import { parseIpv4 } from "./ipv4.js";

/** Who the container is, for its /etc/hosts. */
export interface HostsIdentity {
  readonly hostname: string;
  /** The container's name, listed beside the hostname when it differs. */
  readonly name?: string;
}

/** docker's loopback and IPv6 lines, first in every container's /etc/hosts. */
const LOCAL_LINES = [
  "127.0.0.1\tlocalhost",
  "::1\tlocalhost ip6-localhost ip6-loopback",
  "fe00::0\tip6-localnet",
  "ff00::0\tip6-mcastprefix",
  "ff02::1\tip6-allnodes",
  "ff02::2\tip6-allrouters",
];

/** docker's resolvers when the host has none a container can reach. */
const FALLBACK_NAMESERVERS = ["8.8.8.8", "8.8.4.4"];

/**
 * The text of a networked container's /etc/hosts, as docker writes it: the
 * loopback lines, then the container's address on each of its networks with
 * its hostname (and its name, when it has another), so that it resolves
 * itself. Other containers are resolved by aardvark-dns, not listed here.
 */
export function containerHosts(state: ContainerNetworkState, who: HostsIdentity): string {
  const names = [...new Set([who.hostname, ...(who.name === undefined ? [] : [who.name])])].join(" ");
  const own = Object.values(state.networks).map((n) => `${n.ipv4}\t${names}`);
  return [...LOCAL_LINES, ...own].join("\n") + "\n";
}

/** Options of {@link containerResolvConf}. */
export interface ResolvConfOptions {
  /** docker's --dns: used as the nameservers on networks without DNS (aardvark forwards to them on the others). */
  readonly dnsServers?: readonly string[];
  /** docker's --dns-search, replacing the host's search line. */
  readonly dnsSearch?: readonly string[];
}

/**
 * The text of the container's /etc/resolv.conf, from the host's
 * (`hostResolvConf`, the text of /etc/resolv.conf; "" when unreadable):
 *
 * - on a network with DNS, aardvark-dns at the gateway(s) and netavark's
 *   search domain, which answers container names and forwards the rest;
 * - otherwise `--dns` if given, else the host's nameservers that a
 *   container can reach: loopback ones (a host's 127.0.0.53 stub) and IPv6
 *   ones (berth networks are IPv4) are dropped, and docker's 8.8.8.8 and
 *   8.8.4.4 stand in when none is left.
 *
 * The host's search and options lines are kept, as docker keeps them.
 */
export function containerResolvConf(state: ContainerNetworkState, hostResolvConf: string, opts: ResolvConfOptions = {}): string {
  const host = parseResolvConf(hostResolvConf);
  let nameservers: readonly string[];
  let search = opts.dnsSearch ?? host.search;
  if (state.dnsServers.length > 0) {
    nameservers = state.dnsServers;
    search = [...new Set([...state.dnsSearch, ...search])];
  } else if (opts.dnsServers !== undefined && opts.dnsServers.length > 0) {
    nameservers = opts.dnsServers;
  } else {
    const reachable = host.nameservers.filter((ns) => {
      const ip = parseIpv4(ns);
      return ip !== undefined && ip >>> 24 !== 127;
    });
    nameservers = reachable.length > 0 ? reachable : FALLBACK_NAMESERVERS;
  }
  const lines = [
    ...(search.length > 0 ? [`search ${search.join(" ")}`] : []),
    ...nameservers.map((ns) => `nameserver ${ns}`),
    ...(host.options.length > 0 ? [`options ${host.options.join(" ")}`] : []),
  ];
  return lines.join("\n") + "\n";
}

interface ResolvConf {
  readonly nameservers: string[];
  readonly search: string[];
  readonly options: string[];
}

/** The lines of resolv.conf(5) a container's copy keeps; the last search line wins, as in the resolver. */
function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const raw of text.split("\n")) {
    const [key, ...values] = raw.replace(/[#;].*$/, "").trim().split(/\s+/);
    if (key === "nameserver" && values[0] !== undefined) out.nameservers.push(values[0]);
    else if (key === "search" || key === "domain") out.search.splice(0, out.search.length, ...values);
    else if (key === "options") out.options.push(...values);
  }
  return out;
}
