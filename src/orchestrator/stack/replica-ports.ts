import { isIP } from "node:net";
import type { PublishedPort } from "../../runtime/index.js";
import type { ComposeService } from "../compose/index.js";
import { PublishedPortConflictError, UnsupportedStackFeatureError } from "./errors.js";

/**
 * The host ports replica `number` of `replicas` publishes. No host port:
 * each replica gets a free one when it starts. One fixed host port: only a
 * single replica can bind it on one host, so more replicas are refused
 * (PublishedPortConflictError) — sharing one port among replicas is the
 * daemon's load balancer's job, which comes later. A host range
 * (`8000-8002:80`): replica N takes the range's Nth port, so replicas never
 * race for the same one; more replicas than ports is refused too.
 * IPv6 host addresses and SCTP are refused (UnsupportedStackFeatureError):
 * the runtime's port forwarding has neither.
 */
export function replicaPorts(service: ComposeService, number: number, replicas: number): PublishedPort[] {
  return service.ports.map((p, i) => {
    const field = `ports[${i}]`;
    if (p.protocol === "sctp") throw new UnsupportedStackFeatureError(service.name, field, "SCTP ports cannot be published on this host", "publish tcp or udp");
    const hostIp = p.hostIp === undefined || p.hostIp === "0.0.0.0" ? "" : p.hostIp;
    if (hostIp !== "" && isIP(hostIp) !== 4) throw new UnsupportedStackFeatureError(service.name, field, `host address ${hostIp} is not IPv4`, "publish on an IPv4 address or on all addresses");
    const base = { hostIp, containerPort: p.target, protocol: p.protocol, range: 1 };
    if (p.published === undefined) return { ...base, hostPort: 0 };
    const size = p.published.end - p.published.start + 1;
    if (replicas > size) throw new PublishedPortConflictError(service.name, p.published.start, replicas, p.published.end);
    return { ...base, hostPort: size === 1 ? p.published.start : p.published.start + number - 1 };
  });
}
