import { isIP } from "node:net";
import type { PublishedPort } from "../../runtime/index.js";
import type { ComposeService, PortMapping } from "../compose/index.js";
import { PublishedPortConflictError, UnsupportedStackFeatureError } from "./errors.js";
import type { BalancedPort } from "./stack-plan.js";

/**
 * The host ports replica `number` of `replicas` publishes. No host port:
 * each replica gets a free one when it starts. One fixed host port: only a
 * single replica can bind it on one host, so more replicas are refused
 * (PublishedPortConflictError) — unless `balanced`, where such ports belong
 * to the daemon's load balancer ({@link balancedPorts}) and are left out
 * here. A host range (`8000-8002:80`): replica N takes the range's Nth port,
 * so replicas never race for the same one; more replicas than ports is
 * refused too. IPv6 host addresses and SCTP are refused
 * (UnsupportedStackFeatureError): the runtime's port forwarding has neither.
 */
export function replicaPorts(service: ComposeService, number: number, replicas: number, balanced = false): PublishedPort[] {
  return service.ports.flatMap((p, i) => {
    const { hostIp, protocol } = checkPort(service, p, i);
    if (balanced && isBalanced(service, p)) return [];
    const base = { hostIp, containerPort: p.target, protocol, range: 1 };
    if (p.published === undefined) return [{ ...base, hostPort: 0 }];
    const size = p.published.end - p.published.start + 1;
    if (replicas > size) throw new PublishedPortConflictError(service.name, p.published.start, replicas, p.published.end);
    return [{ ...base, hostPort: size === 1 ? p.published.start : p.published.start + number - 1 }];
  });
}

/**
 * The ports of `service` a load balancer owns when the daemon runs it: TCP,
 * `mode: ingress` (compose's default; `mode: host` means each replica binds
 * the port itself), with one host port or none (0: the balancer's listen
 * picks one, once for the service), on a network that gives replicas an
 * address (not `network_mode: host` or `none`). A host range keeps docker compose's
 * meaning, one port per replica, and UDP has no connection to balance, so
 * both stay with the replicas. Throws as {@link replicaPorts} for SCTP and IPv6.
 */
export function balancedPorts(service: ComposeService): BalancedPort[] {
  return service.ports.flatMap((p, i) => {
    const { hostIp } = checkPort(service, p, i);
    if (!isBalanced(service, p)) return [];
    return [{ hostIp: hostIp === "" ? "0.0.0.0" : hostIp, hostPort: p.published?.start ?? 0, targetPort: p.target, protocol: "tcp" as const }];
  });
}

/** `network_mode: host` or `none` has no replica address to balance to: its ports stay as they are. */
const isBalanced = (s: ComposeService, p: PortMapping): boolean =>
  s.networkMode !== "host" && s.networkMode !== "none" && p.protocol === "tcp" && p.mode !== "host" && (p.published === undefined || p.published.start === p.published.end);

/** The host address as the runtime takes it (`""`: every address) and the protocol; refuses what it cannot publish. */
function checkPort(service: ComposeService, p: PortMapping, i: number): { hostIp: string; protocol: "tcp" | "udp" } {
  const field = `ports[${i}]`;
  if (p.protocol === "sctp") throw new UnsupportedStackFeatureError(service.name, field, "SCTP ports cannot be published on this host", "publish tcp or udp");
  const hostIp = p.hostIp === undefined || p.hostIp === "0.0.0.0" ? "" : p.hostIp;
  if (hostIp !== "" && isIP(hostIp) !== 4) throw new UnsupportedStackFeatureError(service.name, field, `host address ${hostIp} is not IPv4`, "publish on an IPv4 address or on all addresses");
  return { hostIp, protocol: p.protocol };
}
