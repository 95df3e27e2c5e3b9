import { spawn } from "node:child_process";
import { RuntimeToolError } from "../../errors.js";

/** How a program ended. */
export interface ToolOutput {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Where root's programs live. netavark calls `iptables` by name, and a
 * berth started from a user's shell or a service manager may lack the
 * sbin directories in PATH.
 */
const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * Run `cmd` (a path, or a name looked up in PATH plus the system dirs) without a shell: `input` on stdin, stdout and
 * stderr kept, killed after `timeoutMs`. Resolves whatever the exit code;
 * rejects with a RuntimeToolError when it cannot start or times out.
 */
export function runTool(cmd: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ToolOutput> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, PATH: [process.env.PATH, SYSTEM_PATH].filter(Boolean).join(":") };
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 60_000);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new RuntimeToolError(cmd, args, `cannot start: ${e.message}`, "is the program installed? (apt-get install netavark aardvark-dns iproute2)"));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new RuntimeToolError(cmd, args, `no answer after ${opts.timeoutMs ?? 60_000} ms; killed`));
        return;
      }
      resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
    // A program that exits without reading stdin makes the write fail with EPIPE; its exit status tells the story.
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? "");
  });
}
