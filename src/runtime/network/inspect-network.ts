import type { NetworkRecord } from "./network-record.js";

/** One attached container in docker's `network inspect` JSON. */
export interface NetworkInspectContainer {
  readonly Name: string;
  readonly MacAddress: string;
  readonly IPv4Address: string;
  readonly IPv6Address: string;
}

/** docker's `network inspect` JSON for one network. */
export interface NetworkInspect {
  readonly Name: string;
  readonly Id: string;
  readonly Created: string;
  readonly Scope: "local";
  readonly Driver: "bridge";
  readonly EnableIPv6: false;
  readonly IPAM: { readonly Driver: "default"; readonly Options: Record<string, string>; readonly Config: readonly { Subnet: string; Gateway: string }[] };
  readonly Internal: boolean;
  readonly Attachable: false;
  readonly Ingress: false;
  readonly Containers: Readonly<Record<string, NetworkInspectContainer>>;
  /** `com.docker.network.bridge.name` is the host bridge, as docker reports it; `berth.dns` whether aardvark-dns serves the network. */
  readonly Options: Readonly<Record<string, string>>;
  readonly Labels: Readonly<Record<string, string>>;
}

/** A network as `docker network inspect` shows one, so that scripts written for docker read it. */
export function inspectNetwork(n: NetworkRecord): NetworkInspect {
  const prefix = n.subnet.split("/")[1];
  const containers: Record<string, NetworkInspectContainer> = {};
  for (const [id, a] of Object.entries(n.containers)) {
    containers[id] = { Name: a.name ?? id.slice(0, 12), MacAddress: a.mac ?? "", IPv4Address: `${a.ipv4}/${prefix}`, IPv6Address: "" };
  }
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: "local",
    Driver: "bridge",
    EnableIPv6: false,
    IPAM: { Driver: "default", Options: {}, Config: [{ Subnet: n.subnet, Gateway: n.gateway }] },
    Internal: n.internal,
    Attachable: false,
    Ingress: false,
    Containers: containers,
    Options: { "com.docker.network.bridge.name": n.interface, "berth.dns": String(n.dns) },
    Labels: n.labels,
  };
}
