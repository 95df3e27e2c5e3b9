// No request fails during a start-first rolling update, nor during one to a bad revision that is rolled back:
// HTTP requests, each on a new connection, through the orchestrator's own load balancer (ServiceBalancer) over
// the ready replicas, while the replicas are replaced.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { get } from "node:http";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { balancerBackends, MemoryRevisionLog, rolloutRevision, ServiceBalancer, type PlannedService, type ReplicaChange } from "../../../src/orchestrator/index.js";
import { observeStack } from "../../../src/orchestrator/stack/observe-stack.js";
import { webStack, webState, webTarget } from "./rollout-fixture.js";
import { eventually, useStackRoot } from "./stack-fixture.js";

const P = "flow";
/** Bounds of one load loop (each phase has its own). */
const MAX_REQUESTS = 2000;
const MAX_MS = 60_000;

/** One GET on a connection of its own; the body, or the error (a connection left hanging fails after 10 s: generous, as the test machine may be loaded). */
function fetchOnce(port: number): Promise<{ ok: boolean; body: string }> {
  return new Promise((resolve) => {
    const req = get({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ ok: res.statusCode === 200, body: Buffer.concat(chunks).toString().trim() || `status ${res.statusCode}` }));
      res.on("error", (e) => resolve({ ok: false, body: e.message }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (e) => resolve({ ok: false, body: e.message }));
  });
}

/** What a load loop saw. */
interface Load {
  readonly requests: number;
  readonly failures: readonly string[];
  /** Response bodies (the VERSION that answered) and how often. */
  readonly seen: ReadonlyMap<string, number>;
  readonly slowest: number;
  readonly ms: number;
}

/**
 * GET through the balancer, one connection per request, 15 ms apart, while
 * `during` runs (and at least 50 times), bounded by MAX_REQUESTS and MAX_MS.
 */
async function underLoad<T>(port: number, during: Promise<T>, snapshot: () => string = () => ""): Promise<{ result: T; load: Load }> {
  let running = true;
  const seen = new Map<string, number>();
  const failures: string[] = [];
  let requests = 0;
  let slowest = 0;
  const start = Date.now();
  const loop = (async () => {
    while ((running || requests < 50) && requests < MAX_REQUESTS && Date.now() - start < MAX_MS) {
      const t0 = Date.now();
      let slow = "";
      const watch = setTimeout(() => { slow = ` [after 3 s: ${snapshot()}]`; }, 3_000);
      const res = await fetchOnce(port);
      clearTimeout(watch);
      slowest = Math.max(slowest, Date.now() - t0);
      requests++;
      if (res.ok) seen.set(res.body, (seen.get(res.body) ?? 0) + 1);
      else failures.push(`${new Date(t0).toISOString()} (+${Date.now() - t0} ms): ${res.body}${slow}`);
      await sleep(15);
    }
  })();
  const result = await during.finally(() => { running = false; });
  await loop;
  return { result, load: { requests, failures, seen, slowest, ms: Date.now() - start } };
}

/**
 * Give the project's bridge a fixed MAC address (its current one), as docker
 * does for its bridges. A Linux bridge without one takes the lowest MAC of
 * its ports, so a container joining or leaving it can change the bridge's
 * MAC; the other containers' neighbour entries for their gateway (the host)
 * then point at the old one, their replies to the host are lost until the
 * entry is probed again (seconds), and connections from the host hang. The
 * runtime's network layer does not pin it yet (reported to the lead); pinned
 * here so that this test measures the rollout, not that.
 */
async function pinBridgeMac(bridge: string): Promise<void> {
  const mac = (await readFile(`/sys/class/net/${bridge}/address`, "utf8")).trim();
  await promisify(execFile)("ip", ["link", "set", "dev", bridge, "address", mac]);
}

const describeLoad = (l: Load): string =>
  `${l.failures.length} of ${l.requests} requests failed in ${l.ms} ms (slowest ${l.slowest} ms; answers ${JSON.stringify([...l.seen])})${l.failures.length > 0 ? `: ${l.failures.slice(0, 5).join("; ")}` : ""}`;

