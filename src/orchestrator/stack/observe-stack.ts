import type { ContainerRuntime, ContainerSummary } from "../../runtime/index.js";
import { readReplicaIdentity, type ReplicaIdentity } from "./stack-labels.js";

/** A container of a stack, as it is now, with what its labels say it is. */
export interface ObservedReplica extends ReplicaIdentity {
  readonly summary: ContainerSummary;
}

/**
 * Every container of `project` on the runtime's root, found by the compose
 * labels alone (never by name: a container named like a replica but
 * unlabelled is not one), with its settled state and health, ordered by
 * service, then replica number, then creation time (oldest first).
 */
export async function observeStack(runtime: ContainerRuntime, project: string): Promise<ObservedReplica[]> {
  const out: ObservedReplica[] = [];
  for (const summary of await runtime.list()) {
    const id = readReplicaIdentity(summary.record.labels);
    if (id !== undefined && id.project === project) out.push({ ...id, summary });
  }
  return out.sort((a, b) => a.service.localeCompare(b.service) || a.number - b.number || a.summary.record.created.localeCompare(b.summary.record.created));
}

/** Every project that has a container on the runtime's root, sorted. */
export async function observedProjects(runtime: ContainerRuntime): Promise<string[]> {
  const names = new Set<string>();
  for (const c of await runtime.list()) {
    const id = readReplicaIdentity(c.record.labels);
    if (id !== undefined) names.add(id.project);
  }
  return [...names].sort();
}

/** The replicas of one service, by number; a number held twice (a crash mid-recreate) keeps its oldest first. */
export function replicasOf(observed: readonly ObservedReplica[], service: string): Map<number, ObservedReplica[]> {
  const byNumber = new Map<number, ObservedReplica[]>();
  for (const r of observed) {
    if (r.service !== service) continue;
    byNumber.set(r.number, [...(byNumber.get(r.number) ?? []), r]);
  }
  return byNumber;
}

/** Whether the replica's current run is up: running (a `restarting` one counts as on its way). */
export const isUp = (r: ObservedReplica): boolean => r.summary.state.status === "running" || r.summary.state.status === "restarting";

/** Running and, when it has a health check, healthy: what REPLICAS ready/desired counts. */
export const isReady = (r: ObservedReplica): boolean =>
  r.summary.state.status === "running" && (r.summary.health === undefined || r.summary.health.status === "healthy");

/** Replica 1…`desired` of a service, the oldest container of each number, skipping numbers that have none. */
export function currentReplicas(observed: readonly ObservedReplica[], service: string, desired: number): ObservedReplica[] {
  const byNumber = replicasOf(observed, service);
  const out: ObservedReplica[] = [];
  for (let n = 1; n <= desired; n++) {
    const r = byNumber.get(n)?.[0];
    if (r !== undefined) out.push(r);
  }
  return out;
}
