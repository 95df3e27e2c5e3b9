import { constants } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { CgroupFormatError, CgroupNotFoundError } from "./errors.js";

/** cgroup and /proc files are a few KiB; anything far larger is not the kernel's file. */
const MAX_FILE_BYTES = 1 << 20;

const isErrno = (e: unknown, code: string): boolean => (e as NodeJS.ErrnoException | undefined)?.code === code;

/**
 * The text of `path`, or undefined when it does not exist. Reads at most
 * 1 MiB and throws {@link CgroupFormatError} past that, so a hostile or
 * wrong path (a FIFO is refused too) cannot make a reader take unbounded
 * memory or block.
 */
export async function readSmallFile(path: string): Promise<string | undefined> {
  let fh: FileHandle | undefined;
  try {
    // O_NONBLOCK: a FIFO put where a cgroup file should be must not hang the open.
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if (isErrno(e, "ENOENT") || isErrno(e, "ENOTDIR") || isErrno(e, "ESRCH")) return undefined;
    throw e;
  }
  try {
    if (!(await fh.stat()).isFile()) throw new CgroupFormatError(path, "not a regular file");
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(64 * 1024);
      // /proc and cgroupfs files report size 0; read until EOF.
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > MAX_FILE_BYTES) throw new CgroupFormatError(path, `larger than ${MAX_FILE_BYTES} bytes`);
      chunks.push(buf.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks).toString("utf8");
  } catch (e) {
    // A process that exits while we read makes /proc/<pid>/… fail with ESRCH.
    if (isErrno(e, "ESRCH")) return undefined;
    throw e;
  } finally {
    await fh.close();
  }
}

/**
 * `dir/name` of a cgroup: its text, or undefined when the controller does
 * not offer that file. Throws {@link CgroupNotFoundError} when `dir` itself
 * is gone, so a deleted container is told apart from an old kernel.
 */
export async function readCgroupFile(dir: string, name: string): Promise<string | undefined> {
  const text = await readSmallFile(join(dir, name));
  if (text !== undefined) return text;
  const st = await stat(dir).catch(() => undefined);
  if (st === undefined || !st.isDirectory()) throw new CgroupNotFoundError(dir);
  return undefined;
}

/** A non-negative decimal integer as the kernel writes it; values past 2^53 lose their last digits. */
export function parseCount(file: string, field: string, text: string): number {
  const t = text.trim();
  if (!/^\d{1,20}$/.test(t)) throw new CgroupFormatError(file, `${field}: expected a non-negative integer, got ${JSON.stringify(t.slice(0, 40))}`);
  return Number(BigInt(t));
}

/** A limit file (`pids.max`, `memory.max`): undefined for "max", else the number. */
export function parseLimit(file: string, text: string): number | undefined {
  return text.trim() === "max" ? undefined : parseCount(file, "limit", text);
}

/** A flat keyed file (`memory.stat`, `cpu.stat`, `memory.events`, `memory.oom_control`): "key value" lines. */
export function parseFlatKeyed(file: string, text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const [key, value, extra] = line.trim().split(/\s+/);
    if (key === undefined || value === undefined || extra !== undefined) throw new CgroupFormatError(file, `expected "key value" lines, got ${JSON.stringify(line.slice(0, 60))}`);
    out.set(key, parseCount(file, key, value));
  }
  return out;
}
