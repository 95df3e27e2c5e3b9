import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LineAssembler } from "./line-assembler.js";
import type { LogEntry, LogStream } from "./log-entry.js";
import { LineSplitter } from "./line-splitter.js";

const e = (time: number, stream: LogStream, partial: boolean, text: string): LogEntry => ({ time: BigInt(time), stream, partial, text: Buffer.from(text) });
const shown = (lines: { stream: string; text: Buffer; complete: boolean; time: bigint }[]): string[] =>
  lines.map((l) => `${l.stream}:${l.text.toString()}${l.complete ? "\\n" : ""}@${l.time}`);

describe("LineAssembler", () => {
  it("joins P entries per stream and dates the line by its F entry", () => {
    const a = new LineAssembler(1000);
    const out = [e(1, "stdout", true, "a"), e(2, "stderr", true, "x"), e(3, "stdout", true, "b"), e(4, "stdout", false, "c"), e(5, "stderr", false, "y")].flatMap((x) => a.push(x));
    assert.deepEqual(shown(out), ["stdout:abc\\n@4", "stderr:xy\\n@5"]);
    assert.deepEqual(a.flush(), []);
  });

  it("flushes unfinished lines oldest first", () => {
    const a = new LineAssembler(1000);
    a.push(e(7, "stderr", true, "late"));
    a.push(e(3, "stdout", true, "early"));
    assert.deepEqual(shown(a.flush()), ["stderr:late@7", "stdout:early@3"].reverse());
  });

  it("hands out a line longer than the limit in pieces", () => {
    const a = new LineAssembler(10);
    const out = [e(1, "stdout", true, "123456"), e(2, "stdout", true, "789012"), e(3, "stdout", false, "345")].flatMap((x) => a.push(x));
    assert.deepEqual(shown(out), ["stdout:123456@1", "stdout:789012345\\n@3"]);
  });

  it("continues a seeded line", () => {
    const a = new LineAssembler(100);
    a.seed({ stream: "stdout", time: 1n, text: Buffer.from("to be "), complete: false });
    assert.deepEqual(shown(a.push(e(2, "stdout", false, "continued"))), ["stdout:to be continued\\n@2"]);
  });
});

describe("LineSplitter", () => {
  it("carries a line across chunks", () => {
    const s = new LineSplitter(100);
    assert.deepEqual(s.push(Buffer.from("ab")).map(String), []);
    assert.deepEqual(s.push(Buffer.from("c\nde\nf")).map(String), ["abc", "de"]);
    assert.deepEqual(s.push(Buffer.from("\n")).map(String), ["f"]);
  });

  it("drops a line longer than the limit, whole, and goes on after it", () => {
    const s = new LineSplitter(4);
    assert.deepEqual(s.push(Buffer.from("ok\n12345")).map(String), ["ok"]);
    assert.deepEqual(s.push(Buffer.from("678\nfine\n")).map(String), ["fine"]);
    assert.deepEqual(s.push(Buffer.from("toolong\nx\n")).map(String), ["x"]);
  });

  it("forgets the unfinished line on reset", () => {
    const s = new LineSplitter(100);
    s.push(Buffer.from("half"));
    s.reset();
    assert.deepEqual(s.push(Buffer.from("new\n")).map(String), ["new"]);
  });
});
