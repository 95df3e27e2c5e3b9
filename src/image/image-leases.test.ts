import { describe, it, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selfIdentity } from "../content/index.js";
import { ImageStore } from "./image-store.js";

let root: string;
let store: ImageStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "berth-leases-"));
  store = new ImageStore(root);
});
afterEach(async () => rm(root, { recursive: true, force: true }));

const leases = (): string => join(root, "images", "leases");

/** Lease files as a killed pull leaves them, and one a live pull holds. */
async function plantLeases(): Promise<{ live: string }> {
  const me = await selfIdentity();
  const long = Date.now() - 3_600_000;
  await mkdir(leases(), { recursive: true });
  await writeFile(join(leases(), "4194305-00000001.json"), JSON.stringify({ pid: 2 ** 22 + 1, startTime: "1", started: long }));
  // This process's pid with another start time: a killed pull whose pid was reused.
  await writeFile(join(leases(), `${me.pid}-00000002.json`), JSON.stringify({ pid: me.pid, startTime: `${me.startTime}0`, started: long }));
  const live = `${me.pid}-00000003.json`;
  await writeFile(join(leases(), live), JSON.stringify({ pid: me.pid, startTime: me.startTime, started: Date.now() - 1000 }));
  return { live };
}

describe("ImageLeases of dead processes", () => {
  it("prune removes them, telling a reused pid by its start time, and is not held back by them", async () => {
    const { live } = await plantLeases();
    const old = await store.content.putBytes(Buffer.from("unnamed, stored before the live lease"));
    const hourAgo = new Date(Date.now() - 3_000_000);
    await utimes(store.content.blobPath(old.digest), hourAgo, hourAgo);
    const r = await store.prune();
    assert.deepEqual(r.removed.map((b) => b.digest), [old.digest], "the dead leases, older than the blob, kept nothing");
    assert.deepEqual(await readdir(leases()), [live]);
  });

  it("the next lease taken removes them", async () => {
    const { live } = await plantLeases();
    await store.withLease(async () => {
      assert.equal((await readdir(leases())).length, 2, "the live lease and this one");
    });
    assert.deepEqual(await readdir(leases()), [live]);
  });
});
