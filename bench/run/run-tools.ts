import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { BERTH_BIN } from "../../test/support/berth-server.js";
import { findTool } from "../../test/support/require-root.js";
import { CommandRunner, type CommandResult } from "../harness/command-runner.js";
import { mustSucceed } from "../pull/tools.js";

/** Every CLI the run bench times (berth, runc) goes through this, so cleanup can stop what still runs. */
export const runCommands = new CommandRunner();

/** One container command (run, stop, rm …) gets this long before it is killed. */
export const COMMAND_TIMEOUT_MS = 120_000;

/** Debian's runc, the one berth (through conmon) and the floor both use. */
export const RUNC = findTool("/usr/sbin/runc") ?? findTool("runc") ?? "runc";

/** `cmd args`, bounded by `timeoutMs`, resolved on exit 0; otherwise throws with the command and its output. */
export const mustRun = (cmd: string, args: readonly string[], timeoutMs = COMMAND_TIMEOUT_MS): Promise<CommandResult> =>
  mustSucceed(runCommands.run(cmd, args, { timeoutMs }));

/** `bin/berth.cjs --root <root> args…`, checked like {@link mustRun}. */
export const berthAt = (root: string) => (args: readonly string[], timeoutMs?: number): Promise<CommandResult> =>
  mustRun(BERTH_BIN, ["--root", root, ...args], timeoutMs);

/**
 * `runc args…` with stdio on /dev/null and its messages in `logFile`. For `runc create` and
 * `runc run -d`: the container inherits runc's stdio, so with pipes the caller would wait for the
 * container's end instead of runc's. Resolves when runc exits 0; throws with the log otherwise.
 */
export async function runcDetached(args: readonly string[], logFile: string, timeoutMs = COMMAND_TIMEOUT_MS): Promise<void> {
  const full = ["--log", logFile, ...args];
  const child = spawn(RUNC, full, { stdio: "ignore" });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise<number | string>((resolve, reject) => {
    child.once("error", (err) => reject(new Error(`${RUNC}: cannot start: ${err.message}`, { cause: err })));
    child.once("exit", (c, sig) => resolve(c ?? sig ?? "unknown"));
  }).finally(() => clearTimeout(timer));
  if (code !== 0) {
    const log = await readFile(logFile, "utf8").catch(() => "");
    throw new Error(`${RUNC} ${full.join(" ")} exited ${code}: ${log.trim().split("\n").slice(-3).join("\n")}`);
  }
}

export { BERTH_BIN };
