import { setTimeout as sleep } from "node:timers/promises";
import { waitForExit } from "../../test/support/process.js";
import { settleDisk } from "../registry/registry-loads.js";
import { median } from "../harness/stats.js";
import { timed } from "../harness/timing.js";
import type { DetachedSide } from "./detached-sides.js";
import { identityOf, memAvailableKiB, memoryOf, type ProcessMemory } from "./proc-memory.js";

/** One side's round: N detached containers started, measured, stopped and removed. */
export interface DetachedRound {
  readonly containers: number;
  readonly startMs: number;
  readonly stopMs: number;
  readonly removeMs: number;
  /** One entry per distinct monitor process (docker could share a shim between containers). */
  readonly monitors: readonly ProcessMemory[];
  /** Sum over the monitors divided by the containers, KiB. */
  readonly pssPerContainerKiB: number;
  readonly rssPerContainerKiB: number;
  /** MemAvailable before the first start and after the last, KiB. */
  readonly memAvailableBeforeKiB: number;
  readonly memAvailableAfterKiB: number;
  /** RSS of the engine's daemons before and after, KiB (0 for berth, which has none). */
  readonly daemonRssBeforeKiB: number;
  readonly daemonRssAfterKiB: number;
}

/** How many containers, how long, and the stop switch. */
export interface DetachedPlan {
  readonly containers: number;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
}

/** Let writeback and freed memory settle before MemAvailable is read: sync, then a short pause. */
const SETTLE_MS = 2_000;
const MONITOR_EXIT_MS = 30_000;

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

async function daemonRss(side: DetachedSide): Promise<number> {
  const mems = await Promise.all((await side.daemonPids()).map((pid) => memoryOf(pid)));
  return sum(mems.map((m) => m.rssKiB));
}

/** MemAvailable moves with everything else on the machine; the median of a few samples drops a passing spike. */
const MEM_SAMPLES = 5;
const MEM_SAMPLE_GAP_MS = 200;

async function settledMemory(side: DetachedSide): Promise<{ available: number; daemons: number }> {
  await settleDisk();
  await sleep(SETTLE_MS);
  const samples: number[] = [];
  for (let i = 0; i < MEM_SAMPLES; i++) {
    if (i > 0) await sleep(MEM_SAMPLE_GAP_MS);
    samples.push(await memAvailableKiB());
  }
  return { available: median(samples), daemons: await daemonRss(side) };
}

/**
 * The monitor of each container (the parent of its init, which must be named `side.monitor`)
 * and the memory of each distinct one. Throws naming the container whose parent is something else.
 */
async function monitorsOf(side: DetachedSide, ids: readonly string[]): Promise<Map<number, ProcessMemory>> {
  const pids = await side.initPids(ids);
  const monitors = new Map<number, ProcessMemory>();
  for (const [i, pid] of pids.entries()) {
    const parent = await identityOf((await identityOf(pid)).ppid);
    if (parent.comm !== side.monitor) {
      throw new Error(`${side.name} container ${ids[i]}: init ${pid}'s parent ${parent.pid} is "${parent.comm}", expected "${side.monitor}"`);
    }
    if (!monitors.has(parent.pid)) monitors.set(parent.pid, await memoryOf(parent.pid));
  }
  return monitors;
}

/**
 * Start `containers` detached containers one after another (timed together), read the memory
 * (untimed), then stop all with one command and remove all with one (each timed). Every id goes
 * to `track` as soon as it exists, so a cleanup after a failure knows it. Throws unless the
 * engine starts and ends with no container and every monitor has exited at the end.
 */
export async function runDetachedRound(side: DetachedSide, plan: DetachedPlan, track: (id: string) => void): Promise<DetachedRound> {
  const deadline = Date.now() + plan.timeoutMs;
  const before = await side.leftovers();
  if (before.length > 0) throw new Error(`${side.name} has ${before.length} containers before the round: ${before.slice(0, 3).join(", ")}`);
  const memBefore = await settledMemory(side);
  const ids: string[] = [];
  const started = await timed(async () => {
    for (let i = 0; i < plan.containers; i++) {
      plan.signal.throwIfAborted();
      if (Date.now() > deadline) throw new Error(`${side.name}: ${i} of ${plan.containers} started after ${plan.timeoutMs} ms`);
      const id = await side.startOne();
      track(id);
      ids.push(id);
    }
  });
  const memAfter = await settledMemory(side);
  const monitors = await monitorsOf(side, ids);
  plan.signal.throwIfAborted();
  const stopped = await timed(() => side.stop(ids));
  const removed = await timed(() => side.remove(ids));
  const left = await side.leftovers();
  if (left.length > 0) throw new Error(`${side.name} still has ${left.length} containers after stop and rm -f: ${left.slice(0, 3).join(", ")}`);
  for (const pid of monitors.keys()) {
    if (!(await waitForExit(pid, MONITOR_EXIT_MS))) throw new Error(`${side.name}: monitor ${pid} still runs ${MONITOR_EXIT_MS} ms after rm -f`);
  }
  const mems = [...monitors.values()];
  return {
    containers: ids.length,
    startMs: started.ms,
    stopMs: stopped.ms,
    removeMs: removed.ms,
    monitors: mems,
    pssPerContainerKiB: sum(mems.map((m) => m.pssKiB)) / ids.length,
    rssPerContainerKiB: sum(mems.map((m) => m.rssKiB)) / ids.length,
    memAvailableBeforeKiB: memBefore.available,
    memAvailableAfterKiB: memAfter.available,
    daemonRssBeforeKiB: memBefore.daemons,
    daemonRssAfterKiB: memAfter.daemons,
  };
}
