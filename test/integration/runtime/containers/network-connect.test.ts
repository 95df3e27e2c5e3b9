// docker's `network connect`/`disconnect`/`prune` and `port` with real runc, conmon, netavark and aardvark-dns,
// through the CLI. Networks get random subnets (berth-session's randomSubnet); busybox-static 1.35's wget
// segfaults with -T, so timeout(1) bounds it.
import assert from "node:assert/strict";
import { access, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { freePort } from "../../../support/free-port.js";
import { describeResult, run } from "../../../support/run.js";
import { IMAGE, NETAVARK, netnsPath, useSession, type BerthSession } from "./berth-session.js";

const AARDVARK = "/usr/lib/podman/aardvark-dns";
const HTTPD = "mkdir -p /www && echo \"$GREETING\" > /www/index.html && exec httpd -f -p 80 -h /www";

/** `wget -qO- http://HOST/` from inside container `from`, retried a few times (bounded): the body, or undefined when it never answered. */
async function fetchFrom(s: BerthSession, from: string, host: string, tries = 6): Promise<string | undefined> {
  const r = await s.berth(["exec", from, "/bin/sh", "-c", `for i in $(seq ${tries}); do timeout 2 wget -qO- http://${host}/ && exit 0; sleep 0.5; done; exit 1`]);
  return r.code === 0 ? r.stdout : undefined;
}

/** The interfaces in the container's namespace, from the host (`ip netns exec`), without lo. */
async function interfaces(id: string): Promise<string[]> {
  const ns = netnsPath(id).split("/").at(-1)!;
  const r = await run("ip", ["-n", ns, "-o", "link", "show"], { timeoutMs: 10_000 });
  assert.equal(r.code, 0, describeResult(r));
  return r.stdout.split("\n").map((l) => /^\d+: ([^@:]+)/.exec(l)?.[1]).filter((n): n is string => n !== undefined && n !== "lo").sort();
}

describe("berth network connect|disconnect|prune and berth port (netavark, aardvark-dns)", () => {
  const session = useSession();

  it("connect: a running container joins at once, by name and --alias; a restart keeps it; disconnect takes it off again", async (t) => {
    const s = await session(t, [NETAVARK, AARDVARK]);
    if (!s) return;
    s.removeAfter(t, "srv", "client");
    const [home, shared] = [await s.network(), await s.network()];
    const port = await freePort();
    const id = await s.detached(["--name", "srv", "--network", home.name, "-p", `127.0.0.1:${port}:80`, "-e", "GREETING=hello across", IMAGE, "/bin/sh", "-c", HTTPD]);
    await s.detached(["--name", "client", "--network", shared.name, IMAGE, "/bin/busybox", "sleep", "300"]);
    assert.equal(await fetchFrom(s, "client", "srv", 1), undefined, "srv answered from a network it is not on");
    assert.deepEqual(await interfaces(id), ["eth0"]);

    const connected = await s.berth(["network", "connect", "--alias", "websrv", shared.name, "srv"]);
    assert.deepEqual([connected.code, connected.stdout], [0, ""], describeResult(connected));
    assert.deepEqual(await interfaces(id), ["eth0", "eth1"]);
    assert.equal(await fetchFrom(s, "client", "srv"), "hello across\n");
    assert.equal(await fetchFrom(s, "client", "websrv"), "hello across\n");
    const entry = (await s.inspect("srv")).NetworkSettings.Networks[shared.name];
    assert.ok(entry?.IPAddress.startsWith(shared.subnet.replace(/0\/24$/, "")), `inspect: ${JSON.stringify(entry)}`);
    assert.ok(entry?.Aliases?.includes("websrv"), JSON.stringify(entry));
    assert.equal(await s.ok(["ps", "--filter", "name=srv", "--format", "{{.Networks}}"]), `${home.name},${shared.name}\n`);
    const netInspect = JSON.parse(await s.ok(["network", "inspect", shared.name])) as { Containers: Record<string, { Name: string }> }[];
    assert.equal(netInspect[0]?.Containers[id]?.Name, "srv");

    const twice = await s.berth(["network", "connect", shared.name, "srv"]);
    assert.notEqual(twice.code, 0);
    assert.match(twice.stderr, new RegExp(`endpoint with name srv already exists in network ${shared.name}`));

    await s.ok(["restart", "-t", "0", "srv"]);
    assert.deepEqual(await interfaces(id), ["eth0", "eth1"]);
    assert.equal(await fetchFrom(s, "client", "websrv"), "hello across\n", "the connected network is gone after a restart");

    const off = await s.berth(["network", "disconnect", shared.name, "srv"]);
    assert.deepEqual([off.code, off.stdout], [0, ""], describeResult(off));
    assert.deepEqual(await interfaces(id), ["eth0"]);
    assert.equal(await fetchFrom(s, "client", "srv", 1), undefined, "srv still answers on the network it left");
    assert.deepEqual(Object.keys((await s.inspect("srv")).NetworkSettings.Networks), [home.name]);
    const again = await s.berth(["network", "disconnect", shared.name, "srv"]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, new RegExp(`container ${id} is not connected to network ${shared.name}`));
    await s.ok(["restart", "-t", "0", "srv"]);
    assert.deepEqual(await interfaces(id), ["eth0"], "a disconnected network came back with a restart");
  });

  it("a stopped container: connect is recorded (inspect lists it, no address) and joined at start; disconnect drops it", async (t) => {
    const s = await session(t, [NETAVARK, AARDVARK]);
    if (!s) return;
    s.removeAfter(t, "parked");
    const [home, extra] = [await s.network(), await s.network()];
    const id = (await s.ok(["create", "--name", "parked", "--network", home.name, IMAGE, "/bin/busybox", "sleep", "300"])).trim();
    await s.ok(["network", "connect", "--alias", "later", extra.name, "parked"]);
    const stopped = (await s.inspect("parked")).NetworkSettings.Networks;
    assert.deepEqual(Object.keys(stopped), [home.name, extra.name]);
    assert.deepEqual([stopped[extra.name]?.IPAddress, stopped[extra.name]?.Aliases], ["", ["parked", "later"]]);
    // Connected again while stopped: new options, the same place (the first network keeps eth0 and the default route).
    await s.ok(["network", "connect", "--alias", "again", home.name, "parked"]);
    const reconnected = (await s.inspect("parked")).NetworkSettings.Networks;
    assert.deepEqual(Object.keys(reconnected), [home.name, extra.name]);
    assert.deepEqual(reconnected[home.name]?.Aliases, ["parked", "again"]);
    await s.ok(["start", "parked"]);
    assert.deepEqual(await interfaces(id), ["eth0", "eth1"]);
    const route = await run("ip", ["-n", netnsPath(id).split("/").at(-1)!, "-4", "route", "show", "default"], { timeoutMs: 10_000 });
    assert.match(route.stdout, new RegExp(`via ${home.subnet.replace(/\.0\/24$/, "\\.1")} dev eth0`), describeResult(route));
    const running = (await s.inspect("parked")).NetworkSettings.Networks[extra.name];
    assert.ok(running?.IPAddress.startsWith(extra.subnet.replace(/0\/24$/, "")), JSON.stringify(running));
    await s.ok(["stop", "-t", "0", "parked"]);
    await s.ok(["network", "disconnect", extra.name, "parked"]);
    assert.deepEqual(Object.keys((await s.inspect("parked")).NetworkSettings.Networks), [home.name]);
    const notOn = await s.berth(["network", "disconnect", extra.name, "parked"]);
    assert.match(notOn.stderr, new RegExp(`container ${id} is not connected to the network ${extra.name}`));
    await s.ok(["start", "parked"]);
    assert.deepEqual(await interfaces(id), ["eth0"]);
    const refused = await s.berth(["network", "connect", "host", "parked"]);
    assert.match(refused.stderr, /cannot be disconnected from host network or connected to host network/);
  });

  it("connect checks --alias and --ip before it records them: a stopped container given bad ones still starts", async (t) => {
    const s = await session(t, [NETAVARK, AARDVARK]);
    if (!s) return;
    s.removeAfter(t, "picky");
    const [home, extra] = [await s.network(), await s.network()];
    const id = (await s.ok(["create", "--name", "picky", "--network", home.name, IMAGE, "/bin/busybox", "sleep", "300"])).trim();
    for (const alias of ["two words", "a,b", "line\nbreak", "-dash"]) {
      const r = await s.berth(["network", "connect", "--alias", alias, extra.name, "picky"]);
      assert.notEqual(r.code, 0, describeResult(r));
      assert.match(r.stderr, /--alias .*must start with a letter or digit/);
    }
    for (const ip of ["192.0.2.7", extra.subnet.replace(/0\/24$/, "1"), extra.subnet.replace(/0\/24$/, "255"), "not-an-ip"]) {
      const r = await s.berth(["network", "connect", "--ip", ip, extra.name, "picky"]);
      assert.notEqual(r.code, 0, `--ip ${ip}: ${describeResult(r)}`);
    }
    assert.deepEqual(Object.keys((await s.inspect("picky")).NetworkSettings.Networks), [home.name]);
    await s.ok(["start", "picky"]);
    assert.deepEqual(await interfaces(id), ["eth0"]);
    const r = await s.berth(["network", "connect", "--alias", "two words", extra.name, "picky"]);
    assert.match(r.stderr, /--alias .*must start with a letter or digit/, "a running container");
    assert.deepEqual(await interfaces(id), ["eth0"]);
  });

  it("a connect that fails leaves no trace in ps or inspect; disconnect -f frees what a container that is gone left", async (t) => {
    const s = await session(t, [NETAVARK]);
    if (!s) return;
    s.removeAfter(t, "steady");
    const [home, other] = [await s.network(), await s.network()];
    const id = await s.detached(["--name", "steady", "--network", home.name, IMAGE, "/bin/busybox", "sleep", "300"]);
    // An address outside the subnet: refused before anything is written.
    const bad = await s.berth(["network", "connect", "--ip", "192.0.2.7", other.name, "steady"]);
    assert.notEqual(bad.code, 0, describeResult(bad));
    assert.match(bad.stderr, /192\.0\.2\.7/);
    assert.deepEqual(Object.keys((await s.inspect("steady")).NetworkSettings.Networks), [home.name]);
    assert.equal(await s.ok(["ps", "--filter", "name=steady", "--format", "{{.Networks}}"]), `${home.name}\n`);
    assert.deepEqual(await interfaces(id), ["eth0"]);
    await s.ok(["restart", "-t", "0", "steady"]);
    assert.deepEqual(await interfaces(id), ["eth0"], "the failed connect was applied by the restart");

    // A container removed while berth could not take it off its network (a crash): only the network file remembers it.
    const file = join(s.root, "networks", `${other.name}.json`);
    const net = JSON.parse(await readFile(file, "utf8")) as { containers: Record<string, unknown> };
    net.containers["c".repeat(64)] = { name: "ghost", ipv4: other.subnet.replace(/0\/24$/, "77"), interface: "eth0", aliases: [], ports: [], status: "allocated" };
    await writeFile(file, JSON.stringify(net));
    // …and its namespace, which its start made.
    const ghostNs = netnsPath("c".repeat(64));
    t.after(() => run("ip", ["netns", "delete", ghostNs.split("/").at(-1)!], { timeoutMs: 10_000 }).then(() => undefined, () => undefined));
    const added = await run("ip", ["netns", "add", ghostNs.split("/").at(-1)!], { timeoutMs: 10_000 });
    assert.equal(added.code, 0, describeResult(added));
    const plain = await s.berth(["network", "disconnect", other.name, "ghost"]);
    assert.match(plain.stderr, /no such container: ghost/);
    assert.match((await s.berth(["network", "rm", other.name])).stderr, /active endpoints/);
    await s.ok(["network", "disconnect", "-f", other.name, "ghost"]);
    assert.equal(await access(ghostNs).then(() => true, () => false), false, `${ghostNs} left behind`);
    assert.equal(await s.ok(["network", "inspect", "-f", "{{json .Containers}}", other.name]), "{}\n");
    assert.match((await s.berth(["network", "disconnect", "-f", other.name, "ghost"])).stderr, /endpoint ghost not found/);
  });

  it("port: `80/tcp -> 127.0.0.1:PORT`, the address alone for one port, errors for other ports and containers", async (t) => {
    const s = await session(t, [NETAVARK]);
    if (!s) return;
    s.removeAfter(t, "ported");
    const net = await s.network();
    const [p1, p2] = [await freePort(), await freePort()];
    await s.detached(["--name", "ported", "--network", net.name, "-p", `127.0.0.1:${p1}:80`, "-p", `${p2}:53/udp`, IMAGE, "/bin/busybox", "sleep", "300"]);
    assert.equal(await s.ok(["port", "ported"]), `53/udp -> 0.0.0.0:${p2}\n80/tcp -> 127.0.0.1:${p1}\n`);
    assert.equal(await s.ok(["port", "ported", "80"]), `127.0.0.1:${p1}\n`);
    assert.equal(await s.ok(["port", "ported", "53/udp"]), `0.0.0.0:${p2}\n`);
    const unknown = await s.berth(["port", "ported", "81"]);
    assert.deepEqual([unknown.code, unknown.stdout], [3, ""]);
    assert.match(unknown.stderr, /^berth: No public port '81' published for ported\n/);
    assert.match((await s.berth(["port", "ported", "53"])).stderr, /No public port '53' published/);
    assert.match((await s.berth(["port", "nosuch"])).stderr, /no such container: nosuch/);
    assert.match((await s.berth(["port", "ported", "abc"])).stderr, /invalid port \(abc\)/);
    await s.ok(["stop", "-t", "0", "ported"]);
    assert.equal(await s.ok(["port", "ported"]), "", "a stopped container publishes nothing");
  });

  it("prune removes unused user networks only: never the default bridge, nor one a running container is on", async (t) => {
    const s = await session(t, [NETAVARK]);
    if (!s) return;
    s.removeAfter(t, "keeper");
    const [used, idle] = [await s.network(), await s.network()];
    await s.ok(["network", "ls"]);
    await s.detached(["--name", "keeper", "--network", used.name, IMAGE, "/bin/busybox", "sleep", "300"]);
    const pruned = await s.ok(["network", "prune", "-f"]);
    const deleted = pruned.split("\n");
    assert.equal(deleted[0], "Deleted Networks:", pruned);
    assert.ok(deleted.includes(idle.name) && !deleted.includes(used.name) && !deleted.includes("bridge"), pruned);
    assert.ok(pruned.endsWith("\n\n"), JSON.stringify(pruned));
    const names = (await s.ok(["network", "ls"])).split("\n").slice(1).map((row) => row.split(/\s+/)[1]);
    assert.ok(names.includes("bridge") && names.includes(used.name) && !names.includes(idle.name), names.join(" "));
    assert.equal(await s.ok(["network", "prune", "-f"]), "");
  });
});
