import { spawn } from "node:child_process";
import { watch } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { RuntimeToolError } from "./errors.js";
import { isLaunchable, shellLauncher, type ShellLauncher } from "./internal/shell-launcher.js";
import { lastRuntimeError } from "./runc.js";

/** What one container's monitor is told. */
export interface ConmonCreateOptions {
  /** The bundle: config.json + rootfs; conmon's own files (pidfiles, attach socket, ctl fifo) go here too. */
  readonly bundle: string;
  readonly id: string;
  readonly name?: string;
  /** conmon's k8s-file log. */
  readonly logPath: string;
  /** Bytes; at the limit conmon starts the log over (see the logs module). */
  readonly logSizeMax?: number;
  /** Skip conmon's fsync of the log when the container ends: for a log deleted with its container (--rm). */
  readonly noSyncLog?: boolean;
  /** Where conmon writes `<id>` holding the exit code. */
  readonly exitDir: string;
  /** Program and arguments conmon runs once the container has ended (berth's exit hook). */
  readonly exitCommand?: readonly string[];
  readonly terminal?: boolean;
  /** The OCI runtime program conmon runs; default the one this Conmon was made with. */
  readonly runtime?: string;
  /** runc's global flags (`--root`, `--log`, …), before its subcommand. */
  readonly runtimeArgs: readonly string[];
  /** Where runc writes its JSON log, read for the failure message. */
  readonly runtimeLog: string;
}

/** A created container: its init process waits for `runc start`. */
export interface ConmonCreated {
  readonly pid: number;
  readonly monitorPid: number;
}

/**
 * Debian's conmon, the per-container monitor podman uses: it runs
 * `runc create`, holds the container's stdio, writes its log and its exit
 * code, and runs an exit command, so the container outlives the berth that
 * made it. conmon double-forks; it reports the container's pid (or runc's
 * error) on the sync pipe (fd 3, `_OCI_SYNCPIPE`), as JSON `{"data": pid}`
 * or `{"data": -1, "message": …}`.
 */
export class Conmon {
  constructor(readonly binary = "/usr/bin/conmon", readonly runtime = "/usr/sbin/runc") {}

  /** Start the monitor and `runc create`; rejects with the runtime's message when the container cannot be made. */
  async create(o: ConmonCreateOptions): Promise<ConmonCreated> {
    await mkdir(o.exitDir, { recursive: true });
    const args = [
      "--api-version", "1", "-c", o.id, "-u", o.id, "-r", o.runtime ?? this.runtime, "-b", o.bundle,
      "-p", join(o.bundle, "pidfile"), "--conmon-pidfile", join(o.bundle, "conmon.pid"),
      "-n", o.name ?? o.id, "--exit-dir", o.exitDir, "--full-attach", "--socket-dir-path", o.bundle,
      "-l", `k8s-file:${o.logPath}`, "--log-level", "error",
      ...(o.logSizeMax !== undefined && o.logSizeMax > 0 ? ["--log-size-max", String(o.logSizeMax)] : []),
      ...(o.noSyncLog ? ["--no-sync-log"] : []),
      ...(o.terminal ? ["-t"] : []),
      ...o.runtimeArgs.flatMap((a) => ["--runtime-arg", a]),
      ...(o.exitCommand !== undefined && o.exitCommand.length > 0
        ? ["--exit-command", o.exitCommand[0]!, ...o.exitCommand.slice(1).flatMap((a) => ["--exit-command-arg", a])]
        : []),
    ];
    // An earlier run's pid file would pass for this monitor's until conmon writes its own.
    await rm(join(o.bundle, "conmon.pid"), { force: true });
    // cwd: conmon drops an `oom` marker file in its working directory.
    const launcher = shellLauncher();
    const message = launcher !== undefined && isLaunchable(this.binary)
      ? await this.syncThroughLauncher(launcher, args, o)
      : await this.syncThroughPipe(args, o);
    let parsed: { data?: unknown; message?: unknown };
    try {
      parsed = JSON.parse(message) as { data?: unknown; message?: unknown };
    } catch {
      throw new RuntimeToolError(this.binary, ["--cid", o.id], `unexpected sync message: ${message}`);
    }
    if (typeof parsed.data !== "number" || parsed.data <= 0) {
      const runtimeMessage = typeof parsed.message === "string" ? parsed.message.trim() : await lastRuntimeError(o.runtimeLog);
      throw new ConmonCreateError(runtimeMessage ?? "the runtime could not create the container");
    }
    return { pid: parsed.data, monitorPid: await readMonitorPid(join(o.bundle, "conmon.pid")) };
  }

