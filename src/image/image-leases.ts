import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { isProcessAlive, writeFileAtomic } from "../content/index.js";

/** A lease this process holds; release it when the operation ends, however it ends. */
export interface HeldLease {
  /** When it began (ms since the epoch), a second early: blob mtimes and Date.now() may disagree by a tick. */
  readonly started: number;
  release(): Promise<void>;
}

/** What a lease file records. */
interface LeaseRecord {
  readonly pid: number;
  readonly started: number;
}

/**
 * The leases of an image store, one file per operation in progress that
 * stores blobs before it names them (pull, load, copy, build). While a lease
 * is held by a live process, prune keeps every blob committed since it began.
 *
 * ```
 * <root>/images/leases/<pid>-<random>.json   { pid, started }
 * ```
 */
export class ImageLeases {
  constructor(private readonly dir: string) {}

  /** Take a lease for this process. */
  async acquire(): Promise<HeldLease> {
    await mkdir(this.dir, { recursive: true });
    const file = join(this.dir, `${process.pid}-${randomBytes(4).toString("hex")}.json`);
    const record: LeaseRecord = { pid: process.pid, started: Date.now() - 1000 };
    await writeFileAtomic(file, JSON.stringify(record));
    return { started: record.started, release: () => rm(file, { force: true }) };
  }

  /** Start time of the oldest lease held by a live process, if any. A lease of a dead process is ignored. */
  async oldestLive(): Promise<number | undefined> {
    let oldest: number | undefined;
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const lease = await readFile(join(this.dir, name), "utf8").then((t) => JSON.parse(t) as LeaseRecord).catch(() => undefined);
      if (!lease || !isProcessAlive(lease.pid)) continue;
      oldest = Math.min(oldest ?? lease.started, lease.started);
    }
    return oldest;
  }
}
