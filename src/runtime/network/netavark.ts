import { mkdir } from "node:fs/promises";
import * as z from "zod";
import { lazy } from "../../oci/index.js";
import { NetworkSetupError } from "./errors.js";
import { runTool } from "./internal/run-tool.js";
import type { NetworkAttachment, NetworkRecord } from "./network-record.js";
import type { PortMapping } from "./port-mapping.js";

/** Debian's netavark and aardvark-dns (package netavark, aardvark-dns). */
export const NETAVARK_BINARY = "/usr/lib/podman/netavark";
export const AARDVARK_BINARY = "/usr/lib/podman/aardvark-dns";

/** Which netavark to run, and its state directory. */
export interface NetavarkConfig {
  /** netavark's `--config`: aardvark-dns keeps its per-network entries and pid file below it. */
  readonly configDir: string;
  readonly netavarkBinary?: string;
  readonly aardvarkBinary?: string;
}

/** One network of a container as netavark is told about it. */
export interface NetavarkEntry {
  readonly network: NetworkRecord;
  readonly attachment: NetworkAttachment;
}

/** What netavark 1.4 reads on stdin (its NetworkOptions). */
export interface NetavarkInput {
  readonly container_id: string;
  readonly container_name: string;
  readonly port_mappings: readonly { host_ip: string; container_port: number; host_port: number; range: number; protocol: string }[];
  readonly networks: Readonly<Record<string, { static_ips: string[]; aliases: string[]; interface_name: string }>>;
  readonly network_info: Readonly<Record<string, object>>;
  readonly dns_servers?: readonly string[];
}

/**
 * Build netavark's network options for one container: its address on each
 * network (berth's IPAM chose them; netavark's `host-local` driver then
 * just applies them), aliases for aardvark-dns, and the host ports.
 * `dnsServers` are the resolvers aardvark forwards this container's other
 * queries to (docker's --dns); the host's resolv.conf when absent.
 */
export function netavarkInput(containerId: string, containerName: string, entries: readonly NetavarkEntry[], ports: readonly PortMapping[], dnsServers?: readonly string[]): NetavarkInput {
  const networks: Record<string, { static_ips: string[]; aliases: string[]; interface_name: string }> = {};
  const info: Record<string, object> = {};
  for (const { network: n, attachment: a } of entries) {
    networks[n.name] = { static_ips: [a.ipv4], aliases: [...a.aliases], interface_name: a.interface };
    info[n.name] = {
      name: n.name, id: n.id, driver: "bridge", network_interface: n.interface, created: n.created,
      subnets: [{ subnet: n.subnet, gateway: n.gateway }], ipv6_enabled: false, internal: n.internal, dns_enabled: n.dns,
      ipam_options: { driver: "host-local" },
    };
  }
  return {
    container_id: containerId,
    container_name: containerName,
    port_mappings: ports.map((p) => ({ host_ip: p.hostIp, container_port: p.containerPort, host_port: p.hostPort, range: p.range, protocol: p.protocol })),
    networks,
    network_info: info,
    ...(dnsServers && dnsServers.length > 0 && { dns_servers: [...dnsServers] }),
  };
}

const StatusSchema = lazy(() => z.record(z.string(), z.object({
  dns_search_domains: z.array(z.string()).nullish(),
  dns_server_ips: z.array(z.string()).nullish(),
  interfaces: z.record(z.string(), z.object({
    mac_address: z.string(),
    subnets: z.array(z.object({ ipnet: z.string(), gateway: z.string().nullish() })).nullish(),
  })).nullish(),
})));

/** What `netavark setup` reports per network: interfaces with MAC and addresses, DNS for resolv.conf. */
export type NetavarkStatus = z.output<ReturnType<typeof StatusSchema>>;

/** Run `netavark setup <netns>`; resolves its status, rejects with a NetworkSetupError holding netavark's message. */
export async function netavarkSetup(config: NetavarkConfig, netnsPath: string, input: NetavarkInput): Promise<NetavarkStatus> {
  const stdout = await runNetavark(config, "setup", netnsPath, input);
  const parsed = StatusSchema().safeParse(safeJson(stdout));
  if (!parsed.success) throw new NetworkSetupError("netavark setup", input.container_id, `unexpected answer: ${stdout.slice(0, 500)}`);
  return parsed.data;
}

/** Run `netavark teardown <netns>`; rejects with a NetworkSetupError holding netavark's message. */
export async function netavarkTeardown(config: NetavarkConfig, netnsPath: string, input: NetavarkInput): Promise<void> {
  await runNetavark(config, "teardown", netnsPath, input);
}

async function runNetavark(config: NetavarkConfig, command: "setup" | "teardown", netnsPath: string, input: NetavarkInput): Promise<string> {
  await mkdir(config.configDir, { recursive: true });
  const args = [
    "--config", config.configDir, "--rootless", "false",
    "--aardvark-binary", config.aardvarkBinary ?? AARDVARK_BINARY,
    command, netnsPath,
  ];
  const r = await runTool(config.netavarkBinary ?? NETAVARK_BINARY, args, { input: JSON.stringify(input), timeoutMs: 60_000 });
  if (r.code === 0) return r.stdout;
  const answer = safeJson(r.stdout) as { error?: unknown } | undefined;
  // netavark also logs "failed to connect to syslog" where there is none; that is noise, not the failure.
  const stderr = r.stderr.split("\n").filter((l) => l.trim() !== "" && !/failed to connect to syslog/.test(l)).join("\n");
  throw new NetworkSetupError(`netavark ${command}`, input.container_id, typeof answer?.error === "string" ? answer.error : stderr || `exit ${r.code}`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
