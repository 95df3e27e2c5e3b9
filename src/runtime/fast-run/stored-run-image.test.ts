import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ImageStore, pull, tagImage } from "../../image/index.js";
import { hostPlatform } from "../../oci/index.js";
import { makeBusyboxLayout, makeTextLayout } from "../../../test/fixtures/make-image.js";
import { storedRunImage } from "./stored-run-image.js";

// As root only: a layer unpacked by another user is stored in marker format, which no overlay mounts
// and storedRunImage does not return.
const asRoot = process.getuid?.() === 0;

describe("storedRunImage remembers what it found", { skip: asRoot ? false : "unpacking in overlay format needs root" }, () => {
  let tmp = "";
  let store: ImageStore;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), "berth-stored-run-"));
    await makeBusyboxLayout(join(tmp, "busybox"), { tag: "t1" });
    await makeTextLayout(join(tmp, "text"), "t1");
    store = new ImageStore(join(tmp, "root"));
    await pull(store, `oci:${join(tmp, "busybox")}:t1`);
    await pull(store, `oci:${join(tmp, "text")}:t1`);
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("finds an image again without reading it, frozen, while the names are the same", async () => {
    const first = await storedRunImage(store, "localhost/busybox:t1", hostPlatform());
    assert.ok(first !== undefined && first.lowerDirs.length > 0);
    assert.equal(await storedRunImage(store, "localhost/busybox:t1", hostPlatform()), first);
    assert.ok(Object.isFrozen(first.config) && Object.isFrozen(first.lowerDirs));
    assert.throws(() => (first.lowerDirs as string[]).push("/x"), TypeError);
  });

  it("follows a name that now points at another image", async () => {
    const before = await storedRunImage(store, "localhost/busybox:t1", hostPlatform());
    const text = await storedRunImage(store, "localhost/text:t1", hostPlatform());
    assert.ok(before !== undefined && text !== undefined && before.id !== text.id);
    await tagImage(store, "localhost/text:t1", "localhost/busybox:t1");
    assert.equal((await storedRunImage(store, "localhost/busybox:t1", hostPlatform()))?.id, text.id);
  });

  it("finds nothing once the image's snapshots are gone, though the names did not change", async () => {
    const text = await storedRunImage(store, "localhost/text:t1", hostPlatform());
    assert.ok(text !== undefined && text.lowerDirs.length > 0);
    // The snapshot's directory (its fs/ and its record): what `berth image prune` of snapshots removes.
    for (const d of text.lowerDirs) await rm(dirname(d), { recursive: true, force: true });
    assert.equal(await storedRunImage(store, "localhost/text:t1", hostPlatform()), undefined);
  });
});
