// The framed answer of an attached run carries every byte of the container's log, in order, and the
// exit code after the last of them, also when the CLI reads slower than the daemon reads the log (the
// frames then wait in the answer's streams when the log is done). The runtime here is a stand-in whose
// container has already ended, with a log written beforehand: what is tested is the streaming, whose
// timing a real container cannot pin down; the run tests cover it with real containers.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { ContainerRuntime } from "../runtime/index.js";
import { streamAttachedRun } from "./attached-run.js";
import { DaemonClient } from "./daemon-client.js";
import { FRAME_CONTENT_TYPE, FRAME_MESSAGE, FRAME_STDERR, FRAME_STDOUT, FrameDecoder } from "./frame-stream.js";
import { requestRun } from "./run-socket-client.js";
import { RunSocket } from "./run-socket.js";

const ID = "d".repeat(64);
const LINES = 1000;
/** Long lines, then short ones: at the end of the log the output's streams hold several frames, whatever the timing. */
const text = (i: number): string => (i < LINES - 50 ? `line ${String(i).padStart(6, "0")} ${"x".repeat(900)}` : `s${i}`);
const EXPECT_OUT = Array.from({ length: LINES }, (_, i) => i).filter((i) => i % 100 !== 99).map((i) => `${text(i)}\n`).join("") + "tail";
const EXPECT_ERR = Array.from({ length: LINES }, (_, i) => i).filter((i) => i % 100 === 99).map((i) => `${text(i)}\n`).join("");

/** A stand-in runtime whose container has ended (exit code 7, `--rm`) and left its log in a temp dir. */
async function endedContainer(t: { after: (fn: () => Promise<void>) => void }): Promise<{ dir: string; runtime: ContainerRuntime }> {
  const dir = await mkdtemp(join(tmpdir(), "berth-attached-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const log = Array.from({ length: LINES }, (_, i) => `2026-11-29T04:00:00.${String(i).padStart(9, "0")}Z ${i % 100 === 99 ? "stderr" : "stdout"} F ${text(i)}\n`).join("")
    // A last line the container left without its newline (`P`), as `printf` does.
    + "2026-11-29T04:00:01.000000000Z stdout P tail\n";
  await writeFile(join(dir, "ctr.log"), log);
  const runtime = {
    run: async () => ({ record: { id: ID, autoRemove: true } }),
    ctx: { logPath: () => join(dir, "ctr.log") },
    ended: async () => undefined,
    removeExited: async () => 7,
  } as unknown as ContainerRuntime;
  return { dir, runtime };
}

test("every byte of the log reaches a slow reader before the exit code", async (t) => {
  const { dir, runtime } = await endedContainer(t);
  const socket = join(dir, "api.sock");
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": FRAME_CONTENT_TYPE });
    void streamAttachedRun(runtime, { image: "img", options: {} }, res);
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));

  let stdout = "";
  let stderr = "";
  const messages: unknown[] = [];
  let frames = 0;
  await new DaemonClient(socket).frames("POST", "/v1/containers/run/attached", {}, async (f) => {
    // Slower than the daemon reads the log, to the end: its frames back up behind this reader.
    if (frames++ % 4 === 0) await sleep(3);
    if (f.kind === FRAME_STDOUT) stdout += f.payload.toString();
    else if (f.kind === FRAME_STDERR) stderr += f.payload.toString();
    else if (f.kind === FRAME_MESSAGE) messages.push(JSON.parse(f.payload.toString()));
  });
  assert.equal(stdout.length, EXPECT_OUT.length, "every stdout byte");
  assert.equal(stdout, EXPECT_OUT);
  assert.equal(stderr, EXPECT_ERR);
  assert.deepEqual(messages, [{ id: ID }, { exitCode: 7 }], "the id first, the exit code last");
});

test("frames still waiting in the streams when the log is done go out before the exit code", async (t) => {
  const { runtime } = await endedContainer(t);
  // An answer that always asks to wait (its buffer holds one byte), as a CLI reading slower than the
  // daemon, and slower still over the short last lines: they are still queued in the output's streams
  // when the log is done (the reader's last steps take a few ms at most).
  const received: Buffer[] = [];
  const res = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _enc, done) {
      received.push(chunk);
      if (received.length < LINES - 50) setImmediate(done);
      else setTimeout(done, 10);
    },
  });
  await streamAttachedRun(runtime, { image: "img", options: {} }, res);
  const frames = new FrameDecoder().push(Buffer.concat(received));
  const kinds = frames.map((f) => f.kind);
  assert.equal(kinds.at(-1), FRAME_MESSAGE, "the last frame is a message");
  assert.deepEqual(JSON.parse(frames.at(-1)!.payload.toString()), { exitCode: 7 });
  assert.equal(frames.filter((f) => f.kind === FRAME_STDOUT).map((f) => f.payload.toString()).join(""), EXPECT_OUT, "every stdout byte, before the exit code");
  assert.equal(frames.filter((f) => f.kind === FRAME_STDERR).map((f) => f.payload.toString()).join(""), EXPECT_ERR);
});

test("over the run socket, a slow reader gets every byte of the log and then the exit code, as over HTTP", async (t) => {
  const { dir, runtime } = await endedContainer(t);
  const path = join(dir, "run.sock");
  const server = await RunSocket.listen(path, runtime);
  t.after(() => server.close());
  let stdout = "";
  let stderr = "";
  const messages: unknown[] = [];
  let frames = 0;
  await requestRun(path, { detach: false, run: { image: "img", options: {} } }, async (f) => {
    if (frames++ % 4 === 0) await sleep(3);
    if (f.kind === FRAME_STDOUT) stdout += f.payload.toString();
    else if (f.kind === FRAME_STDERR) stderr += f.payload.toString();
    else if (f.kind === FRAME_MESSAGE) messages.push(JSON.parse(f.payload.toString()));
  });
  assert.equal(stdout, EXPECT_OUT);
  assert.equal(stderr, EXPECT_ERR);
  assert.deepEqual(messages, [{ id: ID }, { exitCode: 7 }]);
  // Detached: the id alone.
  const detached: unknown[] = [];
  await requestRun(path, { detach: true, run: { image: "img", options: {} } }, (f) => void detached.push(JSON.parse(f.payload.toString())));
  assert.deepEqual(detached, [{ id: ID }]);
});
