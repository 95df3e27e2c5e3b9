import { mkdir, open, readdir, readFile, rm, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { writeFileAtomic, fsyncDir, type ContentStore } from "../content/index.js";
import {
  digestAlgorithm, digestEncoded, isDigestAlgorithm, parseDigest,
  type Descriptor, type Digest,
} from "../oci/index.js";

/** A manifest as stored: its exact bytes and the media type it is served with. */
export interface StoredManifest {
  readonly digest: Digest;
  readonly mediaType: string;
  readonly bytes: Buffer;
}

// Manifests are small and read far more often than written; keeping recent
// ones in memory makes a GET by tag a few map look-ups.
const MANIFEST_CACHE_BYTES = 64 << 20;

/**
 * What each repository holds, as links into the shared content store. One
 * server process owns a root at a time; its caches are kept true by its own
 * writes (run `berth registry gc` with the server stopped, as with distribution).
 *
 * ```
 * <root>/repositories/<name…>/
 *   _manifests/revisions/<alg>/<encoded>    file holding the manifest's media type
 *   _manifests/tags/<tag>                   file holding the tagged digest
 *   _layers/<alg>/<encoded>                 empty file: the blob is in this repository
 *   _referrers/<alg>/<encoded>/<alg>-<enc>  descriptor (JSON) of a manifest whose subject is <alg>:<encoded>
 * ```
 * Path components of names never start with "_" (the name grammar), so the
 * directories above cannot clash with a nested repository.
 */
export class RepositoryStore {
  private readonly tags = new Map<string, Digest | null>();
  private readonly revisions = new Map<string, string | null>();
  private readonly blobLinks = new Set<string>();
  private readonly manifests = new Map<Digest, StoredManifest>();
  private manifestBytes = 0;
  private catalogCache: string[] | undefined;

  constructor(
    readonly root: string,
    readonly content: ContentStore,
  ) {}

  private repoDir(name: string): string {
    return join(this.root, "repositories", name);
  }

  async exists(name: string): Promise<boolean> {
    const dir = this.repoDir(name);
    for (const sub of ["_manifests", "_layers"]) {
      if (await stat(join(dir, sub)).then(() => true, () => false)) return true;
    }
    return false;
  }

  // ---- manifests ----

  /** The media type of a manifest in `name`, or undefined if the repository does not hold it. */
  async revision(name: string, digest: Digest): Promise<string | undefined> {
    const key = `${name}@${digest}`;
    const cached = this.revisions.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const mt = await readFile(this.revisionPath(name, digest), "utf8").catch(() => undefined);
    this.revisions.set(key, mt ?? null);
    return mt;
  }

  async resolveTag(name: string, tag: string): Promise<Digest | undefined> {
    const key = `${name}:${tag}`;
    const cached = this.tags.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const text = await readFile(this.tagPath(name, tag), "utf8").catch(() => undefined);
    const digest = text === undefined ? undefined : parseDigest(text.trim());
    this.tags.set(key, digest ?? null);
    return digest;
  }

  /** A manifest of `name` by digest, or undefined. */
  async getManifest(name: string, digest: Digest): Promise<StoredManifest | undefined> {
    const mediaType = await this.revision(name, digest);
    if (mediaType === undefined) return undefined;
    const hit = this.manifests.get(digest);
    if (hit) return hit;
    const bytes = await this.content.readBytes(digest).catch(() => undefined);
    if (bytes === undefined) return undefined;
    const m = { digest, mediaType, bytes };
    this.remember(m);
    return m;
  }

  /**
   * Record a manifest (its bytes already in the content store) in `name`,
   * optionally under a tag, and as a referrer of its subject.
   */
  async putManifest(name: string, m: StoredManifest, opts: { tag?: string; referrer?: { subject: Digest; descriptor: Descriptor } }): Promise<void> {
    const isNewRepo = !(await this.exists(name));
    const rev = this.revisionPath(name, m.digest);
    await mkdir(dirname(rev), { recursive: true });
    await writeFileAtomic(rev, m.mediaType);
    this.revisions.set(`${name}@${m.digest}`, m.mediaType);
    this.remember(m);
    if (opts.referrer) {
      const p = this.referrerPath(name, opts.referrer.subject, m.digest);
      await mkdir(dirname(p), { recursive: true });
      await writeFileAtomic(p, JSON.stringify(opts.referrer.descriptor));
    }
    if (opts.tag !== undefined) {
      const t = this.tagPath(name, opts.tag);
      await mkdir(dirname(t), { recursive: true });
      await writeFileAtomic(t, m.digest);
      this.tags.set(`${name}:${opts.tag}`, m.digest);
    }
    if (isNewRepo) this.catalogCache = undefined;
  }

  /** Remove a tag; false if it did not exist. */
  async deleteTag(name: string, tag: string): Promise<boolean> {
    const existed = await unlinkDurably(this.tagPath(name, tag));
    this.tags.set(`${name}:${tag}`, null);
    return existed;
  }

  /**
   * Remove a manifest from `name`: its revision, every tag naming it and its
   * referrer entry. The bytes stay in the content store until gc.
   */
  async deleteManifest(name: string, digest: Digest): Promise<boolean> {
    const existed = await unlinkDurably(this.revisionPath(name, digest));
    this.revisions.set(`${name}@${digest}`, null);
    for (const tag of (await this.listTags(name)) ?? []) {
      if ((await this.resolveTag(name, tag)) === digest) await this.deleteTag(name, tag);
    }
    const refDir = join(this.repoDir(name), "_referrers");
    const leaf = `${digestAlgorithm(digest)}-${digestEncoded(digest)}`;
    for (const alg of await readdir(refDir).catch(() => [] as string[])) {
      for (const subject of await readdir(join(refDir, alg)).catch(() => [] as string[])) {
        await unlinkDurably(join(refDir, alg, subject, leaf));
      }
    }
    return existed;
  }

  /** Tags of `name`, sorted; undefined if the repository does not exist. */
  async listTags(name: string): Promise<string[] | undefined> {
    if (!(await this.exists(name))) return undefined;
    const tags = await readdir(join(this.repoDir(name), "_manifests", "tags")).catch(() => [] as string[]);
    return tags.filter((t) => !t.startsWith(".")).sort();
  }

  /** Digests of every manifest `name` holds. */
  async listRevisions(name: string): Promise<Digest[]> {
    return listDigests(join(this.repoDir(name), "_manifests", "revisions"));
  }

  /** Descriptors of the manifests in `name` whose subject is `subject`. */
  async referrers(name: string, subject: Digest): Promise<Descriptor[]> {
    const dir = join(this.repoDir(name), "_referrers", digestAlgorithm(subject), digestEncoded(subject));
    const out: Descriptor[] = [];
    for (const f of (await readdir(dir).catch(() => [] as string[])).sort()) {
      if (f.startsWith(".")) continue;
      const text = await readFile(join(dir, f), "utf8").catch(() => undefined);
      if (text !== undefined) out.push(JSON.parse(text) as Descriptor);
    }
    return out;
  }

  // ---- blobs ----

  async hasBlobLink(name: string, digest: Digest): Promise<boolean> {
    const key = `${name}@${digest}`;
    if (this.blobLinks.has(key)) return true;
    const ok = await stat(this.layerPath(name, digest)).then(() => true, () => false);
    if (ok) this.blobLinks.add(key);
    return ok;
  }

  /** Make a committed blob part of `name`. */
  async linkBlob(name: string, digest: Digest): Promise<void> {
    const key = `${name}@${digest}`;
    if (this.blobLinks.has(key)) return;
    const isNewRepo = !(await this.exists(name));
    const p = this.layerPath(name, digest);
    await mkdir(dirname(p), { recursive: true });
    const fh = await open(p, "a");
    await fh.close();
    await fsyncDir(dirname(p));
    this.blobLinks.add(key);
    if (isNewRepo) this.catalogCache = undefined;
  }

  async unlinkBlob(name: string, digest: Digest): Promise<boolean> {
    this.blobLinks.delete(`${name}@${digest}`);
    return unlinkDurably(this.layerPath(name, digest));
  }

  async listBlobLinks(name: string): Promise<Digest[]> {
    return listDigests(join(this.repoDir(name), "_layers"));
  }

  // ---- repositories ----

  /** Every repository name, sorted. */
  async catalog(): Promise<string[]> {
    if (this.catalogCache) return this.catalogCache;
    const names: string[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      if (entries.some((e) => e.name === "_manifests" || e.name === "_layers")) names.push(prefix);
      for (const e of entries) {
        if (e.isDirectory() && !e.name.startsWith("_") && !e.name.startsWith(".")) {
          await walk(join(dir, e.name), prefix ? `${prefix}/${e.name}` : e.name);
        }
      }
    };
    await walk(join(this.root, "repositories"), "");
    this.catalogCache = names.sort();
    return this.catalogCache;
  }

  /** Forget what is cached (after another process changed the root). */
  invalidate(): void {
    this.tags.clear();
    this.revisions.clear();
    this.blobLinks.clear();
    this.manifests.clear();
    this.manifestBytes = 0;
    this.catalogCache = undefined;
  }

  async removeRepository(name: string): Promise<void> {
    await rm(this.repoDir(name), { recursive: true, force: true });
    this.invalidate();
  }

  private remember(m: StoredManifest): void {
    if (this.manifests.has(m.digest) || m.bytes.length > MANIFEST_CACHE_BYTES / 16) return;
    while (this.manifestBytes + m.bytes.length > MANIFEST_CACHE_BYTES) {
      const oldest = this.manifests.keys().next();
      if (oldest.done) break;
      this.manifestBytes -= this.manifests.get(oldest.value)?.bytes.length ?? 0;
      this.manifests.delete(oldest.value);
    }
    this.manifests.set(m.digest, m);
    this.manifestBytes += m.bytes.length;
  }

  private revisionPath(name: string, d: Digest): string {
    return join(this.repoDir(name), "_manifests", "revisions", digestAlgorithm(d), digestEncoded(d));
  }
  private tagPath(name: string, tag: string): string {
    return join(this.repoDir(name), "_manifests", "tags", tag);
  }
  private layerPath(name: string, d: Digest): string {
    return join(this.repoDir(name), "_layers", digestAlgorithm(d), digestEncoded(d));
  }
  private referrerPath(name: string, subject: Digest, d: Digest): string {
    return join(this.repoDir(name), "_referrers", digestAlgorithm(subject), digestEncoded(subject), `${digestAlgorithm(d)}-${digestEncoded(d)}`);
  }
}

async function unlinkDurably(path: string): Promise<boolean> {
  try {
    await unlink(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
  await fsyncDir(dirname(path));
  return true;
}

async function listDigests(dir: string): Promise<Digest[]> {
  const out: Digest[] = [];
  for (const alg of await readdir(dir).catch(() => [] as string[])) {
    if (!isDigestAlgorithm(alg)) continue;
    for (const enc of await readdir(join(dir, alg)).catch(() => [] as string[])) {
      try {
        out.push(parseDigest(`${alg}:${enc}`));
      } catch {
        // a temp file or stray entry; fsck reports those
      }
    }
  }
  return out;
}
