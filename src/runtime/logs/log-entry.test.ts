import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseLogEntry } from "./log-entry.js";
import { formatLogTime, parseRfc3339Nanos } from "./rfc3339.js";

const T = "2024-05-01T10:00:00.123456789+02:00";
const T_NS = 1714550400123456789n;

describe("parseLogEntry (conmon k8s-file)", () => {
  const cases: readonly { name: string; line: string; want?: { stream: string; partial: boolean; text: string; time?: bigint } }[] = [
    { name: "a full stdout line", line: `${T} stdout F hello world`, want: { stream: "stdout", partial: false, text: "hello world", time: T_NS } },
    { name: "a partial stderr line", line: `${T} stderr P part`, want: { stream: "stderr", partial: true, text: "part" } },
    { name: "an empty line as conmon writes it", line: `${T} stdout F `, want: { stream: "stdout", partial: false, text: "" } },
    { name: "an empty line without the last space", line: `${T} stdout F`, want: { stream: "stdout", partial: false, text: "" } },
    { name: "text keeps its spaces", line: `${T} stdout F  two  spaces `, want: { stream: "stdout", partial: false, text: " two  spaces " } },
    { name: "UTC with Z", line: "2024-05-01T08:00:00Z stdout F x", want: { stream: "stdout", partial: false, text: "x", time: 1714550400000000000n } },
    { name: "garbage", line: "not a log line" },
    { name: "empty", line: "" },
    { name: "stdin is not a stream conmon logs", line: `${T} stdin F x` },
    { name: "unknown tag", line: `${T} stdout X x` },
    { name: "tag glued to the text", line: `${T} stdout Fx` },
    { name: "no tag (old CRI format)", line: `${T} stdout` },
    { name: "bad time", line: "2024-13-01T10:00:00Z stdout F x" },
    { name: "February 30", line: "2024-02-30T10:00:00Z stdout F x" },
    { name: "no zone", line: "2024-05-01T10:00:00 stdout F x" },
    { name: "a huge first field", line: `${"9".repeat(100)} stdout F x` },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const e = parseLogEntry(Buffer.from(c.line));
      if (c.want === undefined) return assert.equal(e, undefined);
      assert.ok(e);
      assert.equal(e.stream, c.want.stream);
      assert.equal(e.partial, c.want.partial);
      assert.equal(e.text.toString(), c.want.text);
      if (c.want.time !== undefined) assert.equal(e.time, c.want.time);
    });
  }

  it("keeps binary text as bytes", () => {
    const line = Buffer.concat([Buffer.from(`${T} stdout F `), Buffer.from([0xff, 0x00, 0xfe])]);
    assert.deepEqual([...(parseLogEntry(line)?.text ?? [])], [0xff, 0x00, 0xfe]);
  });
});

describe("RFC 3339 times", () => {
  it("reads offsets east and west of UTC to the nanosecond", () => {
    assert.equal(parseRfc3339Nanos("2024-05-01T10:00:00.000000001+02:00"), 1714550400000000001n);
    assert.equal(parseRfc3339Nanos("2024-05-01T05:30:00.5-02:30"), 1714550400500000000n);
    assert.equal(parseRfc3339Nanos("2024-05-01T10:00:00+24:00"), undefined);
  });

  it("formats docker's -t time: UTC, nine digits, Z", () => {
    assert.equal(formatLogTime(T_NS), "2024-05-01T08:00:00.123456789Z");
    assert.equal(formatLogTime(1714550400000000000n), "2024-05-01T08:00:00.000000000Z");
    assert.equal(formatLogTime(-1n), "1969-12-31T23:59:59.999999999Z");
  });
});
