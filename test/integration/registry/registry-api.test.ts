// The registry's HTTP API against bad and hostile input, in-process on 127.0.0.1.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:http";
import { randomBytes } from "node:crypto";
import { serveRegistry, type RunningRegistry } from "../../../src/registry/index.js";
import { digestOf, MediaType } from "../../../src/oci/index.js";

let dir: string;
let reg: RunningRegistry;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-registry-api-"));
  reg = await serveRegistry({ addr: "127.0.0.1:0", root: dir });
});
after(async () => {
  await reg?.close();
  await rm(dir, { recursive: true, force: true });
});

const url = (path: string): string => `${reg.url}${path}`;

async function errorCode(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { errors?: { code: string }[] };
  return body.errors?.[0]?.code;
}

async function pushBlob(name: string, data: Buffer): Promise<string> {
  const d = digestOf(data);
  const res = await fetch(url(`/v2/${name}/blobs/uploads/?digest=${d}`), { method: "POST", body: data });
  assert.equal(res.status, 201, await res.text());
  return d;
}

function manifestFor(config: Buffer, layers: Buffer[], mediaType: string = MediaType.OciManifest): Buffer {
  const docker = mediaType === MediaType.DockerManifest;
  return Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: { mediaType: docker ? MediaType.DockerConfig : MediaType.OciConfig, digest: digestOf(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: docker ? MediaType.DockerLayerGzip : MediaType.OciLayerGzip, digest: digestOf(l), size: l.length })),
  }, null, 3));
}

