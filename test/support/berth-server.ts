import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.js";
import { run, type RunOptions, type RunResult } from "./run.js";

/** The berth launcher of this checkout (dist/test/support → repo root). */
export const BERTH_BIN = fileURLToPath(new URL("../../../bin/berth.cjs", import.meta.url));

/** Run the berth CLI of this checkout. */
export function berth(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [BERTH_BIN, ...args], opts);
}

/** `berth registry serve` as a child process, reachable at `url`. */
export interface BerthServer extends AsyncDisposable {
  readonly url: string;
  readonly host: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Output so far, for failure messages. */
  output(): string;
  /** SIGKILL, as a crash would. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/** Start `berth --root ROOT registry serve --addr 127.0.0.1:<free>` and wait until /v2/ answers. */
export async function startBerthRegistry(opts: { root: string; args?: readonly string[]; port?: number; scheme?: "http" | "https" }): Promise<BerthServer> {
  const port = opts.port ?? (await freePort());
  const host = `127.0.0.1:${port}`;
  const child = spawn(process.execPath, [BERTH_BIN, "--root", opts.root, "registry", "serve", "--addr", host, ...(opts.args ?? [])], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `${opts.scheme ?? "http"}://${host}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`berth registry serve exited ${child.exitCode}: ${out}`);
    if (out.includes("listening on")) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`berth registry serve did not start in 20 s: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    }
  };
  return {
    url, host, pid: child.pid!, child,
    output: () => out,
    kill9: async () => {
      child.kill("SIGKILL");
      await exited;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
