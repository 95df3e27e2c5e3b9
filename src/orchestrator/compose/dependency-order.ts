import { BerthError } from "../../oci/index.js";
import type { ComposeProject } from "./compose-project.js";

/** `depends_on` links that form a loop; no start order exists. */
export class DependencyCycleError extends BerthError {
  constructor(readonly cycle: readonly string[]) {
    super("INVALID_ARGUMENT", `services depend on each other in a cycle: ${cycle.join(" → ")}`, {
      hint: "remove one depends_on link of the cycle",
    });
  }
}

/**
 * The project's services in an order that starts every service after the
 * services it depends on (`depends_on`); stop in the reverse order. Among
 * services whose dependencies are met, names sort alphabetically, so the
 * order is the same on every run. Dependencies on services not in the
 * project (disabled by profiles, optional) are not waited for.
 *
 * Throws {@link DependencyCycleError} naming one cycle, in order, first
 * service repeated at the end: `a → b → a`.
 */
export function dependencyOrder(project: Pick<ComposeProject, "services">): string[] {
  const names = Object.keys(project.services).sort();
  const deps = new Map(names.map((n) => [n, Object.keys(project.services[n]!.dependsOn).filter((d) => d in project.services)]));
  const waiting = new Map(names.map((n) => [n, new Set(deps.get(n))]));
  const order: string[] = [];
  while (order.length < names.length) {
    const ready = names.filter((n) => waiting.get(n)?.size === 0 && !order.includes(n));
    if (ready.length === 0) throw new DependencyCycleError(findCycle(names.filter((n) => !order.includes(n)), deps));
    const next = ready[0]!;
    order.push(next);
    for (const set of waiting.values()) set.delete(next);
    waiting.delete(next);
  }
  return order;
}

// Every remaining service waits on another remaining one, so walking dependencies from any of them must revisit a service.
function findCycle(remaining: readonly string[], deps: ReadonlyMap<string, readonly string[]>): string[] {
  const path: string[] = [];
  let at = remaining[0]!;
  while (!path.includes(at)) {
    path.push(at);
    at = deps.get(at)!.find((d) => remaining.includes(d))!;
  }
  return [...path.slice(path.indexOf(at)), at];
}