describe("registry API: bad input is refused and harms nothing", () => {
  it("answers the /v2/ check with the API version header", async () => {
    const res = await fetch(url("/v2/"));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("docker-distribution-api-version"), "registry/2.0");
  });

  it("refuses a monolithic upload whose digest does not match, storing nothing", async () => {
    const data = randomBytes(1000);
    const wrong = digestOf("not the data");
    const res = await fetch(url(`/v2/bad/digest/blobs/uploads/?digest=${wrong}`), { method: "POST", body: data });
    assert.equal(res.status, 400);
    assert.equal(await errorCode(res), "DIGEST_INVALID");
    for (const d of [wrong, digestOf(data)]) {
      assert.equal((await fetch(url(`/v2/bad/digest/blobs/${d}`), { method: "HEAD" })).status, 404);
      assert.equal(await reg.registry.content.hasBlob(d as never), false);
    }
  });

  it("refuses a chunked upload finished with the wrong digest, and the upload is gone", async () => {
    const start = await fetch(url("/v2/bad/chunked/blobs/uploads/"), { method: "POST" });
    assert.equal(start.status, 202);
    const loc = start.headers.get("location")!;
    const patch = await fetch(url(loc), { method: "PATCH", body: randomBytes(5000), headers: { "Content-Range": "0-4999" } });
    assert.equal(patch.status, 202);
    assert.equal(patch.headers.get("range"), "0-4999");
    const put = await fetch(url(`${loc}?digest=${digestOf("x")}`), { method: "PUT" });
    assert.equal(put.status, 400);
    assert.equal(await errorCode(put), "DIGEST_INVALID");
    assert.equal(await reg.registry.content.hasBlob(digestOf("x")), false);
  });

  it("answers 416 to an out-of-order chunk and keeps the upload usable", async () => {
    const data = randomBytes(3000);
    const start = await fetch(url("/v2/chunks/blobs/uploads/"), { method: "POST" });
    const loc = start.headers.get("location")!;
    await fetch(url(loc), { method: "PATCH", body: data.subarray(0, 1000), headers: { "Content-Range": "0-999" } });
    const skip = await fetch(url(loc), { method: "PATCH", body: data.subarray(2000), headers: { "Content-Range": "2000-2999" } });
    assert.equal(skip.status, 416);
    assert.equal(skip.headers.get("range"), "0-999");
    await skip.arrayBuffer();
    await fetch(url(loc), { method: "PATCH", body: data.subarray(1000), headers: { "Content-Range": "1000-2999" } });
    const put = await fetch(url(`${loc}?digest=${digestOf(data)}`), { method: "PUT" });
    assert.equal(put.status, 201);
  });

  it("refuses a manifest naming a blob the repository lacks", async () => {
    const cfg = Buffer.from("{}");
    await pushBlob("missing/layer", cfg);
    const m = manifestFor(cfg, [randomBytes(10)]);
    const res = await fetch(url("/v2/missing/layer/manifests/v1"), { method: "PUT", body: m, headers: { "Content-Type": MediaType.OciManifest } });
    assert.equal(res.status, 400);
    assert.equal(await errorCode(res), "MANIFEST_BLOB_UNKNOWN");
    assert.equal((await fetch(url("/v2/missing/layer/manifests/v1"))).status, 404);
  });

  it("does not let a manifest use a blob pushed only to another repository", async () => {
    const cfg = Buffer.from('{"other":1}');
    await pushBlob("owner/repo", cfg);
    const m = manifestFor(cfg, []);
    const res = await fetch(url("/v2/thief/repo/manifests/v1"), { method: "PUT", body: m, headers: { "Content-Type": MediaType.OciManifest } });
    assert.equal(await errorCode(res), "MANIFEST_BLOB_UNKNOWN");
  });

  it("refuses invalid repository names, including traversal attempts", async () => {
    for (const name of ["UPPER/case", "a//b", "-lead", "a/_manifests", "..%2F..%2Fetc", "a/../b"]) {
      const res = await fetch(url(`/v2/${name}/tags/list`));
      assert.ok([400, 404].includes(res.status), `${name}: ${res.status}`);
      if (res.status === 400) assert.equal(await errorCode(res), "NAME_INVALID", name);
      else await res.arrayBuffer();
    }
    const raw = await rawRequest("GET", "/v2/../../../etc/passwd/manifests/latest");
    assert.notEqual(raw.status, 200);
    assert.deepEqual((await readdir(dir)).sort(), ["content", "repositories"]);
  });

  it("answers BLOB_UPLOAD_UNKNOWN for an unknown upload", async () => {
    for (const method of ["GET", "PATCH", "PUT", "DELETE"]) {
      const res = await fetch(url(`/v2/some/repo/blobs/uploads/00000000-0000-0000-0000-000000000000?digest=${digestOf("")}`), { method });
      assert.equal(res.status, 404, method);
      assert.equal(await errorCode(res), "BLOB_UPLOAD_UNKNOWN", method);
    }
  });

  it("leaves no visible blob when the client disconnects mid-upload", async () => {
    const data = randomBytes(8 << 20);
    const d = digestOf(data);
    await new Promise<void>((resolve) => {
      const req = request(url(`/v2/cut/off/blobs/uploads/?digest=${d}`), { method: "POST", headers: { "Content-Length": data.length } });
      req.on("error", () => resolve());
      req.write(data.subarray(0, 3 << 20), () => setTimeout(() => { req.destroy(); resolve(); }, 50));
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await reg.registry.content.hasBlob(d), false);
    assert.equal((await fetch(url(`/v2/cut/off/blobs/${d}`), { method: "HEAD" })).status, 404);
  });

  it("stores Docker schema2 manifests and serves them back byte for byte with their media type", async () => {
    const cfg = Buffer.from('{"architecture":"amd64","os":"linux"}');
    const layer = randomBytes(2000);
    await pushBlob("docker/s2", cfg);
    await pushBlob("docker/s2", layer);
    const m = manifestFor(cfg, [layer], MediaType.DockerManifest);
    const put = await fetch(url("/v2/docker/s2/manifests/latest"), { method: "PUT", body: m, headers: { "Content-Type": MediaType.DockerManifest } });
    assert.equal(put.status, 201);
    assert.equal(put.headers.get("docker-content-digest"), digestOf(m));
    const get = await fetch(url("/v2/docker/s2/manifests/latest"), { headers: { Accept: MediaType.DockerManifest } });
    assert.equal(get.headers.get("content-type"), MediaType.DockerManifest);
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), m);
  });

  it("refuses a manifest larger than 4 MiB with 413", async () => {
    const big = Buffer.alloc((4 << 20) + 1, 0x20);
    const res = await fetch(url("/v2/big/manifests/latest"), { method: "PUT", body: big, headers: { "Content-Type": MediaType.OciManifest } });
    assert.equal(res.status, 413);
  });

  it("refuses a manifest whose body does not match the digest in the URL", async () => {
    const cfg = Buffer.from("{}");
    await pushBlob("by/digest", cfg);
    const m = manifestFor(cfg, []);
    const res = await fetch(url(`/v2/by/digest/manifests/${digestOf("other")}`), { method: "PUT", body: m, headers: { "Content-Type": MediaType.OciManifest } });
    assert.equal(res.status, 400);
    assert.equal(await errorCode(res), "DIGEST_INVALID");
  });

  it("refuses a manifest that is not JSON or has a Content-Type that contradicts it", async () => {
    const bad = await fetch(url("/v2/junk/manifests/x"), { method: "PUT", body: "{not json", headers: { "Content-Type": MediaType.OciManifest } });
    assert.equal(await errorCode(bad), "MANIFEST_INVALID");
    const cfg = Buffer.from("{}");
    await pushBlob("junk", cfg);
    const m = manifestFor(cfg, []);
    const clash = await fetch(url("/v2/junk/manifests/x"), { method: "PUT", body: m, headers: { "Content-Type": MediaType.DockerManifest } });
    assert.equal(await errorCode(clash), "MANIFEST_INVALID");
  });

  it("serves byte ranges of a blob", async () => {
    const data = Buffer.from("0123456789abcdef");
    const d = await pushBlob("ranges", data);
    const res = await fetch(url(`/v2/ranges/blobs/${d}`), { headers: { Range: "bytes=4-7" } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get("content-range"), `bytes 4-7/${data.length}`);
    assert.equal(await res.text(), "4567");
    const bad = await fetch(url(`/v2/ranges/blobs/${d}`), { headers: { Range: "bytes=100-200" } });
    assert.equal(bad.status, 416);
  });

  it("takes 16 concurrent uploads of one blob and stores it once", async () => {
    const data = randomBytes(1 << 20);
    const d = digestOf(data);
    const statuses = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const s = await fetch(url(`/v2/race/r${i % 4}/blobs/uploads/`), { method: "POST" });
        const loc = s.headers.get("location")!;
        await (await fetch(url(loc), { method: "PATCH", body: data })).arrayBuffer();
        return (await fetch(url(`${loc}?digest=${d}`), { method: "PUT" })).status;
      }),
    );
    assert.deepEqual(statuses, Array(16).fill(201));
    let count = 0;
    for await (const b of reg.registry.content.walk()) if (b.digest === d) count++;
    assert.equal(count, 1);
    assert.equal(await reg.registry.content.verify(d), d);
  });
});

function rawRequest(method: string, path: string): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const u = new URL(reg.url);
    const req = request({ host: u.hostname, port: u.port, method, path }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on("error", reject);
    req.end();
  });
}
