// The client's reading of the daemon's answers when they go wrong: cut inside a frame, cut before
// the end of a JSON answer, and a frame handler that fails. The daemon here is a stand-in on a unix
// socket that answers with exactly the bytes each case needs.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { DaemonClient } from "./daemon-client.js";
import { DaemonUnavailableError } from "./daemon-errors.js";
import { encodeFrame, FRAME_CONTENT_TYPE, FRAME_MESSAGE, FRAME_STDOUT, type Frame } from "./frame-stream.js";

/** A daemon stand-in whose every answer is `answer(res)`; the client for it. */
async function standIn(t: TestContext, answer: (res: ServerResponse) => void): Promise<DaemonClient> {
  const dir = await mkdtemp(join(tmpdir(), "berth-daemon-client-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const socket = join(dir, "api.sock");
  const server = createServer((req, res) => {
    req.resume();
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return new DaemonClient(socket);
}

const out = (text: string): Buffer => encodeFrame(FRAME_STDOUT, Buffer.from(text));

test("an answer cut inside a frame is the daemon gone, after the whole frames before it", async (t) => {
  const client = await standIn(t, (res) => {
    res.writeHead(200, { "content-type": FRAME_CONTENT_TYPE });
    const whole = out("first\n");
    const cut = encodeFrame(FRAME_MESSAGE, Buffer.from(JSON.stringify({ exitCode: 0 })));
    res.write(Buffer.concat([whole, cut.subarray(0, cut.length - 3)]));
    setTimeout(() => res.socket?.destroy(), 20);
  });
  const got: string[] = [];
  await assert.rejects(
    client.frames("POST", "/v1/containers/run/attached", {}, (f: Frame) => void got.push(f.payload.toString())),
    (e: unknown) => e instanceof DaemonUnavailableError && /ended early/.test(e.message),
  );
  assert.deepEqual(got, ["first\n"]);
});

test("a frame handler's failure is the request's, and no frame after it is handled", async (t) => {
  const client = await standIn(t, (res) => {
    res.writeHead(200, { "content-type": FRAME_CONTENT_TYPE });
    res.end(Buffer.concat([out("a"), out("b"), out("c")]));
  });
  const got: string[] = [];
  await assert.rejects(
    client.frames("POST", "/x", {}, (f: Frame) => {
      got.push(f.payload.toString());
      if (got.length === 2) throw new Error("handler failed");
    }),
    /handler failed/,
  );
  assert.deepEqual(got, ["a", "b"]);
});

test("a handler that makes the reader wait gets every frame, in order", async (t) => {
  const frames = Array.from({ length: 50 }, (_, i) => out(`${i},`));
  const client = await standIn(t, (res) => {
    res.writeHead(200, { "content-type": FRAME_CONTENT_TYPE });
    res.end(Buffer.concat(frames));
  });
  let seen = "";
  await client.frames("POST", "/x", {}, async (f: Frame) => {
    seen += f.payload.toString();
    if (seen.length % 3 === 0) await new Promise((r) => setTimeout(r, 1));
  });
  assert.equal(seen, Array.from({ length: 50 }, (_, i) => `${i},`).join(""));
});

test("a JSON answer cut short fails instead of waiting forever", async (t) => {
  const client = await standIn(t, (res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
    res.write('{"id": "abc');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  await assert.rejects(client.json("GET", "/v1/ping"));
});
