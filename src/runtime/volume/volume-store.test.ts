import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { link, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { VolumeInUseError, VolumeNotFoundError } from "./volume-errors.js";
import { VolumeStore } from "./volume-store.js";

let root = "";
let store: VolumeStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "berth-vol-"));
  store = new VolumeStore(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const notFound = (e: unknown): boolean => e instanceof VolumeNotFoundError && isBerthError(e, "NOT_FOUND");

describe("VolumeStore create, list, inspect", () => {
  it("creates a volume as docker lays it out and inspects it", async () => {
    const v = await store.create("data", { labels: { team: "web" } });
    assert.deepEqual({ ...v, CreatedAt: "" }, {
      Name: "data", Driver: "local", Mountpoint: join(root, "volumes", "data", "_data"), CreatedAt: "", Labels: { team: "web" }, Options: {}, Scope: "local",
    });
    assert.ok(Math.abs(Date.parse(v.CreatedAt) - Date.now()) < 60_000);
    assert.ok((await stat(v.Mountpoint)).isDirectory());
    const onDisk = JSON.parse(await readFile(join(root, "volumes", "data", "volume.json"), "utf8")) as Record<string, unknown>;
    assert.deepEqual(Object.keys(onDisk), ["Name", "Driver", "Mountpoint", "CreatedAt", "Labels", "Options"]);
    assert.deepEqual(await store.inspect("data"), v);
  });

  it("creating an existing name returns it unchanged, as docker", async () => {
    const first = await store.create("data", { labels: { a: "1" } });
    await writeFile(join(first.Mountpoint, "kept"), "x");
    const again = await store.create("data", { labels: { b: "2" } });
    assert.deepEqual(again, first);
    assert.deepEqual(await readdir(first.Mountpoint), ["kept"]);
  });

  it("gives a volume without a name 64 hex digits", async () => {
    const v = await store.create();
    assert.match(v.Name, /^[0-9a-f]{64}$/);
    assert.deepEqual((await store.list()).map((x) => x.Name), [v.Name]);
  });

  it("refuses invalid names and makes nothing", async () => {
    for (const n of ["a", "../x", "a/b", ".hidden", "x\0y"]) {
      await assert.rejects(store.create(n), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"), n);
    }
    assert.deepEqual(await readdir(join(root, "volumes")).catch(() => []), []);
  });

  it("lists volumes sorted by name and skips what is not a volume", async () => {
    assert.deepEqual(await store.list(), [], "no volumes dir yet");
    for (const n of ["zeta", "alpha", "mid"]) await store.create(n);
    await mkdir(join(root, "volumes", ".creating-1-abc"));
    await writeFile(join(root, "volumes", ".alpha.lock"), "1");
    assert.deepEqual((await store.list()).map((v) => v.Name), ["alpha", "mid", "zeta"]);
  });

  it("says so for a missing volume", async () => {
    await assert.rejects(store.inspect("nope"), notFound);
    await assert.rejects(store.users("nope"), notFound);
    await assert.rejects(store.acquire("nope", "c1"), notFound);
  });

  it("derives Mountpoint from where the volume is, never from a tampered record", async () => {
    const v = await store.create("data");
    const file = join(root, "volumes", "data", "volume.json");
    const record = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...record, Mountpoint: "/etc" }));
    assert.equal((await store.inspect("data")).Mountpoint, v.Mountpoint);
  });

  it("refuses a corrupt or foreign record with the file named", async () => {
    await store.create("data");
    const file = join(root, "volumes", "data", "volume.json");
    const bad: readonly [string, RegExp][] = [
      ["{ truncated", /not JSON/],
      ["[]", /not a JSON object/],
      [JSON.stringify({ Name: "other", Driver: "local", CreatedAt: "2024-01-01T00:00:00Z", Labels: {} }), /Name is "other"/],
      [JSON.stringify({ Name: "data", Driver: "nfs", CreatedAt: "2024-01-01T00:00:00Z", Labels: {} }), /Driver is "nfs"/],
      [JSON.stringify({ Name: "data", Driver: "local", CreatedAt: "yesterday", Labels: {} }), /CreatedAt/],
      [JSON.stringify({ Name: "data", Driver: "local", CreatedAt: "2024-01-01T00:00:00Z", Labels: { a: 1 } }), /Labels/],
    ];
    for (const [text, want] of bad) {
      await writeFile(file, text);
      await assert.rejects(store.inspect("data"), (e: unknown) => isBerthError(e, "FAILED_PRECONDITION") && e.message.includes(file) && want.test(e.message), text);
    }
  });
});

