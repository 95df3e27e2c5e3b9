// kill -9 of `berth registry serve` during 20 concurrent uploads: after a
// restart fsck passes, every blob whose upload was acknowledged verifies,
// and no partial upload is visible as a blob.
import { it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { berth, startBerthRegistry, type BerthServer } from "../../support/berth-server.js";
import { digestOf } from "../../../src/oci/index.js";

const UPLOADS = 20;
const CHUNK = 1 << 20;

it("survives kill -9 during 20 concurrent uploads", { timeout: 180_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), "berth-crash-"));
  let server: BerthServer | undefined;
  try {
    server = await startBerthRegistry({ root });
    const srv = server;
    // Blobs of 1 to 24 chunks: the small ones finish before the kill, the big ones do not.
    const blobs = Array.from({ length: UPLOADS }, (_, i) => randomBytes(CHUNK * (1 + ((i * 5) % 24)) + i));
    const acknowledged = new Set<string>();
    // A PUT the server committed just before the kill, its 201 never read: either outcome is right for it.
    const putSent = new Set<string>();
    const failed: string[] = [];
    const upload = async (i: number): Promise<void> => {
      const data = blobs[i]!;
      const d = digestOf(data);
      const start = await fetch(`${srv.url}/v2/crash/r${i % 3}/blobs/uploads/`, { method: "POST" });
      let loc = start.headers.get("location")!;
      for (let off = 0; off < data.length; off += CHUNK) {
        const end = Math.min(off + CHUNK, data.length);
        const res = await fetch(`${srv.url}${loc}`, {
          method: "PATCH", body: data.subarray(off, end), headers: { "Content-Range": `${off}-${end - 1}` },
        });
        await res.arrayBuffer();
        loc = res.headers.get("location") ?? loc;
        await new Promise((r) => setTimeout(r, 15));
      }
      putSent.add(d);
      const put = await fetch(`${srv.url}${loc}?digest=${d}`, { method: "PUT" });
      if (put.status === 201) acknowledged.add(d);
    };
    const all = Array.from({ length: UPLOADS }, (_, i) => upload(i).catch((e: Error) => void failed.push(e.message)));
    // Kill once some uploads were acknowledged and others are mid-way.
    const deadline = Date.now() + 60_000;
    while (acknowledged.size < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await srv.kill9();
    await Promise.all(all);
    assert.ok(acknowledged.size >= 3, "some uploads finished before the kill");
    assert.ok(failed.length > 0, "some uploads were cut by the kill");

    const fsck = await berth(["--root", root, "registry", "fsck"]);
    assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr);
    assert.match(fsck.stdout, /0 problems/);

    server = await startBerthRegistry({ root });
    for (let i = 0; i < UPLOADS; i++) {
      const d = digestOf(blobs[i]!);
      const res = await fetch(`${server.url}/v2/crash/r${i % 3}/blobs/${d}`);
      if (acknowledged.has(d)) {
        assert.equal(res.status, 200, `acknowledged blob ${i} is served after restart`);
        const got = createHash("sha256").update(Buffer.from(await res.arrayBuffer())).digest("hex");
        assert.equal(`sha256:${got}`, d);
      } else if (putSent.has(d) && res.status === 200) {
        const got = createHash("sha256").update(Buffer.from(await res.arrayBuffer())).digest("hex");
        assert.equal(`sha256:${got}`, d, `blob ${i}, committed as the server died, is whole`);
      } else {
        await res.arrayBuffer();
        assert.equal(res.status, 404, `unfinished blob ${i} is not visible`);
      }
    }
  } finally {
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  }
});
