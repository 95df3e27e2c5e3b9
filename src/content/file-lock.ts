import { closeSync, openSync, unlinkSync, writeSync } from "node:fs";
import { readFile, unlink } from "node:fs/promises";
import { BerthError } from "../oci/index.js";

/**
 * Run `fn` holding an exclusive lock file at `path` (created with O_EXCL,
 * holding the owner's pid), so berth processes sharing a root take turns on
 * small read-modify-write updates. A lock whose owner died (kill -9) is taken
 * over. Not for long work: waiters poll.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, opts: { timeoutMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    try {
      // Synchronous: a few tens of microseconds for a local file, where three asynchronous calls wait
      // for libuv's threads (and for a core, on a busy machine) on the path of every container's start.
      const fd = openSync(path, "wx", 0o644);
      try {
        writeSync(fd, String(process.pid));
      } catch (e) {
        // A lock without its owner's pid would hold every other berth off until their timeout.
        closeSync(fd);
        unlinkSync(path);
        throw e;
      }
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = Number(await readFile(path, "utf8").catch(() => ""));
      if (Number.isInteger(owner) && owner > 0 && !isProcessAlive(owner)) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw new BerthError("UNAVAILABLE", `lock ${path}: held by pid ${owner || "unknown"}`, {
          hint: "another berth command is updating the same state; wait for it, or remove the lock file if that process is gone",
        });
      }
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
    }
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(path);
    } catch {
      // Taken over meanwhile as a dead owner's, or its directory removed.
    }
  }
}

/** Whether a process with this pid exists (one owned by another user counts). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
