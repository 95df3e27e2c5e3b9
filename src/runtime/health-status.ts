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
