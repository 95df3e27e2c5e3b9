import { setTimeout as sleep } from "node:timers/promises";
import type { BerthError } from "../../oci/index.js";
import { setDnsAliasesEnabled, type NetworkStore } from "../../runtime/index.js";
import { BalancerSet, balancerKey, desiredBalancers, isServing } from "../balancer/index.js";
import type { ReplicaChange } from "../rollout/index.js";
import { observeStack, type ObservedReplica } from "../stack/observe-stack.js";
import type { StackEngine } from "../stack/stack-engine.js";
import type { SupervisedStack } from "./stack-supervisor.js";

/** A published port a load balancer serves for a service (the runtime's PortMapping, with the service). */
export interface PublishedServicePort {
  readonly service: string;
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: "tcp";
  readonly range: 1;
}

/**
 * Where a stack's traffic goes, brought in line after every reconcile pass:
 * each balanced published port has a listener whose backends are the
 * service's serving replicas (running, and healthy when checked), and on the
 * service's network only serving replicas answer to the service name in
 * DNS. Replicas listed in {@link draining} are taken out of both before
 * they are stopped (a rollout drains an old replica first).
 */
export class ServiceTraffic {
  readonly balancers: BalancerSet;
  /** Container ids being drained: no new connections, no DNS answers. */
  readonly draining = new Set<string>();
  /** What DNS says now, per container id and network: serving or not. */
  private readonly dns = new Map<string, boolean>();
  /** Listeners that could not open at the last sync, by balancer key. */
  private readonly failedKeys = new Map<string, BerthError>();

  constructor(private readonly engine: StackEngine, private readonly networks: NetworkStore, private readonly warn: (project: string, detail: string) => void) {
    this.balancers = new BalancerSet();
  }

  /** Bring every kept stack's listeners and DNS in line with its replicas now. */
  async sync(stacks: readonly SupervisedStack[]): Promise<void> {
    const desired = [];
    const seen = new Set<string>();
    for (const s of stacks) {
      if (s.plan === undefined) continue;
      const observed = s.observed ?? (await observeStack(this.engine.runtime, s.stored.project));
      desired.push(...desiredBalancers(s.stored.project, s.plan.services, observed, this.draining));
      for (const r of observed) await this.syncDns(r, seen);
    }
    for (const key of [...this.dns.keys()]) if (!seen.has(key)) this.dns.delete(key);
    const result = await this.balancers.sync(desired);
    for (const f of result.failed) {
      if (this.failedKeys.get(f.key)?.message === f.error.message) continue;
      this.failedKeys.set(f.key, f.error);
      this.warn(f.key.split("/")[0] ?? "", `load balancer ${f.key}: ${f.error.message}`);
    }
    for (const key of [...this.failedKeys.keys()]) if (!result.failed.some((f) => f.key === key)) this.failedKeys.delete(key);
  }

  /**
   * The project's published ports that could not be bound at the last sync
   * (another process holds the port), as `web: load balancer: cannot listen
   * on 127.0.0.1:8080: EADDRINUSE`, with the first one's hint: `up` fails
   * on them rather than report a port published that is not.
   */
  failures(project: string): { readonly problems: string[]; readonly hint?: string } {
    const mine = [...this.failedKeys].filter(([key]) => key.startsWith(`${project}/`));
    const hint = mine[0]?.[1].hint;
    return { problems: mine.map(([key, e]) => `${key.split("/")[1] ?? ""}: ${e.message}`), ...(hint !== undefined && { hint }) };
  }

  /** The balanced ports of a kept stack as they listen now, per service (for `service ls`: host ports picked by the kernel included). */
  published(stack: SupervisedStack | undefined): PublishedServicePort[] {
    if (stack?.plan === undefined) return [];
    const open = new Map(this.balancers.addresses().map((l) => [l.key, l]));
    return stack.plan.services.flatMap((s) => (s.balancedPorts ?? []).flatMap((p) => {
      const l = open.get(balancerKey(stack.stored.project, s.name, p));
      return l === undefined ? [] : [{ service: s.name, hostIp: l.hostIp, hostPort: l.hostPort, containerPort: p.targetPort, protocol: "tcp" as const, range: 1 }];
    }));
  }

  /**
   * A rolling update's hook (see ReplicaChange): replicas `leaving` get no
   * new connections and no DNS answers from now on, and the open ones are
   * given up to `drainMs` to end; `added` ones join at once.
   */
  async replicaChanged(change: ReplicaChange, stacks: readonly SupervisedStack[], drainMs = 5_000): Promise<void> {
    for (const id of change.leaving) this.draining.add(id);
    await this.sync(stacks);
    const deadline = Date.now() + drainMs;
    const open = (): number => Object.values(this.balancers.stats()).reduce((n, st) => n + st.backends.filter((b) => change.leaving.includes(b.id)).reduce((m, b) => m + b.active, 0), 0);
    while (change.leaving.length > 0 && open() > 0 && Date.now() < deadline) await sleep(50);
    if (change.leaving.length === 0 && change.added.length === 0) {
      // The old containers are gone: forget them.
      const live = new Set((await this.engine.runtime.list()).map((c) => c.record.id));
      for (const id of [...this.draining]) if (!live.has(id)) this.draining.delete(id);
    }
  }

  async close(): Promise<void> {
    await this.balancers.close();
  }

  /** A replica that starts answering or stops: its service name (aliases) on or off in aardvark-dns, once per change. */
  private async syncDns(r: ObservedReplica, seen: Set<string>): Promise<void> {
    const network = r.summary.record.options.network;
    if (network === undefined || ["none", "host", "bridge"].includes(network) || r.summary.state.status !== "running") return;
    const key = `${r.summary.record.id}/${r.summary.state.runId ?? ""}/${network}`;
    seen.add(key);
    const serving = isServing(r) && !this.draining.has(r.summary.record.id);
    if (this.dns.get(key) === serving) return;
    // A replica seen for the first time serving needs nothing: netavark gave it every name.
    if (!this.dns.has(key) && serving) {
      this.dns.set(key, true);
      return;
    }
    try {
      await setDnsAliasesEnabled(this.networks, r.summary.record.id, network, serving);
      this.dns.set(key, serving);
    } catch {
      // Gone meanwhile, or a network without DNS: the next pass looks again.
    }
  }
}
