import { randomBytes } from "node:crypto";
import { access, mkdir, readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { withFileLock, writeFileAtomic, fsyncDir } from "../../content/index.js";
import { InvalidArgumentError } from "../../oci/index.js";
import {
  AddressPoolExhaustedError, AmbiguousNetworkError, NetworkExistsError, NetworkInUseError, NetworkNotFoundError, NetworkRecordError, SubnetOverlapError,
} from "./errors.js";
import { gatewayFor } from "./ipam.js";
import { cidrsOverlap, formatCidr, parseCidr } from "./ipv4.js";
import { checkNetworkName, DEFAULT_NETWORK, parseNetworkRecord, type NetworkRecord } from "./network-record.js";
import { hostRoutes, pickSubnet } from "./subnet-choice.js";

/** Options of a {@link NetworkStore}. */
export interface NetworkStoreOptions {
  /**
   * Host bridges are named `<prefix><N>`: `<prefix>0` for the default
   * network, 1, 2, … for the others. Default "berth"; at most 11 characters.
   * Two berth roots on one host (tests) need different prefixes.
   */
  readonly bridgePrefix?: string;
  /** The default network's subnet; default 10.88.0.0/16, as podman's. */
  readonly defaultSubnet?: string;
  /** How long to wait for another berth process holding the lock (default 120 s: a connect runs netavark under it). */
  readonly lockTimeoutMs?: number;
}

/** What `berth network create` takes. */
export interface CreateNetworkOptions {
  /** IPv4 CIDR; picked from 10.89.N.0/24 when absent, clear of other networks and the host's routes. */
  readonly subnet?: string;
  /** Default: the subnet's first host address. */
  readonly gateway?: string;
  /** No route out of the network (netavark's internal). */
  readonly internal?: boolean;
  readonly labels?: Readonly<Record<string, string>>;
  /** aardvark-dns answers container names; default true (docker's user networks). */
  readonly dns?: boolean;
}

/** Reads and writes of network files while holding the store's lock. */
export interface NetworkTransaction {
  list(): Promise<NetworkRecord[]>;
  /** By name, full id or unique id prefix; NetworkNotFoundError or AmbiguousNetworkError. */
  get(nameOrId: string): Promise<NetworkRecord>;
  /** Replace the network's file atomically. */
  save(record: NetworkRecord): Promise<void>;
}

/**
 * Networks under `<root>/networks/`, one JSON file each (see
 * {@link NetworkRecord}), written atomically; every change happens under one
 * lock file so that berth processes sharing the root never hand out one
 * subnet, bridge or address twice.
 *
 * ```
 * <root>/networks/
 *   <name>.json   the network and its attached containers (IPAM state)
 *   .lock         held while networks change or netavark runs
 *   netavark/     netavark --config: aardvark-dns/<network> entries, aardvark.pid
 * ```
 */
export class NetworkStore {
  readonly dir: string;
  /** netavark's `--config` directory. */
  readonly netavarkConfigDir: string;
  private readonly prefix: string;
  private readonly defaultSubnet: string;
  private readonly lockTimeoutMs: number;

  constructor(root: string, opts: NetworkStoreOptions = {}) {
    this.dir = join(root, "networks");
    this.netavarkConfigDir = join(this.dir, "netavark");
    this.prefix = opts.bridgePrefix ?? "berth";
    if (!/^[a-z][a-z0-9]{0,10}$/.test(this.prefix)) throw new InvalidArgumentError(`bridgePrefix ${JSON.stringify(this.prefix)}: 1-11 lower-case letters and digits, starting with a letter`);
    this.defaultSubnet = opts.defaultSubnet ?? "10.88.0.0/16";
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 120_000;
  }

  /** Create a user network (bridge `<prefix><N>`, dns on unless `dns: false`); InvalidArgumentError, NetworkExistsError, SubnetOverlapError. */
  async create(name: string, opts: CreateNetworkOptions = {}): Promise<NetworkRecord> {
    checkNetworkName(name);
    if (opts.gateway !== undefined && opts.subnet === undefined) throw new InvalidArgumentError("--gateway needs --subnet", { hint: "give the subnet the gateway belongs to" });
    return this.transaction(async (tx) => {
      const all = await tx.list();
      if (all.some((n) => n.name === name)) throw new NetworkExistsError(name);
      const subnet = opts.subnet === undefined ? await this.freeSubnet(all) : checkOverlap(opts.subnet, all);
      const record: NetworkRecord = {
        schemaVersion: 1, name, id: randomBytes(32).toString("hex"), created: new Date().toISOString(), driver: "bridge",
        interface: await this.freeInterface(all), subnet, gateway: gatewayFor(subnet, opts.gateway),
        internal: opts.internal ?? false, dns: opts.dns ?? true, labels: { ...opts.labels }, containers: {},
      };
      await tx.save(record);
      return record;
    });
  }

  /** The default network `bridge` (bridge `<prefix>0`, 10.88.0.0/16, no DNS as docker's default bridge), created on first use. */
  async ensureDefault(): Promise<NetworkRecord> {
    const existing = await this.read(DEFAULT_NETWORK).catch(() => undefined);
    if (existing) return existing;
    return this.transaction(async (tx) => {
      const all = await tx.list();
      const found = all.find((n) => n.name === DEFAULT_NETWORK);
      if (found) return found;
      const subnet = checkOverlap(this.defaultSubnet, all);
      const record: NetworkRecord = {
        schemaVersion: 1, name: DEFAULT_NETWORK, id: randomBytes(32).toString("hex"), created: new Date().toISOString(), driver: "bridge",
        interface: `${this.prefix}0`, subnet, gateway: gatewayFor(subnet), internal: false, dns: false, labels: {}, containers: {},
      };
      await tx.save(record);
      return record;
    });
  }

  /** Every network, by name. A damaged file is a NetworkRecordError, never skipped: its addresses would be handed out again. */
  async list(): Promise<NetworkRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    const files = names.filter((n) => n.endsWith(".json") && !n.startsWith(".")).sort();
    const out: NetworkRecord[] = [];
    for (const f of files) {
      const r = await this.read(f.slice(0, -".json".length)).catch((e: unknown) => {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined; // removed while we listed
        throw e;
      });
      if (r) out.push(r);
    }
    return out;
  }

  /** One network by name, full id or unique id prefix; NetworkNotFoundError or AmbiguousNetworkError. */
  async inspect(nameOrId: string): Promise<NetworkRecord> {
    return findNetwork(await this.list(), nameOrId);
  }

  /** Remove a network; NetworkInUseError while containers are attached or for the default network. Returns what was removed. */
  async remove(nameOrId: string): Promise<NetworkRecord> {
    if (nameOrId === DEFAULT_NETWORK) throw new NetworkInUseError(DEFAULT_NETWORK, []);
    return this.transaction(async (tx) => {
      const net = await tx.get(nameOrId);
      if (net.name === DEFAULT_NETWORK) throw new NetworkInUseError(net.name, []);
      const attached = Object.keys(net.containers);
      if (attached.length > 0) throw new NetworkInUseError(net.name, attached);
      await unlink(this.file(net.name));
      await fsyncDir(this.dir);
      return net;
    });
  }

  /**
   * docker's `network prune`: remove every network no container is attached
   * to, never the default one. "Attached" is what the files record: running
   * containers (and setups a crash cut short, kept for their repair); a
   * stopped container's networks are only in its own record, and go, as
   * docker prunes them (its next start then fails: network not found).
   * Returns the removed networks, by name.
   */
  async prune(): Promise<NetworkRecord[]> {
    return this.transaction(async (tx) => {
      const unused = (await tx.list()).filter((n) => n.name !== DEFAULT_NETWORK && Object.keys(n.containers).length === 0);
      for (const n of unused) await unlink(this.file(n.name));
      if (unused.length > 0) await fsyncDir(this.dir);
      return unused;
    });
  }

  /** Run `fn` holding the store's lock; what it saves is on disk when it returns. */
  async transaction<T>(fn: (tx: NetworkTransaction) => Promise<T>): Promise<T> {
    await mkdir(this.dir, { recursive: true });
    return withFileLock(join(this.dir, ".lock"), () => fn({
      list: () => this.list(),
      get: async (nameOrId) => findNetwork(await this.list(), nameOrId),
      save: (r) => writeFileAtomic(this.file(r.name), `${JSON.stringify(r, null, 2)}\n`),
    }), { timeoutMs: this.lockTimeoutMs });
  }

  private file(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  private async read(name: string): Promise<NetworkRecord> {
    const path = this.file(name);
    const r = parseNetworkRecord(await readFile(path, "utf8"), path);
    if (r.name !== name) throw new NetworkRecordError(path, `holds network ${JSON.stringify(r.name)}, expected ${JSON.stringify(name)}`);
    return r;
  }

  private async freeSubnet(all: readonly NetworkRecord[]): Promise<string> {
    const taken = [...all.map((n) => parseCidr(n.subnet, "subnet")), ...(await hostRoutes()).map((r) => r.destination)];
    const picked = pickSubnet(taken);
    if (!picked) throw new AddressPoolExhaustedError("no free subnet left in 10.89.0.0/16", "remove unused networks, or give --subnet");
    return formatCidr(picked);
  }

  /** The lowest `<prefix>N` (N ≥ 1) no network of this root uses and no host interface has. */
  private async freeInterface(all: readonly NetworkRecord[]): Promise<string> {
    const used = new Set(all.map((n) => n.interface));
    for (let n = 1; n < 10_000; n++) {
      const name = `${this.prefix}${n}`;
      if (name.length > 15) break;
      if (used.has(name)) continue;
      const present = await access(`/sys/class/net/${name}`).then(() => true, () => false);
      if (!present) return name;
    }
    throw new AddressPoolExhaustedError(`no free bridge name ${this.prefix}N left`, "remove unused networks");
  }
}

/** Resolve a name, full id or unique id prefix among `all`. */
function findNetwork(all: readonly NetworkRecord[], nameOrId: string): NetworkRecord {
  const byName = all.find((n) => n.name === nameOrId) ?? all.find((n) => n.id === nameOrId);
  if (byName) return byName;
  const byPrefix = /^[0-9a-f]+$/.test(nameOrId) ? all.filter((n) => n.id.startsWith(nameOrId)) : [];
  if (byPrefix.length > 1) throw new AmbiguousNetworkError(nameOrId, byPrefix.length);
  if (byPrefix.length === 0) throw new NetworkNotFoundError(nameOrId);
  return byPrefix[0]!;
}

/** The subnet, normalised, when it overlaps no other network's; SubnetOverlapError otherwise. */
function checkOverlap(subnetText: string, all: readonly NetworkRecord[]): string {
  const subnet = parseCidr(subnetText, "--subnet");
  const other = all.find((n) => cidrsOverlap(parseCidr(n.subnet, "subnet"), subnet));
  if (other) throw new SubnetOverlapError(subnetText, `${other.subnet} of network ${other.name}`);
  return formatCidr(subnet);
}
