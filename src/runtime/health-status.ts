import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../content/index.js";

/** One health check's result, as docker shows it in inspect. */
export interface HealthLogEntry {
  readonly Start: string;
  readonly End: string;
  readonly ExitCode: number;
  readonly Output: string;
}

/** `<container dir>/health.json`: docker's State.Health. */
export interface HealthStatus {
  readonly status: "starting" | "healthy" | "unhealthy";
  readonly failingStreak: number;
  /** The last five checks, oldest first. */
  readonly log: readonly HealthLogEntry[];
  /** The run these results belong to; a new start begins again at `starting`. */
  readonly runId: string;
}

const FILE = "health.json";

export async function readHealthStatus(dir: string): Promise<HealthStatus | undefined> {
  const text = await readFile(join(dir, FILE), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as HealthStatus;
  } catch {
    return undefined;
  }
}

export async function writeHealthStatus(dir: string, status: HealthStatus): Promise<void> {
  await writeFileAtomic(join(dir, FILE), JSON.stringify(status), { durable: false });
}

/**
 * docker's `State.Health` of a container that has a check, from its last
 * health.json (`stored`) and its state:
 *
 * - never started: none (docker has no Health until the first start);
 * - running: this run's results; a run with none yet is `starting` with a
 *   streak of 0, keeping the log of the runs before (docker keeps it too);
 * - not running (exited, restarting, removing): `unhealthy`, as docker marks
 *   a container whose health monitor stopped ("for compatibility"), with the
 *   last run's streak (0 if it ran no check) and the log.
 */
export function healthOfRun(stored: HealthStatus | undefined, state: { readonly status: string; readonly runId?: string; readonly startedAt?: string }): HealthStatus | undefined {
  const thisRun = stored !== undefined && state.runId !== undefined && stored.runId === state.runId ? stored : undefined;
  if (state.status === "running") return thisRun ?? { status: "starting", failingStreak: 0, log: stored?.log ?? [], runId: state.runId ?? "" };
  if (stored === undefined && state.startedAt === undefined) return undefined;
  return { status: "unhealthy", failingStreak: thisRun?.failingStreak ?? 0, log: stored?.log ?? [], runId: state.runId ?? stored?.runId ?? "" };
}
