import { readSmallFile } from "./internal/read-small-file.js";
import { access } from "node:fs/promises";
import { join } from "node:path";
import { withFileLock, writeFileAtomic } from "../content/index.js";
import type { ProcessIdentity } from "./process-identity.js";

/** docker's container states (`paused` and `dead` aside). */
export type ContainerStatus = "created" | "running" | "restarting" | "removing" | "exited";

/**
 * `<root>/containers/<id>/state.json`: what a container is doing, rewritten
 * atomically on every change under the container's lock. It may be stale
 * (its monitor killed, the machine restarted): readers reconcile it with
 * the processes it names before they believe it.
 */
export interface ContainerState {
  readonly status: ContainerStatus;
  /** Names one start: the exit hook of an earlier run must not settle a later one. */
  readonly runId?: string;
  /** The container's init process, while running. */
  readonly pid?: ProcessIdentity;
  /** The conmon process monitoring it, while running. */
  readonly monitor?: ProcessIdentity;
  /** ISO 8601; absent until first started. */
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly exitCode?: number;
  readonly oomKilled?: boolean;
  /** Why it could not start or why its end is unknown. */
  readonly error?: string;
  readonly restartCount: number;
  /** `stop`/`kill` by a user: no restart policy applies (docker's "manually stopped"). */
  readonly stoppedByUser?: boolean;
  /** While `restarting`: the run whose end the restart policy answers; its exit hook does the restart, whoever settled the end. */
  readonly restartOf?: string;
  /** A `berth run` in the foreground following this run: it, not the exit hook, removes an --rm container. */
  readonly attached?: ProcessIdentity;
  /** The network namespace and what the network plugin set up in it (the network layer's JSON), while running. */
  readonly netnsPath?: string;
  readonly network?: unknown;
  /**
   * While `created`: the process whose start of it will wait, or waits, at its gate (StartOptions.gate:
   * a run made ahead of its request, by the daemon). Should that process die before it is through,
   * nobody asked for the container: `ps` removes it, with the network the start set up (netnsPath,
   * network), and a start by hand takes that network down first.
   */
  readonly held?: ProcessIdentity;
}

const FILE = "state.json";
const LOCK = "state.lock";

export const INITIAL_STATE: ContainerState = { status: "created", restartCount: 0 };

/** The state in `dir`, or undefined when missing or unreadable (read synchronously: readSmallFile). */
export async function readContainerState(dir: string): Promise<ContainerState | undefined> {
  const text = readSmallFile(join(dir, FILE));
  if (text === undefined) return undefined;
  try {
    const s = JSON.parse(text) as Partial<ContainerState>;
    return typeof s.status === "string" && typeof s.restartCount === "number" ? (s as ContainerState) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Atomic, not fsynced: a killed berth or conmon leaves the old or the new
 * state, and every reader settles it against the processes it names; only a
 * power loss can lose a change, and then no container survived either.
 */
export async function writeContainerState(dir: string, state: ContainerState): Promise<void> {
  await writeFileAtomic(join(dir, FILE), JSON.stringify(state), { durable: false });
}

/**
 * Run `fn` holding the container's lock: state changes (start, stop, the
 * monitor's exit hook, rm) take turns, so two of them never both act on
 * one container.
 */
export function withContainerLock<T>(dir: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  return withFileLock(join(dir, LOCK), fn, { timeoutMs });
}

/**
 * True when `e` (from {@link withContainerLock}) says the container's
 * directory went while the lock was waited for: removed by another (an rm,
 * a run made ahead and undone).
 */
export async function containerGone(e: unknown, dir: string): Promise<boolean> {
  return (e as NodeJS.ErrnoException).code === "ENOENT" && !(await access(dir).then(() => true, () => false));
}
