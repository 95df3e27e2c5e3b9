import { isIP } from "node:net";
import { InvalidArgumentError } from "../../oci/index.js";

/** An inclusive range of port numbers; one port has `start === end`. */
export interface PortRange {
  readonly start: number;
  readonly end: number;
}

/** One container port published on the host: the normalised form of a `ports:` entry. */
export interface PortMapping {
  /** The port inside the container. */
  readonly target: number;
  /** The host port, or a range the host picks one free port from; undefined (or 0 in the file) lets the host pick any. */
  readonly published?: PortRange;
  /** The host address to bind; undefined means all interfaces. */
  readonly hostIp?: string;
  readonly protocol: PortProtocol;
  /** `ingress`: load-balanced across replicas (the default); `host`: bound by each replica itself. */
  readonly mode: "ingress" | "host";
  readonly name?: string;
  readonly appProtocol?: string;
}

/** A port a service listens on without publishing it (`expose:`). */
export interface ExposedPort extends PortRange {
  readonly protocol: PortProtocol;
}

export type PortProtocol = "tcp" | "udp" | "sctp";
const PROTOCOLS: readonly string[] = ["tcp", "udp", "sctp"];
const HINT = "write [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. \"8080:80\", \"127.0.0.1:8080:80/udp\", \"9090-9091:8080-8081\"";

const bad = (spec: unknown, why: string): InvalidArgumentError =>
  new InvalidArgumentError(`invalid port ${JSON.stringify(spec)}: ${why}`, { hint: HINT });

/** Parse `N` or `N-M` with every port in [min, 65535]. */
export function parsePortRange(text: string, min: number, spec: unknown): PortRange {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (m === null) throw bad(spec, `${JSON.stringify(text)} is not a port or a range of ports`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start < min || end > 65535 || start > 65535) throw bad(spec, `ports are ${min} to 65535`);
  if (end < start) throw bad(spec, `range ${text} ends before it starts`);
  return { start, end };
}

function parseProtocol(text: string | undefined, spec: unknown): PortProtocol {
  const p = (text ?? "tcp").toLowerCase();
  if (!PROTOCOLS.includes(p)) throw bad(spec, `protocol must be tcp, udp or sctp, got ${JSON.stringify(text)}`);
  return p as PortProtocol;
}

/**
 * Parse the short syntax of `ports:` as docker compose does (Docker's
 * nat.ParsePortSpec): `"3000"`, `"3000-3005"`, `"8000:8000"`,
 * `"9090-9091:8080-8081"`, `"8000-9000:80"` (a host range to pick from),
 * `"127.0.0.1:8001:8001"`, `"[::1]:6001:6001"`, `"6060:6060/udp"`, or a number.
 * A container range gives one mapping per port; host and container ranges
 * must then be the same length.
 */
export function parsePortSpec(spec: string | number): PortMapping[] {
  const raw = String(spec).trim();
  if (raw === "") throw bad(spec, "empty");
  const slash = raw.lastIndexOf("/");
  const protocol = parseProtocol(slash < 0 ? undefined : raw.slice(slash + 1) || undefined, spec);
  const body = slash < 0 ? raw : raw.slice(0, slash);
  const parts = body.split(":");
  const containerText = parts.pop()!;
  const hostText = parts.length > 0 ? parts.pop()! : undefined;
  let hostIp = parts.length > 0 ? parts.join(":") : undefined;
  if (hostIp !== undefined && hostIp.startsWith("[") && hostIp.endsWith("]")) hostIp = hostIp.slice(1, -1);
  if (hostIp !== undefined && isIP(hostIp) === 0) throw bad(spec, `${JSON.stringify(hostIp)} is not an IP address`);
  if (containerText === "") throw bad(spec, "no container port");
  // "127.0.0.1::80" lets the host pick the port on that address; ":80" is refused by the compose-spec schema.
  if (hostText === "" && hostIp === undefined) throw bad(spec, "empty host port before \":\"");
  const container = parsePortRange(containerText, 1, spec);
  const host = hostText === undefined || hostText === "" ? undefined : parsePortRange(hostText, 0, spec);
  const containerCount = container.end - container.start;
  if (host !== undefined && containerCount !== 0 && host.end - host.start !== containerCount) {
    throw bad(spec, "host and container port ranges differ in length");
  }
  const out: PortMapping[] = [];
  for (let port = container.start; port <= container.end; port++) {
    const offset = port - container.start;
    const published = host === undefined ? undefined
      : containerCount === 0 ? host
      : { start: host.start + offset, end: host.start + offset };
    out.push(mapping(port, published, hostIp, protocol, "ingress"));
  }
  return out;
}

/** The fields of the long syntax of a `ports:` entry, after type coercion. */
export interface LongPortSpec {
  readonly target: number | string;
  readonly published?: number | string;
  readonly host_ip?: string;
  readonly protocol?: string;
  readonly mode?: string;
  readonly name?: string;
  readonly app_protocol?: string;
}

/** Normalise the long syntax of a `ports:` entry. */
export function parseLongPortSpec(spec: LongPortSpec): PortMapping {
  const target = parsePortRange(String(spec.target), 1, spec);
  if (target.start !== target.end) throw bad(spec, "target must be one port");
  const published = spec.published === undefined ? undefined : parsePortRange(String(spec.published), 0, spec);
  if (spec.host_ip !== undefined && isIP(spec.host_ip) === 0) throw bad(spec, `host_ip ${JSON.stringify(spec.host_ip)} is not an IP address`);
  const mode = spec.mode ?? "ingress";
  if (mode !== "ingress" && mode !== "host") throw bad(spec, `mode must be ingress or host, got ${JSON.stringify(mode)}`);
  const m = mapping(target.start, published, spec.host_ip, parseProtocol(spec.protocol, spec), mode);
  return { ...m, ...(spec.name !== undefined && { name: spec.name }), ...(spec.app_protocol !== undefined && { appProtocol: spec.app_protocol }) };
}

// Published port 0 means "any free port", the same as leaving it out.
const mapping = (target: number, published: PortRange | undefined, hostIp: string | undefined, protocol: PortProtocol, mode: "ingress" | "host"): PortMapping => ({
  target,
  ...(published !== undefined && !(published.start === 0 && published.end === 0) && { published }),
  ...(hostIp !== undefined && hostIp !== "" && { hostIp }),
  protocol,
  mode,
});

/** The key under which compose merges `ports:` entries: {host_ip, published, target, protocol}. */
export const portKey = (p: PortMapping): string =>
  `${p.hostIp ?? ""}:${p.published === undefined ? "" : `${p.published.start}-${p.published.end}`}:${p.target}/${p.protocol}`;

/** Parse an `expose:` entry: `3000`, `"8000-8010"`, `"8000/udp"`. */
export function parseExposeSpec(spec: string | number): ExposedPort {
  const raw = String(spec).trim();
  const [ports, proto, ...rest] = raw.split("/");
  if (rest.length > 0) throw bad(spec, "more than one \"/\"");
  const range = parsePortRange(ports ?? "", 1, spec);
  return { ...range, protocol: parseProtocol(proto, spec) };
}