  /**
   * conmon started by this process's shell launcher: a fork of a small shell, not of this Node
   * process (whose page tables a fork copies: about 8 ms of blocked event loop per container
   * here, on the way to every start). The shell cannot make a pipe, so the sync pipe is a file in
   * the bundle; its first line, once conmon has written it, is the create result.
   */
  private async syncThroughLauncher(launcher: ShellLauncher, args: readonly string[], o: ConmonCreateOptions): Promise<string> {
    const file = join(o.bundle, "conmon.sync");
    // Empty before the watch starts: a restart's monitor writes after the last one's lines.
    await writeFile(file, "");
    const firstLine = async (): Promise<string | undefined> => {
      const text = await readFile(file, "utf8").catch(() => "");
      const nl = text.indexOf("\n");
      return nl >= 0 ? text.slice(0, nl) : undefined;
    };
    const watcher = watch(file);
    try {
      return await new Promise<string>((resolve, reject) => {
        let settled = false;
        const settle = (line: string | undefined): boolean => {
          if (line === undefined || settled) return settled;
          settled = true;
          resolve(line);
          return true;
        };
        const fail = (e: Error): void => {
          if (!settled) reject(e);
          settled = true;
        };
        watcher.on("change", () => void firstLine().then(settle));
        watcher.on("error", (e) => fail(e));
        launcher.run(this.binary, args, FORK_TIMEOUT_MS, { cwd: o.bundle, fd3: file, env: { _OCI_SYNCPIPE: "3" } }).then(async (r) => {
          // The first process exits once the monitor is forked; a non-zero exit means conmon itself failed.
          if (r.code !== 0) return fail(new RuntimeToolError(this.binary, ["--cid", o.id], r.stderr || `exit ${r.code}`, "run the conmon command with --log-level debug to see why"));
          // The monitor reports in a moment. Should it die first, nothing would wake this: look after it.
          const deadline = Date.now() + REPORT_TIMEOUT_MS;
          while (!settle(await firstLine())) {
            const monitor = Number((await readFile(join(o.bundle, "conmon.pid"), "utf8").catch(() => "")).trim());
            const gone = Number.isInteger(monitor) && monitor > 0 && !isAlive(monitor);
            if (gone || Date.now() > deadline) {
              if (settle(await firstLine())) return;
              return fail(new RuntimeToolError(this.binary, ["--cid", o.id], gone ? "the monitor ended before it reported the container" : `no report from the monitor in ${REPORT_TIMEOUT_MS / 1000} s`, "run the conmon command with --log-level debug to see why"));
            }
            await sleep(LOOK_MS);
          }
        }, fail);
      });
    } finally {
      watcher.close();
    }
  }

  /** conmon forked from this process, its sync pipe a pipe: the way without a launcher. */
  private syncThroughPipe(args: readonly string[], o: ConmonCreateOptions): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      // Only the sync pipe: any other pipe would stay open in the monitor and hold this process until the container ends.
      const child = spawn(this.binary, args, { stdio: ["ignore", "ignore", "ignore", "pipe"], env: { ...process.env, _OCI_SYNCPIPE: "3" }, detached: true, cwd: o.bundle });
      let sync = "";
      const pipe = child.stdio[3];
      pipe?.on("data", (b: Buffer) => {
        sync += b.toString("utf8");
        // The first line is the create result; the pipe stays open in the monitor until the container ends.
        const nl = sync.indexOf("\n");
        if (nl >= 0) {
          pipe.removeAllListeners("data");
          pipe.destroy();
          resolve(sync.slice(0, nl));
        }
      });
      pipe?.on("close", () => reject(new RuntimeToolError(this.binary, ["--cid", o.id], "the monitor ended before it reported the container", "run the conmon command with --log-level debug to see why")));
      child.on("error", (e) => reject(new RuntimeToolError(this.binary, ["…"], e.message, "install Debian's conmon (apt-get install conmon)")));
      child.on("exit", (code) => {
        // The first process exits once the monitor is forked; a non-zero exit means conmon itself failed.
        if (code !== 0) reject(new RuntimeToolError(this.binary, ["--cid", o.id], `exit ${code}`, "run the conmon command with --log-level debug to see why"));
      });
      child.unref();
    });
  }
}

/** How long conmon's first process may take to fork the monitor before it is killed. */
const FORK_TIMEOUT_MS = 60_000;
/** How long the monitor may take to report `runc create`'s result (runc's own start on a loaded machine included). */
const REPORT_TIMEOUT_MS = 120_000;
/** How often a monitor that has not reported yet is looked after (inotify wakes the wait at once when it writes). */
const LOOK_MS = 100;

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** conmon's pid from its pid file, which may land a moment after the sync message; -1 when it never does. */
async function readMonitorPid(file: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pid = Number((await readFile(file, "utf8").catch(() => "")).trim());
    if (Number.isInteger(pid) && pid > 0) return pid;
    await new Promise((r) => setTimeout(r, 5));
  }
  return -1;
}

/** runc refused to create the container; `message` is runc's. */
export class ConmonCreateError extends Error {}