describe("VolumeStore users, remove, prune", () => {
  it("acquire and release record users, idempotently, and a new store sees them", async () => {
    await store.create("data");
    await store.acquire("data", "c2");
    await store.acquire("data", "c1");
    await store.acquire("data", "c1");
    assert.deepEqual(await new VolumeStore(root).users("data"), ["c1", "c2"]);
    await store.release("data", "c1");
    await store.release("data", "c1");
    await store.release("gone", "c1");
    assert.deepEqual(await store.users("data"), ["c2"]);
    await assert.rejects(store.acquire("data", "../../etc"), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
    await assert.rejects(store.release("data", "a/b"), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
  });

  it("refuses to remove a volume in use, naming the containers, forced or not", async () => {
    await store.create("data");
    await store.acquire("data", "a".repeat(64));
    await store.acquire("data", "b".repeat(64));
    const inUse = (e: unknown): boolean =>
      e instanceof VolumeInUseError && isBerthError(e, "FAILED_PRECONDITION") && /in use by containers aaaaaaaaaaaa, bbbbbbbbbbbb/.test(e.message);
    await assert.rejects(store.remove("data"), inUse);
    await assert.rejects(store.remove("data", { force: true }), inUse, "-f ignores a missing volume only, as docker's");
    assert.equal((await store.inspect("data")).Name, "data");
    await store.release("data", "a".repeat(64));
    await store.release("data", "b".repeat(64));
    assert.equal(await store.remove("data", { force: true }), true);
    await assert.rejects(store.inspect("data"), notFound);
    assert.deepEqual(await readdir(join(root, "volumes")), [], "no lock file or leftover");
  });

  it("removes an unused volume; a missing one is an error unless forced", async () => {
    await store.create("data");
    await store.acquire("data", "c1");
    await store.release("data", "c1");
    assert.equal(await store.remove("data"), true);
    await assert.rejects(store.remove("data"), notFound);
    assert.equal(await store.remove("data", { force: true }), false);
  });

  it("prunes unused volumes, counts the bytes of their data once per inode, and keeps used ones", async () => {
    const unused = await store.create("unused");
    await writeFile(join(unused.Mountpoint, "f"), Buffer.alloc(1000));
    await link(join(unused.Mountpoint, "f"), join(unused.Mountpoint, "g"));
    await mkdir(join(unused.Mountpoint, "d"));
    await writeFile(join(unused.Mountpoint, "d", "h"), Buffer.alloc(24));
    await store.create("empty");
    await store.create("used");
    await store.acquire("used", "c1");
    const r = await store.prune();
    assert.deepEqual(r, { removed: ["empty", "unused"], bytesReclaimed: 1024 });
    assert.deepEqual((await store.list()).map((v) => v.Name), ["used"]);
    assert.deepEqual(await store.prune(), { removed: [], bytesReclaimed: 0 });
  });

  it("prune sweeps what crashed creates and removes left, and keeps a live creator's", async () => {
    await store.create("keep");
    await store.acquire("keep", "c1");
    const vols = join(root, "volumes");
    await mkdir(join(vols, ".removing-0123abcd", "_data"), { recursive: true });
    await mkdir(join(vols, ".creating-999999999-00aa"), { recursive: true });
    await mkdir(join(vols, `.creating-${process.pid}-00bb`), { recursive: true });
    await store.prune();
    assert.deepEqual((await readdir(vols)).sort(), [`.creating-${process.pid}-00bb`, "keep"]);
  });

  it("stops counting users the container check denies, and drops them on prune", async () => {
    const live = new Set(["alive"]);
    const checked = new VolumeStore(root, { isContainerLive: (id) => Promise.resolve(live.has(id)) });
    await checked.create("va");
    await checked.create("vb");
    await checked.acquire("va", "alive");
    await checked.acquire("vb", "dead");
    assert.deepEqual(await checked.users("vb"), []);
    assert.deepEqual(await store.users("vb"), ["dead"], "without the check every recorded user counts");
    assert.deepEqual((await checked.prune()).removed, ["vb"]);
  });

  it("prune never takes a volume from a container acquiring it at the same moment", async () => {
    for (let i = 0; i < 20; i++) {
      await store.create("xx");
      await Promise.all([store.prune(), store.createAndAcquire("xx", "c1")]);
      assert.deepEqual(await store.users("xx"), ["c1"], `round ${i}`);
      await store.release("xx", "c1");
    }
  });

  it("fillIfEmpty fills an empty volume once, and empties it again when filling fails", async () => {
    const v = await store.create("data");
    await assert.rejects(store.fillIfEmpty("data", async (d) => {
      await writeFile(join(d, "half"), "x");
      throw new Error("disk full");
    }), /disk full/);
    assert.deepEqual(await readdir(v.Mountpoint), []);
    assert.equal(await store.fillIfEmpty("data", (d) => writeFile(join(d, "f"), "x")), true);
    assert.equal(await store.fillIfEmpty("data", () => assert.fail("must not run on a full volume")), false);
  });
});

describe("VolumeStore across processes", () => {
  it("two or more processes creating one name get one volume, made once", async () => {
    const child = fileURLToPath(new URL("./volume-store.test-child.js", import.meta.url));
    interface Report { createdAt: string[]; createdShared: boolean }
    const runs = [0, 1, 2, 3].map((p) => new Promise<Report>((resolve, reject) => {
      let report: Report | undefined;
      const c = fork(child, [root, String(p)], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
      const timer = setTimeout(() => c.kill("SIGKILL"), 60_000);
      c.on("message", (m) => (report = m as Report));
      c.on("exit", (code) => {
        clearTimeout(timer);
        if (code === 0 && report) resolve(report);
        else reject(new Error(`child ${p} exited ${code} without a report`));
      });
    }));
    const reports = await Promise.all(runs);
    assert.equal(reports.filter((r) => r.createdShared).length, 1, "exactly one process made the shared volume");
    for (const r of reports) assert.deepEqual(r.createdAt, reports[0]!.createdAt, "every process got the same volumes back");
    assert.deepEqual((await store.list()).map((v) => v.Name), ["shared", ...Array.from({ length: 10 }, (_, i) => `v${i}`)]);
    assert.deepEqual(await store.users("shared"), ["c0", "c1", "c2", "c3"]);
    assert.deepEqual((await readdir(join(root, "volumes"))).filter((n) => n.startsWith(".")), [], "no staging dir or lock left");
  });
});
