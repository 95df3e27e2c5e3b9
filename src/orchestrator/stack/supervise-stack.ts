import { setTimeout as sleep } from "node:timers/promises";
import type { ComposeProject } from "../compose/index.js";
import { isUp, observeStack } from "./observe-stack.js";
import { emitterFor, type StackEventSink } from "./stack-event.js";
import type { StackEngine } from "./stack-engine.js";

/** Options of {@link superviseStack}. */
export interface SuperviseOptions {
  /** Ends the loop; the pass under way finishes first. */
  readonly signal: AbortSignal;
  /** Pause between passes (default 2000 ms). */
  readonly intervalMs?: number;
  readonly scale?: Readonly<Record<string, number>>;
  readonly onEvent?: StackEventSink;
  /** End when no replica of the stack is running any more (docker compose's foreground `up` ends so). */
  readonly untilAllExited?: boolean;
}

/**
 * Run `reconcileOnce` every `intervalMs` until `signal` aborts: what
 * `berth up` in the foreground does while it shows the logs, so that a
 * crashed or unhealthy replica is replaced without a daemon. A pass that
 * fails is reported as a warning event and the loop goes on. It resolves
 * once the signal has aborted and the last pass has ended, or, with
 * `untilAllExited`, when a pass leaves no replica running.
 */
export async function superviseStack(engine: StackEngine, project: ComposeProject, opts: SuperviseOptions): Promise<void> {
  const emit = emitterFor(project.name, opts.onEvent);
  while (!opts.signal.aborted) {
    await sleep(opts.intervalMs ?? 2000, undefined, { signal: opts.signal }).catch(() => undefined);
    if (opts.signal.aborted) break;
    try {
      await engine.reconcileOnce(project, { ...(opts.scale && { scale: opts.scale }), ...(opts.onEvent && { onEvent: opts.onEvent }) });
    } catch (e) {
      emit("", "warning", `reconcile: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (opts.untilAllExited && !(await observeStack(engine.runtime, project.name)).some(isUp)) return;
  }
}
