import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { access, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { after, before, type TestContext } from "node:test";
import {
  AARDVARK_BINARY, connectContainer, createNetns, disconnectContainer, NETAVARK_BINARY, NetworkStore, removeNetns,
  type ConnectOptions, type ContainerNetworkState,
} from "../../../../src/runtime/network/index.js";
import { cidrsOverlap, parseCidr } from "../../../../src/runtime/network/ipv4.js";
import { hostRoutes } from "../../../../src/runtime/network/subnet-choice.js";
import { isAlive, terminate } from "../../../support/process.js";
import { isRoot, missingTools } from "../../../support/require-root.js";
import { run, type RunResult } from "../../../support/run.js";
import { tempDir, type TempDir } from "../../../support/temp-dir.js";

/**
 * Why this machine cannot run the networking tests, or undefined when it
 * can: root, Debian's netavark and aardvark-dns, iproute2, iptables and a
 * static busybox (run inside the namespaces for ping, nslookup and nc).
 */
export async function networkingUnsupported(): Promise<string | undefined> {
  if (!isRoot()) return `needs root (uid 0), running as uid ${process.getuid?.() ?? "unknown"}`;
  const missing = missingTools([NETAVARK_BINARY, AARDVARK_BINARY, "ip", "iptables-save", "/bin/busybox"]);
  if (missing.length > 0) return `needs ${missing.join(", ")} (apt-get install netavark aardvark-dns iproute2 iptables busybox-static)`;
  return undefined;
}

/** One berth root with its own bridge prefix, and everything made in it remembered for cleanup. */
export interface NetworkFixture {
  readonly tmp: TempDir;
  readonly root: string;
  readonly store: NetworkStore;
  /** Bridges of this fixture are `<prefix>N`: a prefix no other test or berth uses. */
  readonly prefix: string;
  /**
   * A random /24 in 10.150.0.0–10.249.255.0 clear of the host's routes. Tests
   * give these rather than take the store's pick: test files run in
   * parallel with their own roots, and two roots would both pick 10.89.0.0/24.
   */
  subnet(): Promise<string>;
  /** A fresh container id and a namespace for it (removed in cleanup). */
  container(): Promise<{ id: string; netns: string }>;
  /** connectContainer, remembered so that cleanup disconnects it. */
  connect(opts: ConnectOptions): Promise<ContainerNetworkState>;
  /** Best effort, whatever state the tests left: disconnect, remove namespaces, stop aardvark-dns, delete bridges. */
  cleanup(): Promise<void>;
}

/** Make a fixture in a temp dir. */
export async function makeNetworkFixture(): Promise<NetworkFixture> {
  const tmp = await tempDir("berth-net-");
  const prefix = `bt${randomBytes(2).toString("hex")}`;
  const root = join(tmp.path, "root");
  // The default network gets its own /24 too, so that tests never share 10.88.0.0/16 with a real berth.
  const store = new NetworkStore(root, { bridgePrefix: prefix, defaultSubnet: await randomSubnet() });
  const containers = new Map<string, string>();
  return {
    tmp, root, store, prefix,
    subnet: randomSubnet,
    async container() {
      const id = randomBytes(32).toString("hex");
      const netns = await createNetns(id);
      containers.set(id, netns);
      return { id, netns };
    },
    async connect(opts) {
      containers.set(opts.containerId, opts.netnsPath);
      return connectContainer(store, opts);
    },
    async cleanup() {
      for (const [id, netns] of containers) await disconnectContainer(store, undefined, id, netns).catch(() => undefined);
      for (const netns of containers.values()) await removeNetns(netns).catch(() => undefined);
      const pid = await aardvarkPid(store);
      const cmdline = pid === undefined ? "" : await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
      if (pid !== undefined && cmdline.includes(store.netavarkConfigDir)) await terminate(pid, 5_000);
      const networks = await store.list().catch(() => []);
      for (const n of networks) {
        if (await exists(`/sys/class/net/${n.interface}`)) await run("ip", ["link", "delete", n.interface], { timeoutMs: 10_000 });
      }
      await scrubIptables([...containers.keys(), ...networks.map((n) => n.subnet.replace(/0\/24$/, ""))]);
      await tmp.remove();
    },
  };
}

/**
 * Inside a describe block: a fixture made before its tests (when the
 * machine can run them) and cleaned up after, even when a test failed.
 * Returns what each test calls first: the fixture, or undefined after
 * skipping with the reason.
 */
export function useNetworkFixture(): (t: TestContext) => Promise<NetworkFixture | undefined> {
  let f: NetworkFixture | undefined;
  let why: string | undefined;
  before(async () => {
    why = await networkingUnsupported();
    if (why === undefined) f = await makeNetworkFixture();
  });
  after(async () => f?.cleanup());
  return async (t) => {
    if (why !== undefined) {
      t.skip(why);
      return undefined;
    }
    assert.ok(f, "fixture not built");
    return f;
  };
}

async function randomSubnet(): Promise<string> {
  const routes = (await hostRoutes()).map((r) => r.destination);
  for (let i = 0; i < 100; i++) {
    const [a, b] = randomBytes(2);
    const text = `10.${150 + (a! % 100)}.${b}.0/24`;
    if (!routes.some((r) => cidrsOverlap(r, parseCidr(text, "subnet")))) return text;
  }
  throw new Error("no free random test subnet in 100 tries");
}

/** The aardvark-dns pid netavark recorded for this root, if any. */
export async function aardvarkPid(store: NetworkStore): Promise<number | undefined> {
  const text = await readFile(join(store.netavarkConfigDir, "aardvark-dns", "aardvark.pid"), "utf8").catch(() => "");
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** True while the recorded aardvark-dns runs. */
export async function aardvarkRunning(store: NetworkStore): Promise<boolean> {
  const pid = await aardvarkPid(store);
  return pid !== undefined && (await isAlive(pid));
}

export const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** `ip netns exec <ns> CMD…` for a namespace path from createNetns. */
export function inNetns(netns: string, cmd: string, args: readonly string[], timeoutMs = 20_000): Promise<RunResult> {
  return run("ip", ["netns", "exec", basename(netns), cmd, ...args], { timeoutMs });
}

/**
 * Delete the iptables rules that mention any of `needles` (this fixture's
 * container ids and subnets), then the NETAVARK chains left empty: what a
 * test that failed half way, before its teardown, leaves. Bounded: one pass.
 */
async function scrubIptables(needles: readonly string[]): Promise<void> {
  const saved = await run("iptables-save", [], { timeoutMs: 20_000 }).catch(() => undefined);
  if (!saved || saved.code !== 0 || needles.length === 0) return;
  let table = "";
  const emptied = new Set<string>();
  for (const line of saved.stdout.split("\n")) {
    if (line.startsWith("*")) table = line.slice(1);
    if (!line.startsWith("-A ") || !needles.some((n) => line.includes(n))) continue;
    const args = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
    await run("iptables", ["-t", table, "-D", ...args.slice(1)], { timeoutMs: 10_000 });
    if (/^NETAVARK-/.test(args[1]!)) emptied.add(`${table} ${args[1]}`);
  }
  for (const entry of emptied) {
    const [t, chain] = entry.split(" ") as [string, string];
    const left = await run("iptables", ["-t", t, "-S", chain], { timeoutMs: 10_000 });
    if (left.code === 0 && left.stdout.trim().split("\n").length <= 1) await run("iptables", ["-t", t, "-X", chain], { timeoutMs: 10_000 });
  }
}

/** The host's iptables rules (IPv4, every table). */
export async function iptablesRules(): Promise<string> {
  const r = await run("iptables-save", [], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}