describe("rolling updates under load, through the orchestrator's load balancer", () => {
  const stackRoot = useStackRoot();

  it("start-first drops no request; a bad revision is rolled back without a failed request either", async (t) => {
    const r = stackRoot(t);
    if (!r) return;
    const v1 = await webTarget(r, P, { version: "v1" });
    await r.engine().up(await r.project(P, webStack(P, { version: "v1" })), { timeoutS: 2 });
    const v2 = await webTarget(r, P, { version: "v2" });
    const bad = await webTarget(r, P, { version: "v3", broken: "unhealthy" });
    const plans: Record<string, PlannedService> = { v1: v1.plan, v2: v2.plan, v3: bad.plan };
    const all = (v: string): string => [1, 2, 3].map((n) => `${P}-web-${n}=${v}`).join();
    await eventually("3 healthy replicas", async () => (await webState(r, P, plans)).join() === all("v1"));
    const network = (await r.networks.list()).find((n) => n.labels["com.docker.compose.project"] === P);
    assert.ok(network, "the project's network");
    await pinBridgeMac(network.interface);

    const balancer = new ServiceBalancer({ connectTimeoutMs: 1_000 });
    const leaving = new Set<string>();
    const sync = async (): Promise<void> => balancer.setBackends(balancerBackends(v2.plan, await observeStack(r.runtime, P), { targetPort: 8080, exclude: leaving }));
    // As the daemon will: out of rotation first, then wait (bounded) until the connections already open to it have ended.
    const hook = async (c: ReplicaChange): Promise<void> => {
      for (const id of c.leaving) leaving.add(id);
      await sync();
      const deadline = Date.now() + 5_000;
      while (c.leaving.some((id) => balancer.connections(id) > 0) && Date.now() < deadline) await sleep(20);
    };
    try {
      const { hostPort } = await balancer.listen({ hostIp: "127.0.0.1", hostPort: 0 });
      await sync();
      assert.equal(balancer.stats().backends.length, 3);
      const log = new MemoryRevisionLog();
      const base = { runtime: r.runtime, project: P, log, pollMs: 100, timeoutS: 2, readyMarginMs: 5_000, drainMs: 500, afterReplicaChange: hook };
      await rolloutRevision({ ...base, target: v1.plan, targetImage: v1.image });

      const snapshot = (): string => JSON.stringify(balancer.stats().backends.map((b) => [b.id.slice(0, 6), b.host, b.active, b.failures, b.down, b.draining]));
      const good = await underLoad(hostPort, rolloutRevision({ ...base, target: v2.plan, targetImage: v2.image, update: v2.update }), snapshot);
      t.diagnostic(`good update: ${describeLoad(good.load)}`);
      assert.equal(good.result.state, "completed", good.result.detail);
      assert.deepEqual(good.load.failures, [], describeLoad(good.load));
      assert.ok(good.load.requests >= 100, describeLoad(good.load));
      assert.deepEqual([...good.load.seen.keys()].sort(), ["v1", "v2"], describeLoad(good.load));
      assert.equal((await webState(r, P, plans)).join(), all("v2"));

      const failed = await underLoad(hostPort, rolloutRevision({ ...base, target: bad.plan, targetImage: bad.image, update: bad.update, rollback: bad.rollback }), snapshot);
      t.diagnostic(`bad update: ${describeLoad(failed.load)}`);
      assert.equal(failed.result.state, "rolled-back", failed.result.detail);
      assert.deepEqual(failed.load.failures, [], describeLoad(failed.load));
      assert.deepEqual([...failed.load.seen.keys()], ["v2"], describeLoad(failed.load));
      assert.equal((await webState(r, P, plans)).join(), all("v2"));
      assert.deepEqual(log.list(P, "web").map((x) => x.status), ["failed", "current", "superseded"]);
      assert.equal(balancer.stats().failed, 0);
    } finally {
      await balancer.close();
      await r.engine().down(P, { timeoutS: 2 }).catch(() => undefined);
    }
  });
});
