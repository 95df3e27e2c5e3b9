import { it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { randomBytes } from "node:crypto";
import { DestinationClosedError, sendFileRange } from "./blob-sender.js";

class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  constructor(private readonly delayMs = 0) {
    super({ highWaterMark: 16 });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error) => void): void {
    // Copy: the sender reuses its buffers once the callback ran.
    this.chunks.push(Buffer.from(chunk));
    setTimeout(cb, this.delayMs);
  }
}

it("sends whole files and ranges byte for byte, across chunk boundaries", async () => {
  const dir = await mkdtemp(join(tmpdir(), "berth-send-"));
  try {
    const data = randomBytes((5 << 20) + 12345);
    const path = join(dir, "blob");
    await writeFile(path, data);
    for (const [start, end] of [[0, data.length - 1], [1, 2], [(1 << 20) - 3, (3 << 20) + 7], [data.length - 1, data.length - 1]] as const) {
      const c = new Collector();
      await sendFileRange(path, c, start, end);
      assert.deepEqual(Buffer.concat(c.chunks), data.subarray(start, end + 1), `${start}-${end}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it("stops with DestinationClosedError when the destination goes away", async () => {
  const dir = await mkdtemp(join(tmpdir(), "berth-send-"));
  try {
    const path = join(dir, "blob");
    await writeFile(path, randomBytes(16 << 20));
    const c = new Collector(5);
    setTimeout(() => c.destroy(), 20);
    await assert.rejects(sendFileRange(path, c, 0, (16 << 20) - 1), DestinationClosedError);
    assert.ok(Buffer.concat(c.chunks).length < 16 << 20);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it("fails when the file is shorter than the range", async () => {
  const dir = await mkdtemp(join(tmpdir(), "berth-send-"));
  try {
    const path = join(dir, "blob");
    await writeFile(path, Buffer.from("short"));
    await assert.rejects(sendFileRange(path, new Collector(), 0, 99), /file ended at 5/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
