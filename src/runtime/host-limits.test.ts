import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nofileHardLimit } from "./host-limits.js";

const HEADER = "Limit                     Soft Limit           Hard Limit           Units     \n";

describe("nofileHardLimit", () => {
  const cases: readonly [string, string, number][] = [
    ["a hard limit", `${HEADER}Max open files            1024                 20000                files     \n`, 20000],
    ["unlimited", `${HEADER}Max open files            unlimited            unlimited            files     \n`, 1_048_576],
    ["missing line", HEADER, 1024],
    ["garbage", `${HEADER}Max open files            x                    y                    files\n`, 1024],
  ];
  for (const [name, text, want] of cases) it(name, async () => assert.equal(await nofileHardLimit(text), want));

  it("reads this process's limit", async () => {
    const n = await nofileHardLimit();
    assert.ok(Number.isSafeInteger(n) && n > 0);
  });
});
