import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Writable } from "node:stream";
import { cgroupPathsOfSpec, readStateCgroupPaths, removeLeftoverCgroups } from "./cgroup/leftover-cgroups.js";
import { RuntimeToolError } from "./errors.js";
import { releaseCreated } from "./exec-fifo.js";
import { execTool } from "./internal/exec-tool.js";

/** Where runc keeps its state (`--root`) for the containers of the berth root `root`. */
export const runcStateDir = (root: string): string => join(root, "runc");

/** Where runc lives and keeps its state. */
export interface RuncOptions {
  /** runc's state directory (`runc --root`), conventionally `<berth root>/runc`. */
  readonly stateDir: string;
  /** The runc program; default Debian's `/usr/sbin/runc`. */
  readonly binary?: string;
}

/** Where a foreground container's output goes: a stream given here is piped, otherwise berth's own is inherited. */
export interface RuncStdio {
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  /** `inherit` gives the container berth's stdin (`-i`); default none. */
  readonly stdin?: "inherit";
}

/** How `runc run` ended. */
export interface RuncExit {
  /** The container's exit code (128 + signal number when a signal ended it), or runc's when it failed. */
  readonly code: number;
  /** runc's error when the container's process never started (bad command, mount failure, …). */
  readonly startError?: string;
}

/** A `runc run` in progress. */
export interface RuncRun {
  readonly pid: number;
  /** Send `signal` to runc, which forwards it to the container's process. */
  kill(signal: NodeJS.Signals): void;
  /** Settles when runc has exited; rejects only when runc could not be started. */
  readonly exited: Promise<RuncExit>;
}

const SIGNAL_NUMBERS: Readonly<Partial<Record<NodeJS.Signals, number>>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

/**
 * Debian's runc, driven as a program. Each container is a bundle directory
 * (`config.json` + `rootfs/`); runc's state of running containers is under
 * {@link RuncOptions.stateDir}, apart from any other runc user on the host.
 */
export class Runc {
  readonly binary: string;

  constructor(readonly opts: RuncOptions) {
    this.binary = opts.binary ?? "/usr/sbin/runc";
  }

