import { connect, createServer, isIP, type AddressInfo, type Server, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { InvalidArgumentError } from "../../oci/index.js";
import { BackendPool, type BackendState, type BalancerBackend } from "./backend-pool.js";
import { BalancerListenError, BalancerStateError } from "./errors.js";

// A userspace proxy, not iptables DNAT as netavark writes for `-p`: the balancer must
// follow health (a DNAT rule knows nothing of it), drain a replica on a rollout (open
// connections continue while new ones go elsewhere, which a rule change cannot do for
// conntrack'd flows in the same way), retry another replica when a connect is refused,
// and work for ports published on 127.0.0.1, where DNAT needs route_localnet tricks.
// TCP only: UDP has no connection to balance or drain, so a UDP port of a service with
// more than one replica stays refused by planStack.

/** Options of a {@link ServiceBalancer}. */
export interface ServiceBalancerOptions {
  /** How long a connect to a backend may take before the next one is tried (default 1000 ms). */
  readonly connectTimeoutMs?: number;
  /** How long a backend that failed a connect gets no new connections (default 3000 ms). */
  readonly downForMs?: number;
  /** Client connections waiting for a backend connect at once; more are reset (default 512). */
  readonly maxPending?: number;
  /** Open client connections at most; more are closed by the server (default 10000). */
  readonly maxConnections?: number;
}

/** Where a balancer listens. */
export interface BalancerAddress {
  /** `0.0.0.0` for every address. */
  readonly hostIp: string;
  readonly hostPort: number;
}

/** Counters of one backend, current or draining. */
export interface BackendStats {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly active: number;
  readonly total: number;
  readonly failures: number;
  /** Marked down after a failed connect: skipped while another backend is up. */
  readonly down: boolean;
  /** Removed from the set, open connections still running. */
  readonly draining: boolean;
}

/** Counters of a balancer. */
export interface BalancerStats {
  /** Client connections accepted. */
  readonly total: number;
  /** Client connections open now (spliced to a backend). */
  readonly active: number;
  /** Client connections waiting for a backend connect. */
  readonly pending: number;
  /** Client connections closed without reaching a backend: none set, all failed, or too many pending. */
  readonly failed: number;
  readonly backends: readonly BackendStats[];
}

interface Splice {
  readonly client: Socket;
  readonly upstream: Socket;
  readonly backend: BackendState;
}

/**
 * A TCP load balancer for one published port of one service: listens on the
 * host port and splices each client connection to one backend (a replica's
 * address and target port), round-robin over the current set.
 *
 * Lifecycle: `new` → `listen()` once → `setBackends()` any number of times →
 * `close()`. A connect a backend refuses or does not answer within the
 * connect timeout is retried on the next backend and marks that one down for
 * a while; each backend is tried at most once per client. A backend removed
 * by `setBackends` gets no new connections and its open ones run to their
 * end (drain). With no backends a client is reset at once. Half-closes are
 * passed on (a client's FIN reaches the backend, whose response still comes
 * back), and `pipe` carries backpressure both ways.
 */
export class ServiceBalancer {
  private readonly pool: BackendPool;
  private readonly connectTimeoutMs: number;
  private readonly maxPending: number;
  private readonly server: Server;
  private readonly splices = new Set<Splice>();
  private readonly waiting = new Set<Socket>();
  private bound: BalancerAddress | undefined;
  private state: "new" | "listening" | "closed" = "new";
  private total = 0;
  private failed = 0;

  constructor(opts: ServiceBalancerOptions = {}) {
    this.connectTimeoutMs = positive(opts.connectTimeoutMs, 1_000, "connectTimeoutMs");
    this.maxPending = positive(opts.maxPending, 512, "maxPending");
    this.pool = new BackendPool(positive(opts.downForMs, 3_000, "downForMs"));
    // pauseOnConnect: the client's bytes wait in the kernel until a backend is connected.
    this.server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (c) => this.accept(c));
    this.server.maxConnections = positive(opts.maxConnections, 10_000, "maxConnections");
  }

  /**
   * Bind `hostIp:hostPort` (`""` or `0.0.0.0`: every IPv4 address; port 0:
   * the kernel picks one) and resolve the address bound, with the real port.
   * Throws InvalidArgumentError for a bad address or port, BalancerListenError
   * when the port cannot be bound, BalancerStateError when called twice.
   */
  async listen(at: { hostIp: string; hostPort: number }): Promise<BalancerAddress> {
    if (this.state !== "new") throw new BalancerStateError(this.state === "closed" ? "listen after close" : "listen called twice");
    const hostIp = at.hostIp === "" ? "0.0.0.0" : at.hostIp;
    if (isIP(hostIp) === 0) throw new InvalidArgumentError(`load balancer: host address ${JSON.stringify(String(at.hostIp).slice(0, 80))} is not an IP address`);
    if (!Number.isInteger(at.hostPort) || at.hostPort < 0 || at.hostPort > 65535) throw new InvalidArgumentError(`load balancer: host port ${String(at.hostPort)} is not 0-65535`);
    this.state = "listening";
    await new Promise<void>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException): void => {
        this.state = "closed";
        reject(new BalancerListenError(hostIp, at.hostPort, e.code ?? e.message, e));
      };
      this.server.once("error", onError);
      this.server.listen({ host: hostIp, port: at.hostPort, exclusive: true }, () => {
        this.server.removeListener("error", onError);
        resolve();
      });
    });
    // After listening, an accept error (EMFILE) must not crash the process; the server keeps listening.
    this.server.on("error", () => undefined);
    this.bound = { hostIp, hostPort: (this.server.address() as AddressInfo).port };
    return this.bound;
  }

  /** The address bound, once listening; undefined before and after. */
  address(): BalancerAddress | undefined {
    return this.state === "listening" ? this.bound : undefined;
  }

  /** Replace the backends at once (see {@link BackendPool.set}); throws InvalidArgumentError, changing nothing, for a bad entry. */
  setBackends(backends: readonly BalancerBackend[]): void {
    this.pool.set(backends);
  }

  /** Open connections to backend `id`, whether it is current or draining. */
  connections(id: string): number {
    return this.pool.connections(id);
  }

  stats(): BalancerStats {
    const now = Date.now();
    return {
      total: this.total, active: this.splices.size, pending: this.waiting.size, failed: this.failed,
      backends: this.pool.states().map(({ state: s, draining }) => ({
        id: s.id, host: s.host, port: s.port, active: s.active, total: s.total, failures: s.failures, down: s.downUntil > now, draining,
      })),
    };
  }

  /**
   * Stop listening (the port is free when this resolves), let open
   * connections run for up to `graceMs` (default 0), then destroy what is
   * left. Safe to call twice.
   */
  async close(opts: { graceMs?: number } = {}): Promise<void> {
    const wasListening = this.state === "listening";
    this.state = "closed";
    const stopped = wasListening ? new Promise<void>((resolve) => this.server.close(() => resolve())) : Promise.resolve();
    const deadline = Date.now() + Math.max(0, opts.graceMs ?? 0);
    while ((this.splices.size > 0 || this.waiting.size > 0) && Date.now() < deadline) await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
    for (const c of this.waiting) c.destroy();
    for (const s of this.splices) {
      s.client.destroy();
      s.upstream.destroy();
    }
    await stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private accept(client: Socket): void {
    this.total++;
    client.on("error", () => undefined); // the 'close' that follows does the cleanup
    if (this.state !== "listening" || this.pool.isEmpty || this.waiting.size >= this.maxPending) {
      this.failed++;
      client.resetAndDestroy();
      return;
    }
    this.waiting.add(client);
    void this.connectFirst(client, this.pool.order()).then((done) => {
      this.waiting.delete(client);
      if (done === undefined) {
        if (!client.destroyed) {
          this.failed++;
          client.resetAndDestroy();
        }
        return;
      }
      this.splice(client, done.upstream, done.backend);
    });
  }

  /** Try `candidates` in order (each once) until one accepts; undefined when none did or the client went away. */
  private async connectFirst(client: Socket, candidates: readonly BackendState[]): Promise<{ upstream: Socket; backend: BackendState } | undefined> {
    for (const backend of candidates) {
      if (client.destroyed || this.state !== "listening") return undefined;
      const upstream = await this.attempt(client, backend);
      if (upstream !== undefined) return { upstream, backend };
    }
    return undefined;
  }

  /** One connect to `b`, bounded by the connect timeout and aborted when the client closes. */
  private attempt(client: Socket, b: BackendState): Promise<Socket | undefined> {
    return new Promise((resolve) => {
      const upstream = connect({ host: b.host, port: b.port, allowHalfOpen: true });
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        client.removeListener("close", onClientGone);
        upstream.removeListener("error", onError);
        if (ok) {
          resolve(upstream);
          return;
        }
        upstream.on("error", () => undefined);
        upstream.destroy();
        resolve(undefined);
      };
      const onError = (): void => {
        this.pool.markDown(b);
        finish(false);
      };
      const onClientGone = (): void => finish(false);
      const timer = setTimeout(onError, this.connectTimeoutMs);
      upstream.once("connect", () => finish(!client.destroyed));
      upstream.once("error", onError);
      client.once("close", onClientGone);
    });
  }

  private splice(client: Socket, upstream: Socket, backend: BackendState): void {
    if (client.destroyed || this.state !== "listening") {
      upstream.destroy();
      return;
    }
    const s: Splice = { client, upstream, backend };
    this.splices.add(s);
    this.pool.opened(backend);
    let open = 2;
    const onClose = (hadError: boolean, other: Socket): void => {
      // An RST or error on one side ends the other at once; a clean close leaves the other to finish its half.
      if (hadError) other.destroy();
      if (--open === 0) {
        this.splices.delete(s);
        this.pool.closed(backend);
      }
    };
    upstream.on("error", () => undefined);
    client.once("close", (hadError) => onClose(hadError, upstream));
    upstream.once("close", (hadError) => onClose(hadError, client));
    for (const sock of [client, upstream]) {
      sock.setNoDelay(true);
      // A replica killed with its network namespace sends no RST; keepalive finds the dead peer eventually.
      sock.setKeepAlive(true, 30_000);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

function positive(v: number | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v <= 0) throw new InvalidArgumentError(`load balancer: ${name} ${v} must be a positive number`);
  return v;
}
