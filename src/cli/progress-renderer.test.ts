import { it } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import type { Digest } from "../oci/index.js";
import { ProgressRenderer, progressMode } from "./progress-renderer.js";

const digest = `sha256:${"a".repeat(64)}` as Digest;

it("progressMode: --quiet and --json decide without looking at the stream", () => {
  const untouchable = Object.defineProperty({}, "isTTY", { get: () => assert.fail("isTTY read") }) as NodeJS.WriteStream;
  assert.equal(progressMode({ quiet: true }, untouchable), "quiet");
  assert.equal(progressMode({ json: true }, untouchable), "json");
  assert.equal(progressMode({}, Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.WriteStream), "tty");
});

it("ProgressRenderer: a quiet renderer never asks for its stream; a plain one asks once, at its first line", () => {
  let asked = 0;
  const out = new PassThrough();
  const stream = (): NodeJS.WritableStream => (asked++, out);
  const quiet = new ProgressRenderer("quiet", stream, "Copying");
  quiet.listener({ type: "blob-start", digest, size: 10, mediaType: "application/octet-stream", offset: 0 });
  quiet.finish();
  assert.equal(asked, 0);

  const plain = new ProgressRenderer("plain", stream, "Copying");
  plain.listener({ type: "blob-start", digest, size: 10, mediaType: "application/octet-stream", offset: 0 });
  plain.listener({ type: "blob-done", digest, size: 10 });
  plain.finish();
  assert.equal(asked, 1);
  const text = String(out.read());
  assert.match(text, /aaaaaaaaaaaa: copying 10 B/);
  assert.match(text, /aaaaaaaaaaaa: complete/);
});
