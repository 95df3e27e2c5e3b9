import { it } from "node:test";
import assert from "node:assert/strict";
import { digestOf } from "./digest.js";
import type { Descriptor } from "./descriptor.js";
import { isBerthError } from "./errors.js";
import { MediaType } from "./media-types.js";
import { parsePlatform } from "./platform.js";
import { offeredPlatforms, selectPlatformEntry } from "./select-platform.js";

const entry = (platform: string, mediaType: string = MediaType.OciManifest): Descriptor => {
  const [os, architecture, variant] = platform.split("/");
  return { mediaType, digest: digestOf(platform + mediaType), size: 1, platform: { os: os!, architecture: architecture!, ...(variant && { variant }) } };
};
const index = [entry("linux/amd64"), entry("linux/arm64/v8"), entry("unknown/unknown", "application/vnd.example+json"), entry("linux/arm/v7")];

it("selects the first matching entry by containerd's rules and names what is offered otherwise", () => {
  const cases: { want: string; expect?: string; expectErr?: RegExp }[] = [
    { want: "linux/amd64", expect: "linux/amd64" },
    { want: "linux/arm64", expect: "linux/arm64/v8" },
    { want: "linux/armhf", expect: "linux/arm/v7" },
    { want: "linux/s390x", expectErr: /no image for platform linux\/s390x; the index has linux\/amd64, linux\/arm64\/v8, linux\/arm\/v7$/ },
    { want: "windows/amd64", expectErr: /windows\/amd64/ },
  ];
  for (const c of cases) {
    const wanted = parsePlatform(c.want);
    if (c.expectErr) {
      assert.throws(() => selectPlatformEntry(index, wanted, "img"), (e) => isBerthError(e, "NOT_FOUND") && c.expectErr!.test(e.message), c.want);
    } else {
      assert.equal(selectPlatformEntry(index, wanted, "img").digest, entry(c.expect!).digest, c.want);
    }
  }
  assert.deepEqual(offeredPlatforms(index), ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"]);
  assert.throws(() => selectPlatformEntry(index, parsePlatform("linux/amd64"), "img", () => false), /no image for platform/);
});
