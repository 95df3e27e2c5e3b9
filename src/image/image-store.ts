import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { chainIds } from "./unpack/chain-id.js";
import { SnapshotStore } from "./unpack/snapshot-store.js";
import { collectGarbage, ContentStore, isProcessAlive, withFileLock, writeFileAtomic } from "../content/index.js";
import {
  BerthError, formatReference, parseImageConfig, parseManifest, parseReference,
  type Descriptor, type Digest, type Reference,
} from "../oci/index.js";

/** One name in the store and the manifest or index it points at. */
export interface ImageRecord {
  /** Full reference: `docker.io/library/busybox:latest`, or `host/repo@sha256:…` for an untagged pull by digest. */
  readonly name: string;
  readonly target: Descriptor;
  /** When the name was last set (ISO 8601). */
  readonly lastTagTime: string;
}

interface IndexFile {
  readonly schemaVersion: 1;
  readonly images: ImageRecord[];
}

/** No image by that name, id or digest. */
export class ImageNotFoundError extends BerthError {
  constructor(readonly ref: string) {
    super("NOT_FOUND", `image ${ref}: not found`, { hint: "see `berth images`; pull it with `berth pull`" });
  }
}

/**
 * The local image store: names → manifests, blobs in a content store.
 *
 * ```
 * <root>/content/              blobs (ContentStore)
 * <root>/images/index.json     { schemaVersion: 1, images: [{ name, target, lastTagTime }] }
 * <root>/images/index.lock     held while index.json is rewritten
 * <root>/images/leases/        one file per running pull/load: {pid, started}
 * <root>/snapshots/            unpacked layers (SnapshotStore)
 * ```
 * Name updates are read-modify-write under a lock file, written temp + fsync +
 * rename, so concurrent berth processes and a crash never lose or tear it.
 */
export class ImageStore {
  readonly content: ContentStore;
  private readonly dir: string;
  private snapshotStore: Promise<SnapshotStore> | undefined;

  constructor(readonly root: string) {
    this.content = new ContentStore(join(root, "content"));
    this.dir = join(root, "images");
  }

  /** Unpacked layers, one snapshot per chain id, under `<root>/snapshots`. */
  snapshots(): Promise<SnapshotStore> {
    this.snapshotStore ??= SnapshotStore.open(join(this.root, "snapshots"));
    return this.snapshotStore;
  }

  async list(): Promise<readonly ImageRecord[]> {
    return (await this.read()).images;
  }

  /** The record named exactly `name` (a full reference), if any. */
  async get(name: string): Promise<ImageRecord | undefined> {
    return (await this.list()).find((r) => r.name === name);
  }

  /**
   * Find images as a user names them: a reference (`busybox`, `host/repo:tag`,
   * `repo@sha256:…`), or an id / digest prefix of at least 4 hex characters.
   * Returns every record that matches (several names can share one image).
   */
  async lookup(ref: string, ids: (r: ImageRecord) => Promise<readonly string[]> = async (r) => [r.target.digest]): Promise<ImageRecord[]> {
    const all = await this.list();
    let parsed: Reference | undefined;
    try {
      parsed = parseReference(ref);
    } catch {
      parsed = undefined;
    }
    if (parsed) {
      if (parsed.digest) {
        const byDigest = all.filter((r) => r.target.digest === parsed!.digest && sameRepository(r.name, parsed!));
        if (byDigest.length > 0) return byDigest;
      } else {
        const exact = all.filter((r) => r.name === formatReference(parsed!));
        if (exact.length > 0) return exact;
      }
    }
    const hex = ref.replace(/^sha256:/, "");
    if (/^[a-f0-9]{4,64}$/.test(hex)) {
      const out: ImageRecord[] = [];
      for (const r of all) if ((await ids(r)).some((id) => id.replace(/^sha256:/, "").startsWith(hex))) out.push(r);
      return out;
    }
    return [];
  }

  /** Point `name` at `target`, replacing what it named before. */
  async setName(name: string, target: Descriptor): Promise<void> {
    await this.update((images) => [
      ...images.filter((r) => r.name !== name),
      { name, target: stripDescriptor(target), lastTagTime: new Date().toISOString() },
    ]);
  }

  /** Remove names; returns the records removed. Blobs stay until prune. */
  async removeNames(names: readonly string[]): Promise<ImageRecord[]> {
    const removed: ImageRecord[] = [];
    await this.update((images) =>
      images.filter((r) => {
        if (!names.includes(r.name)) return true;
        removed.push(r);
        return false;
      }),
    );
    return removed;
  }

