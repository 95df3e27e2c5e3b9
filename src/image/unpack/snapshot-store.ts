import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { BerthError, digestEncoded, parseDigest, type Digest } from "../../oci/index.js";
import { fsyncDir, writeFileAtomic } from "../../content/index.js";
import { probeOverlayFormat } from "./probe-overlay-format.js";
import { removeTree } from "./remove-tree.js";
import { SnapshotDraft } from "./snapshot-draft.js";
import { formatSnapshotMeta, parseSnapshotMeta, type SnapshotFormat, type SnapshotInfo } from "./snapshot-meta.js";
import { ensureTopDirectory } from "./top-directory.js";
import { SnapshotNotFoundError } from "./unpack-errors.js";

/** Options for {@link SnapshotStore.open}. */
export interface SnapshotStoreOptions {
  /** Whiteout format of new snapshots; default `overlay` when this process can make it (root, mknod, setfattr, trusted xattrs), else `marker`. */
  readonly format?: SnapshotFormat;
}

/** What a fill function reports for {@link SnapshotStore.create}. */
export interface FilledSnapshot {
  readonly size: number;
  readonly opaqueDirs: readonly string[];
}

/** Identity of a snapshot to create. */
export interface SnapshotSpec {
  readonly chainId: Digest;
  readonly parent: Digest | undefined;
  readonly diffId: Digest;
}

const TEMP = ".tmp-";
const DOOMED = ".rm-";
/** The format the store was opened with first: every snapshot in it has that format, and probing again costs two programs per open. */
const FORMAT_FILE = ".format";

/**
 * Unpacked layers on disk, one directory per ChainID, shared by every image
 * whose layers start with that chain (containerd's snapshotter, made simple).
 * The store owns the directory it is opened on, conventionally
 * `<berth root>/snapshots`:
 *
 * ```
 * <dir>/
 *   <chainid hex>/fs/          the layer's diff only, in overlayfs upper-dir form
 *   <chainid hex>/meta.json    {chainId, parent, diffId, size, format, opaqueDirs}
 *   .tmp-<pid>-<random>/       a snapshot being filled; renamed into place when complete
 *   .rm-<random>/              a snapshot being removed
 * ```
 *
 * A snapshot appears only by renaming a complete, synced temp directory, so
 * a crash leaves at most temp directories, which the next open removes.
 * Lifecycle: open → create (fill, then commit), or draft … commitDrafts
 * for a stack at once → info / lowerDirs / flatten → remove or prune.
 */
export class SnapshotStore {
  private readonly inflight = new Map<Digest, Promise<SnapshotInfo>>();

  private constructor(readonly dir: string, readonly format: SnapshotFormat) {}

  /**
   * Open (creating) the store in `dir`, removing what crashed processes
   * left: temp dirs of dead processes, half-removed snapshots.
   */
  static async open(dir: string, opts: SnapshotStoreOptions = {}): Promise<SnapshotStore> {
    // Snapshots are unrelated trees: spread over the filesystem (see top-directory.ts).
    await ensureTopDirectory(dir);
    for (const name of await readdir(dir)) {
      if (name.startsWith(DOOMED) || (name.startsWith(TEMP) && !(await isAlive(Number(name.slice(TEMP.length).split("-")[0]))))) {
        await removeTree(join(dir, name));
      }
    }
    const recorded = (await readFile(join(dir, FORMAT_FILE), "utf8").catch(() => "")).trim();
    if ((recorded === "overlay" || recorded === "marker") && (opts.format === undefined || opts.format === recorded)) {
      return new SnapshotStore(dir, recorded);
    }
    const possible = await probeOverlayFormat(dir);
    if (opts.format === "overlay" && possible !== undefined) {
      throw new BerthError("FAILED_PRECONDITION", `snapshots ${dir}: overlay format impossible: ${possible}`, {
        hint: "run as root with mknod and setfattr (Debian package attr) on a filesystem with trusted xattrs, or use the marker format",
      });
    }
    const format = opts.format ?? (possible === undefined ? "overlay" : "marker");
    // Only a probed choice is remembered: a format forced by a caller says nothing about the filesystem.
    if (opts.format === undefined && recorded === "") await writeFileAtomic(join(dir, FORMAT_FILE), `${format}\n`);
    return new SnapshotStore(dir, format);
  }

  /** The directory holding the snapshot's files (its diff). */
  fsDir(chainId: Digest): string {
    return join(this.dir, digestEncoded(chainId), "fs");
  }

