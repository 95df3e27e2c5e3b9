import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseByteSize } from "./byte-size.js";

describe("parseByteSize", () => {
  // go-units RAMInBytes: every prefix is a power of 1024.
  const OK: readonly [string | number, number][] = [
    ["512m", 512 * 2 ** 20], ["1g", 2 ** 30], ["1.5GB", 1610612736], ["300M", 300 * 2 ** 20], ["1024kb", 2 ** 20],
    ["2048k", 2 ** 21], ["2b", 2], ["100", 100], [100, 100], ["1KiB", 1024], ["10 MB", 10 * 2 ** 20], ["1t", 2 ** 40], ["0.5k", 512],
  ];
  for (const [input, bytes] of OK) it(`${JSON.stringify(input)} → ${bytes}`, () => assert.equal(parseByteSize(input), bytes));

  const BAD: readonly (string | number)[] = ["", "m", "1x", "1.5.2g", "-1m", "1mbb", "1ib", -1, 1.5, "9".repeat(30) + "p"];
  for (const input of BAD) it(`refuses ${JSON.stringify(input)}`, () => assert.throws(() => parseByteSize(input), /invalid byte value/));
});
