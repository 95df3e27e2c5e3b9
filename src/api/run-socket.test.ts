// The run socket (run-socket.ts) faces anything that can connect to it: what is not one run request
// in berth's frames is refused or cut off, and the daemon goes on answering the next connection. The
// runtime is a stand-in that never runs a container (it says the image is not in the store): what is
// tested is the socket's reading of its requests.
import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ImageNotFoundError } from "../image/index.js";
import type { ContainerRuntime } from "../runtime/index.js";
import { DaemonNotRunningError, DaemonUnavailableError } from "./daemon-errors.js";
import { encodeFrame, FrameDecoder, FRAME_MESSAGE, FRAME_STDOUT, MAX_FRAME } from "./frame-stream.js";
import { requestRun } from "./run-socket-client.js";
import { RunSocket } from "./run-socket.js";

const runtime = { run: async () => Promise.reject(new ImageNotFoundError("img")) } as unknown as ContainerRuntime;

/** Write `bytes` to the socket at `path` (then end, unless `keepOpen`) and collect the frames of the answer until it closes. */
function exchange(path: string, bytes: Buffer, keepOpen = false): Promise<{ messages: unknown[]; raw: Buffer }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect(path, () => (keepOpen ? s.write(bytes) : s.end(bytes)));
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("error", (e: NodeJS.ErrnoException) => (e.code === "ECONNRESET" || e.code === "EPIPE" ? undefined : reject(e)));
    s.on("close", () => {
      const raw = Buffer.concat(chunks);
      const messages = new FrameDecoder().push(raw).filter((f) => f.kind === FRAME_MESSAGE).map((f) => JSON.parse(f.payload.toString()) as unknown);
      resolve({ messages, raw });
    });
  });
}

const message = (v: unknown): Buffer => encodeFrame(FRAME_MESSAGE, Buffer.from(JSON.stringify(v)));

describe("RunSocket", () => {
  const listening = async (t: { after: (fn: () => Promise<void>) => void }): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), "berth-run-socket-"));
    const path = join(dir, "run.sock");
    const server = await RunSocket.listen(path, runtime);
    t.after(async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });
    return path;
  };

  it("answers a run request, and is only for its owner (mode 0600)", async (t) => {
    const path = await listening(t);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const { messages } = await exchange(path, message({ detach: false, run: { image: "img", options: {} } }), true);
    assert.deepEqual(messages, [{ imageAbsent: true }]);
  });

  it("refuses what is not a run request with an error message, naming what is wrong", async (t) => {
    const path = await listening(t);
    for (const body of [{ detach: "yes", run: {} }, { detach: false, run: { image: "img", options: {} }, more: 1 }, { run: { image: "", options: {} } }, { run: { image: "img", options: { memory: "lots" } } }, [], "run"]) {
      const { messages } = await exchange(path, message(body), true);
      assert.equal(messages.length, 1, JSON.stringify(body));
      assert.ok(typeof messages[0] === "object" && messages[0] !== null && "error" in messages[0], JSON.stringify(messages));
    }
    const { messages } = await exchange(path, encodeFrame(FRAME_MESSAGE, Buffer.from("{not json")), true);
    assert.ok("error" in (messages[0] as object));
  });

  it("cuts off garbage, a frame that is not a message, a header past the limit, two requests and a truncated one", async (t) => {
    const path = await listening(t);
    const header = Buffer.alloc(8);
    header.writeUInt32BE(FRAME_MESSAGE << 24, 0);
    header.writeUInt32BE(MAX_FRAME + 1, 4);
    for (const bytes of [
      Buffer.from("POST /v1/containers/run HTTP/1.1\r\nhost: x\r\n\r\n"),
      encodeFrame(FRAME_STDOUT, Buffer.from("{}")),
      header,
      Buffer.concat([message({ run: { image: "img", options: {} } }), message({ run: { image: "img", options: {} } })]),
      message({ run: { image: "img", options: {} } }).subarray(0, 12),
    ]) {
      const { raw } = await exchange(path, bytes);
      assert.equal(raw.length, 0, `answered ${bytes.subarray(0, 20).toString("hex")}`);
    }
    // And it still answers the next one.
    assert.deepEqual((await exchange(path, message({ detach: true, run: { image: "img", options: {} } }), true)).messages, [{ imageAbsent: true }]);
  });

  it("the client: no daemon listening is DaemonNotRunningError; an answer cut inside a frame is DaemonUnavailableError", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "berth-run-socket-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await assert.rejects(requestRun(join(dir, "none.sock"), { detach: false, run: { image: "img", options: {} } }, () => undefined), DaemonNotRunningError);
    const { createServer } = await import("node:net");
    const path = join(dir, "cut.sock");
    const server = createServer((s) => s.once("data", () => s.destroy()));
    await new Promise<void>((r) => server.listen(path, r));
    t.after(() => new Promise<void>((r) => server.close(() => r())));
    // Closed before any frame: nothing is delivered, and the caller finds no exit code (run-in-daemon.ts says so).
    let delivered = 0;
    await requestRun(path, { detach: false, run: { image: "img", options: {} } }, () => void delivered++);
    assert.equal(delivered, 0);
    const half = createServer((s) => s.once("data", () => s.end(encodeFrame(FRAME_STDOUT, Buffer.from("partial")).subarray(0, 10))));
    const halfPath = join(dir, "half.sock");
    await new Promise<void>((r) => half.listen(halfPath, r));
    t.after(() => new Promise<void>((r) => half.close(() => r())));
    await assert.rejects(requestRun(halfPath, { detach: false, run: { image: "img", options: {} } }, () => undefined), DaemonUnavailableError);
  });
});
