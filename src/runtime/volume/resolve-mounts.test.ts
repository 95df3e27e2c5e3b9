import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { imageVolumeRequests } from "./image-volumes.js";
import type { MountRequest } from "./mount-request.js";
import { parseMountFlag } from "./parse-mount-flag.js";
import { parseVolumeFlag } from "./parse-volume-flag.js";
import { releaseMounts, resolveMounts } from "./resolve-mounts.js";
import { ANONYMOUS_LABEL } from "./volume-name.js";
import { VolumeStore } from "./volume-store.js";

const C1 = "1".repeat(64);
const C2 = "2".repeat(64);
let dir = "";
let store: VolumeStore;
let rootfs = "";
let host = "";
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-mounts-"));
  store = new VolumeStore(join(dir, "root"));
  rootfs = join(dir, "rootfs");
  host = join(dir, "host");
  await mkdir(join(rootfs, "srv", "www"), { recursive: true });
  await writeFile(join(rootfs, "srv", "www", "index.html"), "from the image\n");
  await mkdir(host);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const names = async (): Promise<string[]> => (await store.list()).map((v) => v.Name);

describe("resolveMounts", () => {
  it("turns binds, named and anonymous volumes and tmpfs into the container's mounts", async () => {
    const requests = [
      parseVolumeFlag(`${host}:/host:ro`),
      parseVolumeFlag("site:/srv/www"),
      parseVolumeFlag("/cache"),
      parseMountFlag("type=tmpfs,target=/run,tmpfs-size=1m"),
      parseMountFlag(`type=bind,source=${host},target=/shared,bind-propagation=rshared`),
    ];
    const r = await resolveMounts(store, requests, C1, rootfs);
    const anon = r.volumes[1]!;
    assert.match(anon, /^[0-9a-f]{64}$/);
    assert.deepEqual(r, {
      binds: [
        { source: host, destination: "/host", readOnly: true },
        { source: join(store.dir, "site", "_data"), destination: "/srv/www", readOnly: false },
        { source: join(store.dir, anon, "_data"), destination: "/cache", readOnly: false },
        { source: host, destination: "/shared", readOnly: false, propagation: "rshared" },
      ],
      tmpfs: [{ destination: "/run", options: ["size=1048576"] }],
      volumes: ["site", anon],
      created: ["site", anon],
    });
    assert.deepEqual(await store.users("site"), [C1]);
    assert.deepEqual(await store.users(anon), [C1]);
    assert.deepEqual((await store.inspect(anon)).Labels, { [ANONYMOUS_LABEL]: "" });
    assert.deepEqual((await store.inspect("site")).Labels, {});
    assert.equal(await readFile(join(store.dir, "site", "_data", "index.html"), "utf8"), "from the image\n", "copy-up");
  });

  it("copies up only into an empty volume, and not with nocopy", async () => {
    const kept = await store.create("kept");
    await writeFile(join(kept.Mountpoint, "mine"), "user data\n");
    const r = await resolveMounts(store, [parseVolumeFlag("kept:/srv/www"), parseVolumeFlag("bare:/srv/www/x:nocopy")], C1, rootfs);
    assert.deepEqual(await readdir(kept.Mountpoint), ["mine"]);
    assert.deepEqual(await readdir(join(store.dir, "bare", "_data")), []);
    assert.deepEqual(r.volumes, ["kept", "bare"]);
  });

  it("copies nothing without an image rootfs", async () => {
    await resolveMounts(store, [parseVolumeFlag("site:/srv/www")], C1);
    assert.deepEqual(await readdir(join(store.dir, "site", "_data")), []);
  });

  it("names a volume used twice by one container once", async () => {
    const r = await resolveMounts(store, [parseVolumeFlag("v1:/a"), parseVolumeFlag("v1:/b:ro")], C1);
    assert.deepEqual(r.volumes, ["v1"]);
    assert.deepEqual(r.binds.map((b) => [b.destination, b.readOnly]), [["/a", false], ["/b", true]]);
  });

  it("refuses two mounts on one target before making anything", async () => {
    await assert.rejects(resolveMounts(store, [parseVolumeFlag("v1:/data"), parseMountFlag("type=tmpfs,target=/data/")], C1), (e: unknown) =>
      isBerthError(e, "INVALID_ARGUMENT") && /duplicate mount point \/data \(also mounted by -v v1:\/data\)/.test(e.message));
    assert.deepEqual(await names(), []);
  });

  it("refuses a bind whose host source is missing, naming the flag, before making anything", async () => {
    const missing = join(dir, "nope");
    await assert.rejects(resolveMounts(store, [parseVolumeFlag("v1:/a"), parseVolumeFlag(`${missing}:/b`)], C1), (e: unknown) =>
      isBerthError(e, "INVALID_ARGUMENT") && e.message === `-v ${missing}:/b: source ${missing} does not exist`);
    assert.deepEqual(await names(), []);
  });

  it("on failure releases what it acquired and removes only what it created", async () => {
    await store.create("old");
    await store.create("broken");
    await writeFile(join(store.dir, "broken", "volume.json"), "{ corrupt");
    const requests: MountRequest[] = [parseVolumeFlag("old:/a"), parseVolumeFlag("fresh:/b"), parseVolumeFlag("/c"), parseVolumeFlag("broken:/d")];
    await assert.rejects(resolveMounts(store, requests, C1), (e: unknown) => isBerthError(e, "FAILED_PRECONDITION"));
    await rm(join(store.dir, "broken"), { recursive: true });
    assert.deepEqual(await names(), ["old"]);
    assert.deepEqual(await store.users("old"), []);
  });
});

