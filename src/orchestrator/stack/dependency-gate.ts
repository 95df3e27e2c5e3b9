import { setTimeout as sleep } from "node:timers/promises";
import type { ServiceDependency } from "../compose/index.js";
import { DependencyFailedError, type DependencyFailure } from "./errors.js";
import type { ObservedReplica } from "./observe-stack.js";
import type { Emit } from "./stack-event.js";

/** Whether a `depends_on` condition holds now: met, not yet, or failed for good. */
export type GateState =
  | { readonly state: "met" }
  | { readonly state: "pending"; readonly detail: string; readonly lastHealthOutput?: string }
  | { readonly state: "failed"; readonly failure: DependencyFailure; readonly detail: string; readonly lastHealthOutput?: string };

const lastOutput = (r: ObservedReplica): string | undefined => r.summary.health?.log.at(-1)?.Output;

/**
 * Judge one condition against the dependency's replicas as they are (pure):
 *
 * - `service_started`: each of the `desired` replicas exists and has started
 *   (it may have exited since, as compose allows);
 * - `service_healthy`: each is running and healthy; one that is unhealthy
 *   or exited, or has no health check at all, fails it for good;
 * - `service_completed_successfully`: each has exited, with code 0; a
 *   non-zero exit fails it.
 *
 * A dependency with 0 desired replicas has nothing to wait for.
 */
export function judgeDependency(dep: ServiceDependency, replicas: readonly ObservedReplica[], desired: number): GateState {
  const present = replicas.slice(0, desired);
  if (present.length < desired) return { state: "pending", detail: `${present.length} of ${desired} replicas exist` };
  for (const r of present) {
    const s = r.summary.state;
    const name = r.summary.record.name ?? r.summary.record.id.slice(0, 12);
    switch (dep.condition) {
      case "service_started":
        if (s.startedAt === undefined) return { state: "pending", detail: `${name} has not started` };
        break;
      case "service_healthy": {
        if (r.summary.record.health === undefined) return { state: "failed", failure: "no-healthcheck", detail: `${name} has no health check` };
        const out = lastOutput(r);
        const withOutput = out !== undefined ? { lastHealthOutput: out } : {};
        if (s.status === "exited") return { state: "failed", failure: "exited", detail: `${name} exited with code ${s.exitCode ?? "unknown"}`, ...withOutput };
        if (r.summary.health?.status === "unhealthy") return { state: "failed", failure: "unhealthy", detail: `${name} is unhealthy`, ...withOutput };
        if (s.status !== "running" || r.summary.health?.status !== "healthy") return { state: "pending", detail: `${name} is ${s.status === "running" ? `health: ${r.summary.health?.status ?? "starting"}` : s.status}`, ...withOutput };
        break;
      }
      case "service_completed_successfully":
        if (s.status === "exited" && s.startedAt !== undefined) {
          if ((s.exitCode ?? 0) !== 0) return { state: "failed", failure: "failed", detail: `${name} exited with code ${s.exitCode}` };
        } else {
          return { state: "pending", detail: `${name} is ${s.status}` };
        }
        break;
    }
  }
  return { state: "met" };
}

const READY_WORDS: Readonly<Record<ServiceDependency["condition"], string>> = {
  service_started: "started", service_healthy: "healthy", service_completed_successfully: "completed successfully",
};

/** Options of {@link waitForDependency}. */
export interface WaitDependencyOptions {
  /** Give up after this long (default 300 000 ms). */
  readonly timeoutMs?: number;
  /** Pause between looks (default 250 ms). */
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Wait, bounded in time, until `judgeDependency` says met; `observe` reads
 * the dependency's replicas afresh each time. Throws DependencyFailedError
 * naming the service, the dependency, the condition, why (unhealthy,
 * exited, failed, no health check, or the time that ran out) and the
 * dependency's last health check output.
 */
export async function waitForDependency(
  service: string, dependency: string, dep: ServiceDependency, desired: number,
  observe: () => Promise<readonly ObservedReplica[]>, emit: Emit, opts: WaitDependencyOptions = {},
): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    opts.signal?.throwIfAborted();
    const g = judgeDependency(dep, await observe(), desired);
    if (g.state === "met") {
      if (said) emit(service, "ready", `${dependency} is ${READY_WORDS[dep.condition]}`);
      return;
    }
    if (g.state === "failed") throw new DependencyFailedError(service, dependency, dep.condition, g.failure, g.detail, g.lastHealthOutput);
    if (!said) emit(service, "wait", `waiting for ${dependency} (${dep.condition}): ${g.detail}`);
    said = true;
    if (Date.now() >= deadline) {
      throw new DependencyFailedError(service, dependency, dep.condition, "timeout", `not met after ${Math.round(timeoutMs / 1000)} s (${g.detail})`, g.lastHealthOutput);
    }
    await sleep(Math.min(opts.pollMs ?? 250, Math.max(1, deadline - Date.now())), undefined, opts.signal ? { signal: opts.signal } : {});
  }
}
