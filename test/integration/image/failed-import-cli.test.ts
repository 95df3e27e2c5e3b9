// A load or local pull that fails leaves no blob behind that nothing names,
// and rmi reports as deleted only what belonged to the image it removed,
// keeping other garbage apart. Text-only images: needs only tar.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ContentStore } from "../../../src/content/index.js";
import { BERTH_BIN, berth } from "../../support/berth-server.js";
import { missingTools } from "../../support/require-root.js";
import { assertSucceeded } from "../../support/run.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";
import { writeDockerArchive } from "../../fixtures/docker-archive.js";
import { buildLayer } from "../../fixtures/layer-tar.js";
import { makeTextLayout, makeRandomBlob } from "../../fixtures/make-image.js";

const missing = missingTools(["tar"]);
const skip = missing.length > 0 ? `needs ${missing.join(", ")}` : false;

/** Every committed blob of the store under `root`, as `sha256:…`. */
async function blobsIn(root: string): Promise<string[]> {
  const dir = join(root, "content", "blobs", "sha256");
  return (await readdir(dir).catch(() => [] as string[])).map((h) => `sha256:${h}`).sort();
}

/** A docker-archive whose one layer (1.9 MiB, so it is streamed) is not the one its config's diff_ids names. */
async function corruptDockerArchive(file: string): Promise<void> {
  const named = await buildLayer([{ type: "file", path: "a.bin", content: makeRandomBlob(2_000_000, 1) }]);
  const other = await buildLayer([{ type: "file", path: "a.bin", content: makeRandomBlob(2_000_000, 2) }]);
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [named.diffId] } }));
  await writeDockerArchive(file, { config, layers: [{ ...named, tar: other.tar }], repoTags: ["corrupt:1"] });
}

/** An OCI layout of a text image whose layer blob has bytes other than its name says. */
async function tamperedLayout(dir: string): Promise<void> {
  const image = await makeTextLayout(dir);
  const path = join(dir, "blobs", "sha256", image.layers[0]!.digest.slice(7));
  await writeFile(path, Buffer.concat([await readFile(path), Buffer.from("tampered")]));
}

describe("a failed load or pull leaves no unnamed blobs", { skip, timeout: 120_000 }, () => {
  let tmp: TempDir;
  before(async () => (tmp = await tempDir("berth-failed-import-")));
  after(async () => tmp?.remove());

  const cases: { what: string; run: (dir: string, root: string) => Promise<string[]> }[] = [
    {
      what: "load of a docker-archive whose layer does not match its diffID",
      run: async (dir, root) => {
        await corruptDockerArchive(join(dir, "corrupt.tar"));
        return ["--root", root, "load", "-i", join(dir, "corrupt.tar")];
      },
    },
    {
      what: "load of a docker-archive cut short in its layer (manifest.json and config first)",
      run: async (dir, root) => {
        await corruptDockerArchive(join(dir, "whole.tar"));
        await writeFile(join(dir, "cut.tar"), (await readFile(join(dir, "whole.tar"))).subarray(0, 1_000_000));
        return ["--root", root, "load", "-i", join(dir, "cut.tar")];
      },
    },
    {
      what: "load of an OCI layout tar with a tampered layer",
      run: async (dir, root) => {
        await tamperedLayout(join(dir, "oc"));
        execFileSync("tar", ["-C", join(dir, "oc"), "-cf", join(dir, "oc.tar"), "oci-layout", "index.json", "blobs"]);
        return ["--root", root, "load", "-i", join(dir, "oc.tar")];
      },
    },
    {
      what: "pull oci:DIR of a layout with a tampered layer",
      run: async (dir, root) => {
        await tamperedLayout(join(dir, "oc"));
        return ["--root", root, "pull", "-q", `oci:${join(dir, "oc")}:latest`];
      },
    },
  ];

  for (const [i, c] of cases.entries()) {
    it(c.what, async () => {
      const dir = join(tmp.path, `case-${i}`);
      const root = join(dir, "root");
      execFileSync("mkdir", ["-p", dir]);
      const r = await berth(await c.run(dir, root));
      assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
      assert.deepEqual(await blobsIn(root), [], "no blob is left that nothing names");
      assert.equal(assertSucceeded(await berth(["--root", root, "image", "prune", "--dry-run"])).stdout, "Total reclaimed space: 0 B\n");
      assert.deepEqual(await readdir(join(root, "images", "leases")), [], "the lease is released");
    });
  }

  it("keeps blobs it did not store: an earlier interrupted pull's are left for it or for prune", async () => {
    const dir = join(tmp.path, "older");
    const root = join(dir, "root");
    const content = new ContentStore(join(root, "content"));
    const earlier = await content.putBytes(Buffer.from("a layer an interrupted registry pull committed"));
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(content.blobPath(earlier.digest), minuteAgo, minuteAgo);
    await tamperedLayout(join(dir, "bad"));
    assert.equal((await berth(["--root", root, "pull", "-q", `oci:${join(dir, "bad")}:latest`])).code, 1);
    assert.deepEqual(await blobsIn(root), [earlier.digest]);
  });

  it("rmi reports the image's own blobs as Deleted and other garbage apart", async () => {
    const dir = join(tmp.path, "rmi");
    const root = join(dir, "root");
    await makeTextLayout(join(dir, "good"));
    assertSucceeded(await berth(["--root", root, "pull", "-q", "--no-unpack", `oci:${join(dir, "good")}:latest`]));
    const own = await blobsIn(root);
    const garbage = await new ContentStore(join(root, "content")).putBytes(Buffer.from("left by something else"));
    const r = assertSucceeded(await berth(["--root", root, "rmi", "localhost/good:latest"]));
    const deleted = [...r.stdout.matchAll(/^Deleted: (\S+)$/gm)].map((m) => m[1]).sort();
    assert.deepEqual(deleted, own, r.stdout);
    assert.ok(!deleted.includes(garbage.digest), "garbage is not reported as the image's");
    assert.match(r.stdout, /^Pruned 1 unreferenced blob of no image named here \(22 B\)$/m);
    assert.deepEqual(await blobsIn(root), []);
  });

  it("the lease of a load stopped by SIGINT goes at the next prune, and at the next pull", async () => {
    const dir = join(tmp.path, "sigint");
    const root = join(dir, "root");
    const leases = join(root, "images", "leases");
    const stopLoad = async (): Promise<void> => {
      const child = spawn(process.execPath, [BERTH_BIN, "--root", root, "load"], { stdio: ["pipe", "ignore", "ignore"] });
      child.stdin.write(Buffer.alloc(10_240)); // a tar's start, then nothing: the load waits holding its lease
      for (let i = 0; i < 200 && (await readdir(leases).catch(() => [] as string[])).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      child.kill("SIGINT");
      await once(child, "exit");
      assert.equal((await readdir(leases)).length, 1, "a process killed by a signal cannot remove its lease");
    };
    await stopLoad();
    assertSucceeded(await berth(["--root", root, "image", "prune"]));
    assert.deepEqual(await readdir(leases), [], "prune removed the dead process's lease");
    await stopLoad();
    await makeTextLayout(join(dir, "good"));
    assertSucceeded(await berth(["--root", root, "pull", "-q", "--no-unpack", `oci:${join(dir, "good")}:latest`]));
    assert.deepEqual(await readdir(leases), [], "the next pull removed it");
  });
});
