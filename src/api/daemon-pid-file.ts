import { open, readFile, unlink } from "node:fs/promises";
import { identityOf, isRunning, selfIdentity, type ProcessIdentity } from "../runtime/index.js";
import { DaemonRunningError } from "./daemon-errors.js";

/**
 * The daemon's claim on its root: a pid file holding its identity (pid and
 * start time, so a reused pid after a crash does not pass for it), made
 * with O_EXCL so two daemons started at once cannot both win. A file left
 * by a daemon that is gone (kill -9) is taken over.
 */
export async function claimPidFile(path: string, socket: string): Promise<ProcessIdentity> {
  const me = await selfIdentity();
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, "wx", 0o600);
      await fh.writeFile(`${JSON.stringify(me)}\n`);
      await fh.close();
      return me;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = await readPidFile(path);
      if (owner !== undefined && (await isRunning(owner))) throw new DaemonRunningError(owner.pid, socket);
      await unlink(path).catch(() => undefined);
    }
  }
  throw new DaemonRunningError(0, socket);
}

/** The identity in the pid file, or undefined when there is none or it is not readable as one. */
export async function readPidFile(path: string): Promise<ProcessIdentity | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as Partial<ProcessIdentity>;
    if (typeof v.pid === "number" && typeof v.startTime === "string") return { pid: v.pid, startTime: v.startTime };
  } catch {
    // An older or damaged file: a bare pid is still worth checking.
  }
  return identityOf(Number(text.trim()));
}

/** Remove the pid file if it is still ours. */
export async function releasePidFile(path: string, me: ProcessIdentity): Promise<void> {
  const owner = await readPidFile(path);
  if (owner?.pid === me.pid && owner.startTime === me.startTime) await unlink(path).catch(() => undefined);
}