  /**
   * Run `fn` holding a lease: while it runs, prune in any process keeps every
   * blob committed since the lease began (a pull stores blobs before it names
   * them; containerd's leases serve the same end). A lease of a dead process
   * is ignored.
   */
  async withLease<T>(fn: () => Promise<T>): Promise<T> {
    const dir = join(this.dir, "leases");
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${process.pid}-${randomBytes(4).toString("hex")}.json`);
    // A second of slack: blob mtimes and Date.now() may disagree by a tick.
    await writeFileAtomic(file, JSON.stringify({ pid: process.pid, started: Date.now() - 1000 }));
    try {
      return await fn();
    } finally {
      await rm(file, { force: true });
    }
  }

  /** Start time of the oldest lease held by a live process, if any. */
  private async oldestLease(): Promise<number | undefined> {
    const dir = join(this.dir, "leases");
    let oldest: number | undefined;
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const lease = await readFile(join(dir, name), "utf8").then((t) => JSON.parse(t) as { pid: number; started: number }).catch(() => undefined);
      if (!lease || !isProcessAlive(lease.pid)) continue;
      oldest = Math.min(oldest ?? lease.started, lease.started);
    }
    return oldest;
  }

  /**
   * Remove every blob no name reaches, and the unpacked layers no named image
   * uses. Blobs younger than `graceMs` (default 0) are kept, and so are blobs
   * committed since the oldest live lease began (see withLease).
   */
  async prune(opts: { dryRun?: boolean; graceMs?: number } = {}): Promise<{
    removed: readonly { digest: Digest; size: number }[];
    bytesFreed: number;
    snapshotsRemoved: readonly Digest[];
  }> {
    const records = await this.list();
    const now = Date.now();
    const lease = await this.oldestLease();
    const graceMs = Math.max(opts.graceMs ?? 0, lease === undefined ? 0 : now - lease);
    const swept = await collectGarbage(this.content, {
      roots: records.map((r) => r.target.digest),
      children: (d) => this.childrenOf(d),
      dryRun: opts.dryRun === true,
      graceMs,
    });
    const snapshotsRemoved = opts.dryRun ? [] : await this.pruneSnapshots(records);
    return { removed: swept.removed, bytesFreed: swept.bytesFreed, snapshotsRemoved };
  }

  /** Remove unpacked layers no named image is made of (a shared base stays while any image uses it). */
  private async pruneSnapshots(records: readonly ImageRecord[]): Promise<Digest[]> {
    const keep = new Set<Digest>();
    for (const r of records) for (const top of await this.topChainIds(r.target.digest)) keep.add(top);
    return (await this.snapshots()).prune(keep);
  }

  /** Top chain ids of the images a manifest or index holds (stored entries only). */
  private async topChainIds(digest: Digest): Promise<Digest[]> {
    const bytes = await this.content.readBytes(digest).catch(() => undefined);
    if (!bytes) return [];
    let parsed;
    try {
      parsed = parseManifest(bytes);
    } catch {
      return [];
    }
    if (parsed.isIndex) return (await Promise.all(parsed.children.map((c) => this.topChainIds(c.digest)))).flat();
    const config = await this.content.readBytes(parsed.blobs[0]!.digest).catch(() => undefined);
    if (!config) return [];
    try {
      const top = chainIds(parseImageConfig(config).rootfs.diff_ids).at(-1);
      return top ? [top] : [];
    } catch {
      return [];
    }
  }

  /** What a manifest or index names; [] for anything else. */
  async childrenOf(digest: Digest): Promise<Digest[]> {
    const bytes = await this.content.readBytes(digest).catch(() => undefined);
    if (!bytes || bytes.length > 4 << 20 || bytes[0] !== 0x7b) return [];
    try {
      const p = parseManifest(bytes);
      return [...p.blobs, ...p.children].map((d) => d.digest);
    } catch {
      return []; // a config or other JSON blob
    }
  }

  private async read(): Promise<IndexFile> {
    const text = await readFile(join(this.dir, "index.json"), "utf8").catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return undefined;
      throw e;
    });
    if (text === undefined) return { schemaVersion: 1, images: [] };
    try {
      const doc = JSON.parse(text) as IndexFile;
      if (doc.schemaVersion !== 1 || !Array.isArray(doc.images)) throw new Error("unknown schema");
      return doc;
    } catch (cause) {
      throw new BerthError("FAILED_PRECONDITION", `${join(this.dir, "index.json")}: cannot read the image index`, { cause });
    }
  }

  private async update(change: (images: readonly ImageRecord[]) => ImageRecord[]): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await withFileLock(join(this.dir, "index.lock"), async () => {
      const images = change((await this.read()).images).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      await writeFileAtomic(join(this.dir, "index.json"), `${JSON.stringify({ schemaVersion: 1, images }, null, 1)}\n`);
    });
  }
}

const stripDescriptor = (d: Descriptor): Descriptor => ({
  mediaType: d.mediaType,
  digest: d.digest,
  size: d.size,
  ...(d.platform && { platform: d.platform }),
  ...(d.annotations && { annotations: d.annotations }),
});

function sameRepository(name: string, ref: Reference): boolean {
  try {
    const r = parseReference(name);
    return r.registry === ref.registry && r.repository === ref.repository;
  } catch {
    return false;
  }
}

