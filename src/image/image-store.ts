import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { chainIds } from "./unpack/chain-id.js";
import { SnapshotStore } from "./unpack/snapshot-store.js";
import type { SnapshotInfo } from "./unpack/snapshot-meta.js";
import { AmbiguousImageError } from "./ambiguous-image-error.js";
import type { ImageUser } from "./image-user.js";
import { collectGarbage, ContentStore, withFileLock, writeFileAtomic } from "../content/index.js";
import { ImageLeases } from "./image-leases.js";
import {
  BerthError, digestEncoded, formatReference, parseImageConfig, parseManifest, parseReference,
  type Descriptor, type Digest, type ParsedManifest, type Platform, type Reference,
} from "../oci/index.js";

/** One name in the store and the manifest or index it points at. */
export interface ImageRecord {
  /** Full reference: `docker.io/library/busybox:latest`, or `host/repo@sha256:…` for an untagged pull by digest. */
  readonly name: string;
  readonly target: Descriptor;
  /** When the name was last set (ISO 8601). */
  readonly lastTagTime: string;
  /**
   * For a target that is an index: the platform the name stands for, the one
   * `pull --platform` (or its default, this machine's) last pulled for it, as
   * docker's name then means that platform's image. Absent: this machine's
   * when stored, else the first platform stored (see openImage).
   */
  readonly platform?: Platform;
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
 * <root>/images/leases/        one file per running pull/load/copy/build (ImageLeases)
 * <root>/snapshots/            unpacked layers (SnapshotStore)
 * ```
 * Name updates are read-modify-write under a lock file, written temp + fsync +
 * rename, so concurrent berth processes and a crash never lose or tear it.
 */
export class ImageStore {
  readonly content: ContentStore;
  private readonly dir: string;
  private readonly leases: ImageLeases;
  private snapshotStore: Promise<SnapshotStore> | undefined;

  constructor(readonly root: string) {
    this.content = new ContentStore(join(root, "content"));
    this.dir = join(root, "images");
    this.leases = new ImageLeases(join(this.dir, "leases"));
  }

  /** Unpacked layers, one snapshot per chain id, under `<root>/snapshots`. */
  snapshots(): Promise<SnapshotStore> {
    this.snapshotStore ??= SnapshotStore.open(join(this.root, "snapshots"));
    return this.snapshotStore;
  }

  /** The record of the unpacked layer chain `chainId`, if unpacked; read without opening the snapshot store. */
  snapshotInfo(chainId: Digest): Promise<SnapshotInfo | undefined> {
    return SnapshotStore.readInfo(join(this.root, "snapshots"), chainId);
  }

  /**
   * A digest of the names as they are stored (index.json's text): equal for
   * two calls exactly when the names are, what a caller that remembers a
   * lookup compares to know it still holds (file times are too coarse to
   * tell two quick updates apart). Undefined when there is no index yet.
   * Read synchronously: a small file, where a read through the thread pool
   * waits for a core on a busy machine.
   */
  namesVersion(): string | undefined {
    try {
      return createHash("sha256").update(readFileSync(join(this.dir, "index.json"))).digest("hex");
    } catch {
      return undefined;
    }
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
   * `repo@sha256:…`), else, as docker, an image id (the config digest) or a
   * manifest digest, full or a prefix of at least 4 hex digits, with or
   * without `sha256:`. `repo@sha256:…` also finds a platform's manifest the
   * store holds inside an index a name of `repo` points at: the record then
   * returned is that reference and the manifest, not a stored name. Returns
   * every record that matches (several names can share one image). Throws
   * AmbiguousImageError when a prefix matches more than one image.
   */
  async lookup(ref: string): Promise<ImageRecord[]> {
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
        const entry = await this.storedEntry(all.filter((r) => sameRepository(r.name, parsed!)), parsed.digest);
        if (entry) return [{ name: formatReference(parsed), target: entry.target, lastTagTime: entry.lastTagTime }];
      } else {
        const exact = all.filter((r) => r.name === formatReference(parsed!));
        if (exact.length > 0) return exact;
      }
    }
    const hex = ref.replace(/^sha256:/, "");
    return /^[a-f0-9]{4,64}$/.test(hex) ? this.lookupId(ref, hex, all) : [];
  }

  /**
   * The entry `digest` of an index one of `records` names, with that record's
   * lastTagTime, when the store holds the entry (a platform pulled); else undefined.
   */
  private async storedEntry(records: readonly ImageRecord[], digest: Digest): Promise<{ target: Descriptor; lastTagTime: string } | undefined> {
    for (const r of records) {
      const bytes = await this.content.readBytes(r.target.digest).catch(() => undefined);
      let parsed: ParsedManifest;
      try {
        if (!bytes) continue;
        parsed = parseManifest(bytes);
      } catch {
        continue;
      }
      const child = parsed.isIndex ? parsed.children.find((c) => c.digest === digest) : undefined;
      if (child && (await this.content.info(child.digest))) return { target: stripDescriptor(child), lastTagTime: r.lastTagTime };
    }
    return undefined;
  }

  /** The records whose image id or manifest digest starts with `hex`; one image only, else AmbiguousImageError. */
  private async lookupId(ref: string, hex: string, all: readonly ImageRecord[]): Promise<ImageRecord[]> {
    const byImage = new Map<string, ImageRecord[]>();
    for (const r of all) {
      // The image id first: a record whose id and manifest digest both match is one image, known by its id.
      const id = [...(await this.imageIds(r.target.digest)), r.target.digest].find((d) => digestEncoded(d).startsWith(hex));
      if (id !== undefined) byImage.set(id, [...(byImage.get(id) ?? []), r]);
    }
    if (byImage.size > 1) throw new AmbiguousImageError(ref, [...byImage].map(([id, rs]) => ({ id, names: rs.map((r) => r.name) })));
    return [...byImage.values()].flat();
  }

  /**
   * Point `name` at `target`, replacing what it named before (its platform
   * too): with `platform` for an index, the name stands for that platform's image.
   */
  async setName(name: string, target: Descriptor, platform?: Platform): Promise<void> {
    await this.update((images) => [
      ...images.filter((r) => r.name !== name),
      { name, target: stripDescriptor(target), lastTagTime: new Date().toISOString(), ...(platform && { platform }) },
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
   *
   * With `removeUnnamedOnFailure`, when `fn` throws, the blobs committed since
   * the lease began that no name reaches are removed at once rather than left
   * for prune (a load or an `oci:`/`docker-archive:` pull that failed: nothing
   * is gained by keeping what it stored). If another live lease exists, they
   * stay: that operation may have found one of them already stored and be
   * about to name it; prune removes them once it is over. A registry pull
   * does not ask for this: what it committed saves the next pull fetching it.
   */
  async withLease<T>(fn: () => Promise<T>, opts: { removeUnnamedOnFailure?: boolean } = {}): Promise<T> {
    const lease = await this.leases.acquire();
    let failed = false;
    try {
      return await fn();
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      await lease.release();
      // The cleanup's own failure must not hide fn's error; prune removes what it leaves.
      if (failed && opts.removeUnnamedOnFailure) await this.removeUnnamedSince(lease.started).catch(() => undefined);
    }
  }

  /** Remove blobs committed since `started` that no name reaches, unless a live lease may rely on them. */
  private async removeUnnamedSince(started: number): Promise<void> {
    if ((await this.leases.oldestLive()) !== undefined) return;
    await collectGarbage(this.content, {
      roots: (await this.list()).map((r) => r.target.digest),
      children: (d) => this.childrenOf(d),
      committedSince: started,
    });
  }

  /**
   * Remove every blob no name reaches, and the unpacked layers no named image
   * uses. What `users` (containers) use stays too: their image's config and
   * their snapshots, with or without a name, so that no container loses its
   * rootfs. Blobs younger than `graceMs` (default 0) are kept, and so are
   * blobs committed since the oldest live lease began (see withLease).
   * `without` names count as removed already: a dry run of removing them.
   */
  async prune(opts: { dryRun?: boolean; graceMs?: number; users?: readonly ImageUser[]; without?: readonly string[] } = {}): Promise<{
    removed: readonly { digest: Digest; size: number }[];
    bytesFreed: number;
    snapshotsRemoved: readonly Digest[];
  }> {
    const without = new Set(opts.without);
    const records = (await this.list()).filter((r) => !without.has(r.name));
    const users = opts.users ?? [];
    const now = Date.now();
    const lease = await this.leases.oldestLive();
    const graceMs = Math.max(opts.graceMs ?? 0, lease === undefined ? 0 : now - lease);
    const swept = await collectGarbage(this.content, {
      roots: [...records.map((r) => r.target.digest), ...users.flatMap((u) => (u.imageId !== undefined ? [u.imageId] : []))],
      children: (d) => this.childrenOf(d),
      dryRun: opts.dryRun === true,
      graceMs,
    });
    const snapshotsRemoved = opts.dryRun ? [] : await this.pruneSnapshots(records, users);
    return { removed: swept.removed, bytesFreed: swept.bytesFreed, snapshotsRemoved };
  }

  /** Remove unpacked layers that no named image is made of and no user stacks (a shared base stays while any image uses it). */
  private async pruneSnapshots(records: readonly ImageRecord[], users: readonly ImageUser[]): Promise<Digest[]> {
    const keep = new Set<Digest>(users.flatMap((u) => u.chainIds));
    for (const r of records) for (const top of await this.topChainIds(r.target.digest)) keep.add(top);
    return (await this.snapshots()).prune(keep);
  }

  /**
   * docker's image ids of a manifest or index: the config digest of each
   * image it holds (stored entries only); [] when it is not stored.
   */
  async imageIds(digest: Digest): Promise<Digest[]> {
    return (await this.manifestsUnder(digest)).map((m) => m.blobs[0]!.digest);
  }

  /** Top chain ids of the images a manifest or index holds (stored entries only). */
  private async topChainIds(digest: Digest): Promise<Digest[]> {
    const out: Digest[] = [];
    for (const id of await this.imageIds(digest)) {
      const config = await this.content.readBytes(id).catch(() => undefined);
      if (!config) continue;
      try {
        const top = chainIds(parseImageConfig(config).rootfs.diff_ids).at(-1);
        if (top) out.push(top);
      } catch {
        continue;
      }
    }
    return out;
  }

  /** The single-image manifests a manifest or index holds, parsed (stored entries only). */
  private async manifestsUnder(digest: Digest): Promise<ParsedManifest[]> {
    const bytes = await this.content.readBytes(digest).catch(() => undefined);
    if (!bytes) return [];
    let parsed: ParsedManifest;
    try {
      parsed = parseManifest(bytes);
    } catch {
      return [];
    }
    if (parsed.isIndex) return (await Promise.all(parsed.children.map((c) => this.manifestsUnder(c.digest)))).flat();
    return parsed.blobs.length > 0 ? [parsed] : [];
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

