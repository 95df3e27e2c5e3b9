// `berth registry gc` and `berth registry fsck` through the CLI on a real store.
import { it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { berth, startBerthRegistry } from "../../support/berth-server.js";
import { digestEncoded, digestOf, isBerthError, MediaType, type Digest } from "../../../src/oci/index.js";
import { ContentStore } from "../../../src/content/index.js";
import { garbageCollect, RepositoryStore } from "../../../src/registry/index.js";

async function pushBlob(url: string, name: string, data: Buffer): Promise<Digest> {
  const d = digestOf(data);
  const res = await fetch(`${url}/v2/${name}/blobs/uploads/?digest=${d}`, { method: "POST", body: data });
  assert.equal(res.status, 201);
  return d;
}

async function pushImage(url: string, name: string, ref: string, layers: Buffer[], subject?: { digest: Digest; size: number }): Promise<{ digest: Digest; size: number }> {
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }));
  await pushBlob(url, name, config);
  for (const l of layers) await pushBlob(url, name, l);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: digestOf(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: MediaType.OciLayerGzip, digest: digestOf(l), size: l.length })),
    ...(subject && { subject: { mediaType: MediaType.OciManifest, ...subject }, artifactType: "application/vnd.example.signature" }),
  }));
  const res = await fetch(`${url}/v2/${name}/manifests/${ref}`, { method: "PUT", body: manifest, headers: { "Content-Type": MediaType.OciManifest } });
  assert.equal(res.status, 201, await res.text());
  return { digest: digestOf(manifest), size: manifest.length };
}

it("gc removes what nothing references, keeps what tags reach, and fsck finds corruption", { timeout: 120_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), "berth-gc-"));
  try {
    const shared = randomBytes(4096);
    const onlyB = randomBytes(4096);
    const orphan = randomBytes(4096);
    const server = await startBerthRegistry({ root });
    let a: { digest: Digest; size: number };
    let b: { digest: Digest; size: number };
    let sig: { digest: Digest; size: number };
    try {
      a = await pushImage(server.url, "gc/app", "a", [shared]);
      b = await pushImage(server.url, "gc/app", "b", [shared, onlyB]);
      sig = await pushImage(server.url, "gc/app", "sig", [randomBytes(100)], a);
      await pushBlob(server.url, "gc/app", orphan);
      // Untag b: its manifest stays (pullable by digest) until gc --delete-untagged.
      assert.equal((await fetch(`${server.url}/v2/gc/app/manifests/b`, { method: "DELETE" })).status, 202);
      // Untag the signature too: it is kept because its subject (a) is tagged.
      assert.equal((await fetch(`${server.url}/v2/gc/app/manifests/sig`, { method: "DELETE" })).status, 202);
    } finally {
      await server.stop();
    }
    const cli = (...args: string[]) => berth(["--root", root, "registry", ...args]);

    const dry = await cli("gc", "--dry-run");
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`would remove blob ${digestOf(orphan)}`));
    assert.doesNotMatch(dry.stdout, new RegExp(digestOf(shared)));

    const gc = await cli("gc");
    assert.equal(gc.code, 0, gc.stderr);
    assert.match(gc.stdout, /removed 0 manifests, 1 blobs/);

    const untagged = await cli("gc", "--delete-untagged");
    assert.equal(untagged.code, 0, untagged.stderr);
    assert.match(untagged.stdout, new RegExp(`removed manifest gc/app@${b.digest}`));
    assert.match(untagged.stdout, new RegExp(`removed blob ${digestOf(onlyB)}`));
    assert.doesNotMatch(untagged.stdout, new RegExp(`${sig.digest}|${digestOf(shared)}`), "the signature of a kept image and the shared layer stay");

    const ok = await cli("fsck");
    assert.equal(ok.code, 0, ok.stdout);

    const check = await startBerthRegistry({ root });
    try {
      assert.equal((await fetch(`${check.url}/v2/gc/app/manifests/a`)).status, 200);
      assert.equal((await fetch(`${check.url}/v2/gc/app/manifests/${b.digest}`)).status, 404);
      const refs = (await (await fetch(`${check.url}/v2/gc/app/referrers/${a.digest}`)).json()) as { manifests: { digest: string }[] };
      assert.deepEqual(refs.manifests.map((m) => m.digest), [sig.digest]);
    } finally {
      await check.stop();
    }

    // Corrupt the shared layer on disk: fsck must say so and exit non-zero.
    const path = join(root, "registry", "content", "blobs", "sha256", digestEncoded(digestOf(shared)));
    await chmod(path, 0o644);
    await writeFile(path, randomBytes(4096));
    const bad = await cli("fsck");
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, new RegExp(`corrupt-blob: blob ${digestOf(shared)}`));
    assert.match(bad.stdout, /missing-blob: gc\/app@sha256:[0-9a-f]{64} names blob/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

it("gc refuses to sweep when a kept manifest does not parse, and removes nothing", async () => {
  const root = await mkdtemp(join(tmpdir(), "berth-gc-bad-"));
  try {
    const content = new ContentStore(join(root, "content"));
    const store = new RepositoryStore(root, content);
    const layer = await content.putBytes(randomBytes(100));
    await store.linkBlob("bad/app", layer.digest);
    const junk = Buffer.from("{ this is not a manifest");
    const stored = await content.putBytes(junk);
    await store.putManifest("bad/app", { digest: stored.digest, mediaType: MediaType.OciManifest, bytes: junk }, { tag: "v1" });
    await assert.rejects(garbageCollect(store), (e) => isBerthError(e, "FAILED_PRECONDITION") && /does not parse/.test(e.message));
    assert.equal(await content.hasBlob(layer.digest), true, "the layer a broken manifest might name is kept");
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
