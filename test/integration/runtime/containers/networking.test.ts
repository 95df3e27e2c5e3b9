// Published ports and user networks with real netavark and aardvark-dns. The only file of this folder
// that uses networks: the default `bridge` (berth0, 10.88.0.0/16 in every root) and user networks (each on a
// random subnet, but the bridge name berthN is picked per root when its first container starts, so two
// files making networks at the same time could pick the same one). The other files use --network none.
// busybox-static 1.35's wget segfaults with -T, so timeout(1) bounds it instead.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { get } from "node:http";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { freePort } from "../../../support/free-port.js";
import { describeResult, run } from "../../../support/run.js";
import { RUN_CLI } from "../runtime-fixture.js";
import { exists, IMAGE, NETAVARK, netnsPath, useSession } from "./berth-session.js";
import { waitFor } from "../../../support/wait-for.js";

const HTTPD = "mkdir -p /www && echo \"$GREETING\" > /www/index.html && exec httpd -f -p 80 -h /www";

/** GET http://127.0.0.1:PORT/ from the host: the body, or the error's code. */
function fetchLocal(port: number): Promise<{ body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = get({ host: "127.0.0.1", port, path: "/", timeout: 2_000 }, (res) => {
      let body = "";
      res.on("data", (b: Buffer) => (body += b.toString()));
      res.on("end", () => resolve({ body }));
    });
    req.on("timeout", () => req.destroy(new Error("ETIMEDOUT")));
    req.on("error", (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
  });
}

