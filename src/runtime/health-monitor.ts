// Runs the health checks of every container of one berth root
// (`node health-monitor-main.js ROOT RUNTIME`). One process per root, not per
// container (a Node process costs tens of MiB; conmon, the per-container
// monitor, a few): `start` makes sure it runs; it ends itself once no
// running container has a check. Results go to each container's health.json.
import { spawn } from "node:child_process";
import { open, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ImageStore } from "../image/index.js";
import { formatGoDuration } from "../oci/index.js";
import { readContainerRecord, type ContainerRecord, type HealthConfig } from "./container-record.js";
import { readContainerState } from "./container-state.js";
import { execInContainer } from "./exec-container.js";
import { containerAddress, isHostProbe, runHostProbe } from "./host-probe.js";
import { readHealthStatus, writeHealthStatus, type HealthLogEntry, type HealthStatus } from "./health-status.js";
import { isRunning, type ProcessIdentity, selfIdentity } from "./process-identity.js";
import { RuntimeContext } from "./runtime-context.js";

const KEEP_LOG = 5;
const MAX_OUTPUT = 4096;
const TICK_MS = 200;
/** Idle this long (no running container with a check) and the monitor ends. */
const IDLE_EXIT_MS = 5_000;

const pidFile = (ctx: RuntimeContext): string => join(ctx.containersDir, "health-monitor.pid");

async function readOwner(path: string): Promise<ProcessIdentity | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as ProcessIdentity;
  } catch {
    return undefined;
  }
}

/** Start the root's health monitor unless it runs already. */
export async function ensureHealthMonitor(ctx: RuntimeContext): Promise<void> {
  const owner = await readOwner(pidFile(ctx));
  if (owner !== undefined && (await isRunning(owner))) return;
  // Its sibling file, not import.meta.url: inside the CLI's bundle, this module is not its own file.
  const script = fileURLToPath(new URL("./health-monitor-main.js", import.meta.url));
  const child = spawn(process.execPath, [script, ctx.root, ctx.runc.binary], { detached: true, stdio: "ignore" });
  child.unref();
}

/** The check's command: CMD args as they are, CMD-SHELL through /bin/sh -c. */
export function healthCommand(test: readonly string[]): string[] {
  if (test[0] === "CMD-SHELL") return ["/bin/sh", "-c", test.slice(1).join(" ")];
  if (test[0] === "CMD") return test.slice(1);
  return [...test];
}

/** The next status after a check, docker's rules (failures in the start period do not count). */
export function nextHealth(prev: HealthStatus, h: HealthConfig, entry: HealthLogEntry, inStartPeriod: boolean): HealthStatus {
  const log = [...prev.log, entry].slice(-KEEP_LOG);
  if (entry.ExitCode === 0) return { ...prev, status: "healthy", failingStreak: 0, log };
  if (inStartPeriod) return { ...prev, log };
  const failingStreak = prev.failingStreak + 1;
  return { ...prev, failingStreak, status: failingStreak >= h.retries ? "unhealthy" : prev.status, log };
}

/** One container's run being watched. */
interface Watch {
  readonly record: ContainerRecord;
  readonly health: HealthConfig;
  readonly runId: string;
  readonly startedAt: number;
  nextAt: number;
  busy: boolean;
}

/** Claim the pid file (created exclusively; a dead owner's is taken over). False when a live monitor holds it. */
async function claim(path: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, "wx");
      await fh.writeFile(JSON.stringify(await selfIdentity()));
      await fh.close();
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = await readOwner(path);
      if (owner !== undefined && (await isRunning(owner))) return false;
      await unlink(path).catch(() => undefined);
    }
  }
  return false;
}

