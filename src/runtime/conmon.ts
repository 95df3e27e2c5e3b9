import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { readSmallFile } from "./internal/read-small-file.js";
import { join } from "node:path";
import { RuntimeToolError } from "./errors.js";
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
    // Synchronous, as the removal below: on the path of every start, where each asynchronous call waits
    // for libuv's threads (and for a core, on a busy machine).
    mkdirSync(o.exitDir, { recursive: true });
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
    rmSync(join(o.bundle, "conmon.pid"), { force: true });
    const message = await new Promise<string>((resolve, reject) => {
      // cwd: conmon drops an `oom` marker file in its working directory.
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
}

/** conmon's pid from its pid file, which may land a moment after the sync message; -1 when it never does. */
async function readMonitorPid(file: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pid = Number((readSmallFile(file) ?? "").trim());
    if (Number.isInteger(pid) && pid > 0) return pid;
    await new Promise((r) => setTimeout(r, 5));
  }
  return -1;
}

/** runc refused to create the container; `message` is runc's. */
export class ConmonCreateError extends Error {}
