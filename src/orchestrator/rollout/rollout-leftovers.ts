import type { ObservedReplica } from "../stack/observe-stack.js";
import type { ReplicaLifecycle } from "../stack/replica-lifecycle.js";
import type { PlannedService } from "../stack/stack-plan.js";
import { planLeftovers } from "./rollout-plan.js";

/**
 * Repair what an interrupted start-first update of `service` left (see
 * planLeftovers): remove superseded `-old-` containers and unready new
 * ones, give old ones their replica's name back. Each fix is one event.
 * Returns whether anything was done (then the caller observes again).
 */
export async function applyLeftovers(lc: ReplicaLifecycle, service: PlannedService, observed: readonly ObservedReplica[], timeoutS: number | undefined): Promise<boolean> {
  const actions = planLeftovers(service, observed);
  // Removals first: a new container that is not ready must free the name before the old one takes it back.
  for (const a of actions.filter((x) => x.action === "remove")) {
    await lc.remove(service.name, a.container, service.stopTimeoutS ?? timeoutS, true);
    lc.emit(service.name, "remove", `removed ${a.container.summary.record.name ?? a.container.summary.record.id.slice(0, 12)}: ${a.why}`, a.container.summary.record.name);
  }
  for (const a of actions) {
    if (a.action !== "rename") continue;
    await lc.runtime.rename(a.container.summary.record, a.to);
    lc.emit(service.name, "update", `${a.container.summary.record.name} is ${a.to} again: ${a.why}`, a.to);
  }
  return actions.length > 0;
}
