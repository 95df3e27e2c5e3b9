import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, link, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { CopyDestinationError, CopyOwnerError } from "./copy-errors.js";
import { copyIntoRootfs, type CopyIntoRootfsOptions } from "./copy-into-rootfs.js";

const isRoot = process.getuid?.() === 0;
const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

describe("copyIntoRootfs", () => {
  let top = "";
  let ctx = "";
  let rootfs = "";
  let outside = "";
  let hostPasswd = "";
  let n = 0;
  before(async () => {
    top = await mkdtemp(join(tmpdir(), "berth-cir-"));
    ctx = join(top, "ctx");
    outside = join(top, "outside");
    await mkdir(outside);
    await mkdir(join(ctx, "dir/sub"), { recursive: true });
    await writeFile(join(ctx, "a.txt"), "a\n");
    await writeFile(join(ctx, "empty"), "");
    await writeFile(join(ctx, "nl\nünï"), "odd name\n");
    await writeFile(join(ctx, "dir/f"), "f\n");
    await chmod(join(ctx, "dir/f"), 0o4755);
    await writeFile(join(ctx, "dir/sub/g"), "g\n");
    await link(join(ctx, "dir/f"), join(ctx, "dir/hard"));
    await symlink("/etc/passwd", join(ctx, "dir/pw"));
    await symlink("../../../../../../outside", join(ctx, "dir/out"));
    await symlink("/etc/passwd", join(ctx, "lpw"));
    await utimes(join(ctx, "a.txt"), 981173106.789, 981173106.789);
    execFileSync("mkfifo", [join(ctx, "dir/fifo")]);
    hostPasswd = sha(await readFile("/etc/passwd"));
  });
  beforeEach(async () => {
    rootfs = join(top, `rootfs-${++n}`);
    await mkdir(join(rootfs, "etc"), { recursive: true });
    await mkdir(join(rootfs, "srv"));
    await writeFile(join(rootfs, "etc/passwd"), "root:x:0:0::/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n");
    await writeFile(join(rootfs, "etc/group"), "root:x:0:\napp:x:1000:\n");
    await symlink("/", join(rootfs, "rootlink"));
    await symlink("../../../../../..", join(rootfs, "up"));
    await symlink(outside, join(rootfs, "abs-outside"));
    await symlink("/etc/passwd", join(rootfs, "fl"));
    await symlink("/srv", join(rootfs, "app"));
  });
  after(async () => {
    assert.deepEqual(await readdir(outside), [], "nothing was ever written outside the rootfs");
    assert.equal(sha(await readFile("/etc/passwd")), hostPasswd, "the host's /etc/passwd is untouched");
    await rm(top, { recursive: true, force: true });
  });

  const copy = (sources: string[], destination: string, extra: Partial<CopyIntoRootfsOptions> = {}): ReturnType<typeof copyIntoRootfs> =>
    copyIntoRootfs({ rootfs, kind: "COPY", source: { kind: "context", dir: ctx }, sources, destination, workdir: "/", ...extra });
  const mode = async (p: string): Promise<number> => (await lstat(join(rootfs, p))).mode & 0o7777;

  it("copies a directory's contents; symlinks stay links, even to /etc/passwd or out of the context; FIFOs are left out", async () => {
    const r = await copy(["dir"], "/d");
    assert.deepEqual((await readdir(join(rootfs, "d"))).sort(), ["f", "hard", "out", "pw", "sub"]);
    assert.equal(await readlink(join(rootfs, "d/pw")), "/etc/passwd");
    assert.equal(await readlink(join(rootfs, "d/out")), "../../../../../../outside");
    assert.equal((await lstat(join(rootfs, "d/f"))).ino, (await lstat(join(rootfs, "d/hard"))).ino, "hard links stay hard links");
    assert.deepEqual(r.skipped, ["dir/fifo"]);
    assert.equal(await mode("d/f"), 0o755, "the setuid bit is gone, as docker's chown clears it");
    assert.equal(await mode("d"), 0o755);
  });

  it("keeps mtimes in whole seconds, and copies an empty file and a name with a newline and unicode", async () => {
    await copy(["a.txt", "empty", "nl*"], "/x/");
    assert.equal((await lstat(join(rootfs, "x/a.txt"))).mtimeMs, 981173106000);
    assert.equal((await readFile(join(rootfs, "x/empty"))).length, 0);
    assert.equal(await readFile(join(rootfs, "x/nl\nünï"), "utf8"), "odd name\n");
  });

  it("writes through the image's symlinks only inside the rootfs: to /, to ../.., to a host path", async () => {
    await copy(["a.txt"], "/rootlink/r.txt");
    await copy(["a.txt"], "/up/etc/");
    await copy(["a.txt"], "/abs-outside/");
    await copy(["dir"], "/up/d");
    assert.equal(await readFile(join(rootfs, "r.txt"), "utf8"), "a\n");
    assert.equal(await readFile(join(rootfs, "etc/a.txt"), "utf8"), "a\n");
    assert.equal(await readFile(join(rootfs, outside, "a.txt"), "utf8"), "a\n");
    assert.ok((await lstat(join(rootfs, "d/sub"))).isDirectory());
  });

  it("follows a destination symlink to a file and overwrites that file, inside the rootfs", async () => {
    await copy(["a.txt"], "/fl");
    assert.equal(await readFile(join(rootfs, "etc/passwd"), "utf8"), "a\n");
    assert.equal(await readlink(join(rootfs, "fl")), "/etc/passwd");
  });

  it("follows a top-level symlink source inside the context (lpw is the context's missing etc/passwd)", async () => {
    await assert.rejects(copy(["lpw"], "/x"), /not found in the build context/);
  });

  it("refuses a directory onto a file and several sources without a trailing /", async () => {
    await assert.rejects(copy(["dir"], "/etc/passwd"), CopyDestinationError);
    await assert.rejects(copy(["a.txt", "empty"], "/x"), CopyDestinationError);
    await assert.rejects(copy(["a.txt"], "/etc/passwd/x"), CopyDestinationError);
  });

  it("writes heredocs as files (0644) named after them, into a directory or as the destination", async () => {
    await copy([], "/h/", { heredocs: [{ name: "run.sh", content: "echo hi\n" }, { name: "b", content: "" }], heredocTimeMs: 1_000_000_000_000 });
    assert.equal(await readFile(join(rootfs, "h/run.sh"), "utf8"), "echo hi\n");
    assert.equal(await mode("h/run.sh"), 0o644);
    assert.equal((await lstat(join(rootfs, "h/run.sh"))).mtimeMs, 1_000_000_000_000);
    await assert.rejects(copy([], "/h/", { heredocs: [{ name: "..", content: "would replace /" }] }), CopyDestinationError);
    await copy([], "/single", { heredocs: [{ name: "EOF", content: "x" }], chmod: "755" });
    assert.equal(await readFile(join(rootfs, "single"), "utf8"), "x");
    assert.equal(await mode("single"), 0o755);
  });

  it("--chmod sets every copied file and directory, not the destination's parents", async () => {
    await copy(["dir"], "/m/n", { chmod: "0750" });
    assert.equal(await mode("m"), 0o755);
    assert.equal(await mode("m/n"), 0o755);
    assert.equal(await mode("m/n/sub"), 0o750);
    assert.equal(await mode("m/n/sub/g"), 0o750);
    assert.equal(await mode("m/n/f"), 0o750, "the setuid bit goes too: --chmod is the whole mode");
    assert.equal((await lstat(join(rootfs, "m/n/pw"))).isSymbolicLink(), true);
    await assert.rejects(copy(["a.txt"], "/x", { chmod: "u+x" }), CopyOwnerError);
  });

  it("--chown by name and number, and the file's new parents with it", async (t) => {
    if (!isRoot) return t.skip("needs root to chown");
    await copy(["a.txt"], "/p/q/", { chown: "app" });
    const st = await lstat(join(rootfs, "p/q/a.txt"));
    assert.deepEqual([st.uid, st.gid], [1000, 1000]);
    assert.deepEqual([(await lstat(join(rootfs, "p"))).uid, (await lstat(join(rootfs, "p/q"))).gid], [1000, 1000]);
    await copy(["dir"], "/p2/q", { chown: "7:8" });
    assert.deepEqual([(await lstat(join(rootfs, "p2"))).uid, (await lstat(join(rootfs, "p2/q"))).uid, (await lstat(join(rootfs, "p2/q/pw"))).gid], [0, 7, 8]);
    await assert.rejects(copy(["a.txt"], "/x", { chown: "nosuch" }), CopyOwnerError);
  });

  it("COPY --from keeps owners and setuid bits unless --chown", async (t) => {
    if (!isRoot) return t.skip("needs root to chown");
    const from = join(top, `from-${n}`);
    await mkdir(from);
    await writeFile(join(from, "tool"), "#!/bin/sh\n");
    execFileSync("chown", ["12:34", join(from, "tool")]);
    await chmod(join(from, "tool"), 0o4755);
    await copy(["/tool"], "/kept", { source: { kind: "rootfs", dir: from } });
    const kept = await lstat(join(rootfs, "kept"));
    assert.deepEqual([kept.uid, kept.gid, kept.mode & 0o7777], [12, 34, 0o4755]);
    await copy(["/tool"], "/chowned", { source: { kind: "rootfs", dir: from }, chown: "1:2" });
    const chowned = await lstat(join(rootfs, "chowned"));
    assert.deepEqual([chowned.uid, chowned.gid, chowned.mode & 0o7777], [1, 2, 0o755]);
  });

  it("replaces what is in the way: a symlink in the image by a directory, a directory by a file", async () => {
    await mkdir(join(rootfs, "data/sub"), { recursive: true });
    await writeFile(join(rootfs, "data/sub/old"), "old");
    await symlink("/etc", join(rootfs, "data/dir-link"));
    await mkdir(join(ctx, `tree-${n}/dir-link`), { recursive: true });
    await writeFile(join(ctx, `tree-${n}/dir-link/x`), "x");
    await writeFile(join(ctx, `tree-${n}/sub`), "now a file");
    await copy([`tree-${n}`], "/data");
    assert.ok((await lstat(join(rootfs, "data/dir-link"))).isDirectory());
    assert.equal(await readFile(join(rootfs, "data/sub"), "utf8"), "now a file");
    assert.deepEqual(await readdir(join(rootfs, "etc")), ["group", "passwd"], "nothing went through the replaced symlink");
  });

  it("reports progress once per source", async () => {
    const seen: string[] = [];
    await copy(["a.txt", "dir"], "/pr/", { onProgress: (e) => seen.push(`${e.source} ${e.action}`) });
    assert.deepEqual(seen, ["a.txt copied", "dir copied"]);
  });
});
