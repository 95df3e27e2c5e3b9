import { open, readFile, unlink } from "node:fs/promises";
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
      const fh = await open(path, "wx", 0o644);
      await fh.writeFile(String(process.pid));
      await fh.close();
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
    await unlink(path).catch(() => undefined);
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
