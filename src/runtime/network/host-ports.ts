import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { BerthError, InvalidArgumentError } from "../../oci/index.js";
import { PortInUseError } from "./errors.js";
import { hostRangeProblem, MAX_PORT_RANGE, type PortMapping, type PortProtocol } from "./port-mapping.js";

/** Tries to find a free host port before giving up (the kernel's pick may clash with another container's). */
const PICK_ATTEMPTS = 50;

/**
 * Make the host side of `mappings` real before netavark forwards anything:
 *
 * - a host port another container publishes (`taken`, from the network
 *   files), or one this list publishes twice, is a PortInUseError;
 * - every host port is bound once on its address for its protocol, then
 *   released: one a process holds is a PortInUseError, an address not on
 *   this machine an InvalidArgumentError;
 * - host port 0 becomes a port the kernel picks as free (docker's ephemeral
 *   ports), never one in `taken`;
 * - a host range for one port (`hostPortEnd`) becomes its first port that
 *   is neither in `taken` nor held by a process (docker skips only the ports
 *   its other containers hold, and fails on one a process holds; berth
 *   skips both); a PortInUseError when every one is taken.
 *
 * netavark only writes DNAT rules; nothing holds the port afterwards, so
 * the check is the caller's (podman's conmon and docker-proxy hold it).
 * Returns the mappings with every host port set.
 */
export async function resolveHostPorts(mappings: readonly PortMapping[], taken: readonly PortMapping[]): Promise<PortMapping[]> {
  const done: PortMapping[] = [];
  for (const m of mappings) {
    if (m.hostPortEnd !== undefined) {
      done.push(await firstFreeInRange(m, [...taken, ...done]));
      continue;
    }
    if (m.hostPort !== 0) {
      const clash = [...taken, ...done].find((t) => overlaps(t, m));
      if (clash) throw new PortInUseError(m.hostIp, firstShared(clash, m), m.protocol, done.includes(clash) ? "published twice by this container" : "published by another container");
      for (let p = m.hostPort; p < m.hostPort + m.range; p++) await probePort(m.hostIp, p, m.protocol);
      done.push(m);
      continue;
    }
    for (let i = 0; i < m.range; i++) {
      const single = { ...m, containerPort: m.containerPort + i, range: 1 };
      done.push({ ...single, hostPort: await pickFreePort(single, [...taken, ...done]) });
    }
  }
  return done;
}

/** True when the two mappings share a host port, protocol and address ("" is every address). */
export function overlaps(a: PortMapping, b: PortMapping): boolean {
  if (a.protocol !== b.protocol || a.hostPort === 0 || b.hostPort === 0) return false;
  if (a.hostIp !== "" && b.hostIp !== "" && a.hostIp !== b.hostIp) return false;
  return a.hostPort <= b.hostPort + b.range - 1 && b.hostPort <= a.hostPort + a.range - 1;
}

const firstShared = (a: PortMapping, b: PortMapping): number => Math.max(a.hostPort, b.hostPort);

/** The first port of `m.hostPort`…`m.hostPortEnd` that no mapping of `taken` has and no process holds, as a plain mapping. */
async function firstFreeInRange(m: PortMapping, taken: readonly PortMapping[]): Promise<PortMapping> {
  const problem = hostRangeProblem(m);
  if (problem !== undefined) throw new InvalidArgumentError(`--publish: ${problem}`, { hint: `give HOSTSTART-HOSTEND:CONTAINERPORT with at most ${MAX_PORT_RANGE} ports, e.g. 8000-8010:80` });
  const { hostPortEnd: end = m.hostPort, ...single } = m;
  for (let port = m.hostPort; port <= end; port++) {
    const candidate = { ...single, hostPort: port, range: 1 };
    if (taken.some((t) => overlaps(t, candidate))) continue;
    try {
      await probePort(m.hostIp, port, m.protocol);
      return candidate;
    } catch (e) {
      if (!(e instanceof PortInUseError)) throw e;
    }
  }
  throw new PortInUseError(m.hostIp, m.hostPort, m.protocol, `as is every other port up to ${end}, held by other containers or processes`);
}

async function pickFreePort(m: PortMapping, taken: readonly PortMapping[]): Promise<number> {
  for (let attempt = 0; attempt < PICK_ATTEMPTS; attempt++) {
    const port = await probePort(m.hostIp, 0, m.protocol);
    if (!taken.some((t) => overlaps(t, { ...m, hostPort: port }))) return port;
  }
  throw new BerthError("UNAVAILABLE", `no free host port for ${m.containerPort}/${m.protocol} after ${PICK_ATTEMPTS} tries`, { hint: "give host ports with -p HOSTPORT:CTRPORT" });
}

/** Bind `port` (0: any) on `hostIp` for `protocol` and release it; the port bound. */
function probePort(hostIp: string, port: number, protocol: PortProtocol): Promise<number> {
  const address = hostIp === "" ? "0.0.0.0" : hostIp;
  const failure = (e: NodeJS.ErrnoException): Error => {
    if (e.code === "EADDRINUSE") return new PortInUseError(hostIp, port, protocol, "a process on the host holds it");
    if (e.code === "EADDRNOTAVAIL") return new InvalidArgumentError(`--publish ${hostIp}: not an address of this host`, { hint: "publish on an address of one of the host's interfaces, or on all (leave the address out)" });
    if (e.code === "EACCES") return new BerthError("PERMISSION_DENIED", `port ${address}:${port}/${protocol}: ${e.message}`, { hint: "ports below 1024 need root" });
    return e;
  };
  return new Promise((resolve, reject) => {
    if (protocol === "udp") {
      const s = createSocket({ type: "udp4", reuseAddr: false });
      s.once("error", (e) => {
        try {
          s.close();
        } catch {
          // Never bound, so nothing to close.
        }
        reject(failure(e));
      });
      s.bind({ address, port, exclusive: true }, () => {
        const bound = s.address().port;
        s.close(() => resolve(bound));
      });
      return;
    }
    const server = createServer();
    server.once("error", (e) => reject(failure(e)));
    server.listen({ host: address, port, exclusive: true }, () => {
      const a = server.address();
      const bound = typeof a === "object" && a !== null ? a.port : port;
      server.close(() => resolve(bound));
    });
  });
}
