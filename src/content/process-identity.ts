import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";

/** A process named so that a reused pid does not pass for it: pid and start time (clock ticks since boot). */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: string;
}

/** Field 22 of /proc/PID/stat, after the parenthesised command name (which may hold spaces). */
async function startTimeOf(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  return stat === undefined ? undefined : startTimeIn(stat);
}

function startTimeIn(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); a zombie has exited.
  return fields[0] === "Z" ? undefined : fields[19];
}

let self: ProcessIdentity | undefined;

/**
 * This process's identity, read once. Synchronously: /proc/self/stat is in memory, and a
 * foreground `berth run` asks for it on its way to the daemon, where the thread pool's first
 * start would cost more than the read.
 */
export async function selfIdentity(): Promise<ProcessIdentity> {
  self ??= identityOfSync(process.pid) ?? { pid: process.pid, startTime: "" };
  return self;
}

/** True while the process `id` names still runs (not merely a process with the same pid). */
export async function isRunning(id: ProcessIdentity): Promise<boolean> {
  const start = await startTimeOf(id.pid);
  return start !== undefined && start === id.startTime;
}

/**
 * {@link identityOf}, read synchronously: for a caller on a latency path that reads a few /proc
 * files (the daemon's announced runs), where the thread pool's round trips cost more than the reads.
 */
export function identityOfSync(pid: number): ProcessIdentity | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const startTime = startTimeIn(stat);
  return startTime === undefined ? undefined : { pid, startTime };
}

/** The identity of process `pid` now, or undefined when there is none (or it is a zombie). */
export async function identityOf(pid: number): Promise<ProcessIdentity | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const startTime = await startTimeOf(pid);
  return startTime === undefined ? undefined : { pid, startTime };
}
