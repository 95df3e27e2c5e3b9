import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { access, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, type TestContext } from "node:test";
import { pidsWithCommandLine, terminate } from "../../../support/process.js";
import { missingTools } from "../../../support/require-root.js";
import { describeResult, run, type RunOptions, type RunResult } from "../../../support/run.js";
import { assertRemovalsFinished, containersUnsupported, makeRuntimeFixture, RUN_CLI, RUNC, type RuntimeFixture } from "../runtime-fixture.js";
import type { InspectedContainer } from "./inspected-container.js";

/** The image every file's root has pulled: a static busybox (`/bin/busybox APPLET`, sh runs applets by name). */
export const IMAGE = "localhost/busybox:t1";
export const CONMON = "/usr/bin/conmon";
export const NETAVARK = "/usr/lib/podman/netavark";

/** The netns berth makes for a container: `/run/netns/berth-<12 hex>`. */
export const netnsPath = (id: string): string => `/run/netns/berth-${id.slice(0, 12)}`;
export const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/**
 * One test file's berth root, driven through the real CLI (`node bin/berth.cjs
 * --root ROOT …`), remembering the networks and volumes it made so that
 * {@link BerthSession.cleanup} can take everything apart even after a failure.
 */
export class BerthSession {
  private readonly networks = new Set<string>();
  private readonly volumes = new Set<string>();
  private readonly seen = new Set<string>();

  constructor(readonly fx: RuntimeFixture) {}

  get root(): string {
    return this.fx.root;
  }

  /** `berth --root ROOT ARGS…` to its end (60 s bound); never rejects for an exit code. */
  berth(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return run(process.execPath, [RUN_CLI, "--root", this.root, ...args], { timeoutMs: 60_000, ...opts });
  }

  /** As {@link berth}, asserting exit 0; returns stdout. */
  async ok(args: readonly string[], opts: RunOptions = {}): Promise<string> {
    const r = await this.berth(args, opts);
    assert.equal(r.code, 0, describeResult(r));
    return r.stdout;
  }

  /** `berth run -d ARGS…`; asserts it printed a full id, and returns it. */
  async detached(args: readonly string[]): Promise<string> {
    const id = (await this.ok(["run", "-d", ...args])).trim();
    assert.match(id, /^[0-9a-f]{64}$/, `run -d printed ${JSON.stringify(id)}`);
    this.seen.add(id);
    return id;
  }

  /** `berth inspect REF`, checked to be a one-element array. */
  async inspect(ref: string): Promise<InspectedContainer> {
    const out = await this.ok(["inspect", ref]);
    const parsed: unknown = JSON.parse(out);
    assert.ok(Array.isArray(parsed) && parsed.length === 1, `inspect ${ref} is not a one-element array: ${out}`);
    return parsed[0] as InspectedContainer;
  }

  /** The `ps -a` row (or `ps` row when `all` is false) whose NAMES column is `name`, or undefined. */
  async psRow(name: string, all = true): Promise<string | undefined> {
    const out = await this.ok(["ps", ...(all ? ["-a"] : [])]);
    return out.split("\n").slice(1).find((row) => row.trimEnd().split(/\s{2,}/).at(-1) === name);
  }

  /** Container ids with a directory under the root (what `ps -a` should list). */
  async containerDirs(): Promise<string[]> {
    const names = await readdir(join(this.root, "containers")).catch(() => [] as string[]);
    return names.filter((n) => /^[0-9a-f]{64}$/.test(n));
  }

  /** Make a user network on a random /24 (see {@link randomSubnet}); removed in cleanup. */
  async network(opts: { internal?: boolean } = {}): Promise<{ name: string; subnet: string }> {
    const name = `net-${randomBytes(3).toString("hex")}`;
    const subnet = await randomSubnet();
    this.networks.add(name);
    await this.ok(["network", "create", "--subnet", subnet, ...(opts.internal ? ["--internal"] : []), name]);
    return { name, subnet };
  }

  /** Make a named volume; removed in cleanup. */
  async volume(): Promise<string> {
    const name = `vol-${randomBytes(3).toString("hex")}`;
    this.volumes.add(name);
    await this.ok(["volume", "create", name]);
    return name;
  }

  /**
   * Nothing of any container is left: no dir, no claimed name, `ps -a`
   * empty at once; within 15 s (removals finishing in the background) no
   * mount, nothing in runc or in containers/.removing.
   */
  async assertNoContainers(): Promise<void> {
    const dirs = await this.containerDirs();
    const holding = await Promise.all(dirs.map(async (d) => `${d.slice(0, 12)}: ${(await readdir(join(this.root, "containers", d)).catch(() => [])).join(" ")}`));
    assert.deepEqual(dirs, [], `container directories left: ${holding.join("; ")}`);
    assert.deepEqual(await readdir(join(this.root, "containers", "names")).catch(() => []), [], "names still claimed");
    await assertRemovalsFinished(this.root);
    assert.deepEqual((await this.ok(["ps", "-a", "-q"])).trim(), "", "ps -a still lists containers");
  }

