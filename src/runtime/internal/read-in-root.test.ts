import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { readInRoot } from "./read-in-root.js";

describe("readInRoot", () => {
  let dir = "";
  let outside = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-rir-"));
    outside = join(dir, "host-secret");
    await writeFile(outside, "secret\n");
    const root = join(dir, "root");
    await mkdir(join(root, "etc"), { recursive: true });
    await writeFile(join(root, "etc", "passwd"), "root:x:0:0::/root:/bin/sh\n");
    await symlink(outside, join(root, "etc", "group"));
    await mkdir(join(root, "etc", "shadow"));
    const evil = join(dir, "evil");
    await mkdir(evil);
    await symlink(join(dir), join(evil, "etc"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cases: readonly [string, string, string, string | undefined][] = [
    ["a regular file", "root", "etc/passwd", "root:x:0:0::/root:/bin/sh\n"],
    ["a symlink to a host file", "root", "etc/group", undefined],
    ["a directory", "root", "etc/shadow", undefined],
    ["a missing file", "root", "etc/hosts", undefined],
    ["a symlinked parent", "evil", "etc/host-secret", undefined],
    [".. cannot climb out", "root", "../host-secret", undefined],
    ["an empty path", "root", "", undefined],
  ];
  for (const [name, root, rel, want] of cases) {
    it(name, async () => assert.equal(await readInRoot(join(dir, root), rel), want));
  }
});
