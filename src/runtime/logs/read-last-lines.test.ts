import assert from "node:assert/strict";
import { mkdtemp, open, rm, writeFile, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseLogEntry, type LogStream } from "./log-entry.js";
import { readLastLines } from "./read-last-lines.js";

/** A deterministic pseudo-random source (xorshift32), so a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

interface Line {
  stream: LogStream;
  text: string;
  complete: boolean;
}

/** The lines of a log read forwards, the plain way: the reference the backward read must agree with. */
function forwardLines(content: string): Line[] {
  const pending = new Map<LogStream, string>();
  const lines: { line: Line; at: number }[] = [];
  const open = new Map<LogStream, number>();
  content.split("\n").slice(0, -1).forEach((raw, at) => {
    const e = parseLogEntry(Buffer.from(raw));
    if (e === undefined) return;
    const text = (pending.get(e.stream) ?? "") + e.text.toString();
    if (e.partial) {
      pending.set(e.stream, text);
      open.set(e.stream, at);
    } else {
      pending.delete(e.stream);
      open.delete(e.stream);
      lines.push({ line: { stream: e.stream, text, complete: true }, at });
    }
  });
  for (const [stream, text] of pending) lines.push({ line: { stream, text, complete: false }, at: open.get(stream) ?? 0 });
  return lines.sort((a, b) => a.at - b.at).map((l) => l.line);
}

function randomLog(seed: number, entries: number): string {
  const r = random(seed);
  let out = "";
  for (let i = 0; i < entries; i++) {
    if (r() < 0.05) {
      out += "malformed line\n";
      continue;
    }
    const stream = r() < 0.6 ? "stdout" : "stderr";
    const tag = r() < 0.3 ? "P" : "F";
    const text = `${i}:${"x".repeat(Math.floor(r() * 40))}`;
    out += `2024-05-01T10:00:00.${String(i).padStart(9, "0")}Z ${stream} ${tag} ${text}\n`;
  }
  return out;
}

describe("readLastLines", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-tail-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const withFile = async <T>(content: string | Buffer, fn: (fh: FileHandle, size: number) => Promise<T>): Promise<T> => {
    const path = join(dir, "ctr.log");
    await writeFile(path, content);
    const fh = await open(path, "r");
    try {
      return await fn(fh, (await fh.stat()).size);
    } finally {
      await fh.close();
    }
  };

  it("agrees with a forward read for every tail, chunk size and random log", async () => {
    for (const seed of [1, 7, 42, 1234]) {
      const content = randomLog(seed, 120);
      const all = forwardLines(content);
      await withFile(content, async (fh, size) => {
        for (const chunkBytes of [13, 100, 4096]) {
          for (const count of [0, 1, 2, 5, 17, 60, 500]) {
            const got = await readLastLines(fh, size, { count, keep: () => true, chunkBytes, maxLineBytes: 1 << 20 });
            const want = all.slice(Math.max(0, all.length - count));
            const seen = got.lines.map((l): Line => ({ stream: l.stream, text: l.text.toString(), complete: l.complete }));
            assert.deepEqual(seen, want, `seed ${seed}, chunk ${chunkBytes}, tail ${count}`);
            assert.equal(got.end, content.length);
          }
        }
      });
    }
  });

  it("reads a few chunks from the end of a large file, not the whole file", async () => {
    const line = "2024-05-01T10:00:00.000000000Z stdout F some output of a busy container\n";
    const big = Buffer.from(line.repeat(200_000)); // ~14 MB
    let bytesRead = 0;
    const result = await withFile(big, async (fh, size) => {
      const counting = { read: async (buf: Buffer, off: number, len: number, pos: number) => {
        const r = await fh.read(buf, off, len, pos);
        bytesRead += r.bytesRead;
        return r;
      } } as unknown as FileHandle;
      return readLastLines(counting, size, { count: 10, keep: () => true, chunkBytes: 64 * 1024, maxLineBytes: 1 << 20 });
    });
    assert.equal(result.lines.length, 10);
    assert.ok(bytesRead <= 2 * 64 * 1024, `read ${bytesRead} bytes of ${big.length}`);
  });

  it("stops at an entry older than --since without reading further back", async () => {
    const old = "2024-05-01T09:00:00Z stdout F old\n".repeat(100_000);
    const recent = "2024-05-01T11:00:00Z stdout F new\n".repeat(3);
    let bytesRead = 0;
    const result = await withFile(old + recent, async (fh, size) => {
      const counting = { read: async (buf: Buffer, off: number, len: number, pos: number) => {
        const r = await fh.read(buf, off, len, pos);
        bytesRead += r.bytesRead;
        return r;
      } } as unknown as FileHandle;
      const since = 1714561200000000000n; // 2024-05-01T10:00:00Z
      return readLastLines(counting, size, { count: 100, keep: (t) => t >= since, since, chunkBytes: 4096, maxLineBytes: 1 << 20 });
    });
    assert.deepEqual(result.lines.map((l) => l.text.toString()), ["new", "new", "new"]);
    assert.ok(bytesRead <= 2 * 4096, `read ${bytesRead} bytes`);
  });

  it("skips a line longer than the limit and an unfinished last entry", async () => {
    const content = `${"2024-05-01T10:00:00Z stdout F ok\n"}${"y".repeat(5000)}\n2024-05-01T10:00:01Z stdout F fine\n2024-05-01T10:00:02Z stdout F unfini`;
    const got = await withFile(content, (fh, size) => readLastLines(fh, size, { count: 5, keep: () => true, chunkBytes: 100, maxLineBytes: 1000 }));
    assert.deepEqual(got.lines.map((l) => l.text.toString()), ["ok", "fine"]);
    assert.equal(got.end, content.lastIndexOf("\n") + 1);
  });

  it("a file without a newline has no lines", async () => {
    const got = await withFile("no newline at all", (fh, size) => readLastLines(fh, size, { count: 5, keep: () => true, chunkBytes: 4, maxLineBytes: 100 }));
    assert.deepEqual(got, { lines: [], end: 0 });
  });
});