  /**
   * The ChainID of the snapshot whose {@link fsDir} `dir` is (a container's
   * lowerdir), or undefined when `dir` does not have that shape: the inverse
   * of fsDir. Only the shape is read, not which store holds it: a root named
   * by another path (a symlink, a relative --root) must still protect its
   * snapshots, and keeping a namesake snapshot elsewhere costs nothing.
   */
  static chainIdOf(dir: string): Digest | undefined {
    const hex = basename(dirname(dir));
    return basename(dir) === "fs" && /^[a-f0-9]{64}$/.test(hex) ? parseDigest(`sha256:${hex}`) : undefined;
  }

  /** The snapshot's record, or undefined when it is not stored. */
  async info(chainId: Digest): Promise<SnapshotInfo | undefined> {
    return SnapshotStore.readInfo(this.dir, chainId);
  }

  /**
   * {@link info} of the store at `dir` without opening it: nothing is created,
   * probed or cleaned, for readers such as `berth images` (undefined when `dir` does not exist).
   */
  static async readInfo(dir: string, chainId: Digest): Promise<SnapshotInfo | undefined> {
    const file = join(dir, digestEncoded(chainId), "meta.json");
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    return parseSnapshotMeta(text, file);
  }

  /** The snapshot and all below it, top first. Throws SnapshotNotFoundError when one is missing. */
  async chain(chainId: Digest): Promise<SnapshotInfo[]> {
    const out: SnapshotInfo[] = [];
    for (let id: Digest | undefined = chainId; id !== undefined && out.length <= 4096;) {
      const info = await this.info(id);
      if (info === undefined) throw new SnapshotNotFoundError(id);
      out.push(info);
      id = info.parent;
    }
    return out;
  }

  /**
   * The fs directories of the snapshot and its ancestors, top first: the
   * order of overlayfs's `lowerdir=`. Throws FAILED_PRECONDITION when one of
   * them is in marker format, which overlayfs cannot read (flatten instead).
   */
  async lowerDirs(chainId: Digest): Promise<string[]> {
    return this.dirsOf(await this.chain(chainId));
  }

  /**
   * {@link lowerDirs} of an image's snapshots, `chain` bottom first as
   * chainIds gives it, or undefined when one of them is missing: their meta
   * files are read at once instead of one parent after the other (a run of a
   * stored image waits for them). A chain whose parents are not `chain` is
   * walked as lowerDirs walks it.
   */
  async imageLowerDirs(chain: readonly Digest[]): Promise<string[] | undefined> {
    const top = chain.at(-1);
    if (top === undefined) return [];
    const infos = await Promise.all(chain.map((id) => this.info(id)));
    const found = infos.filter((i): i is SnapshotInfo => i !== undefined);
    if (found.length < chain.length) return undefined;
    if (!found.every((info, i) => info.parent === (i === 0 ? undefined : chain[i - 1]))) return this.lowerDirs(top);
    return this.dirsOf(found.reverse());
  }

  /** The fs directories of `chain` (top first); refuses a snapshot overlayfs cannot mount. */
  private dirsOf(chain: readonly SnapshotInfo[]): string[] {
    const marker = chain.find((s) => s.format !== "overlay");
    if (marker !== undefined) {
      throw new BerthError("FAILED_PRECONDITION", `snapshot ${marker.chainId}: stored in marker format, which overlayfs cannot mount`, {
        hint: "flatten the snapshot into a directory instead, or unpack again as root",
      });
    }
    return chain.map((s) => this.fsDir(s.chainId));
  }

  /**
   * Create snapshot `spec.chainId` by letting `fill` write the layer into a
   * fresh directory, then commit it: meta.json, syncfs, rename. When the
   * snapshot exists (or another process commits it first) the existing one
   * is returned and this fill is discarded; concurrent calls in this process
   * share one fill. A failing fill leaves nothing behind.
   */
  async create(spec: SnapshotSpec, fill: (fsDir: string) => Promise<FilledSnapshot>): Promise<SnapshotInfo> {
    const existing = await this.info(spec.chainId);
    if (existing !== undefined) return existing;
    const running = this.inflight.get(spec.chainId);
    if (running !== undefined) return running;
    if (spec.parent !== undefined && (await this.info(spec.parent)) === undefined) throw new SnapshotNotFoundError(spec.parent);
    return (await this.draft(spec, fill)).commit();
  }

