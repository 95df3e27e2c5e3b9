import { join } from "node:path";
import { Writable } from "node:stream";
import type { Socket } from "node:net";
import { startConmonExec, type ConmonExec, type ConmonExecOptions } from "./conmon-exec.js";
import type { ContainerRecord } from "./container-record.js";
import { execStartError, RuntimeToolError } from "./errors.js";
import type { ExecOptions } from "./exec-container.js";
import type { OutputFifos } from "./output-fifos.js";
import { lastRuntimeError } from "./runc.js";
import type { RuntimeContext } from "./runtime-context.js";
import { trace } from "./internal/trace.js";

/**
 * How long output is still read once the exec'd process has ended, while
 * something it left behind holds its stdout or stderr: dockerd's wait for
 * an exec's streams (docker 20.10 here: `exec c sh -c 'sleep 300 &'`
 * returns after 2.07 s). After it berth stops reading, and what is left
 * behind lives on; its next write to that output fails (SIGPIPE), as under
 * docker once its shim lets go of the pipe.
 */
export const STREAM_GRACE_MS = 2_000;

/**
 * How long a killed command (timeout or abort) has to end before berth
 * stops waiting for it: SIGKILL does not end a process in D state, nor one
 * whose `runc exec -d` stalls before it runs. conmon is left to finish
 * alone; the caller gets its deadline (a health check then records its
 * timeout and may act on it).
 */
export const KILL_GRACE_MS = 1_000;

/** One exec's files in the container directory, all named by its tag. */
interface ExecFiles {
  readonly processFile: string;
  readonly runtimeLog: string;
  readonly tag: string;
  /** Delete them: done as soon as the command runs, as a berth ended by a closed stdout (EPIPE) runs no finally. */
  remove(): Promise<void>;
}

/**
 * A non-interactive exec under its own conmon (see startConmonExec): the
 * command's exit code once it has ended, whatever it left running. Output
 * goes through `fifos` (openOutputFifos), read here, to berth's stdout and
 * stderr, or to `opts.capture`. stderr is held back until runc has started
 * the process: before that, only runc writes there, and its failure is
 * told once, by the ContainerStartError this rejects with (stdout waits
 * as long, see below).
 */
export async function execMonitored(
  ctx: RuntimeContext,
  record: ContainerRecord,
  fifos: OutputFifos,
  files: ExecFiles,
  opts: ExecOptions,
  start: (o: ConmonExecOptions) => ConmonExec = startConmonExec,
): Promise<number> {
  let monitor: ConmonExec;
  try {
    monitor = start({ ...execMonitorOptions(ctx, record, files), stdoutFd: fifos.stdout.writeFd, stderrFd: fifos.stderr.writeFd });
  } catch (e) {
    // No child got the pipes, and nothing reads them: the read ends go too.
    await fifos.close();
    throw e;
  }
  await fifos.closeWriteEnds();
  const sinks = outputSinks(opts);
  // Output is held until the command is known to run: then exec's files are gone before a closed stdout can end berth.
  const heldOut: Buffer[] = [];
  const heldErr: Buffer[] = [];
  let holding = true;
  const out = copy(fifos.stdout.reader, sinks.stdout, (b) => (holding ? (heldOut.push(b), true) : false));
  const err = copy(fifos.stderr.reader, sinks.stderr, (b) => (holding ? (heldErr.push(b), true) : false));
  const stopReading = (): void => {
    fifos.stdout.reader.destroy();
    fifos.stderr.reader.destroy();
  };

  let pid: number | undefined;
  let ended = false;
  let endGrace: () => void = () => undefined;
  const pending: NodeJS.Signals[] = [];
  const kill = (signal: NodeJS.Signals): void => {
    if (ended) endGrace();
    else if (pid === undefined) pending.push(signal);
    else signalProcess(pid, signal);
  };
  // Once killed, the command has KILL_GRACE_MS to end; then the waits below give up.
  let onGaveUp: () => void = () => undefined;
  const gaveUp = new Promise<"gave up">((resolve) => (onGaveUp = () => resolve("gave up")));
  let giveUpTimer: NodeJS.Timeout | undefined;
  const abort = (): void => {
    kill("SIGKILL");
    giveUpTimer ??= setTimeout(onGaveUp, KILL_GRACE_MS);
  };
  const unended = (): RuntimeToolError =>
    new RuntimeToolError(ctx.conmon.binary, ["--exec", record.id], `the command did not end within ${KILL_GRACE_MS} ms of its kill (SIGKILL); berth stopped waiting`, "it may be stuck in the kernel (D state) or runc may hang: berth top; conmon finishes alone once it ends");
  const timer = opts.timeoutMs !== undefined ? setTimeout(abort, opts.timeoutMs) : undefined;
  if (opts.signal?.aborted) abort();
  opts.signal?.addEventListener("abort", abort, { once: true });
  opts.onStart?.(kill);
  try {
    const started = await Promise.race([monitor.started, gaveUp]).catch((e: unknown) => {
      stopReading();
      throw e;
    });
    if (started === "gave up") {
      // Should runc start it after all, the kill still reaches it.
      void monitor.started.then((s) => s !== undefined && signalProcess(s.pid, "SIGKILL"), () => undefined);
      throw unended();
    }
    if (started === undefined) {
      // Nothing ran: what came on stderr is runc's own message, told below with its meaning. Its
      // writers are gone, so the end comes at once.
      await Promise.race([err, new Promise((r) => setTimeout(r, 1_000).unref())]);
      stopReading();
      const failure = await lastRuntimeError(files.runtimeLog);
      if (failure !== undefined) throw execStartError(record.id, failure);
      const said = Buffer.concat(heldErr).toString("utf8").trim();
      throw new RuntimeToolError(ctx.conmon.binary, ["--exec", record.id], said || "the monitor ended before it started the command", "run with --debug; check that the container still runs");
    }
    pid = started.pid;
    trace("exec: started");
    await files.remove();
    holding = false;
    for (const b of heldOut.splice(0)) sinks.stdout.write(b);
    for (const b of heldErr.splice(0)) sinks.stderr.write(b);
    for (const s of pending.splice(0)) signalProcess(pid, s);
    const code = await Promise.race([monitor.exited, gaveUp]);
    if (code === "gave up") throw unended();
    trace("exec: ended");
    ended = true;
    const grace = new Promise<void>((resolve) => {
      endGrace = resolve;
      setTimeout(resolve, STREAM_GRACE_MS).unref();
    });
    await Promise.race([Promise.all([out, err]), grace]);
    trace("exec: output read");
    stopReading();
    if (code === undefined) throw new RuntimeToolError(ctx.conmon.binary, ["--exec", record.id], "the monitor ended without the command's exit code", "it was killed; the command may still run (berth top)");
    return code;
  } finally {
    clearTimeout(timer);
    clearTimeout(giveUpTimer);
    opts.signal?.removeEventListener("abort", abort);
    stopReading();
  }
}

