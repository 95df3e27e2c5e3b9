import { setTimeout as sleep } from "node:timers/promises";
import type { ContainerRuntime, HealthConfig } from "../../runtime/index.js";
import { isReady, observeStack, type ObservedReplica } from "../stack/observe-stack.js";

/** Options of {@link gateReplicas}. */
export interface GateOptions {
  /** How long a replica must stay ready once it is (update_config.monitor). */
  readonly monitorMs: number;
  /** Pause between looks (default 250 ms). */
  readonly pollMs?: number;
  /** Added to the health check's own time to a verdict (default 10 000 ms); the bound for a replica without a check. */
  readonly marginMs?: number;
  readonly signal?: AbortSignal;
}

/** A gated replica passed (`why` undefined) or failed, and why. */
export interface GateVerdict {
  readonly id: string;
  readonly why?: string;
}

/**
 * How long a new replica may take to become ready: with a health check,
 * its start period plus one interval per retry and one more, plus a
 * timeout, plus the margin (the time the check needs to give a verdict, as
 * docker counts it); without one, the margin alone (it only has to run).
 */
export function readyBoundMs(health: HealthConfig | undefined, marginMs: number): number {
  if (health === undefined) return marginMs;
  return health.startPeriodMs + health.intervalMs * (health.retries + 1) + health.timeoutMs + marginMs;
}

/**
 * The health gate of a batch: wait until each container of `ids` (of
 * `project`) is ready — running and, when it has a health check, healthy
 * — within its {@link readyBoundMs}, then stays ready for `monitorMs`.
 * A container that exits, turns unhealthy, is removed, or is not ready in
 * time fails; the others are still waited for. Bounded: returns one
 * verdict per id after at most the longest bound plus `monitorMs`.
 * Throws only the signal's reason when aborted.
 */
export async function gateReplicas(runtime: ContainerRuntime, project: string, ids: readonly string[], opts: GateOptions): Promise<GateVerdict[]> {
  const start = Date.now();
  const marginMs = opts.marginMs ?? 10_000;
  const readySince = new Map<string, number>();
  const verdicts = new Map<string, GateVerdict>();
  for (;;) {
    opts.signal?.throwIfAborted();
    const byId = new Map((await observeStack(runtime, project)).map((r) => [r.summary.record.id, r]));
    const now = Date.now();
    for (const id of ids) {
      if (verdicts.has(id)) continue;
      const r = byId.get(id);
      const why = r === undefined ? "its container was removed" : failure(r);
      if (why !== undefined) {
        verdicts.set(id, { id, why });
      } else if (isReady(r!)) {
        const since = readySince.get(id) ?? now;
        readySince.set(id, since);
        if (now - since >= opts.monitorMs) verdicts.set(id, { id });
      } else {
        readySince.delete(id);
        const bound = readyBoundMs(r!.summary.record.health, marginMs);
        if (now - start > bound) verdicts.set(id, { id, why: `not ${r!.summary.record.health ? "healthy" : "running"} within ${Math.round(bound / 1000)} s (${describe(r!)})` });
      }
    }
    if (verdicts.size === ids.length) return ids.map((id) => verdicts.get(id)!);
    await sleep(opts.pollMs ?? 250, undefined, opts.signal ? { signal: opts.signal } : {});
  }
}

/** Why `r` has failed for good, or undefined while it may still become (or stay) ready. */
function failure(r: ObservedReplica): string | undefined {
  const s = r.summary.state;
  if (s.status === "exited") return `it exited with code ${s.exitCode ?? "unknown"}${s.error ? ` (${s.error})` : ""}`;
  if (s.status === "removing") return "it is being removed";
  if (s.status === "running" && r.summary.health?.status === "unhealthy") {
    const out = r.summary.health.log.at(-1)?.Output?.trim();
    return `it is unhealthy${out ? `; last health check output: ${JSON.stringify(out.slice(0, 200))}` : ""}`;
  }
  return undefined;
}

const describe = (r: ObservedReplica): string =>
  r.summary.state.status === "running" ? `health: ${r.summary.health?.status ?? "starting"}` : r.summary.state.status;
