import type { StartedDockerd } from "../../test/support/dockerd.js";
import { mustSucceed } from "../pull/tools.js";
import { median } from "../harness/stats.js";
import { timed } from "../harness/timing.js";
import { BERTH_IMAGE, DOCKER_IMAGE } from "./bench-busybox.js";
import { berthAt, BERTH_BIN, mustRun } from "./run-tools.js";
import type { RuncFloor } from "./runc-floor.js";

/** One step of a container's life, timed on its own. */
export interface BreakdownStep {
  /** "berth create", "node -e 0", … */
  readonly label: string;
  readonly ms: readonly number[];
}

/** Steps of one engine, in the order they run; medians printed side by side. */
export interface BreakdownGroup {
  readonly name: string;
  readonly steps: readonly BreakdownStep[];
  /** Why the group could not be measured; its steps are then empty or partial. */
  readonly problem?: string;
}

/** What the breakdown needs; undefined members are skipped with their reason. */
export interface BreakdownContext {
  readonly berthRoot: string;
  readonly floor: RuncFloor | undefined;
  readonly dockerd: StartedDockerd | undefined;
  readonly reps: number;
  readonly signal: AbortSignal;
}

const TRUE = ["--network", "none"];

/** Run `phases` `reps` times; each call returns one time per step label, in a fixed order. */
async function repeat(name: string, labels: readonly string[], reps: number, signal: AbortSignal,
  phases: () => Promise<readonly number[]>): Promise<BreakdownGroup> {
  const ms = labels.map(() => [] as number[]);
  try {
    for (let i = 0; i < reps; i++) {
      signal.throwIfAborted();
      (await phases()).forEach((v, j) => ms[j]!.push(v));
    }
    return { name, steps: labels.map((label, j) => ({ label, ms: ms[j]! })) };
  } catch (err) {
    signal.throwIfAborted();
    return { name, steps: labels.map((label, j) => ({ label, ms: ms[j]! })), problem: (err as Error).message.split("\n")[0] };
  }
}

const t = async (fn: () => Promise<unknown>): Promise<number> => (await timed(fn)).ms;

/**
 * Where a `run --rm` goes, step by step, each step a separate CLI call (so berth's steps each
 * include one node start and CLI load, shown on their own as `berth --version`): node alone,
 * berth's CLI alone, then create / start / wait / rm for berth and docker, and create / start /
 * exit / delete for bare runc.
 */
export async function measureBreakdown(ctx: BreakdownContext): Promise<BreakdownGroup[]> {
  const berth = berthAt(ctx.berthRoot);
  const groups: BreakdownGroup[] = [];
  groups.push(await repeat("process start", ["node -e 0", "berth --version"], ctx.reps, ctx.signal, async () => [
    await t(() => mustRun(process.execPath, ["-e", "0"])),
    await t(() => mustRun(BERTH_BIN, ["--version"])),
  ]));
  groups.push(await repeat("berth", ["create", "start", "wait", "rm"], ctx.reps, ctx.signal, async () => {
    let id = "";
    const create = await t(async () => (id = (await berth(["create", ...TRUE, BERTH_IMAGE, "/bin/busybox", "true"])).stdout.trim()));
    const start = await t(() => berth(["start", id]));
    const wait = await t(async () => expectZero((await berth(["wait", id])).stdout, `berth wait ${id}`));
    const rm = await t(() => berth(["rm", id]));
    return [create, start, wait, rm];
  }));
  const d = ctx.dockerd;
  if (d !== undefined) {
    const docker = async (args: readonly string[]): Promise<string> => (await mustSucceed(d.docker(args, { timeoutMs: 120_000 }))).stdout;
    groups.push(await repeat("docker", ["create", "start", "wait", "rm"], ctx.reps, ctx.signal, async () => {
      let id = "";
      const create = await t(async () => (id = (await docker(["create", ...TRUE, DOCKER_IMAGE, "/bin/busybox", "true"])).trim()));
      const start = await t(() => docker(["start", id]));
      const wait = await t(async () => expectZero(await docker(["wait", id]), `docker wait ${id}`));
      const rm = await t(() => docker(["rm", id]));
      return [create, start, wait, rm];
    }));
  }
  const floor = ctx.floor;
  if (floor !== undefined) {
    groups.push(await repeat("runc", ["create", "start", "exit", "delete"], ctx.reps, ctx.signal, async () => {
      const p = await floor.phasesOnce();
      return [p.createMs, p.startMs, p.exitMs, p.deleteMs];
    }));
  }
  return groups;
}

function expectZero(out: string, what: string): void {
  if (out.trim() !== "0") throw new Error(`${what}: printed "${out.trim().slice(0, 80)}", expected exit code 0`);
}

/** Median of a step, or undefined when it has no samples. */
export const stepMedian = (s: BreakdownStep): number | undefined => (s.ms.length === 0 ? undefined : median(s.ms));