describe("berth run: published ports and user networks (netavark, aardvark-dns)", () => {
  const session = useSession();

  it("run -i in the foreground: a user network, a named and an anonymous volume, a published port; all taken down when it ends", async (t) => {
    const s = await session(t, [NETAVARK, "/usr/lib/podman/aardvark-dns"]);
    if (!s) return;
    const net = await s.network();
    const vol = await s.volume();
    const port = await freePort();
    const volumesBefore = (await s.ok(["volume", "ls", "-q"])).trim().split("\n").filter((l) => l !== "").sort();
    // The shell starts httpd (in the background), says ready, and ends only when its stdin gives it a line.
    const child = spawn(process.execPath, [RUN_CLI, "--root", s.root, "run", "-i", "--rm", "--name", "attached", "--network", net.name,
      "-v", `${vol}:/data`, "-v", "/anon", "-p", `127.0.0.1:${port}:80`, IMAGE, "/bin/sh", "-c",
      "echo from-attached > /data/mark && mkdir -p /www && echo interactive > /www/index.html && httpd -p 80 -h /www && grep -c eth0 /proc/net/dev && echo ready && read line && echo got:$line"],
    { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    t.after(() => clearTimeout(timer));
    await waitFor("the attached container to be ready", async () => (out.includes("ready\n") ? true : undefined), { timeoutMs: 30_000 })
      .catch((e: unknown) => assert.fail(`${String(e)}; stdout ${out}; stderr ${err}`));
    assert.equal(await waitFor(`httpd on 127.0.0.1:${port}`, async () => (await fetchLocal(port)).body, { timeoutMs: 15_000 }), "interactive\n");
    const inspected = await s.inspect("attached");
    const address = inspected.NetworkSettings.Networks[net.name]?.IPAddress ?? "none";
    assert.ok(address.startsWith(net.subnet.replace(/0\/24$/, "")), `its address ${address} is not in ${net.subnet}: ${JSON.stringify(inspected.NetworkSettings)}`);
    child.stdin.end("bye\n");
    assert.equal(await closed, 0, `stdout ${out}; stderr ${err}`);
    assert.equal(out, "1\nready\ngot:bye\n");
    assert.ok((await fetchLocal(port)).error !== undefined, "the port still answers after the container ended");
    await s.assertNoContainers();
    const mark = await s.berth(["run", "--rm", "--network", "none", "-v", `${vol}:/data`, IMAGE, "/bin/sh", "-c", "cat /data/mark"]);
    assert.equal(mark.stdout, "from-attached\n", describeResult(mark));
    const volumesAfter = (await s.ok(["volume", "ls", "-q"])).trim().split("\n").filter((l) => l !== "").sort();
    assert.deepEqual(volumesAfter, volumesBefore, "the anonymous volume outlived its container, or the named one went");
  });

  it("-p 127.0.0.1:PORT:80 on the default bridge: busybox httpd answers the host; rm takes the rule and netns away", async (t) => {
    const s = await session(t, [NETAVARK, "iptables-save"]);
    if (!s) return;
    s.removeAfter(t, "web");
    const port = await freePort();
    const id = await s.detached(["--name", "web", "-e", "GREETING=hello from the bridge", "-p", `127.0.0.1:${port}:80`, IMAGE, "/bin/sh", "-c", HTTPD]);
    const body = await waitFor(`httpd on 127.0.0.1:${port}`, async () => (await fetchLocal(port)).body, { timeoutMs: 15_000 });
    assert.equal(body, "hello from the bridge\n");
    assert.match((await s.psRow("web", false)) ?? "no row", new RegExp(`127\\.0\\.0\\.1:${port}->80/tcp`));
    const web = await s.inspect("web");
    assert.equal(web.HostConfig.NetworkMode, "bridge");
    assert.deepEqual(web.NetworkSettings.Ports["80/tcp"], [{ HostIp: "127.0.0.1", HostPort: String(port) }]);
    assert.match(web.NetworkSettings.Networks.bridge?.IPAddress ?? "none", /^10\.88\./);
    assert.equal(await exists(netnsPath(id)), true, "no netns while running");
    await s.ok(["rm", "-f", "web"]);
    assert.equal(await exists(netnsPath(id)), false, "netns left after rm");
    assert.ok((await fetchLocal(port)).error !== undefined, "the port still answers after rm");
    const rules = await run("iptables-save", [], { timeoutMs: 20_000 });
    assert.doesNotMatch(rules.stdout, new RegExp(`--dport ${port}\\b`), "a DNAT rule for the port is left");
  });

  it("-p with a host range for one port takes the first free one (a process's and another container's skipped); ranges onto ranges show as docker's ps", async (t) => {
    const s = await session(t, [NETAVARK]);
    if (!s) return;
    s.removeAfter(t, "ranged1", "ranged2", "paired");
    const net = await s.network();
    const holder = createServer();
    const base = await new Promise<number>((resolve, reject) => {
      holder.once("error", reject);
      holder.listen({ host: "127.0.0.1", port: 0 }, () => resolve((holder.address() as { port: number }).port));
    });
    try {
      const range = `127.0.0.1:${base}-${base + 5}:80`;
      await s.detached(["--name", "ranged1", "--network", net.name, "-e", "GREETING=first free", "-p", range, IMAGE, "/bin/sh", "-c", HTTPD]);
      await s.detached(["--name", "ranged2", "--network", net.name, "-p", range, IMAGE, "/bin/busybox", "sleep", "120"]);
      const [first, second] = [await s.inspect("ranged1"), await s.inspect("ranged2")];
      const got = (c: typeof first): number => Number(c.NetworkSettings.Ports["80/tcp"]?.[0]?.HostPort);
      assert.ok(got(first) > base && got(first) <= base + 5, `ranged1 got ${got(first)}; ${base} is held by a process`);
      assert.ok(got(second) > got(first) && got(second) <= base + 5, `ranged2 got ${got(second)}, ranged1 ${got(first)}`);
      assert.deepEqual(first.HostConfig.PortBindings, { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: `${base}-${base + 5}` }] }, "docker keeps the range asked for");
      assert.match((await s.psRow("ranged1", false)) ?? "no row", new RegExp(`127\\.0\\.0\\.1:${got(first)}->80/tcp`));
      const body = await waitFor(`httpd on 127.0.0.1:${got(first)}`, async () => (await fetchLocal(got(first))).body, { timeoutMs: 15_000 });
      assert.equal(body, "first free\n");

      const pair = await freePort();
      await s.detached(["--name", "paired", "--network", net.name, "-p", `127.0.0.1:${pair}-${pair + 1}:80-81`, IMAGE, "/bin/busybox", "sleep", "120"]);
      assert.match((await s.psRow("paired", false)) ?? "no row", new RegExp(`127\\.0\\.0\\.1:${pair}->80/tcp, 127\\.0\\.0\\.1:${pair + 1}->81/tcp`));
    } finally {
      holder.close();
    }
  });

  it("a stopped container keeps its network entry with no address and publishes no ports (inspect, ps -a), as docker's", async (t) => {
    const s = await session(t, [NETAVARK]);
    if (!s) return;
    s.removeAfter(t, "parked", "offline");
    const net = await s.network();
    const port = await freePort();
    await s.detached(["--name", "parked", "--network", net.name, "-p", `127.0.0.1:${port}:80`, IMAGE, "/bin/busybox", "sleep", "120"]);
    const running = await s.inspect("parked");
    const networkId = running.NetworkSettings.Networks[net.name]?.NetworkID ?? "none";
    assert.match(networkId, /^[0-9a-f]{64}$/);
    await s.ok(["stop", "-t", "0", "parked"]);
    const stopped = await s.inspect("parked");
    assert.deepEqual(Object.keys(stopped.NetworkSettings.Networks), [net.name], JSON.stringify(stopped.NetworkSettings));
    const entry = stopped.NetworkSettings.Networks[net.name];
    assert.deepEqual([entry?.NetworkID, entry?.IPAddress], [networkId, ""]);
    assert.deepEqual(stopped.NetworkSettings.Ports, {});
    assert.deepEqual(stopped.HostConfig.PortBindings, { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: String(port) }] });
    const row = (await s.psRow("parked")) ?? "no row";
    assert.match(row, /Exited/);
    assert.doesNotMatch(row, /->80\/tcp/, "ps -a shows ports for a container that is not running");
    await s.detached(["--name", "offline", "--network", "none", IMAGE, "/bin/busybox", "sleep", "120"]);
    assert.deepEqual(Object.keys((await s.inspect("offline")).NetworkSettings.Networks), ["none"]);
  });

  it("a start that fails (its network removed) leaves a container that never ran `Created`, as docker's", async (t) => {
    const s = await session(t, [NETAVARK]);
    if (!s) return;
    s.removeAfter(t, "stranded");
    const net = await s.network();
    await s.ok(["create", "--name", "stranded", "--network", net.name, IMAGE, "/bin/busybox", "sleep", "120"]);
    await s.ok(["network", "rm", net.name]);
    const r = await s.berth(["start", "stranded"]);
    assert.notEqual(r.code, 0, describeResult(r));
    const c = await s.inspect("stranded");
    assert.equal(c.State.Status, "created", JSON.stringify(c.State));
    assert.match(c.State.Error, new RegExp(net.name));
    assert.match((await s.psRow("stranded")) ?? "no row", /\bCreated\b/);
  });

  it("two containers on a user network reach each other by name and by --network-alias", async (t) => {
    const s = await session(t, [NETAVARK, "/usr/lib/podman/aardvark-dns"]);
    if (!s) return;
    s.removeAfter(t, "srv");
    const net = await s.network();
    await s.detached(["--name", "srv", "--network", net.name, "--network-alias", "webalias", "-e", "GREETING=hello by name", IMAGE, "/bin/sh", "-c", HTTPD]);
    const srv = await s.inspect("srv");
    const ip = srv.NetworkSettings.Networks[net.name]?.IPAddress ?? "";
    assert.ok(ip.startsWith(net.subnet.replace(/0\/24$/, "")), `srv's address ${ip} is not in ${net.subnet}`);
    assert.ok((srv.NetworkSettings.Networks[net.name]?.Aliases ?? []).includes("webalias"), JSON.stringify(srv.NetworkSettings));
    // httpd may need a moment; the client retries a few times, bounded.
    const client = await s.berth(["run", "--rm", "--network", net.name, IMAGE, "/bin/sh", "-c",
      "for i in 1 2 3 4 5 6 7 8 9 10; do timeout 3 wget -qO- http://srv/ && break; sleep 0.5; done; timeout 3 wget -qO- http://webalias/; nslookup srv | grep -c " + ip.replaceAll(".", "\\.")]);
    assert.equal(client.code, 0, describeResult(client));
    assert.equal(client.stdout, `hello by name\nhello by name\n1\n`);
    const outsider = await s.berth(["run", "--rm", "--network", "none", IMAGE, "/bin/sh", "-c", "timeout 3 wget -qO- http://srv/"]);
    assert.notEqual(outsider.code, 0, `a container off the network reached srv: ${describeResult(outsider)}`);
    await s.ok(["rm", "-f", "srv"]);
    await s.assertNoContainers();
  });

  it("a command that cannot start on a user network: 127, and no netns, no address claim, no name left", async (t) => {
    const s = await session(t, [NETAVARK]);
    if (!s) return;
    const net = await s.network();
    const r = await s.berth(["run", "--name", "failing", "--network", net.name, IMAGE, "/no/such/program"]);
    assert.equal(r.code, 127, describeResult(r));
    const id = /container ([0-9a-f]{12})/.exec(r.stderr)?.[1];
    assert.ok(id, `the error names the container: ${r.stderr}`);
    assert.equal(await exists(netnsPath(id)), false, `netns of ${id} left`);
    await s.assertNoContainers();
    const inspected: unknown = JSON.parse(await s.ok(["network", "inspect", net.name]));
    assert.deepEqual((inspected as { Containers: object }[])[0]?.Containers, {}, "the network still lists the failed container");
    assert.equal(await s.ok(["run", "--rm", "--name", "failing", "--network", net.name, IMAGE, "/bin/sh", "-c", "echo ran"]), "ran\n");
    await s.assertNoContainers();
  });

  it("a host port already taken: 125 with a clear message; no container, netns, address or iptables rule left", async (t) => {
    const s = await session(t, [NETAVARK, "iptables-save"]);
    if (!s) return;
    s.removeAfter(t, "clash");
    const net = await s.network();
    const port = await freePort();
    const holder = createServer();
    await new Promise<void>((resolve, reject) => holder.once("error", reject).listen(port, "127.0.0.1", resolve));
    try {
      const r = await s.berth(["run", "-d", "--name", "clash", "--network", net.name, "-p", `127.0.0.1:${port}:80`, IMAGE, "/bin/busybox", "sleep", "30"]);
      assert.equal(r.code, 125, describeResult(r));
      assert.match(r.stderr, new RegExp(`${port}.*(already in use|address in use)`, "i"));
      assert.equal(r.stdout, "", "run -d printed an id");
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
    await s.assertNoContainers();
    const inspected: unknown = JSON.parse(await s.ok(["network", "inspect", net.name]));
    assert.deepEqual((inspected as { Containers: object }[])[0]?.Containers, {}, "the network lists a container");
    const prefix = net.subnet.replace(/0\/24$/, "");
    const namespaces = (await run("ip", ["netns", "list"], { timeoutMs: 10_000 })).stdout.split("\n").map((l) => l.split(" ")[0] ?? "").filter((n) => n.startsWith("berth-"));
    for (const ns of namespaces) {
      const addrs = await run("ip", ["netns", "exec", ns, "ip", "-4", "-o", "addr"], { timeoutMs: 10_000 });
      assert.ok(!addrs.stdout.includes(` ${prefix}`), `netns ${ns} holds an address of ${net.subnet}: ${addrs.stdout}`);
    }
    const rules = (await run("iptables-save", [], { timeoutMs: 20_000 })).stdout;
    assert.doesNotMatch(rules, new RegExp(`--dport ${port}\\b`), "a DNAT rule for the taken port");
    assert.ok(!rules.includes(`${prefix}2:80`) && !rules.includes(`${prefix}2/32`), "a rule for the container's address");
    // The name was never claimed.
    assert.equal(await s.ok(["run", "--rm", "--name", "clash", "--network", "none", IMAGE, "/bin/sh", "-c", "echo free"]), "free\n");
  });
});
