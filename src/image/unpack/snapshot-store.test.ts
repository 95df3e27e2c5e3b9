import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { digestOf, isBerthError, type Digest } from "../../oci/index.js";
import { chainIds } from "./chain-id.js";
import { commitDrafts } from "./snapshot-draft.js";
import { SnapshotStore, type SnapshotSpec } from "./snapshot-store.js";
import { findProgram, runProgram } from "./system-tools.js";
import { markTopDirectory } from "./top-directory.js";

const diffs = ["base", "middle", "top"].map((s) => digestOf(s));
const [c0, c1, c2] = chainIds(diffs) as [Digest, Digest, Digest];
const spec = (i: 0 | 1 | 2): SnapshotSpec => ({ chainId: [c0, c1, c2][i]!, parent: i === 0 ? undefined : [c0, c1][i - 1], diffId: diffs[i]! });
const fillWith = (text: string) => async (fs: string) => {
  await writeFile(join(fs, "file"), text);
  return { size: text.length, opaqueDirs: [] };
};

describe("SnapshotStore", () => {
  let dir = "";
  let n = 0;
  const fresh = (): string => join(dir, `store-${n++}`);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-snapshots-"));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it("creates a snapshot atomically and records it", async () => {
    const store = await SnapshotStore.open(fresh(), { format: "marker" });
    const info = await store.create(spec(0), fillWith("zero"));
    assert.deepEqual(info, { ...spec(0), size: 4, format: "marker", opaqueDirs: [] });
    assert.deepEqual(await store.info(c0), info);
    assert.equal(await readFile(join(store.fsDir(c0), "file"), "utf8"), "zero");
    assert.deepEqual((await readdir(store.dir)).sort(), [c0.slice(7)]);
    const meta = JSON.parse(await readFile(join(store.dir, c0.slice(7), "meta.json"), "utf8")) as Record<string, unknown>;
    assert.deepEqual(meta, { chainId: c0, parent: null, diffId: diffs[0], size: 4, format: "marker", opaqueDirs: [] });
  });

  it("marks a new store's directory as the top of unrelated trees where the filesystem has the flag (ext2/3/4)", async (t) => {
    const probe = fresh();
    await mkdir(probe);
    // The flag exists on this filesystem when chattr can set it on a directory of our own.
    if (!(await markTopDirectory(probe))) return t.skip(`chattr +T not possible in ${dir} (not ext2/3/4, or no chattr)`);
    const store = await SnapshotStore.open(fresh(), { format: "marker" });
    const flags = (await runProgram(findProgram("lsattr")!, ["-d", store.dir])).split(/\s+/)[0]!;
    assert.match(flags, /T/, `lsattr -d ${store.dir}: ${flags}`);
    // An existing store is left as its owner made it.
    await runProgram(findProgram("chattr")!, ["-T", store.dir]);
    const reopened = await SnapshotStore.open(store.dir, { format: "marker" });
    assert.doesNotMatch((await runProgram(findProgram("lsattr")!, ["-d", reopened.dir])).split(/\s+/)[0]!, /T/);
  });

  it("reads a snapshot's ChainID back from its fs dir (a container's lowerdir), and nothing from other paths", async () => {
    const store = await SnapshotStore.open(fresh(), { format: "marker" });
    assert.equal(SnapshotStore.chainIdOf(store.fsDir(c1)), c1);
    for (const other of [store.dir, join(store.dir, c1.slice(7)), join(store.dir, "nothex", "fs"), join(store.fsDir(c1), "x")]) {
      assert.equal(SnapshotStore.chainIdOf(other), undefined, other);
    }
  });

  it("shares one fill between concurrent creates in a process", async () => {
    const store = await SnapshotStore.open(fresh(), { format: "marker" });
    let fills = 0;
    const fill = async (fs: string) => {
      fills++;
      await new Promise((r) => setTimeout(r, 50));
      return fillWith("once")(fs);
    };
    const [a, b] = await Promise.all([store.create(spec(0), fill), store.create(spec(0), fill)]);
    assert.equal(fills, 1);
    assert.deepEqual(a, b);
  });

  it("lets one of two stores (two processes) win a race for the same ChainID; the other uses it", async () => {
    const root = fresh();
    const [s1, s2] = [await SnapshotStore.open(root, { format: "marker" }), await SnapshotStore.open(root, { format: "marker" })];
    let arrived = 0;
    let release: () => void = () => undefined;
    const barrier = new Promise<void>((r) => (release = r));
    const fill = (text: string) => async (fs: string) => {
      if (++arrived === 2) release();
      await barrier;
      return fillWith(text)(fs);
    };
    const [a, b] = await Promise.all([s1.create(spec(0), fill("first")), s2.create(spec(0), fill("second"))]);
    assert.equal(arrived, 2, "both filled");
    assert.equal(a.chainId, b.chainId);
    const kept = await readFile(join(s1.fsDir(c0), "file"), "utf8");
    assert.ok(kept === "first" || kept === "second");
    assert.deepEqual(await readdir(s1.dir), [c0.slice(7)], "the loser's temp dir is gone");
  });

  it("leaves nothing behind when the fill fails", async () => {
    const store = await SnapshotStore.open(fresh(), { format: "marker" });
    await assert.rejects(store.create(spec(0), async (fs) => {
      await mkdir(join(fs, "ro/sub"), { recursive: true });
      await chmod(join(fs, "ro"), 0o555);
      throw new Error("hostile entry");
    }), /hostile entry/);
    assert.deepEqual(await readdir(store.dir), []);
    assert.equal(await store.info(c0), undefined);
  });

  it("keeps drafts invisible until commitDrafts makes a stack visible, base first, with one call", async () => {
    const store = await SnapshotStore.open(fresh(), { format: "marker" });
    const d0 = await store.draft(spec(0), fillWith("zero"));
    const d1 = await store.draft(spec(1), fillWith("one")); // its parent is only a draft yet
    assert.deepEqual(await store.list(), []);
    assert.equal(await store.info(c0), undefined);
    assert.ok(store.pending(c1) !== undefined);
    const waiting = store.create(spec(1), fillWith("never")); // waits for the draft instead of filling again
    const infos = await commitDrafts([d0, d1]);
    assert.deepEqual(infos.map((i) => i.chainId), [c0, c1]);
    assert.equal((await waiting).chainId, c1);
    assert.equal(await readFile(join(store.fsDir(c1), "file"), "utf8"), "one");
    assert.equal(store.pending(c1), undefined);
    assert.deepEqual((await readdir(store.dir)).sort(), [c0.slice(7), c1.slice(7)].sort(), "no temp dirs left");
  });

  it("commits no draft above one whose parent is missing, and discards them", async () => {
    const store = await SnapshotStore.open(fresh(), { format: "marker" });
    const d1 = await store.draft(spec(1), fillWith("one"));
    const d2 = await store.draft(spec(2), fillWith("two"));
    const waiter = store.pending(c2)!;
    await assert.rejects(commitDrafts([d1, d2]), (e) => isBerthError(e, "NOT_FOUND") && e.message.includes(c0));
    await assert.rejects(waiter, /not committed, as one below it failed/);
    assert.deepEqual(await readdir(store.dir), []);
  });

  it("refuses a snapshot whose parent is missing", async () => {
    const store = await SnapshotStore.open(fresh(), { format: "marker" });
    await assert.rejects(store.create(spec(1), fillWith("x")), (e) => isBerthError(e, "NOT_FOUND") && e.message.includes(c0));
  });

  it("removes what a crash left on open: temp dirs of dead processes and half-removed snapshots", async () => {
    const root = fresh();
    const snapshots = join(root, "snapshots");
    await mkdir(join(snapshots, ".tmp-999999999-dead/fs/ro/x"), { recursive: true });
    await chmod(join(snapshots, ".tmp-999999999-dead/fs/ro"), 0o555);
    await mkdir(join(snapshots, ".rm-abc/fs"), { recursive: true });
    await mkdir(join(snapshots, `.tmp-${process.pid}-live/fs`), { recursive: true });
    await SnapshotStore.open(snapshots, { format: "marker" });
    assert.deepEqual(await readdir(snapshots), [`.tmp-${process.pid}-live`]);
  });

  it("lists the chain top first and gives lowerdirs only for overlay snapshots", async () => {
    const store = await SnapshotStore.open(fresh(), { format: "marker" });
    for (const i of [0, 1, 2] as const) await store.create(spec(i), fillWith(`${i}`));
    assert.deepEqual((await store.chain(c2)).map((s) => s.chainId), [c2, c1, c0]);
    await assert.rejects(store.lowerDirs(c2), (e) => isBerthError(e, "FAILED_PRECONDITION") && /marker format/.test(e.message));
    await assert.rejects(store.chain(digestOf("nothing")), (e) => isBerthError(e, "NOT_FOUND"));
  });

  it("gives overlayfs lowerdirs top first", async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip("overlay format needs root");
      return;
    }
    const store = await SnapshotStore.open(fresh(), { format: "overlay" });
    for (const i of [0, 1, 2] as const) await store.create(spec(i), fillWith(`${i}`));
    assert.deepEqual(await store.lowerDirs(c2), [c2, c1, c0].map((c) => store.fsDir(c)));
    // An image's chain, read at once: the same dirs; a chain with a snapshot missing gives none.
    assert.deepEqual(await store.imageLowerDirs([c0, c1, c2]), [c2, c1, c0].map((c) => store.fsDir(c)));
    assert.deepEqual(await store.imageLowerDirs([c0]), [store.fsDir(c0)]);
    assert.equal(await store.imageLowerDirs([c0, c1, c2, digestOf("not there")]), undefined);
    // Listed out of order (not how its snapshots stack): walked from the top as lowerDirs walks it.
    assert.deepEqual(await store.imageLowerDirs([c1, c0, c2]), [c2, c1, c0].map((c) => store.fsDir(c)));
    await rm(join(store.fsDir(c1), ".."), { recursive: true, force: true });
    assert.equal(await store.imageLowerDirs([c0, c1, c2]), undefined);
  });

  it("removes a snapshot only when nothing stacks on it; prune keeps what is kept and below it", async () => {
    const store = await SnapshotStore.open(fresh(), { format: "marker" });
    for (const i of [0, 1, 2] as const) await store.create(spec(i), fillWith(`${i}`));
    const other = { chainId: digestOf("other"), parent: c0, diffId: digestOf("o") };
    await store.create(other, fillWith("o"));
    await assert.rejects(store.remove(c1), (e) => isBerthError(e, "FAILED_PRECONDITION") && e.message.includes(c2));
    assert.deepEqual((await store.prune(new Set([c1]))).sort(), [c2, other.chainId].sort());
    assert.deepEqual((await store.list()).map((s) => s.chainId).sort(), [c0, c1].sort());
    assert.equal(await store.remove(c1), true);
    assert.equal(await store.remove(c1), false);
    assert.deepEqual(await store.prune(new Set()), [c0]);
    assert.deepEqual(await readdir(store.dir), []);
  });
});
