import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { IgnoreRules } from "../node-app/ignore-rules.js";
import { CopyOutsideContextError, CopySourceNotFoundError } from "./copy-errors.js";
import { SourceTree, trimSource, type SourceFilter } from "./copy-source-tree.js";

const ignore = (text: string): SourceFilter => {
  const rules = IgnoreRules.parse(text, "dockerignore", ".dockerignore");
  return { isIncluded: (p, d) => !rules.isExcluded(p, d), shouldDescend: (d) => rules.mayReincludeBelow(d) };
};

describe("SourceTree", () => {
  let top = "";
  let ctx = "";
  before(async () => {
    top = await mkdtemp(join(tmpdir(), "berth-src-"));
    ctx = join(top, "ctx");
    await mkdir(join(ctx, "dir/sub"), { recursive: true });
    await mkdir(join(ctx, "secret"), { recursive: true });
    await mkdir(join(ctx, "etc"));
    await writeFile(join(top, "outside.txt"), "host secret\n");
    for (const [p, c] of [["a.txt", "a"], ["dir/f", "f"], ["dir/sub/g", "g"], ["secret/keep", "k"], ["secret/drop", "d"], ["etc/passwd", "context's own"], ["ｚ", "fullwidth"], ["😀", "astral"]]) {
      await writeFile(join(ctx, p!), c!);
    }
    await symlink("a.txt", join(ctx, "la"));
    await symlink("/etc/passwd", join(ctx, "lpw"));
    await symlink("../../../../outside.txt", join(ctx, "lup"));
    await symlink("../outside.txt", join(ctx, "lout"));
    await symlink("dir", join(ctx, "ldir"));
    await symlink("nothing/../a.txt", join(ctx, "lmiss"));
    await symlink("loop2", join(ctx, "loop1"));
    await symlink("loop1", join(ctx, "loop2"));
    await symlink("/nope", join(ctx, "dangling"));
  });
  after(async () => rm(top, { recursive: true, force: true }));

  const context = (filter?: SourceFilter): Promise<SourceTree> => SourceTree.open({ kind: "context", dir: ctx, ...(filter && { filter }) });

  it("trims one leading / and then one ./, as docker does", () => {
    assert.equal(trimSource("/a.txt"), "a.txt");
    assert.equal(trimSource("./a.txt"), "a.txt");
    assert.equal(trimSource("/./a.txt"), "a.txt");
    assert.equal(trimSource("//a.txt"), "/a.txt");
    assert.equal(trimSource("././a"), "./a");
  });

  it("resolves plain paths, `.` and paths that go down and up again", async () => {
    const tree = await context();
    assert.equal((await tree.resolve("a.txt")).rel, "a.txt");
    assert.equal((await tree.resolve(".")).rel, "");
    assert.equal((await tree.resolve("/")).rel, "");
    assert.equal((await tree.resolve("dir/sub/../f")).rel, "dir/f");
    assert.equal((await tree.resolve("dir/")).rel, "dir");
  });

  it("refuses `..` that climbs above the context as written", async () => {
    const tree = await context();
    for (const s of ["../a.txt", "..", "dir/../../ctx/a.txt", "/../x"]) {
      await assert.rejects(tree.resolve(s), CopyOutsideContextError, s);
    }
  });

  it("follows symlinks inside the context only: /etc/passwd is the context's own, ../.. stops at the root", async () => {
    const tree = await context();
    assert.equal((await tree.resolve("la")).rel, "a.txt");
    assert.equal((await tree.resolve("lpw")).rel, "etc/passwd", "an absolute target starts again at the context root");
    assert.equal((await tree.resolve("ldir/sub")).rel, "dir/sub");
    assert.equal((await tree.resolve("lmiss")).rel, "a.txt", "a missing part of a link's target is passed over lexically");
    await assert.rejects(tree.resolve("lup"), CopySourceNotFoundError, "../../../../outside.txt is the context's outside.txt, which does not exist");
    await assert.rejects(tree.resolve("lout"), CopySourceNotFoundError);
    await assert.rejects(tree.resolve("dangling"), CopySourceNotFoundError);
    await assert.rejects(tree.resolve("loop1"), CopySourceNotFoundError);
    await assert.rejects(tree.resolve("missing"), CopySourceNotFoundError);
  });

  it("makes what .dockerignore excludes invisible, and an excluded directory with an exception a bare parent", async () => {
    const tree = await context(ignore("secret\n!secret/keep\nlpw\n*.txt\n"));
    await assert.rejects(tree.resolve("a.txt"), CopySourceNotFoundError);
    await assert.rejects(tree.resolve("la"), CopySourceNotFoundError, "the link is there but its target is excluded");
    await assert.rejects(tree.resolve("lpw"), CopySourceNotFoundError, "the link itself is excluded");
    await assert.rejects(tree.resolve("secret/drop"), CopySourceNotFoundError);
    assert.equal((await tree.resolve("secret/keep")).rel, "secret/keep");
    const entries = await tree.list("");
    const secret = entries.find((e) => e.rel === "secret");
    assert.equal(secret?.isImplicit, true);
    assert.deepEqual((await tree.list("secret")).map((e) => e.rel), ["secret/keep"]);
    assert.ok(!entries.some((e) => e.rel === "a.txt" || e.rel === "lpw"));
  });

  it("an excluded directory with an exception but nothing left in it does not exist", async () => {
    const tree = await context(ignore("secret\n!secret/nothing-like-this\n"));
    await assert.rejects(tree.resolve("secret"), CopySourceNotFoundError);
    assert.ok(!(await tree.list("")).some((e) => e.rel === "secret"));
  });

  it("walks parents first, each directory's names in UTF-8 byte order (Go's order, not UTF-16's)", async () => {
    const tree = await context();
    const names = (await tree.list("")).map((e) => e.rel);
    assert.ok(["😀", "ｚ"].sort()[0] === "😀", "UTF-16 order puts the astral character first");
    assert.deepEqual(names.slice(-2), ["ｚ", "😀"], "UTF-8 byte order puts U+FF5A before U+1F600");
    const walked: string[] = [];
    for await (const e of tree.walk("dir")) walked.push(e.rel);
    assert.deepEqual(walked, ["dir/f", "dir/sub", "dir/sub/g"]);
  });

  it("keeps a rootfs source unfiltered and resolves its absolute links inside it", async () => {
    const tree = await SourceTree.open({ kind: "rootfs", dir: ctx });
    assert.equal(tree.kind, "rootfs");
    assert.equal((await tree.resolve("/lpw")).rel, "etc/passwd");
    await assert.rejects(tree.resolve("/../../etc/passwd"), CopyOutsideContextError);
  });
});
