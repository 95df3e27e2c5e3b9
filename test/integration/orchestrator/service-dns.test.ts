// setDnsAliasesEnabled with real containers, netavark and aardvark-dns: what the daemon's reconcile loop calls when
// a replica's health flips, so that inside a stack the service name resolves to healthy replicas only.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { isBerthError } from "../../../src/oci/index.js";
import { DnsEntryNotFoundError, setDnsAliasesEnabled, type ContainerNetworkState } from "../../../src/runtime/index.js";
import { randomSubnet } from "../runtime/containers/berth-session.js";
import { eventually, IMAGE, useStackRoot, type StackRoot } from "./stack-fixture.js";

const PROJECT_LABEL = "com.docker.compose.project";

/** The IPv4 answers of `nslookup NAME` run in `client` (busybox), the server's own line left out; [] when it answers none. */
async function resolve(root: StackRoot, client: string, name: string): Promise<string[]> {
  const chunks: Buffer[] = [];
  await root.runtime.exec(client, ["/bin/busybox", "nslookup", "-type=a", name], { capture: { chunks, maxBytes: 64 * 1024 }, timeoutMs: 10_000 });
  const text = Buffer.concat(chunks).toString();
  const answer = text.split(/\n\s*\n/).slice(1).join("\n");
  return [...answer.matchAll(/Address:\s*(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1]!).sort();
}

describe("service DNS follows health: setDnsAliasesEnabled (root, real containers)", () => {
  const stackRoot = useStackRoot();

  it("two containers with alias web: disable one → web answers only the other, its own name still resolves; enable → both again", async (t) => {
    const root = stackRoot(t);
    if (!root) return;
    const net = `dns-${randomBytes(3).toString("hex")}`;
    await root.networks.create(net, { subnet: await randomSubnet(), labels: { [PROJECT_LABEL]: "dnstest" } });
    const start = async (name: string, aliases: string[]): Promise<{ id: string; ip: string }> => {
      const { record } = await root.runtime.run(IMAGE, { name, network: net, networkAliases: aliases, cmd: ["/bin/busybox", "sleep", "600"] });
      const state = (await root.runtime.list()).find((c) => c.record.id === record.id)!.state.network as ContainerNetworkState;
      return { id: record.id, ip: state.networks[net]!.ipv4 };
    };
    const w1 = await start("dns-w1", ["web"]);
    const w2 = await start("dns-w2", ["web"]);
    await start("dns-client", []);
    const both = [w1.ip, w2.ip].sort();
    await eventually("web → both replicas", async () => JSON.stringify(await resolve(root, "dns-client", "web")) === JSON.stringify(both));

    const file = join(root.networks.netavarkConfigDir, "aardvark-dns", net);
    const original = await readFile(file, "utf8");
    assert.equal(await setDnsAliasesEnabled(root.networks, w1.id, net, false), true);
    assert.equal(await setDnsAliasesEnabled(root.networks, w1.id, net, false), false, "a second disable changes nothing");
    await eventually("web → only w2", async () => JSON.stringify(await resolve(root, "dns-client", "web")) === JSON.stringify([w2.ip]), 10_000);
    assert.deepEqual(await resolve(root, "dns-client", "dns-w1"), [w1.ip], "w1's own name still resolves");
    assert.deepEqual(await resolve(root, "dns-client", w1.id.slice(0, 12)), [w1.ip], "so does its short id");

    assert.equal(await setDnsAliasesEnabled(root.networks, w1.id, net, true), true);
    assert.equal(await readFile(file, "utf8"), original, "enable restores the line netavark wrote");
    await eventually("web → both again", async () => JSON.stringify(await resolve(root, "dns-client", "web")) === JSON.stringify(both), 10_000);
    assert.equal(await setDnsAliasesEnabled(root.networks, w1.id, net, true), false);

    // Disabling both leaves web with no answer: no healthy replica, no address.
    await setDnsAliasesEnabled(root.networks, w1.id, net, false);
    await setDnsAliasesEnabled(root.networks, w2.id, net, false);
    await eventually("web → nothing", async () => (await resolve(root, "dns-client", "web")).length === 0, 10_000);

    // Hostile or wrong input: refused, the file untouched.
    const before = await readFile(file, "utf8");
    const client = (await root.runtime.list()).find((c) => c.record.name === "dns-client")!.record.id;
    await assert.rejects(setDnsAliasesEnabled(root.networks, "../../etc/passwd", net, true), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
    await assert.rejects(setDnsAliasesEnabled(root.networks, "f".repeat(64), net, true), (e: unknown) => e instanceof DnsEntryNotFoundError);
    await assert.rejects(setDnsAliasesEnabled(root.networks, w1.id, "no-such-net", true), (e: unknown) => isBerthError(e, "NOT_FOUND"));
    assert.equal(await setDnsAliasesEnabled(root.networks, client, net, false), false, "a container with no aliases has nothing to remove");
    assert.equal(await readFile(file, "utf8"), before);
  });
});