  /**
   * Best effort, whatever the tests left: `rm -f -v` every container, then stop
   * by pid what that could not (runc delete --force, processes whose command
   * line names this root), delete leftover netns of containers seen, remove
   * networks and volumes, and the temp dir (unmounting first).
   */
  async cleanup(): Promise<void> {
    const ids = await this.containerDirs();
    ids.forEach((id) => this.seen.add(id));
    if (ids.length > 0) await this.berth(["rm", "-f", "-v", ...ids]).catch(() => undefined);
    const runcRoot = join(this.root, "runc");
    const left = await run(RUNC, ["--root", runcRoot, "list", "--quiet"], { timeoutMs: 30_000 }).catch(() => undefined);
    for (const id of (left?.stdout ?? "").split("\n").filter((l) => l !== "")) {
      await run(RUNC, ["--root", runcRoot, "delete", "--force", id], { timeoutMs: 30_000 }).catch(() => undefined);
    }
    // conmon, health monitors and aardvark-dns of this root all carry its unique path.
    for (const pid of await pidsWithCommandLine(this.root)) await terminate(pid, 2_000).catch(() => undefined);
    for (const id of this.seen) {
      if (await exists(netnsPath(id))) await run("ip", ["netns", "delete", `berth-${id.slice(0, 12)}`], { timeoutMs: 10_000 });
    }
    for (const n of this.networks) await this.berth(["network", "rm", n]).catch(() => undefined);
    if (this.volumes.size > 0) await this.berth(["volume", "rm", "-f", ...this.volumes]).catch(() => undefined);
    await this.fx.tmp.remove();
  }

  /** `rm -f` these containers when test `t` ends, passed or failed, so that one test's failure does not spill into the next. */
  removeAfter(t: TestContext, ...refs: string[]): void {
    t.after(async () => {
      await this.berth(["rm", "-f", ...refs]).catch(() => undefined);
    });
  }
}

/**
 * A random /24 in 10.100–250.x.0 that no host route covers. Tests never take
 * berth's pick (10.89.N.0/24): other files and the network module's own tests
 * run at the same time with their own roots, and would pick the same.
 */
export async function randomSubnet(): Promise<string> {
  const routes = (await run("ip", ["-4", "route", "show", "table", "all"], { timeoutMs: 10_000 })).stdout
    .split("\n").map((line) => line.split(" ")).map((w) => (/^(local|broadcast|unicast|multicast|anycast)$/.test(w[0] ?? "") ? w[1] : w[0]))
    .filter((d): d is string => d !== undefined && /^\d/.test(d));
  for (let i = 0; i < 50; i++) {
    const [a, b] = randomBytes(2);
    const subnet = `10.${100 + (a! % 151)}.${b}.0/24`;
    if (!routes.some((r) => cidrsOverlap(r, subnet))) return subnet;
  }
  throw new Error("no random 10.x.y.0/24 clear of the host's routes in 50 tries");
}

/** True when two IPv4 CIDRs (a bare address is a /32) share an address. */
function cidrsOverlap(a: string, b: string): boolean {
  const parse = (c: string): [number, number] => {
    const [ip = "", len = "32"] = c.split("/");
    return [ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0), Number(len)];
  };
  const [ipA, lenA] = parse(a);
  const [ipB, lenB] = parse(b);
  const block = 2 ** (32 - Math.min(lenA, lenB));
  return Math.floor(ipA / block) === Math.floor(ipB / block);
}

/**
 * Inside a describe block: a session made before its tests when this machine
 * can run containers under conmon, cleaned up after even when tests failed.
 * Returns the accessor each test calls first with the extra tools it needs:
 * the session, or undefined after skipping with the reason.
 */
export function useSession(): (t: TestContext, tools?: readonly string[]) => Promise<BerthSession | undefined> {
  let s: BerthSession | undefined;
  let why: string | undefined;
  before(async () => {
    why = await containersUnsupported();
    if (why === undefined && missingTools([CONMON]).length > 0) why = `needs ${CONMON} (apt-get install conmon)`;
    if (why === undefined) s = new BerthSession(await makeRuntimeFixture());
  });
  after(async () => s?.cleanup());
  return async (t, tools = []) => {
    if (why !== undefined) {
      t.skip(why);
      return undefined;
    }
    const missing = missingTools(tools);
    if (missing.length > 0) {
      t.skip(`needs ${missing.join(", ")} (apt-get install the Debian package: netavark, iptables, util-linux, …)`);
      return undefined;
    }
    assert.ok(s, "session not built");
    return s;
  };
}

/** Read a file of the container's record dir, e.g. `conmon.pid`; undefined when absent. */
export async function containerFile(s: BerthSession, id: string, file: string): Promise<string | undefined> {
  return readFile(join(s.root, "containers", id, file), "utf8").catch(() => undefined);
}
