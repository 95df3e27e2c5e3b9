import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkSymlinkTarget, entryComponents } from "./entry-names.js";
import { UnsafeArchiveEntryError } from "./errors.js";

describe("entryComponents", () => {
  const ok: readonly [string, string[]][] = [
    ["a/b", ["a", "b"]], ["./a//b/", ["a", "b"]], [".", []], ["./", []], ["a/./b", ["a", "b"]], ["..a/b..", ["..a", "b.."]],
  ];
  for (const [name, want] of ok) it(`${JSON.stringify(name)} → ${JSON.stringify(want)}`, () => assert.deepEqual(entryComponents(name), want));
  const refused = ["../etc/passwd", "a/../../x", "a/..", "/etc/passwd", "//etc", "", "a\0b"];
  for (const name of refused) {
    it(`refuses ${JSON.stringify(name)}`, () => assert.throws(() => entryComponents(name), UnsafeArchiveEntryError));
  }
});

describe("checkSymlinkTarget", () => {
  const ok: readonly [string, string][] = [["/tmp", "/etc/passwd"], ["/tmp", "../etc"], ["/a/b", "../../x"], ["/", "x/../y"], ["/a", "./b"]];
  for (const [dir, target] of ok) it(`allows ${target} in ${dir}`, () => checkSymlinkTarget("l", dir, target));
  const refused: readonly [string, string][] = [["/tmp", "../../etc"], ["/", ".."], ["/a/b", "../../../x"], ["/a", "b/../../../c"], ["/a", ""]];
  for (const [dir, target] of refused) {
    it(`refuses ${JSON.stringify(target)} in ${dir}`, () => assert.throws(() => checkSymlinkTarget("l", dir, target), UnsafeArchiveEntryError));
  }
});
