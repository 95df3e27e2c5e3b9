import { readSmallFile } from "./cgroup-file.js";
import { CgroupFormatError } from "./errors.js";

/** What `ps` shows of a process, read from /proc/<pid>/{stat,status,cmdline}. */
export interface ProcProcess {
  readonly pid: number;
  readonly ppid: number;
  /** The state letter (R, S, D, Z, …). */
  readonly state: string;
  /** The kernel's short name (at most 15 bytes, any bytes but NUL). */
  readonly comm: string;
  /** The controlling terminal's device number, 0 for none. */
  readonly ttyNr: number;
  /** CPU time in user and kernel mode, in clock ticks. */
  readonly cpuTicks: number;
  /** Start time after boot, in clock ticks. */
  readonly startTicks: number;
  readonly euid: number;
  readonly vszKiB: number;
  readonly rssKiB: number;
  /** The command line; empty for kernel threads and zombies. */
  readonly args: readonly string[];
}

/**
 * Parse `/proc/<pid>/stat`. The name is between the first "(" and the last
 * ")", since a process may name itself `a) R 1 (b` to confuse a naive split.
 */
export function parsePidStat(text: string, file: string): Omit<ProcProcess, "euid" | "rssKiB" | "args"> {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  const fields = text.slice(close + 2).trim().split(" ");
  const num = (i: number, name: string): number => {
    const f = fields[i];
    if (f === undefined || !/^-?\d{1,20}$/.test(f)) throw new CgroupFormatError(file, `${name}: expected a number, got ${JSON.stringify(f ?? "")}`);
    return Number(f);
  };
  const pid = Number(text.slice(0, open).trim());
  if (open < 1 || close < open || !Number.isSafeInteger(pid) || fields.length < 22) {
    throw new CgroupFormatError(file, `expected "pid (comm) state …" and at least 22 fields after it, got ${JSON.stringify(text.slice(0, 80))}`);
  }
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: fields[0] ?? "?",
    ppid: num(1, "ppid"),
    ttyNr: num(4, "tty_nr"),
    cpuTicks: num(11, "utime") + num(12, "stime"),
    startTicks: num(19, "starttime"),
    vszKiB: Math.floor(num(20, "vsize") / 1024),
  };
}

/** The effective uid and the resident set (kB) from `/proc/<pid>/status`; a zombie has no VmRSS (0). */
export function parsePidStatus(text: string, file: string): { euid: number; rssKiB: number } {
  const uid = /^Uid:\s+\d+\s+(\d+)/m.exec(text);
  if (uid === null) throw new CgroupFormatError(file, "no Uid: line");
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return { euid: Number(uid[1]), rssKiB: rss === null ? 0 : Number(rss[1]) };
}

/**
 * Process `pid` now, or undefined when it has exited (it may go between
 * `runc ps` and the read). Throws {@link CgroupFormatError} on a file that
 * is not procfs's.
 */
export async function readProcProcess(pid: number, procRoot = "/proc"): Promise<ProcProcess | undefined> {
  const dir = `${procRoot}/${pid}`;
  const [stat, status, cmdline] = await Promise.all([
    readSmallFile(`${dir}/stat`),
    readSmallFile(`${dir}/status`),
    readSmallFile(`${dir}/cmdline`),
  ]);
  if (stat === undefined || status === undefined || cmdline === undefined) return undefined;
  const parsed = parsePidStat(stat, `${dir}/stat`);
  if (parsed.pid !== pid) throw new CgroupFormatError(`${dir}/stat`, `names pid ${parsed.pid}`);
  const args = cmdline.split("\0");
  // The kernel ends each argument with NUL; a process that rewrote its title may not.
  if (args.at(-1) === "") args.pop();
  return { ...parsed, ...parsePidStatus(status, `${dir}/status`), args };
}
