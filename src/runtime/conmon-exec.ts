import { spawn } from "node:child_process";
import { RuntimeToolError } from "./errors.js";

/** What one exec's monitor is told. */
export interface ConmonExecOptions {
  readonly binary: string;
  /** The container's id (`-c`) and bundle. */
  readonly id: string;
  readonly bundle: string;
  /** This exec's own id (`-u`), unique among the container's execs. */
  readonly execId: string;
  /** The process (runtime-spec `process`) to run, as a file. */
  readonly processFile: string;
  /** Where runc writes the exec'd process's pid. */
  readonly pidFile: string;
  readonly runtime: string;
  /** runc's global flags (`--root`, `--log`, …), before its subcommand. */
  readonly runtimeArgs: readonly string[];
  /** The process's stdout and stderr: file descriptors of this process, handed on as they are, or /dev/null. */
  readonly stdoutFd: number | "ignore";
  readonly stderrFd: number | "ignore";
  /** `exec -d`: conmon forks off and goes on alone; only the start is reported here, and nothing holds this process after it. */
  readonly detached?: boolean;
}

/** How the exec's start went: the process's host pid, or undefined when runc could not start it. */
export type ConmonExecStart = { readonly pid: number } | undefined;

/** An exec under its own conmon. */
export interface ConmonExec {
  /** Settles once runc has started the process (or failed to). */
  readonly started: Promise<ConmonExecStart>;
  /** The process's exit code (128 + signal number for a signal); undefined when it never started. */
  readonly exited: Promise<number | undefined>;
}

/**
 * `conmon --exec` (podman's exec): conmon, a subreaper, runs `runc exec -d`
 * and waits for the process, so the process does not depend on a runc in
 * the foreground, and reports on its sync pipe (fd 3, `_OCI_SYNCPIPE`) the
 * process's pid, `{"data": pid}`, then its exit code, `{"data": code}`.
 * `-l passthrough` hands conmon's own stdout and stderr to the process (no
 * log, no attach socket), and conmon then puts /dev/null on its own, so the
 * process and what it leaves behind are the only writers. `--sync`: no
 * double fork, the monitor is this child (not when detached). When runc fails conmon reports no
 * pid and exits non-zero; runc's message is in its `--log` and was written
 * to the process's stderr.
 */
export function startConmonExec(o: ConmonExecOptions): ConmonExec {
  const args = [
    "--api-version", "1", "--exec", "--exec-process-spec", o.processFile, ...(o.detached ? [] : ["--sync"]),
    "-c", o.id, "-u", o.execId, "-b", o.bundle, "-p", o.pidFile, "-r", o.runtime,
    "-l", "passthrough", "--log-level", "error",
    ...o.runtimeArgs.flatMap((a) => ["--runtime-arg", a]),
  ];
  // cwd: conmon drops an `oom` marker file in its working directory.
  const child = spawn(o.binary, args, { stdio: ["ignore", o.stdoutFd, o.stderrFd, "pipe"], env: { ...process.env, _OCI_SYNCPIPE: "3" }, cwd: o.bundle });
  let onStart: (s: ConmonExecStart) => void = () => undefined;
  let onExit: (code: number | undefined) => void = () => undefined;
  const started = new Promise<ConmonExecStart>((resolve, reject) => {
    onStart = resolve;
    child.on("error", (e) => reject(new RuntimeToolError(o.binary, ["--exec"], e.message, "install Debian's conmon (apt-get install conmon)")));
  });
  const exited = new Promise<number | undefined>((resolve) => (onExit = resolve));
  let reports = 0;
  let text = "";
  child.stdio[3]?.on("data", (b: Buffer) => {
    text += b.toString("utf8");
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n")) {
      const data = syncData(text.slice(0, nl));
      text = text.slice(nl + 1);
      if (data === undefined) continue;
      if (reports++ === 0) onStart(data > 0 ? { pid: data } : undefined);
      else onExit(data);
    }
  });
  // Whatever conmon did not report by its end, it never will (settling twice is a no-op).
  child.on("close", () => {
    onStart(undefined);
    onExit(undefined);
  });
  if (o.detached) {
    // The exit report would come to nobody: let go of the pipe (conmon ignores SIGPIPE) and of the child.
    void started.catch(() => undefined).finally(() => {
      child.stdio[3]?.destroy();
      child.unref();
    });
  }
  return { started, exited };
}

/** The number in one sync-pipe line `{"data": N, …}`, or undefined. */
function syncData(line: string): number | undefined {
  try {
    const parsed = JSON.parse(line) as { data?: unknown };
    return typeof parsed.data === "number" ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
