import { constants, openSync, unlinkSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { Socket } from "node:net";
import { join } from "node:path";
import { RuntimeToolError } from "./errors.js";

/** How often the created container's init is looked at while it has not yet written to the fifo. */
const LOOK_MS = 100;

/**
 * Let a container that `runc create` made run, as `runc start` does, without
 * a runc process: create leaves the container's init blocked opening
 * `<runc root>/<id>/exec.fifo` for writing; start opens it for reading,
 * reads the byte init writes just before it execs the container's program,
 * and deletes the fifo, after which runc reports the container running.
 * Each runc started costs 20–40 ms here (a Go program's start and runc's
 * own setup) on the path of every `run`; this is that handshake alone.
 *
 * Resolves true once the container runs; false, having done nothing, when
 * runc left no fifo there (another runtime, or another layout): the caller
 * then runs `runc start`. Rejects when process `initPid` ends first.
 */
export async function releaseCreated(stateDir: string, id: string, initPid: number): Promise<boolean> {
  const path = join(stateDir, id, "exec.fifo");
  // Read-write, so that the open neither blocks nor sees end-of-file before init has opened its end;
  // synchronously, since it cannot block: the container's start waits for it.
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
  const fifo = new Socket({ fd, readable: true, writable: false });
  let look: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      look = setInterval(() => {
        void initEnded(initPid).then((ended) => {
          if (ended) reject(new RuntimeToolError("runc", ["start", id], "the container's init process ended before it was started"));
        });
      }, LOOK_MS);
      fifo.once("data", () => resolve());
      fifo.once("error", reject);
    });
  } finally {
    clearInterval(look);
    fifo.destroy();
  }
  unlinkSync(path);
  return true;
}

/** Gone, or a zombie. */
async function initEnded(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  return stat === undefined || stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
}
