import { readdir, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/** True while `pid` names a live process (a zombie, already dead but not reaped, counts as gone). */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Poll until `pid` is gone or `timeoutMs` passes; true when it is gone. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

/**
 * Stop the process `pid`: SIGTERM, wait up to `graceMs`, then SIGKILL and
 * wait 10 s more. Throws when it still lives after that, naming the pid.
 */
export async function terminate(pid: number, graceMs: number): Promise<void> {
  if (!(await isAlive(pid))) return;
  signal(pid, "SIGTERM");
  if (await waitForExit(pid, graceMs)) return;
  signal(pid, "SIGKILL");
  if (!(await waitForExit(pid, 10_000))) throw new Error(`terminate ${pid}: still alive 10 s after SIGKILL`);
}

const signal = (pid: number, sig: NodeJS.Signals): void => {
  try {
    process.kill(pid, sig);
  } catch {
    // It exited between the check and the signal.
  }
};

/**
 * PIDs of processes whose command line (arguments joined by spaces) contains
 * `text`. Used to find what a killed daemon left behind by a path unique to
 * one test (e.g. its containerd socket), never by a program name.
 */
export async function pidsWithCommandLine(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = (await readFile(`/proc/${name}/cmdline`, "utf8")).split("\0").join(" ");
      if (cmdline.includes(text)) pids.push(Number(name));
    } catch {
      // It exited while we looked.
    }
  }
  return pids;
}
