import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { SnapshotStore } from "./unpack/snapshot-store.js";
import { collectGarbage, ContentStore, withFileLock, writeFileAtomic } from "../content/index.js";
import {
  BerthError, formatReference, parseManifest, parseReference,
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
   * Remove every blob no name reaches. Blobs younger than `graceMs` (default
   * ten minutes) are kept, so a pull running in another process keeps its blobs.
   */
  async prune(opts: { dryRun?: boolean; graceMs?: number } = {}): Promise<{ removed: readonly { digest: Digest; size: number }[]; bytesFreed: number }> {
    const roots = (await this.list()).map((r) => r.target.digest);
    return collectGarbage(this.content, {
      roots,
      children: (d) => this.childrenOf(d),
      dryRun: opts.dryRun === true,
      graceMs: opts.graceMs ?? 600_000,
    });
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
