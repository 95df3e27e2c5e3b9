import { CommandRunner, type CommandResult } from "./harness/command-runner.js";
import { mustSucceed } from "./pull/tools.js";
import type { ObservedReplica } from "./up-readiness.js";

/**
 * One engine running the bench's stack. The bench calls `up`, observes until every replica is
 * healthy, may kill a replica's main process (found with `pidOf`), and calls `down` before the
 * next round; `down` leaves no container, network or process of the stack behind.
 */
export interface StackSide {
  readonly name: string;
  /** Create and start the stack from nothing; resolves when the engine's command returns (health may still be pending). */
  up(): Promise<void>;
  /** Every container of the stack, running or not; [] when there is none. */
  observe(): Promise<ObservedReplica[]>;
  /** The host pid of a running container's main process. */
  pidOf(id: string): Promise<number>;
  /** Stop and remove the whole stack; resolves when nothing of it is left. */
  down(): Promise<void>;
}

/** Every command the up bench runs goes through this, so cleanup can stop what still runs by PID. */
export const upCommands = new CommandRunner();

/** A stack command (up, down, deploy) gets this long before it is killed; the round's own timeout is separate. */
export const STACK_COMMAND_TIMEOUT_MS = 300_000;

/** Run `cmd args` (no shell), bounded; resolve on exit 0, else throw with the command and its output's tail. */
export const mustRunUp = (cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv, timeoutMs = STACK_COMMAND_TIMEOUT_MS): Promise<CommandResult> =>
  mustSucceed(upCommands.run(cmd, args, { timeoutMs, ...(env !== undefined && { env }) }));

/** This process's environment without DOCKER_* and COMPOSE_* (a caller's daemon or project must not leak in), plus `extra`. */
export function cleanEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("DOCKER_") && !key.startsWith("COMPOSE_")) env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * An error's message cut for one report line: the first line, and when there are more, the
 * last three non-empty ones (a failed command's stderr ends with the reason), joined by " | ".
 */
export function briefError(err: unknown): string {
  const lines = (err instanceof Error ? err.message : String(err)).split("\n").map((l) => l.trim()).filter((l) => l !== "");
  if (lines.length <= 4) return lines.join(" | ");
  return [lines[0], "…", ...lines.slice(-3)].join(" | ");
}
