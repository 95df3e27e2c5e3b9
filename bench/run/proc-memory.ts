import { readFile } from "node:fs/promises";

/** Memory of one process, from /proc/PID/smaps_rollup, in KiB. */
export interface ProcessMemory {
  /** Resident set: every page it maps that is in RAM, shared ones counted in full. */
  readonly rssKiB: number;
  /** Proportional set: each shared page divided by the number of processes mapping it. */
  readonly pssKiB: number;
}

/** A process and its parent, from /proc/PID/status. */
export interface ProcessIdentity {
  readonly pid: number;
  /** The kernel's short name (at most 15 bytes): "conmon", "containerd-shim". */
  readonly comm: string;
  readonly ppid: number;
}

const MAX_KIB = 2 ** 40;

/**
 * The number in a `Name:   123 kB` (or `Name:\t123`) line of a /proc file, or throws naming
 * the field and the file: a missing or garbled field must not read as zero memory.
 */
export function procField(text: string, field: string, where: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${field}:`));
  const m = line === undefined ? null : /^[^:]+:\s*(\d{1,15})(?:\s+kB)?\s*$/.exec(line);
  if (m === null) throw new Error(`${where}: no numeric ${field} field${line === undefined ? "" : ` (got "${line.slice(0, 80)}")`}`);
  const n = Number(m[1]);
  if (n > MAX_KIB) throw new Error(`${where}: ${field} ${n} is not believable`);
  return n;
}

const checkedPid = (pid: number): number => {
  if (!Number.isSafeInteger(pid) || pid < 1) throw new Error(`not a process id: ${pid}`);
  return pid;
};

/** Name and parent of `pid`; throws when it is gone. */
export async function identityOf(pid: number): Promise<ProcessIdentity> {
  const where = `/proc/${checkedPid(pid)}/status`;
  const text = await readFile(where, "utf8");
  const name = text.split("\n").find((l) => l.startsWith("Name:"));
  if (name === undefined) throw new Error(`${where}: no Name field`);
  return { pid, comm: name.slice(5).trim(), ppid: procField(text, "PPid", where) };
}

/** RSS and PSS of `pid` (needs root for another user's process); throws when it is gone. */
export async function memoryOf(pid: number): Promise<ProcessMemory> {
  const where = `/proc/${checkedPid(pid)}/smaps_rollup`;
  const text = await readFile(where, "utf8");
  return { rssKiB: procField(text, "Rss", where), pssKiB: procField(text, "Pss", where) };
}

/** MemAvailable of /proc/meminfo: the kernel's estimate of what can be had without swapping. */
export async function memAvailableKiB(): Promise<number> {
  return procField(await readFile("/proc/meminfo", "utf8"), "MemAvailable", "/proc/meminfo");
}

/**
 * PIDs whose parent is `ppid` and whose name is `comm` (e.g. dockerd's containerd), read from
 * /proc: for measuring, never for signalling. Bounded by what /proc lists.
 */
export async function childrenNamed(ppid: number, comm: string): Promise<number[]> {
  const text = await readFile(`/proc/${checkedPid(ppid)}/task/${ppid}/children`, "utf8").catch(() => "");
  const found: number[] = [];
  for (const pid of text.split(/\s+/).filter((s) => /^\d+$/.test(s)).map(Number)) {
    const id = await identityOf(pid).catch(() => undefined);
    if (id?.comm === comm) found.push(pid);
  }
  return found;
}
