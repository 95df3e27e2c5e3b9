import assert from "node:assert/strict";
import { createServer } from "node:net";
import { afterEach, describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { BalancerSet } from "./balancer-set.js";
import { fetchOnce, httpBackend, type TestBackend } from "./balancer.test-support.js";

describe("BalancerSet", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
  });
  const make = async (...ids: string[]): Promise<TestBackend[]> => {
    const out = await Promise.all(ids.map(httpBackend));
    for (const b of out) cleanup.push(() => b.stop());
    return out;
  };

  it("opens missing listeners, keeps a picked port, updates backends, closes what is no longer desired", async () => {
    const [a, b] = await make("a", "b");
    const set = new BalancerSet({ closeGraceMs: 0 });
    cleanup.push(() => set.close());
    const web = { key: "shop/web/tcp/127.0.0.1:0->80", hostIp: "127.0.0.1", hostPort: 0 };
    const api = { key: "shop/api/tcp/127.0.0.1:0->81", hostIp: "127.0.0.1", hostPort: 0 };
    const first = await set.sync([{ ...web, backends: [a!.backend] }, { ...api, backends: [b!.backend] }]);
    assert.deepEqual([first.opened, first.closed, first.failed], [[web.key, api.key], [], []]);
    const ports = Object.fromEntries(set.addresses().map((x) => [x.key, x.hostPort]));
    assert.ok(ports[web.key]! > 0 && ports[api.key]! > 0 && ports[web.key] !== ports[api.key]);
    assert.deepEqual(set.addresses().map((x) => x.requestedPort), [0, 0]);
    assert.equal((await fetchOnce(ports[web.key]!)).body, "a");
    assert.equal((await fetchOnce(ports[api.key]!)).body, "b");

    const second = await set.sync([{ ...web, backends: [b!.backend] }]);
    assert.deepEqual([second.opened, second.closed], [[], [api.key]]);
    assert.equal(set.addresses().find((x) => x.key === web.key)?.hostPort, ports[web.key], "a picked port stays while the listener does");
    assert.equal((await fetchOnce(ports[web.key]!)).body, "b");
    assert.ok((await fetchOnce(ports[api.key]!)).error !== undefined, "the closed listener still answers");
    assert.equal(set.get(api.key), undefined);
  });

  it("moves a listener whose address changed, and reports a port it cannot bind without stopping the others", async () => {
    const [a] = await make("a");
    const holder = createServer();
    await new Promise<void>((r) => holder.listen({ host: "127.0.0.1", port: 0 }, () => r()));
    cleanup.push(() => new Promise((r) => holder.close(() => r())));
    const taken = (holder.address() as { port: number }).port;
    const set = new BalancerSet({ closeGraceMs: 0 });
    cleanup.push(() => set.close());
    const r = await set.sync([
      { key: "p/x/tcp/127.0.0.1:taken", hostIp: "127.0.0.1", hostPort: taken, backends: [a!.backend] },
      { key: "p/y/tcp/127.0.0.1:0->80", hostIp: "127.0.0.1", hostPort: 0, backends: [a!.backend] },
    ]);
    assert.deepEqual(r.opened, ["p/y/tcp/127.0.0.1:0->80"]);
    assert.equal(r.failed.length, 1);
    assert.equal(r.failed[0]!.key, "p/x/tcp/127.0.0.1:taken");
    assert.ok(isBerthError(r.failed[0]!.error, "FAILED_PRECONDITION"));
    const old = set.addresses()[0]!.hostPort;
    // The same key on a fixed port: the old listener closes, the new one opens there.
    const moved = await set.sync([{ key: "p/y/tcp/127.0.0.1:0->80", hostIp: "127.0.0.1", hostPort: old + 1 === taken ? old + 2 : old + 1, backends: [a!.backend] }]);
    if (moved.failed.length === 0) {
      assert.deepEqual(moved.opened, ["p/y/tcp/127.0.0.1:0->80"]);
      assert.notEqual(set.addresses()[0]!.hostPort, old);
      assert.ok((await fetchOnce(old)).error !== undefined, "the old port still answers");
    }
  });

  it("refuses a key given twice or a bad backend before changing anything; refuses sync after close", async () => {
    const set = new BalancerSet();
    const d = { key: "k", hostIp: "127.0.0.1", hostPort: 0, backends: [] };
    await set.sync([d]);
    const port = set.addresses()[0]!.hostPort;
    await assert.rejects(set.sync([d, d]), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
    await assert.rejects(set.sync([{ ...d, key: "other", backends: [{ id: "x", host: "not-an-ip", port: 1 }] }]), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
    assert.deepEqual(set.addresses().map((x) => [x.key, x.hostPort]), [["k", port]], "a refused sync changed the set");
    await set.close();
    assert.deepEqual(set.addresses(), []);
    await assert.rejects(set.sync([d]), (e: unknown) => isBerthError(e, "FAILED_PRECONDITION"));
  });
});
