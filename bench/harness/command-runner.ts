import { spawn, type ChildProcess } from "node:child_process";

/** How a finished command ended and what it printed (the tail, past {@link OUTPUT_KEEP} bytes). */
export interface CommandResult {
  readonly command: readonly string[];
  /** Exit code, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for {@link CommandRunner.run}. */
export interface CommandOptions {
  /** SIGKILL the command after this long. */
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

const OUTPUT_KEEP = 64 * 1024;
const STOP_GRACE_MS = 5_000;

/**
 * Runs the tools a bench times (directly, never through a shell) and remembers which are still
 * running, so that cleanup after an error or Ctrl-C can stop them by PID before their temp
 * dirs go: `cleanup.defer("stop tools", () => runner.stopAll())`.
 */
export class CommandRunner {
  private readonly live = new Set<ChildProcess>();

  /** Run to the end or to the timeout; resolves whatever the exit code, rejects only when it cannot start. */
  run(cmd: string, args: readonly string[], opts: CommandOptions): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] });
      this.live.add(child);
      let stdout = "";
      let stderr = "";
      let timedOut = false;
      child.stdout.on("data", (c: Buffer) => (stdout = (stdout + c.toString()).slice(-OUTPUT_KEEP)));
      child.stderr.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-OUTPUT_KEEP)));
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, opts.timeoutMs);
      child.once("error", (err) => {
        clearTimeout(timer);
        this.live.delete(child);
        reject(new Error(`${cmd}: cannot start: ${err.message}`, { cause: err }));
      });
      child.once("close", (code, signal) => {
        clearTimeout(timer);
        this.live.delete(child);
        resolve({ command: [cmd, ...args], code, signal, timedOut, stdout, stderr });
      });
    });
  }

  /** SIGTERM every command still running, SIGKILL those alive 5 s later; resolves when all have exited. */
  async stopAll(): Promise<void> {
    const running = [...this.live];
    await Promise.all(running.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      child.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGTERM");
    })));
  }
}
