import { isIP } from "node:net";
import { InvalidArgumentError } from "../../oci/index.js";

/** Where a balancer sends connections: one replica's address on its network and the service's target port. */
export interface BalancerBackend {
  /** The replica's container id (any non-empty string unique in the set). */
  readonly id: string;
  /** An IP address (IPv4 or IPv6); names are refused so that a connect never waits on DNS. */
  readonly host: string;
  readonly port: number;
}

/** One backend's counters; the object lives as long as a connection to it does, so a removed backend drains. */
export interface BackendState extends BalancerBackend {
  /** Open connections through the balancer. */
  active: number;
  /** Connections ever made to it. */
  total: number;
  /** Connect attempts that were refused or timed out. */
  failures: number;
  /** No new connections before this time (ms since epoch) unless every backend is down. */
  downUntil: number;
}

/**
 * The current backends of one balancer and the ones draining: chooses the
 * order a new connection tries them in (round-robin), marks a backend that
 * failed a connect down for a while, and keeps a removed backend's state
 * until its last connection closes.
 *
 * Round-robin rather than least-connections: the replicas of a service are
 * the same program on the same host, requests are mostly short, and
 * round-robin spreads them evenly without the herd a fresh replica (zero
 * connections) draws under least-connections; it is also what docker swarm's
 * IPVS load balancer does by default, and it is predictable in tests.
 */
export class BackendPool {
  private current: BackendState[] = [];
  private readonly draining = new Set<BackendState>();
  private next = 0;

  constructor(private readonly downForMs: number) {}

  /**
   * Replace the set at once. A backend whose id, host and port are unchanged
   * keeps its counters and down mark; a removed one with open connections
   * drains. Throws InvalidArgumentError (nothing changed) for an empty id, a
   * host that is not an IP address, a port outside 1–65535, or an id given twice.
   */
  set(backends: readonly BalancerBackend[]): void {
    const ids = new Set<string>();
    for (const b of backends) {
      if (typeof b.id !== "string" || b.id === "" || b.id.length > 256) throw new InvalidArgumentError(`balancer backend id ${JSON.stringify(String(b.id).slice(0, 80))}: must be 1 to 256 characters`);
      if (ids.has(b.id)) throw new InvalidArgumentError(`balancer backend ${b.id}: given twice`, { hint: "give each replica once" });
      ids.add(b.id);
      if (typeof b.host !== "string" || isIP(b.host) === 0) throw new InvalidArgumentError(`balancer backend ${b.id}: host ${JSON.stringify(String(b.host).slice(0, 80))} is not an IP address`, { hint: "give the replica's address on its network" });
      if (!Number.isInteger(b.port) || b.port < 1 || b.port > 65535) throw new InvalidArgumentError(`balancer backend ${b.id}: port ${String(b.port)} is not 1-65535`);
    }
    const old = new Map(this.current.map((s) => [s.id, s]));
    const kept = new Set<BackendState>();
    this.current = backends.map((b) => {
      const same = old.get(b.id);
      if (same !== undefined && same.host === b.host && same.port === b.port) {
        kept.add(same);
        return same;
      }
      return { id: b.id, host: b.host, port: b.port, active: 0, total: 0, failures: 0, downUntil: 0 };
    });
    for (const s of old.values()) if (!kept.has(s) && s.active > 0) this.draining.add(s);
    for (const s of this.current) this.draining.delete(s);
  }

  /** True when there is no backend to try. */
  get isEmpty(): boolean {
    return this.current.length === 0;
  }

  /**
   * The order a new connection tries backends in: round-robin from the next
   * one, backends that are up first, then the ones marked down (a last
   * resort: one may be back before its mark expires). Each backend once.
   */
  order(now = Date.now()): BackendState[] {
    const n = this.current.length;
    if (n === 0) return [];
    const start = this.next % n;
    this.next = (start + 1) % n;
    const rotated = [...this.current.slice(start), ...this.current.slice(0, start)];
    return [...rotated.filter((s) => s.downUntil <= now), ...rotated.filter((s) => s.downUntil > now)];
  }

  /** A connect to `s` failed: count it and keep new connections away for a while. */
  markDown(s: BackendState, now = Date.now()): void {
    s.failures++;
    s.downUntil = now + this.downForMs;
  }

  /** A connection to `s` is open. */
  opened(s: BackendState): void {
    s.active++;
    s.total++;
    s.downUntil = 0;
  }

  /** A connection to `s` closed; a draining backend is forgotten with its last one. */
  closed(s: BackendState): void {
    s.active = Math.max(0, s.active - 1);
    if (s.active === 0) this.draining.delete(s);
  }

  /** Whether `s` is still one of the current backends (else it drains). */
  isCurrent(s: BackendState): boolean {
    return this.current.includes(s);
  }

  /** Open connections to backend `id`, current or draining. */
  connections(id: string): number {
    return [...this.current, ...this.draining].filter((s) => s.id === id).reduce((n, s) => n + s.active, 0);
  }

  /** The current backends, then the draining ones. */
  states(): { state: BackendState; draining: boolean }[] {
    return [...this.current.map((state) => ({ state, draining: false })), ...[...this.draining].map((state) => ({ state, draining: true }))];
  }
}
