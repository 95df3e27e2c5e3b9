import assert from "node:assert/strict";
import { createServer } from "node:net";
import { afterEach, describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { echoBackend, fetchOnce, httpBackend, RawClient, type TestBackend } from "./balancer.test-support.js";
import { BalancerListenError } from "./errors.js";
import { ServiceBalancer } from "./service-balancer.js";

describe("ServiceBalancer (plain Node servers on 127.0.0.1)", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
  });
  const backends = async (make: (id: string) => Promise<TestBackend>, ...ids: string[]): Promise<TestBackend[]> => {
    const out = await Promise.all(ids.map(make));
    for (const b of out) cleanup.push(() => b.stop());
    return out;
  };
  const balancer = async (opts: ConstructorParameters<typeof ServiceBalancer>[0] = {}): Promise<{ lb: ServiceBalancer; port: number }> => {
    const lb = new ServiceBalancer(opts);
    cleanup.push(() => lb.close());
    const at = await lb.listen({ hostIp: "127.0.0.1", hostPort: 0 });
    assert.ok(at.hostPort > 0);
    assert.deepEqual(lb.address(), at);
    return { lb, port: at.hostPort };
  };

  it("spreads new connections round-robin over the backends", async () => {
    const bs = await backends(httpBackend, "a", "b", "c");
    const { lb, port } = await balancer();
    lb.setBackends(bs.map((b) => b.backend));
    const bodies: string[] = [];
    for (let i = 0; i < 30; i++) bodies.push((await fetchOnce(port)).body ?? "error");
    assert.deepEqual(bodies.slice(0, 6), ["a", "b", "c", "a", "b", "c"]);
    assert.deepEqual(["a", "b", "c"].map((id) => bodies.filter((x) => x === id).length), [10, 10, 10]);
    const s = lb.stats();
    assert.deepEqual([s.total, s.failed, s.backends.map((b) => b.total)], [30, 0, [10, 10, 10]]);
  });

  it("skips a backend that refuses the connect, marks it down, and serves every request from the others", async () => {
    const [a, b] = await backends(httpBackend, "a", "b");
    const { lb, port } = await balancer({ downForMs: 60_000 });
    lb.setBackends([a!.backend, b!.backend]);
    assert.equal((await fetchOnce(port)).body, "a");
    await a!.stop();
    const bodies: string[] = [];
    for (let i = 0; i < 10; i++) bodies.push((await fetchOnce(port)).body ?? "error");
    assert.deepEqual(bodies, Array(10).fill("b"));
    const sa = lb.stats().backends.find((x) => x.id === "a")!;
    assert.equal(sa.failures, 1, "tried once, then kept away while down");
    assert.equal(sa.down, true);
  });

  it("skips a backend that does not answer within the connect timeout", async () => {
    const [b] = await backends(httpBackend, "b");
    const { lb, port } = await balancer({ connectTimeoutMs: 300 });
    // TEST-NET-1 (RFC 5737) is never routed: the connect times out or fails at once.
    lb.setBackends([{ id: "void", host: "192.0.2.1", port: 9 }, b!.backend]);
    const started = Date.now();
    assert.equal((await fetchOnce(port)).body, "b");
    assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
    assert.equal(lb.stats().backends.find((x) => x.id === "void")!.failures, 1);
  });

  it("drains a removed backend: its open connection keeps working while new ones go to the others", async () => {
    const [a, b] = await backends(echoBackend, "a", "b");
    const { lb, port } = await balancer();
    lb.setBackends([a!.backend]);
    const old = await RawClient.open(port);
    cleanup.push(async () => old.destroy());
    old.write("one");
    assert.match(await old.until("a:one"), /a:one/);
    lb.setBackends([b!.backend]);
    assert.equal(lb.connections("a"), 1);
    assert.deepEqual(lb.stats().backends.map((x) => [x.id, x.draining]), [["b", false], ["a", true]]);
    const fresh = await RawClient.open(port);
    cleanup.push(async () => fresh.destroy());
    fresh.write("two");
    assert.match(await fresh.until("b:two"), /b:two/);
    old.write("three");
    assert.match(await old.until("a:three"), /a:three/, "the drained connection still reaches a");
    old.end();
    assert.match(await old.until("a:bye"), /a:bye 8$/);
    assert.ok(await old.whenClosed());
    await waitFor(() => lb.connections("a") === 0);
    assert.deepEqual(lb.stats().backends.map((x) => x.id), ["b"], "a is forgotten with its last connection");
  });

  it("passes a half-close on: an HTTP/1.0-style client that ends its side still gets the whole answer", async () => {
    const [a] = await backends(echoBackend, "a");
    const { lb, port } = await balancer();
    lb.setBackends([a!.backend]);
    const c = await RawClient.open(port);
    c.write("GET / HTTP/1.0\r\n\r\n");
    c.end();
    assert.ok(await c.whenClosed(), "the connection closes after the answer");
    assert.equal(c.received, "a:GET / HTTP/1.0\r\n\r\na:bye 18");
    await waitFor(() => lb.stats().active === 0);
  });

  it("carries 8 MiB each way intact through pipe backpressure", async () => {
    const sink = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => sink.listen({ host: "127.0.0.1", port: 0 }, () => r()));
    cleanup.push(() => new Promise((r) => sink.close(() => r())));
    const { lb, port } = await balancer();
    lb.setBackends([{ id: "echo", host: "127.0.0.1", port: (sink.address() as { port: number }).port }]);
    const payload = Buffer.alloc(8 * 1024 * 1024, "xyz");
    const c = await RawClient.open(port);
    cleanup.push(async () => c.destroy());
    c.write(payload.toString());
    c.end();
    assert.ok(await c.whenClosed(10_000));
    assert.equal(c.received.length, payload.length);
    assert.equal(c.received, payload.toString());
  });

  it("with no backends, closes a client at once and counts it", async () => {
    const { lb, port } = await balancer();
    const started = Date.now();
    const r = await fetchOnce(port);
    assert.equal(r.error, "ECONNRESET", JSON.stringify(r));
    assert.ok(Date.now() - started < 1_000, "not closed at once");
    await waitFor(() => lb.stats().failed === 1);
    assert.equal(lb.stats().total, 1);
  });

  it("swaps backends under load: 500 requests, zero failures while at least one backend is always up", async () => {
    const live = await backends(httpBackend, "a", "b", "c");
    // A backend whose port refuses, in some sets: failover has to cover it too.
    const dead = await httpBackend("dead");
    await dead.stop();
    const bs = [...live, dead];
    const { lb, port } = await balancer({ downForMs: 50 });
    const sets = [["a"], ["a", "dead"], ["b"], ["dead", "b", "c"], ["c"], ["c", "a"], ["dead", "a", "b", "c"]];
    lb.setBackends(bs.filter((b) => b.id === "a").map((b) => b.backend));
    const deadline = Date.now() + 60_000;
    let failures = 0;
    let done = 0;
    const seen = new Set<string>();
    const worker = async (): Promise<void> => {
      while (done < 500 && Date.now() < deadline) {
        done++;
        const r = await fetchOnce(port);
        if (r.body === undefined) failures++;
        else seen.add(r.body);
      }
    };
    let swaps = 0;
    const swapper = (async () => {
      while (done < 500 && Date.now() < deadline) {
        const ids = sets[swaps++ % sets.length]!;
        lb.setBackends(bs.filter((b) => ids.includes(b.id)).map((b) => b.backend));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await Promise.all([worker(), worker(), worker(), worker(), worker(), swapper]);
    assert.ok(done >= 500, `only ${done} requests in 60 s`);
    assert.equal(failures, 0);
    assert.ok(swaps > 10, `only ${swaps} swaps`);
    assert.deepEqual([...seen].sort(), ["a", "b", "c"]);
  });

  it("close() frees the port at once and destroys open connections after the grace", async () => {
    const [a] = await backends(echoBackend, "a");
    const lb = new ServiceBalancer();
    const { hostPort } = await lb.listen({ hostIp: "127.0.0.1", hostPort: 0 });
    lb.setBackends([a!.backend]);
    const c = await RawClient.open(hostPort);
    c.write("x");
    await c.until("a:x");
    const started = Date.now();
    await lb.close({ graceMs: 200 });
    assert.ok(Date.now() - started >= 150, "the grace was not given");
    assert.ok(await c.whenEnded(1_000), "the open connection was not destroyed");
    c.destroy();
    const again = new ServiceBalancer();
    assert.equal((await again.listen({ hostIp: "127.0.0.1", hostPort })).hostPort, hostPort, "the port is free again");
    await again.close();
    await lb.close();
    assert.equal(lb.address(), undefined);
  });

  it("refuses bad input: addresses, ports, backends (the set unchanged), a port in use, listen twice", async () => {
    const lb = new ServiceBalancer();
    cleanup.push(() => lb.close());
    await assert.rejects(lb.listen({ hostIp: "localhost", hostPort: 0 }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
    await assert.rejects(lb.listen({ hostIp: "127.0.0.1", hostPort: 70_000 }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
    lb.setBackends([{ id: "a", host: "127.0.0.1", port: 1 }]);
    for (const bad of [
      [{ id: "x", host: "127.0.0.1", port: 1 }, { id: "x", host: "127.0.0.1", port: 2 }],
      [{ id: "", host: "127.0.0.1", port: 1 }],
      [{ id: "y", host: "db.example", port: 1 }],
      [{ id: "y", host: "127.0.0.1", port: 0 }],
      [{ id: "y", host: "127.0.0.1", port: 1.5 }],
    ]) assert.throws(() => lb.setBackends(bad), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"), JSON.stringify(bad));
    assert.deepEqual(lb.stats().backends.map((b) => b.id), ["a"]);
    assert.throws(() => new ServiceBalancer({ connectTimeoutMs: -1 }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));

    const { hostPort } = await lb.listen({ hostIp: "127.0.0.1", hostPort: 0 });
    await assert.rejects(lb.listen({ hostIp: "127.0.0.1", hostPort: 0 }), (e: unknown) => isBerthError(e, "FAILED_PRECONDITION"));
    const other = new ServiceBalancer();
    await assert.rejects(other.listen({ hostIp: "127.0.0.1", hostPort }), (e: unknown) => e instanceof BalancerListenError && e.errno === "EADDRINUSE" && /taken/.test(e.hint ?? ""));
    await other.close();
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
