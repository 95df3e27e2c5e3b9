import { spawn } from "node:child_process";
import { isLaunchable, shellLauncher } from "./shell-launcher.js";

/** How a system program ended. */
export interface ToolResult {
  readonly code: number | null;
  readonly stderr: string;
}

/**
 * Run a system program (mount, umount, runc), its arguments passed as they
 * are (never parsed by a shell), stdin empty, stdout dropped, stderr kept;
 * killed after `timeoutMs`. Started by this process's ShellLauncher when
 * there is one (far cheaper than forking Node), else spawned. Rejects only
 * when it cannot start.
 */
export function execTool(cmd: string, args: readonly string[], timeoutMs = 60_000): Promise<ToolResult> {
  const launcher = shellLauncher();
  // A NUL in an argument goes the other way, to spawn's own refusal.
  if (launcher !== undefined && isLaunchable(cmd) && ![cmd, ...args].some((a) => a.includes("\0"))) return launcher.run(cmd, args, timeoutMs);
  return spawnTool(cmd, args, timeoutMs);
}

function spawnTool(cmd: string, args: readonly string[], timeoutMs: number): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr: Buffer.concat(err).toString("utf8").trim() });
    });
  });
}

/** Decode the octal escapes (`\040`) of /proc/self/mountinfo paths. */
const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Mount points of this process's namespace, from /proc/self/mountinfo text. */
export function mountPoints(mountinfo: string): string[] {
  return mountinfo.split("\n").map((l) => l.split(" ")[4]).filter((p): p is string => p !== undefined).map(unescape);
}