/** The monitor's loop: `health-monitor-main.js ROOT [RUNTIME]`. Returns when idle or when another monitor holds the root. */
export async function runHealthMonitor([root, runtime]: readonly string[]): Promise<void> {
  if (root === undefined) throw new Error("usage: health-monitor ROOT [RUNTIME]");
  const ctx = new RuntimeContext(new ImageStore(root), { ...(runtime !== undefined && { runtimeBinary: runtime }) });
  if (!(await claim(pidFile(ctx)))) return;
  const watches = new Map<string, Watch>();
  let idleSince = Date.now();
  for (;;) {
    await scan(ctx, watches);
    if (watches.size > 0) idleSince = Date.now();
    else if (Date.now() - idleSince > IDLE_EXIT_MS) {
      // Give the file up, then look once more: a start that saw us alive must not go unwatched.
      await unlink(pidFile(ctx)).catch(() => undefined);
      await scan(ctx, watches);
      if (watches.size === 0 || !(await claim(pidFile(ctx)))) return;
    }
    const now = Date.now();
    for (const w of watches.values()) {
      if (!w.busy && now >= w.nextAt) {
        w.busy = true;
        void check(ctx, w).then((status) => {
          w.nextAt = Date.now() + gapAfter(w, status);
        }, () => {
          w.nextAt = Date.now() + w.health.intervalMs;
        }).finally(() => {
          w.busy = false;
        });
      }
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
}

/** Bring `watches` up to date with the running containers that have a check. */
async function scan(ctx: RuntimeContext, watches: Map<string, Watch>): Promise<void> {
  const seen = new Set<string>();
  for (const id of await ctx.ids()) {
    const dir = ctx.dir(id);
    const state = await readContainerState(dir);
    if (state?.status !== "running" || state.runId === undefined) continue;
    const key = `${id}/${state.runId}`;
    seen.add(key);
    if (watches.has(key)) continue;
    const record = await readContainerRecord(dir);
    if (record?.health === undefined) continue;
    const startedAt = Date.parse(state.startedAt ?? "") || Date.now();
    watches.set(key, { record, health: record.health, runId: state.runId, startedAt, nextAt: startedAt + (record.health.startIntervalMs ?? record.health.intervalMs), busy: false });
    const current = await readHealthStatus(dir);
    // A new run starts again at `starting`; docker keeps the log of the runs before.
    if (current?.runId !== state.runId) await writeHealthStatus(dir, { status: "starting", failingStreak: 0, log: current?.log ?? [], runId: state.runId });
  }
  for (const key of watches.keys()) if (!seen.has(key) && !watches.get(key)!.busy) watches.delete(key);
}

/**
 * The pause before the next check: `startIntervalMs` while the run is in its
 * start period and has not passed a check yet (a replica that starts fast
 * is seen healthy fast), else `intervalMs`.
 */
function gapAfter(w: Watch, status: HealthStatus["status"] | undefined): number {
  const inStart = Date.now() - w.startedAt < w.health.startPeriodMs;
  return w.health.startIntervalMs !== undefined && inStart && status !== "healthy" ? w.health.startIntervalMs : w.health.intervalMs;
}

async function check(ctx: RuntimeContext, w: Watch): Promise<HealthStatus["status"] | undefined> {
  const dir = ctx.dir(w.record.id);
  const chunks: Buffer[] = [];
  const start = new Date();
  let code: number;
  if (isHostProbe(w.health.test)) {
    const probe = await runHostProbe(w.health.test, containerAddress((await readContainerState(dir)) ?? { status: "exited", restartCount: 0 }), w.health.timeoutMs);
    chunks.push(Buffer.from(probe.output));
    code = probe.code;
  } else {
    const timeout = AbortSignal.timeout(w.health.timeoutMs);
    code = await execInContainer(ctx, w.record, healthCommand(w.health.test), { capture: { chunks, maxBytes: MAX_OUTPUT }, signal: timeout }).catch(() => -1);
    // docker's record of a check it gave up on: no exit code of the command, its output replaced by the reason.
    if (timeout.aborted) {
      code = -1;
      chunks.splice(0, chunks.length, Buffer.from(`Health check exceeded timeout (${formatGoDuration(w.health.timeoutMs * 1e6)})`));
    }
  }
  const state = await readContainerState(dir);
  if (state?.status !== "running" || state.runId !== w.runId) return undefined;
  const entry: HealthLogEntry = { Start: start.toISOString(), End: new Date().toISOString(), ExitCode: code, Output: Buffer.concat(chunks).toString("utf8") };
  const prev = await readHealthStatus(dir);
  const base = prev?.runId === w.runId ? prev : { status: "starting" as const, failingStreak: 0, log: prev?.log ?? [], runId: w.runId };
  const next = nextHealth(base, w.health, entry, Date.now() - w.startedAt < w.health.startPeriodMs);
  await writeHealthStatus(dir, next);
  if (next.status === "unhealthy" && base.status !== "unhealthy" && w.health.onFailure !== "none") await onFailure(ctx, w.record, w.health.onFailure);
  return next.status;
}

/** podman's --health-on-failure actions. */
async function onFailure(ctx: RuntimeContext, record: ContainerRecord, action: "kill" | "restart" | "stop"): Promise<void> {
  const { stopContainer } = await import("./stop-container.js");
  const { startContainer } = await import("./start-container.js");
  if (action === "kill") await ctx.runtimeOf(record).kill(record.id, "SIGKILL", true);
  else await stopContainer(ctx, record, 10);
  if (action === "restart") await startContainer(ctx, record);
}
