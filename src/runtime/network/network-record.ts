import * as z from "zod";
import { InvalidArgumentError, lazy } from "../../oci/index.js";
import { NetworkExistsError, NetworkRecordError } from "./errors.js";
import { parseCidr, parseIpv4 } from "./ipv4.js";

/** The default network's name, as docker's. */
export const DEFAULT_NETWORK = "bridge";

/** docker's rule for network names; a name is also a file name under <root>/networks. */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

/** Names `--network` gives other meanings to. */
const PREDEFINED = new Set([DEFAULT_NETWORK, "host", "none", "default"]);

const Ipv4Schema = () => z.string().refine((s) => parseIpv4(s) !== undefined, "not an IPv4 address");

const PortMappingSchema = () => z.object({
  hostIp: z.string(),
  hostPort: z.number().int().min(1).max(65535),
  containerPort: z.number().int().min(1).max(65535),
  protocol: z.enum(["tcp", "udp"]),
  range: z.number().int().min(1).max(65535),
}).strict();

const AttachmentSchema = lazy(() => z.object({
  /** The container's name, if it has one (for inspect). */
  name: z.string().optional(),
  ipv4: Ipv4Schema(),
  /** The interface inside the container: eth0, eth1, … */
  interface: z.string().regex(/^[a-zA-Z0-9_.-]{1,15}$/),
  aliases: z.array(z.string()),
  /** Host ports published for the container (the same list on each of its networks), so teardown can undo them. */
  ports: z.array(PortMappingSchema()),
  /** "allocated" until netavark setup has succeeded; a crash in between leaves "allocated" for disconnect to repair. */
  status: z.enum(["allocated", "connected"]),
  mac: z.string().optional(),
}).strict());

const NetworkRecordSchema = lazy(() => z.object({
  schemaVersion: z.literal(1),
  name: z.string().regex(NAME),
  id: z.string().regex(/^[0-9a-f]{64}$/),
  created: z.string(),
  driver: z.literal("bridge"),
  /** The bridge on the host: berth0 for the default network, berth<N> for the others. */
  interface: z.string().regex(/^[a-zA-Z0-9_.-]{1,15}$/),
  subnet: z.string().refine((s) => { try { parseCidr(s, "subnet"); return true; } catch { return false; } }, "not an IPv4 CIDR"),
  gateway: Ipv4Schema(),
  internal: z.boolean(),
  /** aardvark-dns answers container names on this network. */
  dns: z.boolean(),
  labels: z.record(z.string(), z.string()),
  /** The address given out last, so the next one follows it rather than reusing a just-freed address at once. */
  lastAllocated: Ipv4Schema().optional(),
  /** Attached containers by full id: the IPAM state. */
  containers: z.record(z.string().regex(/^[0-9a-f]{12,64}$/), AttachmentSchema()),
}).strict());

/** One network as stored in `<root>/networks/<name>.json`. */
export type NetworkRecord = z.output<ReturnType<typeof NetworkRecordSchema>>;
/** A container's place on one network. */
export type NetworkAttachment = z.output<ReturnType<typeof AttachmentSchema>>;

/** Parse a network file's text; a damaged file is a NetworkRecordError naming it and the field. */
export function parseNetworkRecord(text: string, path: string): NetworkRecord {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new NetworkRecordError(path, `not JSON (${(e as Error).message})`);
  }
  const parsed = NetworkRecordSchema().safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new NetworkRecordError(path, `${issue.path.join(".") || "(top)"}: ${issue.message}`);
  }
  return parsed.data;
}

/** Check a user-given network name: docker's characters, not a predefined name. */
export function checkNetworkName(name: string): void {
  if (!NAME.test(name)) {
    throw new InvalidArgumentError(`network name ${JSON.stringify(name.slice(0, 200))}: must start with a letter or digit and hold only letters, digits, _ . - (at most 128)`);
  }
  if (PREDEFINED.has(name)) throw new NetworkExistsError(name, true);
}
