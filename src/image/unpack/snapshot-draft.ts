import { readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { digestEncoded, type Digest } from "../../oci/index.js";
import { fsyncDir } from "../../content/index.js";
import { removeTree } from "./remove-tree.js";
import { parseSnapshotMeta, type SnapshotInfo } from "./snapshot-meta.js";
import { syncFilesystem } from "./sync-filesystem.js";
import { SnapshotNotFoundError } from "./unpack-errors.js";

/**
 * A filled snapshot not yet visible: its files and meta.json are in a temp
 * directory of the store. Made by SnapshotStore.draft; settled exactly once
 * by {@link commit} or {@link discard} (a second call does nothing and
 * returns the first one's outcome). Until then nobody sees it, and a crash
 * leaves only the temp directory, which the store's next open removes.
 */
export class SnapshotDraft {
  private settled: Promise<SnapshotInfo> | undefined;

  /** @internal made by SnapshotStore.draft; `onSettled` tells the store how it ended. */
  constructor(
    private readonly storeDir: string,
    /** The temp directory: `fs/` and `meta.json`. */
    readonly tempDir: string,
    readonly info: SnapshotInfo,
    private readonly onSettled: (outcome: Promise<SnapshotInfo>) => void,
  ) {}

  /** Where the draft's files are until it is committed. */
  get fsDir(): string {
    return join(this.tempDir, "fs");
  }

  /**
   * Make the draft durable (syncfs of the store's filesystem) and visible
   * (rename to its ChainID, then fsync of the store directory). Its parent
   * must be committed first, or SnapshotNotFoundError is thrown and the
   * draft discarded. When another process committed the same ChainID first,
   * that snapshot is returned and this draft removed. To commit a stack of
   * drafts, {@link commitDrafts} needs one syncfs for all.
   */
  async commit(): Promise<SnapshotInfo> {
    return (await commitDrafts([this]))[0]!;
  }

  /** Remove the draft; resolves when its directory is gone. Whoever waits for it (SnapshotStore.pending) gets `reason`. */
  async discard(reason?: unknown): Promise<void> {
    this.settled ??= this.settle(Promise.reject(reason ?? new Error(`snapshot ${this.info.chainId}: draft discarded`)));
    await this.settled.catch(() => undefined);
  }

  private settle(outcome: Promise<SnapshotInfo>): Promise<SnapshotInfo> {
    const done = outcome.finally(() => removeTree(this.tempDir));
    this.onSettled(done);
    return done;
  }

  /** @internal the second half of a commit, once the files are synced: rename into place. */
  publish(): Promise<SnapshotInfo> {
    this.settled ??= this.settle(this.publishOnce());
    return this.settled;
  }

  private async publishOnce(): Promise<SnapshotInfo> {
    const { chainId, parent } = this.info;
    const meta = (id: Digest): string => join(this.storeDir, digestEncoded(id), "meta.json");
    if (parent !== undefined && (await readFile(meta(parent)).catch(() => undefined)) === undefined) throw new SnapshotNotFoundError(parent);
    try {
      await rename(this.tempDir, join(this.storeDir, digestEncoded(chainId)));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
      const text = await readFile(meta(chainId), "utf8").catch(() => undefined);
      return text === undefined ? this.info : parseSnapshotMeta(text, meta(chainId));
    }
    await fsyncDir(this.storeDir);
    return this.info;
  }
}

/**
 * Commit `drafts` (of one store), given base first, each the parent of the
 * next or committed above its committed parent: one syncfs makes them all
 * durable, then each is renamed into place in order, so a crash leaves a
 * committed prefix of the stack and temp directories, never a snapshot
 * without its parent. When one fails, it and those after it are discarded
 * and its error is thrown; the ones before stay committed. `onCommitted`
 * gets the index of each draft made visible.
 */
export async function commitDrafts(drafts: readonly SnapshotDraft[], onCommitted?: (index: number) => void): Promise<SnapshotInfo[]> {
  const out: SnapshotInfo[] = [];
  try {
    if (drafts.length > 0) await syncFilesystem(drafts[0]!.tempDir);
    for (const draft of drafts) {
      out.push(await draft.publish());
      onCommitted?.(out.length - 1);
    }
    return out;
  } finally {
    for (const draft of drafts.slice(out.length)) await draft.discard(new Error(`snapshot ${draft.info.chainId}: not committed, as one below it failed to commit`));
  }
}
