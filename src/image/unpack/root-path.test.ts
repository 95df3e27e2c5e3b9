import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanPath, RootResolver, rootPath, splitPath, TooManyLinksError } from "./root-path.js";

describe("cleanPath and splitPath (Go's filepath.Clean and Split)", () => {
  const clean: [string, string][] = [
    ["", "."], ["a/b/", "a/b"], ["/../x", "/x"], ["../x", "../x"], ["a/../../b", "../b"], ["//a//b/./c/..", "/a/b"], ["/", "/"],
  ];
  for (const [input, want] of clean) it(`Clean(${JSON.stringify(input)}) = ${JSON.stringify(want)}`, () => assert.equal(cleanPath(input), want));
  it("splits after the last slash", () => {
    assert.deepEqual(splitPath("a/b/c"), ["a/b/", "c"]);
    assert.deepEqual(splitPath("c"), ["", "c"]);
    assert.deepEqual(splitPath("/"), ["/", ""]);
  });
});

describe("rootPath (continuity's fs.RootPath)", () => {
  let root = "";
  before(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), "berth-rootpath-")));
    await mkdir(join(root, "etc/sub"), { recursive: true });
    await mkdir(join(root, "home/derek"), { recursive: true });
    await writeFile(join(root, "etc/passwd"), "inside");
    await symlink("/etc", join(root, "abs"));
    await symlink("../../etc", join(root, "home/derek/rel"));
    await symlink("../../../../../../../../etc", join(root, "deep"));
    await symlink("etc/../../../outside", join(root, "updown"));
    await symlink("abs/sub", join(root, "chain"));
    await symlink("loop2", join(root, "loop1"));
    await symlink("loop1", join(root, "loop2"));
    await symlink("/nonexistent/x", join(root, "dangling"));
  });
  after(async () => rm(root, { recursive: true, force: true }));

  const cases: [string, string][] = [
    ["", ""], ["/", ""], ["etc/passwd", "/etc/passwd"], ["../../etc/passwd", "/etc/passwd"], ["/../..", ""],
    ["abs/passwd", "/etc/passwd"], ["home/derek/rel/passwd", "/etc/passwd"], ["deep/passwd", "/etc/passwd"],
    ["updown/x", "/outside/x"], ["chain/f", "/etc/sub/f"], ["dangling/y", "/nonexistent/x/y"],
    ["missing/a/b", "/missing/a/b"], ["abs", "/etc"],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} → <root>${want}`, async () => assert.equal(await rootPath(root, input), root + want));
  }

  it("refuses a symlink loop", async () => {
    await assert.rejects(rootPath(root, "loop1/x"), TooManyLinksError);
  });

  it("refuses a path through a file (ENOTDIR)", async () => {
    await assert.rejects(rootPath(root, "etc/passwd/x"), { code: "ENOTDIR" });
  });

  it("resolves hard link targets without following the last component, and bounds them", async () => {
    const r = new RootResolver(root);
    assert.equal(await r.hardlinkTarget("abs"), `${root}/abs`);
    assert.equal(await r.hardlinkTarget("/abs/passwd"), `${root}/etc/passwd`);
    assert.equal(await r.hardlinkTarget("../../../.."), root);
    assert.equal(await r.hardlinkTarget(`${"../".repeat(9)}etc/passwd`), `${root}/etc/passwd`);
  });

  it("forgets remembered answers that ran through a new symlink", async () => {
    const r = new RootResolver(root);
    assert.equal(await r.resolve("later/x"), `${root}/later/x`);
    await symlink("/etc", join(root, "later"));
    r.invalidateBelow(`${root}/later`);
    assert.equal(await r.resolve("later/x"), `${root}/etc/x`);
  });
});
