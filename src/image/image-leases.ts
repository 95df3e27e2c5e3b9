import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { isProcessAlive, isRunning, selfIdentity, writeFileAtomic } from "../content/index.js";

/** A lease this process holds; release it when the operation ends, however it ends. */
export interface HeldLease {
  /** When it began (ms since the epoch), a second early: blob mtimes and Date.now() may disagree by a tick. */
  readonly started: number;
  release(): Promise<void>;
}

/** What a lease file records. */
interface LeaseRecord {
  readonly pid: number;
  /** The holder's start time (/proc/PID/stat field 22), so that a reused pid does not keep a lease alive. Absent in leases of older berth. */
  readonly startTime?: string;
  readonly started: number;
}

// Only lease files: writeFileAtomic's temp files (`.NAME.RANDOM.tmp`) are another process's lease being written.
const LEASE_FILE = /^\d+-[0-9a-f]+\.json$/;

/**
 * The leases of an image store, one file per operation in progress that
 * stores blobs before it names them (pull, load, copy, build). While a lease
 * is held by a live process, prune keeps every blob committed since it began.
 *
 * ```
 * <root>/images/leases/<pid>-<random>.json   { pid, startTime, started }
 * ```
 * A holder killed (SIGINT, kill -9) cannot remove its file; the next lease
 * taken and the next look at the leases (prune) remove the files of
 * processes that are gone, telling a reused pid by its start time.
 */
export class ImageLeases {
  constructor(private readonly dir: string) {}

  /** Take a lease for this process (removing the leases of dead processes on the way). */
  async acquire(): Promise<HeldLease> {
    await mkdir(this.dir, { recursive: true });
    await this.live();
    const me = await selfIdentity();
    const file = join(this.dir, `${process.pid}-${randomBytes(4).toString("hex")}.json`);
    const record: LeaseRecord = { pid: me.pid, startTime: me.startTime, started: Date.now() - 1000 };
    await writeFileAtomic(file, JSON.stringify(record));
    return { started: record.started, release: () => rm(file, { force: true }) };
  }

  /** Start time of the oldest lease held by a live process, if any (removing the leases of dead processes). */
  async oldestLive(): Promise<number | undefined> {
    const starts = (await this.live()).map((l) => l.started);
    return starts.length === 0 ? undefined : Math.min(...starts);
  }

  /** The leases whose holder still runs; the files of the others are removed. */
  private async live(): Promise<LeaseRecord[]> {
    const out: LeaseRecord[] = [];
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (!LEASE_FILE.test(name)) continue;
      const file = join(this.dir, name);
      const lease = await readFile(file, "utf8").then((t) => JSON.parse(t) as LeaseRecord).catch(() => undefined);
      if (lease === undefined) continue; // released meanwhile
      if (await isHeld(lease)) out.push(lease);
      else await rm(file, { force: true });
    }
    return out;
  }
}

/** Whether the process that took `lease` still runs: same pid and, when recorded, same start time. */
async function isHeld(lease: LeaseRecord): Promise<boolean> {
  if (!Number.isInteger(lease.pid) || lease.pid <= 0) return false;
  // An empty start time means /proc could not be read when it was taken: the pid is all there is.
  if (typeof lease.startTime !== "string" || lease.startTime === "") return isProcessAlive(lease.pid);
  return isRunning({ pid: lease.pid, startTime: lease.startTime });
}
