// openPooledGet against raw TCP servers on 127.0.0.1 that answer as the test says: whole bodies
// (also with the head cut into single bytes), answers left to the full client, and hostile ones.
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { Writable } from "node:stream";
import { after, describe, it } from "node:test";
import { DigestMismatchError } from "../../content/index.js";
import { digestOf, type Descriptor } from "../../oci/index.js";
import { ByteProgress } from "../progress.js";
import { openPooledGet, type PooledBody } from "./pooled-get.js";
import { pooledCopy } from "./upload-body.js";

const servers: Server[] = [];
after(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
});

/** A server that reads one request head, records it, and answers with `answer(socket)`. */
async function serve(answer: (socket: Socket) => void): Promise<{ url: (path?: string) => URL; heads: string[] }> {
  const heads: string[] = [];
  const server = createServer((socket) => {
    let text = "";
    socket.on("error", () => undefined);
    socket.on("data", (b: Buffer) => {
      text += b.toString("latin1");
      if (text.includes("\r\n\r\n")) {
        heads.push(text.slice(0, text.indexOf("\r\n\r\n")));
        text = "";
        answer(socket);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: (path = "/v2/r/blobs/x") => new URL(`http://127.0.0.1:${port}${path}`), heads };
}

const body = Buffer.alloc(3 << 20, 7);
for (let i = 0; i < body.length; i += 4096) body[i] = i & 0xff;

/** Everything a delivery hands on, each chunk released after a tick (as a write callback would). */
async function collect(b: PooledBody, pauseEvery = 0): Promise<Buffer> {
  const got: Buffer[] = [];
  let n = 0;
  await b.deliver((chunk, release) => {
    got.push(Buffer.from(chunk));
    setImmediate(release);
    if (pauseEvery > 0 && ++n % pauseEvery === 0) {
      setTimeout(() => b.resume(), 2);
      return false;
    }
    return true;
  });
  return Buffer.concat(got);
}

describe("openPooledGet", () => {
  it("delivers a 200's whole body, with the request's headers sent, pausing when the sink asks", async () => {
    const s = await serve((socket) => socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nDocker-Distribution-Api-Version: registry/2.0\r\n\r\n`), body])));
    const b = await openPooledGet(s.url(), { authorization: "Bearer t0k", "user-agent": "test" });
    assert.ok(b !== undefined);
    assert.equal(b.size, body.length);
    assert.ok((await collect(b, 3)).equals(body));
    assert.match(s.heads[0]!, /^GET \/v2\/r\/blobs\/x HTTP\/1\.1\r\n/);
    assert.match(s.heads[0]!, /\r\nauthorization: Bearer t0k/);
    assert.match(s.heads[0]!, /\r\nconnection: close/);
  });

  it("reads a head that comes a byte at a time, and a body that came with it", async () => {
    const s = await serve((socket) => {
      const head = Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
      let i = 0;
      const next = (): void => void (i < head.length ? socket.write(head.subarray(i, ++i), () => setTimeout(next, 1)) : socket.end());
      next();
    });
    const b = await openPooledGet(s.url());
    assert.ok(b !== undefined);
    assert.equal((await collect(b)).toString(), "hello");
  });

  for (const [name, head] of [
    ["a 401 challenge", "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"x\"\r\nContent-Length: 0\r\n\r\n"],
    ["a redirect", "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n\r\n"],
    ["a chunked body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"],
    ["a 200 without a length", "HTTP/1.1 200 OK\r\n\r\nhello"],
    ["two lengths that differ", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello"],
    ["a length that is not a number", "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello"],
  ] as const) {
    it(`leaves ${name} to the full client (undefined)`, async () => {
      const s = await serve((socket) => socket.end(head));
      assert.equal(await openPooledGet(s.url()), undefined);
    });
  }

  it("never sends a header that would split the request", async () => {
    const s = await serve((socket) => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    assert.equal(await openPooledGet(s.url(), { authorization: "Bearer x\r\nX-Injected: 1" }), undefined);
    assert.deepEqual(s.heads, [], "nothing was sent");
  });

  it("takes only http: URLs", async () => {
    assert.equal(await openPooledGet(new URL("https://127.0.0.1:1/v2/")), undefined);
  });

  it("fails a body cut short (retryable: ECONNRESET), including one cut before the delivery began", async () => {
    const s = await serve((socket) => socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body.subarray(0, 100_000)])));
    const b = await openPooledGet(s.url());
    assert.ok(b !== undefined);
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(collect(b), (e: NodeJS.ErrnoException) => e.code === "ECONNRESET" && /ended after \d+ of 3145728 bytes/.test(e.message));
  });

  it("fails a body longer than its Content-Length", async () => {
    const s = await serve((socket) => socket.end(Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"), Buffer.alloc(300_000)])));
    const b = await openPooledGet(s.url());
    assert.ok(b !== undefined);
    // The first read may hold the 10 bytes and more: either the extra is refused, or the body ends at 10.
    const got = await collect(b).catch((e: Error) => e);
    if (got instanceof Error) assert.match(got.message, /more than the 10 bytes/);
    else assert.equal(got.length, 10);
  });

  it("fails an endless head, a refused connection and an abort", async () => {
    const endless = await serve((socket) => socket.write(`HTTP/1.1 200 OK\r\nX: ${"a".repeat(100_000)}`));
    await assert.rejects(openPooledGet(endless.url()), /response head of more than/);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(openPooledGet(new URL(`http://127.0.0.1:${port}/v2/`)), (e: NodeJS.ErrnoException) => e.code === "ECONNREFUSED");
    const silent = await serve(() => undefined);
    const ac = new AbortController();
    const pending = openPooledGet(silent.url(), {}, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await assert.rejects(pending, (e: Error) => e.name === "AbortError");
  });

  it("times out a server that goes quiet", async () => {
    const silent = await serve(() => undefined);
    await assert.rejects(openPooledGet(silent.url(), {}, { idleTimeoutMs: 50 }), (e: NodeJS.ErrnoException) => e.code === "ETIMEDOUT");
  });
});

describe("pooledCopy", () => {
  const desc: Descriptor = { mediaType: "application/octet-stream", digest: digestOf(body), size: body.length };
  /** A request stand-in that keeps copies of what it is given, slowly enough to push back. */
  const request = (): Writable & { got: Buffer[] } => {
    const got: Buffer[] = [];
    const w = new Writable({ highWaterMark: 64 << 10, write: (c: Buffer, _e, done) => void (got.push(Buffer.from(c)), setTimeout(done, 0)) });
    return Object.assign(w, { got });
  };

  it("writes every byte of a verified body, counted", async () => {
    const s = await serve((socket) => socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body])));
    const b = await openPooledGet(s.url());
    assert.ok(b !== undefined);
    const dest = request();
    const progress = new ByteProgress(undefined, desc);
    await pooledCopy(b, desc, progress, true)(dest);
    await new Promise<void>((resolve) => dest.end(resolve));
    assert.ok(Buffer.concat(dest.got).equals(body));
    assert.equal(progress.total, body.length);
  });

  it("refuses bytes that do not match the digest before the last chunk is written", async () => {
    const bad = Buffer.from(body);
    bad[12345] = bad[12345]! ^ 1;
    const s = await serve((socket) => socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${bad.length}\r\n\r\n`), bad])));
    const b = await openPooledGet(s.url());
    assert.ok(b !== undefined);
    const dest = request();
    await assert.rejects(pooledCopy(b, desc, new ByteProgress(undefined, desc), true)(dest), (e: unknown) => e instanceof DigestMismatchError);
    assert.ok(Buffer.concat(dest.got).length < bad.length, "the body never went out whole");
  });
});
