import { isIP } from "node:net";
import type { ObservedReplica } from "../stack/observe-stack.js";
import type { BalancedPort, PlannedService } from "../stack/stack-plan.js";
import type { BalancerBackend } from "./backend-pool.js";
import type { DesiredBalancer } from "./balancer-set.js";

/** Options of {@link balancerBackends}. */
export interface BalancerBackendsOptions {
  /** The replicas' port; default the service's first balanced port's target. */
  readonly targetPort?: number;
  /** Container ids to leave out although ready: replicas a rollout is about to stop (they drain). */
  readonly exclude?: ReadonlySet<string>;
}

/**
 * The backends of `service`'s balancer from what was observed: every replica
 * of the service that is running and, when it has a health check, healthy —
 * a replica in its start period without a verdict yet, unhealthy, or
 * restarting is not one — each at its IPv4 address on the service's network
 * (what the runtime recorded in the container's state when it connected it)
 * and the target port. Replicas of one number twice (a start-first update)
 * are both backends. A replica with no address there (network `none` or
 * `host`, a state from before networking) is left out. Ordered by replica
 * number, then age, as observeStack orders them. Pure.
 */
export function balancerBackends(service: PlannedService, observed: readonly ObservedReplica[], opts: BalancerBackendsOptions = {}): BalancerBackend[] {
  const port = opts.targetPort ?? service.balancedPorts?.[0]?.targetPort;
  if (port === undefined) return [];
  const network = service.replicaSpecs[0]?.options.network;
  const out: BalancerBackend[] = [];
  for (const r of observed) {
    if (r.service !== service.name || !isServing(r) || opts.exclude?.has(r.summary.record.id)) continue;
    const host = replicaAddress(r, r.summary.record.options.network ?? network);
    if (host !== undefined) out.push({ id: r.summary.record.id, host, port });
  }
  return out;
}

/** Running, and healthy when the container has a check: a check without a verdict for this run yet does not count. */
export function isServing(r: ObservedReplica): boolean {
  if (r.summary.state.status !== "running") return false;
  return r.summary.record.health === undefined || r.summary.health?.status === "healthy";
}

/**
 * The key of a balancer: `project/service/tcp/hostIp:hostPort`; for a host
 * port left to the kernel (0) the target is added (`…:0->80`), since one
 * service may have several such ports.
 */
export function balancerKey(project: string, service: string, port: BalancedPort): string {
  const hostPort = port.hostPort === 0 ? `0->${port.targetPort}` : String(port.hostPort);
  return `${project}/${service}/${port.protocol}/${port.hostIp}:${hostPort}`;
}

/**
 * Every balancer `services` of `project` want, with their backends from
 * `observed`: what {@link BalancerSet.sync} takes (together with the other
 * projects' lists). Services without balanced ports give none. `exclude` as
 * in {@link balancerBackends}.
 */
export function desiredBalancers(project: string, services: readonly PlannedService[], observed: readonly ObservedReplica[], exclude?: ReadonlySet<string>): DesiredBalancer[] {
  return services.flatMap((s) => (s.balancedPorts ?? []).map((p) => ({
    key: balancerKey(project, s.name, p),
    hostIp: p.hostIp,
    hostPort: p.hostPort,
    backends: balancerBackends(s, observed, { targetPort: p.targetPort, ...(exclude !== undefined && { exclude }) }),
  })));
}

/** The replica's IPv4 address on `network` (or on its only network) from the runtime's recorded network state. */
function replicaAddress(r: ObservedReplica, network: string | undefined): string | undefined {
  const state = r.summary.state.network;
  if (typeof state !== "object" || state === null) return undefined;
  const networks = (state as { networks?: unknown }).networks;
  if (typeof networks !== "object" || networks === null) return undefined;
  const entries = Object.entries(networks as Record<string, unknown>);
  const found = (network !== undefined ? entries.find(([name]) => name === network) : undefined) ?? (entries.length === 1 ? entries[0] : undefined);
  const ipv4 = (found?.[1] as { ipv4?: unknown } | undefined)?.ipv4;
  return typeof ipv4 === "string" && isIP(ipv4) === 4 ? ipv4 : undefined;
}
