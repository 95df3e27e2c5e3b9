import { InvalidArgumentError } from "../../oci/index.js";
import { dependencyOrder, type ComposeProject } from "../compose/index.js";
import type { ObservedReplica } from "./observe-stack.js";
import type { PlannedService, StackPlan } from "./stack-plan.js";

// Which services an operation touches, and in what order: start order is the plan's (dependencies first), stop order its reverse.

/** The named services and, unless `noDeps`, everything they depend on, in plan order. */
export function selectServices(plan: StackPlan, names: readonly string[] | undefined, noDeps: boolean): PlannedService[] {
  if (names === undefined || names.length === 0) return [...plan.services];
  const byName = new Map(plan.services.map((s) => [s.name, s]));
  const wanted = new Set<string>();
  const add = (n: string): void => {
    if (wanted.has(n)) return;
    const s = byName.get(n);
    if (s === undefined) throw new InvalidArgumentError(`no such service: ${n}`, { hint: `services of ${plan.project}: ${[...byName.keys()].join(", ")}` });
    wanted.add(n);
    if (!noDeps) for (const d of Object.keys(s.dependsOn)) add(d);
  };
  for (const n of names) add(n);
  return plan.services.filter((s) => wanted.has(s.name));
}

/** Groups of replicas to stop together: dependents before what they depend on; by name, reversed, when only a name is known. */
export function stopOrder(project: ComposeProject | string, replicas: readonly ObservedReplica[]): ObservedReplica[][] {
  const services = [...new Set(replicas.map((r) => r.service))];
  const order = typeof project === "string" ? services.sort() : [...dependencyOrder(project), ...services.filter((s) => project.services[s] === undefined).sort()];
  return order.reverse().map((s) => replicas.filter((r) => r.service === s)).filter((g) => g.length > 0);
}

/** The service's stop_grace_period in whole seconds, else `fallback`. */
export function stopTimeout(project: ComposeProject | string, service: string, fallback: number | undefined): number | undefined {
  const ms = typeof project === "string" ? undefined : project.services[service]?.stopGracePeriodMs;
  return ms !== undefined ? Math.ceil(ms / 1000) : fallback;
}