  /**
   * The first half of {@link create}: fill a temp directory and write its
   * meta.json, without syncing or showing it. The parent need not be
   * committed yet, so a caller can fill a layer while the one below it is
   * being committed; commit base first. Until the draft settles, create()
   * and {@link pending} in this process wait for it instead of filling the
   * same ChainID again. A failing fill leaves nothing behind.
   */
  async draft(spec: SnapshotSpec, fill: (fsDir: string) => Promise<FilledSnapshot>): Promise<SnapshotDraft> {
    if (this.inflight.has(spec.chainId)) throw new BerthError("ALREADY_EXISTS", `snapshot ${spec.chainId}: already being made in this process`);
    let settled: (outcome: Promise<SnapshotInfo>) => void = () => undefined;
    const job = new Promise<SnapshotInfo>((resolve) => (settled = resolve));
    job.catch(() => undefined); // a failure belongs to whoever commits or waits; none may be waiting
    this.inflight.set(spec.chainId, job);
    const forget = (outcome: Promise<SnapshotInfo>): void => {
      settled(outcome);
      void outcome.catch(() => undefined).finally(() => this.inflight.get(spec.chainId) === job && this.inflight.delete(spec.chainId));
    };
    const temp = join(this.dir, `${TEMP}${process.pid}-${randomBytes(6).toString("hex")}`);
    try {
      await mkdir(join(temp, "fs"), { recursive: true });
      const filled = await fill(join(temp, "fs"));
      const info: SnapshotInfo = { ...spec, size: filled.size, format: this.format, opaqueDirs: filled.opaqueDirs };
      await writeFileAtomic(join(temp, "meta.json"), formatSnapshotMeta(info));
      return new SnapshotDraft(this.dir, temp, info, forget);
    } catch (e) {
      await removeTree(temp);
      forget(Promise.reject(e));
      throw e;
    }
  }

  /** The commit of a snapshot this process is making (a draft not yet settled), or undefined. */
  pending(chainId: Digest): Promise<SnapshotInfo> | undefined {
    return this.inflight.get(chainId);
  }

  /** Every snapshot, in no particular order. */
  async list(): Promise<SnapshotInfo[]> {
    const out: SnapshotInfo[] = [];
    for (const name of await readdir(this.dir)) {
      if (name.startsWith(".")) continue;
      const file = join(this.dir, name, "meta.json");
      const text = await readFile(file, "utf8").catch(() => undefined);
      if (text !== undefined) out.push(parseSnapshotMeta(text, file));
    }
    return out;
  }

  /**
   * Remove one snapshot. Refused (FAILED_PRECONDITION) while another
   * snapshot names it as parent: remove the children first, or use prune.
   * Returns false when it was not there.
   */
  async remove(chainId: Digest): Promise<boolean> {
    const children = (await this.list()).filter((s) => s.parent === chainId);
    if (children.length > 0) {
      throw new BerthError("FAILED_PRECONDITION", `snapshot ${chainId}: ${children.length} snapshot(s) stack on it, e.g. ${children[0]!.chainId}`, {
        hint: "remove the images using the snapshots above first, or prune",
      });
    }
    return this.removeOne(chainId);
  }

  /**
   * Remove every snapshot that is neither in `keep` nor below one in it
   * (the owner, e.g. the image store, knows which top snapshots its images
   * use). Children go before parents. Returns the removed ChainIDs.
   */
  async prune(keep: ReadonlySet<Digest>): Promise<Digest[]> {
    const all = await this.list();
    const byId = new Map(all.map((s) => [s.chainId, s]));
    const kept = new Set<Digest>();
    for (const id of keep) {
      for (let at = byId.get(id); at !== undefined && !kept.has(at.chainId); at = at.parent === undefined ? undefined : byId.get(at.parent)) kept.add(at.chainId);
    }
    const depth = (s: SnapshotInfo): number => {
      let d = 0;
      for (let at: SnapshotInfo | undefined = s; at?.parent !== undefined && d < 4096; at = byId.get(at.parent)) d++;
      return d;
    };
    const doomed = all.filter((s) => !kept.has(s.chainId)).sort((a, b) => depth(b) - depth(a));
    const removed: Digest[] = [];
    for (const s of doomed) if (await this.removeOne(s.chainId)) removed.push(s.chainId);
    return removed;
  }

  private async removeOne(chainId: Digest): Promise<boolean> {
    const doomed = join(this.dir, `${DOOMED}${randomBytes(6).toString("hex")}`);
    try {
      // Renamed first, so the snapshot vanishes at once and a crash mid-delete leaves only a .rm- dir.
      await rename(join(this.dir, digestEncoded(chainId)), doomed);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw e;
    }
    await fsyncDir(this.dir);
    await removeTree(doomed);
    return true;
  }
}

/** Whether process `pid` still runs; a zombie (dead, not yet reaped) does not. */
async function isAlive(pid: number): Promise<boolean> {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  return stat === undefined || stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
}