/**
 * `exec -d`: the command under its own conmon, which goes on alone; its
 * output to /dev/null, as docker's. Resolves once it runs; rejects with
 * ContainerStartError when it cannot.
 */
export async function execDetached(ctx: RuntimeContext, record: ContainerRecord, files: ExecFiles): Promise<void> {
  const started = await startConmonExec({ ...execMonitorOptions(ctx, record, files), stdoutFd: "ignore", stderrFd: "ignore", detached: true }).started;
  if (started !== undefined) return;
  const failure = await lastRuntimeError(files.runtimeLog);
  if (failure !== undefined) throw execStartError(record.id, failure);
  throw new RuntimeToolError(ctx.conmon.binary, ["--exec", record.id], "the monitor ended before it started the command", "run with --debug; check that the container still runs");
}

/** The exec's monitor: the container's runtime, this exec's files in the container directory. */
function execMonitorOptions(ctx: RuntimeContext, record: ContainerRecord, files: ExecFiles): Omit<ConmonExecOptions, "stdoutFd" | "stderrFd"> {
  const dir = ctx.dir(record.id);
  const runtime = ctx.runtimeOf(record);
  return {
    binary: ctx.conmon.binary,
    id: record.id,
    bundle: dir,
    execId: `${record.id}-exec-${files.tag}`,
    processFile: files.processFile,
    pidFile: join(dir, `exec-${files.tag}.pid`),
    runtime: runtime.binary,
    runtimeArgs: ["--root", runtime.opts.stateDir, "--log", files.runtimeLog, "--log-format", "json"],
  };
}

/** Where the two streams go: berth's own stdout and stderr, or both into the capture, up to its limit. */
function outputSinks(opts: ExecOptions): { stdout: Writable; stderr: Writable } {
  const capture = opts.capture;
  if (capture === undefined) return { stdout: process.stdout, stderr: process.stderr };
  let kept = 0;
  const keep = new Writable({
    write(b: Buffer, _encoding, done) {
      if (kept < capture.maxBytes) capture.chunks.push(b.subarray(0, capture.maxBytes - kept));
      kept += b.length;
      done();
    },
  });
  return { stdout: keep, stderr: keep };
}

/**
 * Copy `reader` to `sink` until the reader ends, with the sink's
 * backpressure; `divert` may take a chunk instead. Resolves at the end.
 * A sink that fails (a closed pipe: `berth exec … | head -1`) ends the
 * reading, and the process's next write gets SIGPIPE, as when runc's copy
 * of its output died of the same.
 */
function copy(reader: Socket, sink: Writable, divert?: (b: Buffer) => boolean): Promise<void> {
  const failed = (): void => void reader.destroy();
  sink.on("error", failed);
  return new Promise<void>((resolve) => {
    reader.on("data", (b: Buffer) => {
      if (divert?.(b) === true) return;
      if (!sink.write(b)) {
        reader.pause();
        sink.once("drain", () => reader.resume());
      }
    });
    reader.on("close", () => resolve());
    reader.on("error", () => resolve());
  }).finally(() => sink.off("error", failed));
}

/** Signal the exec'd process; one that has just ended is no error. */
function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: it ended meanwhile.
  }
}
