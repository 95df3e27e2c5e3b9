import { InvalidArgumentError } from "../../oci/index.js";
import { formatIpv4, parseIpv4 } from "./ipv4.js";

/** Protocols a port can be published for. */
export type PortProtocol = "tcp" | "udp";

/**
 * One published port range (netavark's port_mappings entry): host ports
 * `hostPort … hostPort+range-1` forward to `containerPort … +range-1`.
 */
export interface PortMapping {
  /** Host address to publish on; "" for every address (docker's 0.0.0.0). */
  readonly hostIp: string;
  /** First host port; 0 until {@link resolveHostPorts} picks a free one. */
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: PortProtocol;
  /** How many consecutive ports, at least 1. */
  readonly range: number;
  /**
   * docker's host range for one container port (`-p 8000-8010:80`): the
   * last host port to try; {@link resolveHostPorts} takes the first free one
   * of `hostPort`…`hostPortEnd` and drops this field. Only with `range` 1.
   */
  readonly hostPortEnd?: number;
}

interface PortRange {
  readonly start: number;
  readonly end: number;
}

const MAX_SPEC = 256;
/**
 * More ports than this in one flag is a typo, not a plan: each needs
 * checking and firewall rules, and a host range for one port is probed
 * port by port under the network store's lock. docker has no such limit.
 */
export const MAX_PORT_RANGE = 1024;

/**
 * Parse one `-p/--publish` value in docker's forms: `CTR`, `HOST:CTR`,
 * `IP:HOST:CTR`, `IP::CTR`, each port a number or a range `A-B`, with an
 * optional `/tcp` or `/udp` (tcp by default). An absent or 0 host port
 * means "pick a free one when the container connects". A host range maps
 * port by port onto a container range as long; onto one container port it
 * means "the first free port of the range when the container connects"
 * (docker's). Without a host port a container range gives one mapping per
 * port, each to be given its own free host port.
 * Throws InvalidArgumentError naming the flag and the value.
 */
export function parsePublish(spec: string, flag = "--publish"): PortMapping[] {
  const fail = (why: string, hint?: string): never => {
    throw new InvalidArgumentError(`${flag} ${JSON.stringify(spec.slice(0, MAX_SPEC))}: ${why}`, {
      hint: hint ?? "use [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp], e.g. 8080:80 or 127.0.0.1:53:53/udp",
    });
  };
  if (spec.length === 0 || spec.length > MAX_SPEC || /\s/.test(spec)) fail("not a port mapping");
  if (spec.startsWith("[")) fail("IPv6 host addresses are not supported yet", "publish on an IPv4 address or on all addresses");
  const slash = spec.split("/");
  if (slash.length > 2) fail("more than one protocol");
  const protocol = parseProtocol(slash[1] ?? "tcp") ?? fail(`unknown protocol ${JSON.stringify(slash[1])}`, "give /tcp or /udp");
  const parts = slash[0]!.split(":");
  if (parts.length > 3) fail("too many colons");
  const [ipText, hostText, ctrText] = parts.length === 3 ? parts : parts.length === 2 ? ["", parts[0]!, parts[1]!] : ["", "", parts[0]!];
  const hostIp = parseHostIp(ipText!) ?? fail(`host address ${JSON.stringify(ipText)} is not an IPv4 address`);
  const ctr = parsePortRange(ctrText!) ?? fail(`container port ${JSON.stringify(ctrText)} must be 1-65535 or a range A-B`);
  if (ctr.end - ctr.start + 1 > MAX_PORT_RANGE) fail(`a range of more than ${MAX_PORT_RANGE} ports`, "publish fewer ports at once");
  if (hostText === "" || hostText === "0") {
    const count = ctr.end - ctr.start + 1;
    return Array.from({ length: count }, (_, i) => ({ hostIp, hostPort: 0, containerPort: ctr.start + i, protocol, range: 1 }));
  }
  const host = parsePortRange(hostText!) ?? fail(`host port ${JSON.stringify(hostText)} must be 1-65535 or a range A-B`);
  if (ctr.start === ctr.end && host.end > host.start) {
    if (host.end - host.start + 1 > MAX_PORT_RANGE) fail(`a range of more than ${MAX_PORT_RANGE} ports`, "give a shorter host range");
    return [{ hostIp, hostPort: host.start, hostPortEnd: host.end, containerPort: ctr.start, protocol, range: 1 }];
  }
  if (host.end - host.start !== ctr.end - ctr.start) {
    fail("host and container port ranges differ in length", "give ranges of the same length (8000-8001:80-81), a host range for one port (8000-8010:80), or leave the host port out");
  }
  return [{ hostIp, hostPort: host.start, containerPort: ctr.start, protocol, range: ctr.end - ctr.start + 1 }];
}