describe("releaseMounts", () => {
  it("releases every volume; with removeAnonymous removes unused anonymous ones only", async () => {
    const first = await resolveMounts(store, [parseVolumeFlag("named:/a"), parseVolumeFlag("/b"), parseVolumeFlag("/c")], C1);
    const [, anonB, anonC] = first.volumes as [string, string, string];
    await store.acquire(anonC, C2);
    const removed = await releaseMounts(store, first.volumes, C1, { removeAnonymous: true });
    assert.deepEqual(removed, [anonB]);
    assert.deepEqual((await names()).sort(), [anonC, "named"].sort());
    assert.deepEqual(await store.users("named"), []);
    assert.deepEqual(await store.users(anonC), [C2], "still used by the other container");
  });

  it("keeps anonymous volumes without removeAnonymous, and skips volumes already gone", async () => {
    const r = await resolveMounts(store, [parseVolumeFlag("/b")], C1);
    await store.create("gone");
    await store.remove("gone");
    assert.deepEqual(await releaseMounts(store, [...r.volumes, "gone"], C1), []);
    assert.deepEqual(await names(), r.volumes);
    assert.deepEqual(await releaseMounts(store, [...r.volumes, "gone"], C1, { removeAnonymous: true }), r.volumes);
    assert.deepEqual(await names(), []);
  });
});

describe("a failed create's cleanup", () => {
  it("removes the anonymous volumes the create made, never one handed in by name", async () => {
    const old = await resolveMounts(store, [parseVolumeFlag("/keep")], C1);
    const [kept] = old.volumes as [string];
    await releaseMounts(store, old.volumes, C1);
    const r = await resolveMounts(store, [parseVolumeFlag(`${kept}:/keep:nocopy`), parseVolumeFlag("/fresh")], C2);
    const fresh = r.volumes.find((v) => v !== kept)!;
    assert.deepEqual(r.created, [fresh]);
    assert.deepEqual(await releaseMounts(store, r.volumes, C2, { removeAnonymous: r.created }), [fresh]);
    assert.deepEqual(await names(), [kept]);
  });
});

describe("imageVolumeRequests", () => {
  it("adds an anonymous volume for each image VOLUME the user did not mount", () => {
    const got = imageVolumeRequests({ "/var/lib/db": {}, "/data/": {}, "/logs": {} }, [parseVolumeFlag("mine:/data")]);
    assert.deepEqual(got.map((r) => [r.type, r.target, r.type === "volume" && r.name]), [["volume", "/logs", undefined], ["volume", "/var/lib/db", undefined]]);
    assert.deepEqual(imageVolumeRequests(undefined, []), []);
  });

  it("refuses a hostile image VOLUME path, naming it", () => {
    for (const bad of ["relative", "/a/../../etc", "/", "/x\n"]) {
      assert.throws(() => imageVolumeRequests({ [bad]: {} }, []), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && e.message.startsWith("image VOLUME"), bad);
    }
  });
});
