import { BerthError } from "../../oci/index.js";

/** No network has this name, id or id prefix. */
export class NetworkNotFoundError extends BerthError {
  constructor(readonly network: string) {
    super("NOT_FOUND", `network ${network} not found`, { hint: "list networks with `berth network ls`" });
  }
}

/** An id prefix that names more than one network. */
export class AmbiguousNetworkError extends BerthError {
  constructor(readonly network: string, readonly matches: number) {
    super("INVALID_ARGUMENT", `network ${network} is ambiguous (${matches} networks have ids starting so)`, { hint: "give the name or more of the id" });
  }
}

/** A network of this name exists already, or the name is one of the predefined ones. */
export class NetworkExistsError extends BerthError {
  constructor(readonly network: string, predefined = false) {
    super("ALREADY_EXISTS", predefined ? `network ${network} is a predefined network` : `network with name ${network} already exists`, {
      hint: predefined ? "pick another name; bridge, host and none are berth's own" : "pick another name, or remove the existing network first",
    });
  }
}

/** Containers are still attached, or the network is the default one. */
export class NetworkInUseError extends BerthError {
  constructor(readonly network: string, readonly containers: readonly string[]) {
    super("FAILED_PRECONDITION", containers.length === 0
      ? `network ${network} is the default network and cannot be removed`
      : `network ${network} has active endpoints (containers ${containers.map((c) => c.slice(0, 12)).join(", ")})`, {
      hint: containers.length === 0 ? "containers that give no --network use it" : "stop or disconnect those containers first",
    });
  }
}

/** The requested subnet overlaps a subnet berth already uses. */
export class SubnetOverlapError extends BerthError {
  constructor(readonly subnet: string, readonly other: string) {
    super("FAILED_PRECONDITION", `subnet ${subnet} overlaps ${other}`, { hint: "pick a subnet no other network uses, or leave --subnet out to get a free one" });
  }
}

/** No free subnet to pick, or no free address left in a subnet. */
export class AddressPoolExhaustedError extends BerthError {
  constructor(what: string, hint: string) {
    super("UNAVAILABLE", what, { hint });
  }
}

/** A host port is bound by another process or published by another container. */
export class PortInUseError extends BerthError {
  constructor(readonly hostIp: string, readonly hostPort: number, readonly protocol: string, detail: string) {
    super("FAILED_PRECONDITION", `port ${hostIp || "0.0.0.0"}:${hostPort}/${protocol} is already in use: ${detail}`, {
      hint: "publish on another host port (-p HOSTPORT:CTRPORT), or stop what holds it",
    });
  }
}

/** A requested --ip is outside the subnet or held by another container. */
export class AddressInUseError extends BerthError {
  constructor(readonly address: string, readonly network: string, detail: string) {
    super("FAILED_PRECONDITION", `address ${address} on network ${network}: ${detail}`, { hint: "give another --ip, or leave it out to get a free one" });
  }
}

/** netavark (or ip) failed to set up or tear down a container's network. */
export class NetworkSetupError extends BerthError {
  constructor(readonly step: string, readonly containerId: string, readonly detail: string, hint?: string) {
    super("UNAVAILABLE", `${step} for container ${containerId.slice(0, 12)}: ${detail}`, {
      hint: hint ?? "run `iptables-save` and `ip link` to see what is left; the message above is netavark's",
    });
  }
}

/** A network file under <root>/networks cannot be read as a network. */
export class NetworkRecordError extends BerthError {
  constructor(readonly path: string, detail: string) {
    super("INTERNAL", `network file ${path}: ${detail}`, { hint: "the file was edited or damaged; fix or remove it (its containers lose their addresses)" });
  }
}

/** A container has no DNS entry on a network: not attached to it, its setup not finished, or the network has no DNS. */
export class DnsEntryNotFoundError extends BerthError {
  constructor(readonly containerId: string, readonly network: string, detail: string) {
    super("NOT_FOUND", `container ${containerId.slice(0, 12)} on network ${network}: ${detail}`, {
      hint: "give a running container and a network it is connected to (berth network inspect NETWORK)",
    });
  }
}

/** `network connect` of a container already on the network (docker's "endpoint with name … already exists"). */
export class AlreadyConnectedError extends BerthError {
  constructor(readonly container: string, readonly network: string) {
    super("ALREADY_EXISTS", `endpoint with name ${container} already exists in network ${network}`, {
      hint: `disconnect it first (berth network disconnect ${network} ${container}) to connect it with other options`,
    });
  }
}

/** `network disconnect` of a container that is not on the network. */
export class NotConnectedError extends BerthError {
  constructor(readonly containerId: string, readonly network: string, running: boolean) {
    // docker words the two cases differently (libnetwork's for a running container, the daemon's otherwise); so does berth.
    super("NOT_FOUND", `container ${containerId} is not connected to ${running ? "" : "the "}network ${network}`, {
      hint: "see the container's networks with `berth inspect -f '{{json .NetworkSettings.Networks}}' CONTAINER`",
    });
  }
}
