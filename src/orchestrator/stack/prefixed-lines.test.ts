import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { it } from "node:test";
import { PrefixedLines } from "./prefixed-lines.js";

it("PrefixedLines prefixes every line once, across writes, and a last line without a newline", async () => {
  const target = new PassThrough();
  let text = "";
  target.on("data", (b: Buffer) => (text += b.toString()));
  const w = new PrefixedLines("web-1 | ", target);
  for (const chunk of ["one\ntw", "o\n", "\n", "three\nfour"]) await new Promise<void>((r) => w.write(chunk, () => r()));
  assert.equal(text, "web-1 | one\nweb-1 | two\nweb-1 | \nweb-1 | three\nweb-1 | four");
});
