import { Command } from "commander";
import { BerthError, InvalidArgumentError } from "../../oci/index.js";
import type { GlobalOptions } from "../main.js";
import { runtimeOf } from "./container-cli.js";

/** docker's NetworkSettings.Ports: "80/tcp" → the host addresses it is published on. */
export type PortBindings = Readonly<Record<string, readonly { readonly HostIp: string; readonly HostPort: string }[] | null>>;

/** `PRIVATE_PORT[/PROTO]` as docker's CLI reads it: the protocol defaults to tcp; the port must be a number (0-65535). */
export function parsePrivatePort(arg: string): string {
  const slash = arg.indexOf("/");
  const port = slash < 0 ? arg : arg.slice(0, slash);
  const proto = slash < 0 || slash === arg.length - 1 ? "tcp" : arg.slice(slash + 1);
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    throw new InvalidArgumentError(`invalid port (${port}): expected a number from 0 to 65535`, { hint: "give PRIVATE_PORT[/PROTO], e.g. 80 or 53/udp" });
  }
  return `${Number(port)}/${proto}`;
}

/** `host:port`, with IPv6 addresses in brackets as Go's net.JoinHostPort. */
const joinHostPort = (ip: string, port: string): string => (ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`);

/** The container ports in numeric order, then by protocol (as docker's CLI sorts them). */
function sortedKeys(ports: PortBindings): string[] {
  const num = (k: string): number => Number(k.split("/")[0]);
  return Object.keys(ports).sort((a, b) => num(a) - num(b) || a.localeCompare(b));
}

/**
 * docker port's lines: `80/tcp -> 127.0.0.1:8080` for each published
 * address; with `privatePort` (parsePrivatePort's `80/tcp`) the addresses
 * alone. `undefined` when that port is not published (docker's error).
 */
export function portLines(ports: PortBindings, privatePort?: string): string[] | undefined {
  if (privatePort !== undefined) {
    const frontends = ports[privatePort];
    return frontends === undefined || frontends === null ? undefined : frontends.map((f) => joinHostPort(f.HostIp, f.HostPort));
  }
  return sortedKeys(ports).flatMap((k) => (ports[k] ?? []).map((f) => `${k} -> ${joinHostPort(f.HostIp, f.HostPort)}`));
}

/** `berth port CONTAINER [PRIVATE_PORT[/PROTO]]`: the running container's published ports, from inspect's NetworkSettings.Ports, as docker's CLI does. */
export function portCommand(globals: () => GlobalOptions): Command {
  return new Command("port").description("list a container's published ports, or the host addresses of one of them")
    .argument("<container>", "name or id")
    .argument("[private-port]", "PRIVATE_PORT[/PROTO]: the container port (tcp unless /udp)")
    .action(async (ref: string, arg: string | undefined) => {
      const privatePort = arg === undefined ? undefined : parsePrivatePort(arg);
      const info = await runtimeOf(globals).inspect(ref);
      const lines = portLines(info.NetworkSettings.Ports as PortBindings, privatePort);
      if (lines === undefined) {
        throw new BerthError("NOT_FOUND", `No public port '${arg}' published for ${ref}`, { hint: `see the published ports with \`berth port ${ref}\`` });
      }
      process.stdout.write(lines.map((l) => `${l}\n`).join(""));
    });
}
