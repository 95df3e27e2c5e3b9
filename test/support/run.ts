import assert from "node:assert/strict";
import { spawn } from "node:child_process";

/** Options for {@link run}. */
export interface RunOptions {
  /** Environment of the child; defaults to this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** Bytes written to the child's stdin, which is then closed; stdin is empty when omitted. */
  readonly input?: string | Buffer;
  /** Kill the child with SIGKILL after this many milliseconds (default 120 000; 0 = never). */
  readonly timeoutMs?: number;
  /** Working directory of the child. */
  readonly cwd?: string;
}

/** What a finished child did. */
export interface RunResult {
  /** The command and its arguments, for messages. */
  readonly command: readonly string[];
  /** Exit code, or null when a signal ended the child (see `signal`). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when {@link RunOptions.timeoutMs} ran out and the child was killed. */
  readonly timedOut: boolean;
  /** Output decoded as UTF-8. */
  readonly stdout: string;
  readonly stderr: string;
}

const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * Run `cmd` with `args` directly (never through a shell) and collect its output.
 *
 * Resolves whatever the exit code, so a test can assert on it; rejects only
 * when the child cannot be started (e.g. ENOENT), naming the command.
 */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = timeoutMs > 0
      ? setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, timeoutMs)
      : undefined;
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`run ${cmd}: cannot start: ${err.message}`, { cause: err }));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        command: [cmd, ...args],
        code,
        signal,
        timedOut,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      });
    });
    // A child that exits without reading stdin makes the write fail with EPIPE; its exit status tells the story.
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? "");
  });
}

/** A failed {@link RunResult} in a few lines: command, how it ended, stdout, stderr. */
export function describeResult(r: RunResult): string {
  const how = r.timedOut ? "timed out" : r.signal !== null ? `was killed by ${r.signal}` : `exited ${r.code}`;
  return `${r.command.join(" ")} ${how}\nstdout: ${r.stdout.trim()}\nstderr: ${r.stderr.trim()}`;
}

/** Assert that the child exited 0; the failure message is {@link describeResult}. Returns `r` for chaining. */
export function assertSucceeded(r: RunResult): RunResult {
  assert.equal(r.code, 0, describeResult(r));
  return r;
}