  /**
   * `runc run --bundle BUNDLE ID` in the foreground: stdin empty, stdout and
   * stderr as `stdio` says. runc runs in its own process group, so a Ctrl-C
   * reaches the container once, through {@link RuncRun.kill}, not twice.
   * runc's own messages go to `BUNDLE/runc.log` (JSON lines), read to tell
   * a start failure from the container's exit.
   */
  run(bundle: string, id: string, stdio: RuncStdio = {}): RuncRun {
    const logFile = join(bundle, "runc.log");
    const args = ["--root", this.opts.stateDir, "--log", logFile, "--log-format", "json", "run", "--bundle", bundle, id];
    const child = spawn(this.binary, args, {
      stdio: [stdio.stdin ?? "ignore", stdio.stdout ? "pipe" : "inherit", stdio.stderr ? "pipe" : "inherit"],
      detached: true,
    });
    if (stdio.stdout) child.stdout?.pipe(stdio.stdout, { end: false });
    if (stdio.stderr) child.stderr?.pipe(stdio.stderr, { end: false });
    const exited = new Promise<RuncExit>((resolve, reject) => {
      child.on("error", (e) => reject(new RuntimeToolError(this.binary, args, e.message, "install Debian's runc (apt-get install runc)")));
      child.on("close", (code, signal) => {
        const exitCode = code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0);
        void lastRuntimeError(logFile).then((startError) => {
          resolve(exitCode !== 0 && startError !== undefined ? { code: exitCode, startError } : { code: exitCode });
        });
      });
    });
    return {
      pid: child.pid ?? -1,
      kill: (signal) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      },
      exited,
    };
  }

  /**
   * `runc delete --force ID`: kill and forget the container; a container runc
   * no longer knows is fine. Then the cgroup directories its state recorded
   * are removed if runc left them (see leftover-cgroups.ts), best effort.
   * `cgroupsPath`, the spec's, is for a container of {@link run}: its state
   * is gone once `runc run` has ended (having given up on its cgroups the
   * same way, maybe), so the directories are worked out from the mounts.
   */
  async delete(id: string, opts: { readonly cgroupsPath?: string | undefined } = {}): Promise<void> {
    const recorded = await readStateCgroupPaths(this.opts.stateDir, id);
    const ofSpec = opts.cgroupsPath === undefined ? [] : cgroupPathsOfSpec(opts.cgroupsPath, id, await readFile("/proc/self/mountinfo", "utf8").catch(() => ""));
    const cgroups = [...new Set([...recorded, ...ofSpec])];
    const args = ["--root", this.opts.stateDir, "delete", "--force", id];
    const r = await execTool(this.binary, args);
    if (r.code !== 0 && !/does not exist|not found/i.test(r.stderr)) throw new RuntimeToolError(this.binary, args, r.stderr || `exit ${r.code}`);
    if (cgroups.length > 0) await removeLeftoverCgroups(cgroups);
  }

  /**
   * `runc start ID`: let a created container's process run. Given the pid
   * of its init, through runc's exec fifo without a runc process (see
   * releaseCreated), and by `runc start` when there is no such fifo.
   */
  async start(id: string, initPid?: number): Promise<void> {
    // The exec fifo is runc's way (a runtime of another name may keep its own): releasing it here spares starting `runc start`.
    if (initPid !== undefined && basename(this.binary).startsWith("runc") && (await releaseCreated(this.opts.stateDir, id, initPid))) return;
    await this.must(["start", id]);
  }

  /**
   * `runc kill [--all] ID SIGNAL`. Resolves false when the container is not
   * running any more (nothing to signal), throws on other failures.
   */
  async kill(id: string, signal: string, all = false): Promise<boolean> {
    const args = ["--root", this.opts.stateDir, "kill", ...(all ? ["--all"] : []), id, signal];
    const r = await execTool(this.binary, args);
    if (r.code === 0) return true;
    if (/not running|does not exist|not found|container not running|process already finished/i.test(r.stderr)) return false;
    throw new RuntimeToolError(this.binary, args, r.stderr || `exit ${r.code}`);
  }

  private async must(sub: readonly string[]): Promise<void> {
    const args = ["--root", this.opts.stateDir, ...sub];
    const r = await execTool(this.binary, args);
    if (r.code !== 0) throw new RuntimeToolError(this.binary, args, r.stderr || `exit ${r.code}`);
  }

  /** Ids of the containers runc holds state for under its state dir. */
  async list(): Promise<string[]> {
    const args = ["--root", this.opts.stateDir, "list", "--quiet"];
    const r = await captureStdout(this.binary, args);
    if (r.code !== 0) throw new RuntimeToolError(this.binary, args, `exit ${r.code}`);
    return r.out.split("\n").filter((l) => l !== "");
  }

  /**
   * `runc list --format json`: each container runc holds state for, with
   * its bundle as runc recorded it — the real path (runc takes its working
   * directory after changing into the bundle), symlinks resolved.
   */
  async listBundles(): Promise<RuncContainerBundle[]> {
    const args = ["--root", this.opts.stateDir, "list", "--format", "json"];
    const r = await captureStdout(this.binary, args);
    if (r.code !== 0) throw new RuntimeToolError(this.binary, args, `exit ${r.code}`);
    return parseRuncList(r.out);
  }
}

/** One container of {@link Runc.listBundles}. */
export interface RuncContainerBundle {
  readonly id: string;
  readonly bundle: string;
}

/** `runc list --format json` output: an array of containers, or `null` when there are none; entries without an id or bundle are skipped. */
export function parseRuncList(text: string): RuncContainerBundle[] {
  const parsed = JSON.parse(text.trim() === "" ? "null" : text) as unknown;
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((c: unknown) => {
    const { id, bundle } = (c ?? {}) as { id?: unknown; bundle?: unknown };
    return typeof id === "string" && typeof bundle === "string" ? [{ id, bundle }] : [];
  });
}

/** The last error runc logged, if any (`{"level":"error","msg":…}` lines). */
export async function lastRuntimeError(logFile: string): Promise<string | undefined> {
  const text = await readFile(logFile, "utf8").catch(() => "");
  let last: string | undefined;
  for (const line of text.split("\n")) {
    try {
      const entry = JSON.parse(line) as { level?: unknown; msg?: unknown };
      if (entry.level === "error" && typeof entry.msg === "string") last = entry.msg;
    } catch {
      // runc also writes plain lines (its child's stderr); only JSON entries count.
    }
  }
  return last;
}

function captureStdout(cmd: string, args: readonly string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ["ignore", "pipe", "ignore"] });
    const out: Buffer[] = [];
    c.stdout.on("data", (b: Buffer) => out.push(b));
    c.on("error", reject);
    c.on("close", (code) => resolve({ code, out: Buffer.concat(out).toString("utf8") }));
  });
}
