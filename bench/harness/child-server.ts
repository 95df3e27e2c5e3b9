import { spawn } from "node:child_process";
import { request } from "node:http";

/** How to start a server process and tell that it is ready. */
export interface ChildServerOptions {
  /** Shown in messages: "berth", "distribution". */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** A URL on 127.0.0.1 that answers with a status below 500 once the server is ready. */
  readonly readyUrl: string;
  /** Give up after this long; 20 s unless told. */
  readonly startTimeoutMs?: number;
}

/** A running child server. `stop()` signals its PID and waits for it to exit. */
export interface StartedChildServer {
  readonly name: string;
  readonly pid: number;
  /** The last few KiB of its stdout and stderr, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

const OUTPUT_KEEP = 4096;

function probe(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { method: "GET", timeout: 1000, agent: false }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

/**
 * Spawn the server, poll `readyUrl` every 50 ms until it answers, and return it. Throws with the
 * server's own output when it exits early or is not ready in time; the process is killed first.
 */
export async function startChildServer(opts: ChildServerOptions): Promise<StartedChildServer> {
  const child = spawn(opts.command, opts.args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const keep = (c: Buffer): void => {
    out = (out + c.toString()).slice(-OUTPUT_KEEP);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let spawnError: Error | undefined;
  child.once("error", (err) => (spawnError = err));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const isRunning = (): boolean => child.exitCode === null && child.signalCode === null && !spawnError;

  const stop = async (): Promise<void> => {
    if (child.pid === undefined || !isRunning()) return;
    process.kill(child.pid, "SIGTERM");
    const timer = setTimeout(() => {
      if (child.pid !== undefined && isRunning()) process.kill(child.pid, "SIGKILL");
    }, 5000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 20_000);
  for (;;) {
    if (!isRunning()) {
      await Promise.race([exited, new Promise((r) => setTimeout(r, 500))]);
      const why = spawnError ? spawnError.message : `exited with ${child.exitCode ?? child.signalCode}`;
      throw new Error(`${opts.name}: ${opts.command} ${why} before it was ready; output:\n${out.trim() || "(none)"}`);
    }
    if (await probe(opts.readyUrl)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${opts.name}: not ready at ${opts.readyUrl} after ${opts.startTimeoutMs ?? 20_000} ms; output:\n${out.trim() || "(none)"}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name: opts.name, pid: child.pid!, output: () => out, stop };
}
