import { BerthError, InvalidArgumentError } from "../../oci/index.js";
import { BackendPool, type BalancerBackend } from "./backend-pool.js";
import { ServiceBalancer, type BalancerStats, type ServiceBalancerOptions } from "./service-balancer.js";

/** One balancer the caller wants: see {@link balancerKey} for the key. */
export interface DesiredBalancer {
  readonly key: string;
  /** `""` or `0.0.0.0`: every IPv4 address. */
  readonly hostIp: string;
  /** 0: any free port, picked when the listener opens and kept while it stays open. */
  readonly hostPort: number;
  readonly backends: readonly BalancerBackend[];
}

/** An open balancer's address, for `service ls` PORTS and the daemon's state. */
export interface BalancerListing {
  readonly key: string;
  readonly hostIp: string;
  /** The port bound (the one the kernel picked for a desired 0). */
  readonly hostPort: number;
  /** The port asked for: 0 when the kernel picked. */
  readonly requestedPort: number;
}

/** What one {@link BalancerSet.sync} did. Failures are per key: one port that cannot be bound does not stop the others. */
export interface BalancerSyncResult {
  readonly opened: readonly string[];
  readonly closed: readonly string[];
  readonly failed: readonly { readonly key: string; readonly error: BerthError }[];
}

/** Options of a {@link BalancerSet}: each balancer's, plus how long a closed one lets connections finish. */
export interface BalancerSetOptions extends ServiceBalancerOptions {
  /** Grace for open connections of a balancer no longer desired (default 5000 ms). */
  readonly closeGraceMs?: number;
}

interface Entry {
  readonly balancer: ServiceBalancer;
  readonly hostIp: string;
  readonly requestedPort: number;
  readonly hostPort: number;
}

/**
 * The balancers of one daemon, keyed `project/service/protocol/hostIp:hostPort`.
 * `sync` makes the open set equal to the desired one: closes balancers no
 * longer desired (first, so a port moving between keys is free), updates the
 * backends of the ones kept, and opens the missing ones; a listener whose
 * address changed is closed and opened again. Syncs run one at a time in
 * call order. A listener that failed to open is tried again by the next sync.
 */
export class BalancerSet {
  private readonly entries = new Map<string, Entry>();
  private queue: Promise<unknown> = Promise.resolve();
  private isClosed = false;

  constructor(private readonly opts: BalancerSetOptions = {}) {}

  /**
   * Make the open balancers match `desired`. Throws InvalidArgumentError
   * (nothing changed) for a key given twice or a bad backend; failures to
   * bind are returned per key, never thrown.
   */
  sync(desired: readonly DesiredBalancer[]): Promise<BalancerSyncResult> {
    const run = this.queue.then(() => this.doSync(desired));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Every open balancer's address, by key. */
  addresses(): BalancerListing[] {
    return [...this.entries].map(([key, e]) => ({ key, hostIp: e.hostIp, hostPort: e.hostPort, requestedPort: e.requestedPort })).sort((a, b) => a.key.localeCompare(b.key));
  }

  /** The balancer open under `key`. */
  get(key: string): ServiceBalancer | undefined {
    return this.entries.get(key)?.balancer;
  }

  /** Every open balancer's counters, by key. */
  stats(): Record<string, BalancerStats> {
    return Object.fromEntries([...this.entries].map(([key, e]) => [key, e.balancer.stats()]));
  }

  /** Close every balancer (after the grace); later syncs are refused. */
  async close(): Promise<void> {
    this.isClosed = true;
    await this.queue;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.balancer.close({ graceMs: this.opts.closeGraceMs ?? 5_000 })));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async doSync(desired: readonly DesiredBalancer[]): Promise<BalancerSyncResult> {
    if (this.isClosed) throw new BerthError("FAILED_PRECONDITION", "load balancers: sync after close", { hint: "make a new BalancerSet" });
    const wanted = new Map<string, DesiredBalancer>();
    for (const d of desired) {
      if (typeof d.key !== "string" || d.key === "") throw new InvalidArgumentError("load balancer key: must not be empty");
      if (wanted.has(d.key)) throw new InvalidArgumentError(`load balancer ${d.key}: given twice`);
      new BackendPool(1).set(d.backends); // checked before anything is closed or opened
      wanted.set(d.key, d);
    }
    const closing: string[] = [];
    for (const [key, e] of this.entries) {
      const d = wanted.get(key);
      if (d === undefined || !sameAddress(e, d)) closing.push(key);
    }
    const grace = this.opts.closeGraceMs ?? 5_000;
    await Promise.all(closing.map(async (key) => {
      const e = this.entries.get(key)!;
      this.entries.delete(key);
      // A listener moving to another address stops at once: its port may be the one wanted next.
      await e.balancer.close({ graceMs: wanted.has(key) ? 0 : grace });
    }));
    const opened: string[] = [];
    const failed: { key: string; error: BerthError }[] = [];
    for (const [key, d] of wanted) {
      const e = this.entries.get(key);
      if (e !== undefined) {
        e.balancer.setBackends(d.backends);
        continue;
      }
      const balancer = new ServiceBalancer(this.opts);
      try {
        balancer.setBackends(d.backends);
        const at = await balancer.listen({ hostIp: d.hostIp, hostPort: d.hostPort });
        this.entries.set(key, { balancer, hostIp: at.hostIp, hostPort: at.hostPort, requestedPort: d.hostPort });
        opened.push(key);
      } catch (err) {
        await balancer.close();
        if (err instanceof InvalidArgumentError) throw err;
        failed.push({ key, error: err instanceof BerthError ? err : new BerthError("INTERNAL", `load balancer ${key}: ${String(err)}`, { cause: err }) });
      }
    }
    return { opened, closed: closing.filter((k) => !opened.includes(k)), failed };
  }
}

/** An open listener still serves `d` when the address is the same; a desired port 0 accepts whatever port was picked. */
function sameAddress(e: Entry, d: DesiredBalancer): boolean {
  const ip = d.hostIp === "" ? "0.0.0.0" : d.hostIp;
  return e.hostIp === ip && (d.hostPort === 0 ? e.requestedPort === 0 : e.hostPort === d.hostPort);
}