/**
 * Why a host range for one port (`hostPortEnd`) cannot be used, or
 * undefined when it can: it maps one container port (`range` 1), runs
 * upwards from a real port, and spans at most MAX_PORT_RANGE ports, as
 * parsePublish gives. For mappings that did not come from parsePublish
 * (the daemon's API, a record).
 */
export function hostRangeProblem(m: PortMapping): string | undefined {
  if (m.hostPortEnd === undefined) return undefined;
  if (m.range !== 1) return `a host range (${m.hostPort}-${m.hostPortEnd}) maps one container port, not ${m.range}`;
  if (m.hostPort < 1 || m.hostPort > m.hostPortEnd) return `host port range ${m.hostPort}-${m.hostPortEnd} is empty or starts at 0`;
  if (m.hostPortEnd - m.hostPort + 1 > MAX_PORT_RANGE) return `host port range ${m.hostPort}-${m.hostPortEnd}: more than ${MAX_PORT_RANGE} ports`;
  return undefined;
}

/**
 * docker's `-P/--publish-all`: every port the image exposes
 * (`config.ExposedPorts` keys such as `80/tcp`, `53/udp`, `8000-8001/tcp`)
 * published on all addresses, each on a free host port picked at connect;
 * ordered by container port, tcp before udp.
 */
export function publishAll(exposedPorts: Readonly<Record<string, object>>): PortMapping[] {
  const out: PortMapping[] = [];
  for (const key of Object.keys(exposedPorts)) {
    const [ports, proto, extra] = key.split("/");
    const protocol = parseProtocol(proto ?? "tcp");
    const range = parsePortRange(ports ?? "");
    if (extra !== undefined || protocol === undefined || range === undefined || range.end - range.start + 1 > MAX_PORT_RANGE) {
      throw new InvalidArgumentError(`config.ExposedPorts[${JSON.stringify(key.slice(0, MAX_SPEC))}]: not PORT[/tcp|/udp]`, {
        hint: "the image's EXPOSE is malformed; publish ports one by one with -p instead",
      });
    }
    for (let p = range.start; p <= range.end; p++) out.push({ hostIp: "", hostPort: 0, containerPort: p, protocol, range: 1 });
  }
  return out.sort((a, b) => a.containerPort - b.containerPort || a.protocol.localeCompare(b.protocol));
}

/** `8080:80/tcp`, `127.0.0.1:8000-8001:80-81/udp`, `8000-8010:80/tcp`, as docker prints a mapping. */
export function formatPortMapping(m: PortMapping): string {
  const span = (p: number): string => (m.range > 1 ? `${p}-${p + m.range - 1}` : String(p));
  return `${m.hostIp === "" ? "" : `${m.hostIp}:`}${m.hostPort === 0 ? "" : hostPortText(m)}:${span(m.containerPort)}/${m.protocol}`;
}

/** The host side: `8080`, `8000-8001` for a range, `8000-8010` for a range to pick from; "" for any port. */
function hostPortText(m: PortMapping): string {
  if (m.hostPort === 0) return "";
  const end = m.hostPortEnd ?? m.hostPort + m.range - 1;
  return end > m.hostPort ? `${m.hostPort}-${end}` : String(m.hostPort);
}

const parseProtocol = (text: string): PortProtocol | undefined => (text === "tcp" || text === "udp" ? text : undefined);

/** "" and 0.0.0.0 both mean every address; anything else must be a dotted quad. */
function parseHostIp(text: string): string | undefined {
  if (text === "" || text === "0.0.0.0") return "";
  const ip = parseIpv4(text);
  return ip === undefined ? undefined : formatIpv4(ip);
}

function parsePortRange(text: string): PortRange | undefined {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start < 1 || end < start || end > 65535) return undefined;
  return { start, end };
}
