// The framed answer of an attached run: whatever way the stream is cut, the frames come out whole and
// in order; a stream that is not one (another server's answer, a header no daemon writes) is refused.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { encodeFrame, FRAME_MESSAGE, FRAME_STDERR, FRAME_STDOUT, FrameDecoder, MAX_FRAME, type Frame } from "./frame-stream.js";

const frames: readonly Frame[] = [
  { kind: FRAME_MESSAGE, payload: Buffer.from('{"id":"x"}') },
  { kind: FRAME_STDOUT, payload: randomBytes(70_000) },
  { kind: FRAME_STDERR, payload: Buffer.alloc(0) },
  { kind: FRAME_STDOUT, payload: Buffer.from("a") },
  { kind: FRAME_MESSAGE, payload: Buffer.from('{"exitCode":3}') },
];
const stream = Buffer.concat(frames.map((f) => encodeFrame(f.kind, f.payload)));

function decodeIn(pieces: readonly Buffer[]): { got: Frame[]; unfinished: number } {
  const d = new FrameDecoder();
  const got = pieces.flatMap((p) => d.push(p));
  return { got, unfinished: d.unfinished };
}

test("frames come out whole and in order however the stream is cut", () => {
  for (const size of [1, 3, 7, 8, 9, 4096, stream.length]) {
    const pieces: Buffer[] = [];
    for (let i = 0; i < stream.length; i += size) pieces.push(stream.subarray(i, i + size));
    const { got, unfinished } = decodeIn(pieces);
    assert.equal(unfinished, 0, `cut every ${size} bytes`);
    assert.deepEqual(got.map((f) => [f.kind, f.payload.toString("hex")]), frames.map((f) => [f.kind, f.payload.toString("hex")]), `cut every ${size} bytes`);
  }
});

test("a stream cut inside a frame leaves it unfinished", () => {
  for (const cut of [1, 7, 8, 20, stream.length - 1]) {
    assert.notEqual(decodeIn([stream.subarray(0, cut)]).unfinished, 0, `cut at ${cut}`);
  }
});

test("a header no berth daemon writes is refused: another kind, nonzero padding, a frame over the limit, JSON", () => {
  const bad = [
    Buffer.from([3, 0, 0, 0, 0, 0, 0, 1, 0x41]),
    Buffer.from([1, 0, 1, 0, 0, 0, 0, 1, 0x41]),
    Buffer.from([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]),
    Buffer.from('{"id":"0000"}\n'),
  ];
  for (const b of bad) assert.throws(() => new FrameDecoder().push(b), /not a berth frame stream/, b.toString("hex"));
  const limit = Buffer.alloc(8);
  limit.writeUInt32BE(FRAME_STDOUT << 24, 0);
  limit.writeUInt32BE(MAX_FRAME + 1, 4);
  assert.throws(() => new FrameDecoder().push(limit), /not a berth frame stream/);
});
