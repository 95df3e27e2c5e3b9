import assert from "node:assert/strict";
import { chown, link, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, utimes, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable, Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { extract as tarExtract, pack as tarPack } from "tar-stream";
import { isBerthError } from "../../oci/index.js";
import { copyFromContainer } from "./copy-from-container.js";
import { copyToContainer } from "./copy-to-container.js";
import { CopyPathNotFoundError, TooManySymlinksError, UnsafeArchiveEntryError } from "./errors.js";

const isRoot = process.getuid?.() === 0;
const MTIME = new Date("2021-03-04T05:06:07Z");

/** The names in a tar, in order. */
async function tarNames(tar: Buffer): Promise<string[]> {
  const ex = tarExtract();
  const names: string[] = [];
  const reading = (async () => {
    for await (const entry of ex) {
      names.push(`${entry.header.name}${entry.header.type === "symlink" ? ` -> ${entry.header.linkname}` : ""}${entry.header.type === "link" ? ` => ${entry.header.linkname}` : ""}`);
      entry.resume();
    }
  })();
  ex.end(tar);
  await reading;
  return names;
}

function collector(): { stream: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  return { stream: new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }), bytes: () => Buffer.concat(chunks) };
}

describe("copyFromContainer / copyToContainer", () => {
  let dir = "";
  let rootfs = "";
  let host = "";
  let n = 0;
  const fresh = async (): Promise<string> => {
    const p = join(dir, `out-${++n}`);
    await mkdir(p);
    return p;
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-cp-"));
    rootfs = join(dir, "rootfs");
    host = join(dir, "host");
    await mkdir(join(rootfs, "etc"), { recursive: true });
    await mkdir(join(rootfs, "data", "sub"), { recursive: true });
    await mkdir(join(host, "secret"), { recursive: true });
    await writeFile(join(host, "secret", "key"), "host secret\n");
    await writeFile(join(rootfs, "etc", "hostname"), "ctr\n");
    await writeFile(join(rootfs, "data", "a.txt"), "alpha\n");
    await chmod(join(rootfs, "data", "a.txt"), 0o640);
    await writeFile(join(rootfs, "data", "sub", "b.txt"), "beta\n");
    await symlink("a.txt", join(rootfs, "data", "link"));
    await link(join(rootfs, "data", "a.txt"), join(rootfs, "data", "hard"));
    if (isRoot) await chown(join(rootfs, "data", "a.txt"), 1234, 5678);
    for (const p of ["data/sub/b.txt", "data/a.txt", "data/sub", "data"]) await utimes(join(rootfs, p), MTIME, MTIME);
    await chmod(join(rootfs, "data"), 0o750);
    await symlink("/etc", join(rootfs, "evil-abs"));
    await symlink(`../../../../../../../..${host}/secret`, join(rootfs, "evil-climb"));
    await symlink(join(host, "secret"), join(rootfs, "evil-host"));
    await symlink("/loop2", join(rootfs, "loop1"));
    await symlink("/loop1", join(rootfs, "loop2"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe("from the container", () => {
    it("a file to a new host path keeps content, mode, mtime; the caller owns it, unless preserveOwner (-a, as root) keeps the container's", async () => {
      const out = await fresh();
      await copyFromContainer(rootfs, "/data/a.txt", join(out, "copy.txt"));
      const st = await stat(join(out, "copy.txt"));
      assert.equal(await readFile(join(out, "copy.txt"), "utf8"), "alpha\n");
      assert.equal(st.mode & 0o7777, 0o640);
      assert.equal(st.mtime.getTime(), MTIME.getTime());
      assert.deepEqual([st.uid, st.gid], [process.getuid?.(), process.getgid?.()]);
      if (!isRoot) return;
      await copyFromContainer(rootfs, "/data", join(out, "archived"), { preserveOwner: true });
      const kept = await stat(join(out, "archived", "a.txt"));
      assert.deepEqual([kept.uid, kept.gid], [1234, 5678]);
    });

    it("a directory to a new path: made, with its contents, links kept as links, hard links kept", async () => {
      const out = await fresh();
      await copyFromContainer(rootfs, "data", join(out, "d"));
      assert.deepEqual((await readdir(join(out, "d"))).sort(), ["a.txt", "hard", "link", "sub"]);
      assert.equal(await readlink(join(out, "d", "link")), "a.txt");
      assert.equal((await stat(join(out, "d", "hard"))).ino, (await stat(join(out, "d", "a.txt"))).ino);
      assert.equal((await stat(join(out, "d"))).mode & 0o7777, 0o750);
      assert.equal((await stat(join(out, "d"))).mtime.getTime(), MTIME.getTime());
      assert.equal(await readFile(join(out, "d", "sub", "b.txt"), "utf8"), "beta\n");
    });

    it("a directory into an existing one, and /. for its contents", async () => {
      const out = await fresh();
      await copyFromContainer(rootfs, "/data", out);
      assert.deepEqual(await readdir(out), ["data"]);
      const out2 = await fresh();
      await copyFromContainer(rootfs, "/data/.", out2);
      assert.deepEqual((await readdir(out2)).sort(), ["a.txt", "hard", "link", "sub"]);
    });

    it("a file into a directory, and onto a file", async () => {
      const out = await fresh();
      await copyFromContainer(rootfs, "/etc/hostname", out);
      assert.equal(await readFile(join(out, "hostname"), "utf8"), "ctr\n");
      await writeFile(join(out, "existing"), "old");
      await copyFromContainer(rootfs, "/etc/hostname", join(out, "existing"));
      assert.equal(await readFile(join(out, "existing"), "utf8"), "ctr\n");
    });

    it("errors as docker cp: a directory onto a file, a missing parent, a missing source", async () => {
      const out = await fresh();
      await writeFile(join(out, "f"), "");
      await assert.rejects(copyFromContainer(rootfs, "/data", join(out, "f")), (e: unknown) => isBerthError(e, "FAILED_PRECONDITION"));
      await assert.rejects(copyFromContainer(rootfs, "/data", join(out, "no", "such")), (e: unknown) => e instanceof CopyPathNotFoundError && e.side === "host");
      await assert.rejects(copyFromContainer(rootfs, "/nope", out), (e: unknown) => e instanceof CopyPathNotFoundError && e.side === "container");
      await assert.rejects(copyFromContainer(rootfs, "/etc/hostname/x", out), CopyPathNotFoundError);
    });

    it("symlinks in the container path resolve inside the rootfs, never on the host", async () => {
      const out = await fresh();
      await copyFromContainer(rootfs, "/evil-abs/hostname", out);
      assert.equal(await readFile(join(out, "hostname"), "utf8"), "ctr\n", "the rootfs's /etc, not the host's");
      await assert.rejects(copyFromContainer(rootfs, "/evil-climb/key", out), CopyPathNotFoundError);
      await assert.rejects(copyFromContainer(rootfs, "/evil-host/key", out), CopyPathNotFoundError);
      await assert.rejects(copyFromContainer(rootfs, "/evil-host/", out), CopyPathNotFoundError);
      assert.deepEqual(await readdir(out), ["hostname"]);
    });

    it("a symlink loop fails fast", async () => {
      await assert.rejects(copyFromContainer(rootfs, "/loop1/x", await fresh()), TooManySymlinksError);
    });

    it("copies a final symlink as a link, or its target with followLink", async () => {
      const out = await fresh();
      await copyFromContainer(rootfs, "/evil-host", join(out, "l"));
      assert.equal(await readlink(join(out, "l")), join(host, "secret"), "the link itself, as data");
      await copyFromContainer(rootfs, "/data/link", join(out, "f"), { followLink: true });
      assert.equal((await lstat(join(out, "f"))).isFile(), true);
    });

    it("`-` writes a tar named after the source, or its contents for /.", async () => {
      const a = collector();
      await copyFromContainer(rootfs, "/data", a.stream);
      assert.deepEqual(await tarNames(a.bytes()), ["data/", "data/a.txt", "data/hard => data/a.txt", "data/link -> a.txt", "data/sub/", "data/sub/b.txt"]);
      const b = collector();
      await copyFromContainer(rootfs, "/data/.", b.stream);
      assert.deepEqual(await tarNames(b.bytes()), ["a.txt", "hard => a.txt", "link -> a.txt", "sub/", "sub/b.txt"]);
    });
  });

  describe("into the container", () => {
    it("a host file to a new path and a host directory into a directory, metadata kept", async () => {
      const src = await fresh();
      await writeFile(join(src, "f.txt"), "from host\n");
      await chmod(join(src, "f.txt"), 0o751);
      await utimes(join(src, "f.txt"), MTIME, MTIME);
      await mkdir(join(rootfs, "tmp"), { recursive: true });
      await copyToContainer(rootfs, "/tmp/new.txt", join(src, "f.txt"));
      const st = await stat(join(rootfs, "tmp", "new.txt"));
      assert.deepEqual([st.mode & 0o7777, st.mtime.getTime()], [0o751, MTIME.getTime()]);
      await copyToContainer(rootfs, "/tmp", src);
      assert.equal(await readFile(join(rootfs, "tmp", src.split("/").pop() ?? "", "f.txt"), "utf8"), "from host\n");
    });

    it("a destination through symlinks lands inside the rootfs", async () => {
      const src = await fresh();
      await writeFile(join(src, "x"), "in");
      await copyToContainer(rootfs, "/evil-abs/", join(src, "x"));
      assert.equal(await readFile(join(rootfs, "etc", "x"), "utf8"), "in");
      await assert.rejects(copyToContainer(rootfs, "/evil-host/x", join(src, "x")), CopyPathNotFoundError, "the link's target does not exist inside the rootfs");
      assert.deepEqual(await readdir(join(host, "secret")), ["key"], "the host is untouched");
    });

    it("`-` extracts a tar into a directory, and only into one", async () => {
      const tar = collector();
      await copyFromContainer(rootfs, "/data", tar.stream);
      await mkdir(join(rootfs, "restore"));
      await copyToContainer(rootfs, "/restore", Readable.from([tar.bytes()]));
      const st = await stat(join(rootfs, "restore", "data", "a.txt"));
      assert.deepEqual([st.mode & 0o7777, st.mtime.getTime()], [0o640, MTIME.getTime()]);
      if (isRoot) assert.deepEqual([st.uid, st.gid], [1234, 5678]);
      await assert.rejects(copyToContainer(rootfs, "/nowhere", Readable.from([tar.bytes()])), CopyPathNotFoundError);
      await assert.rejects(copyToContainer(rootfs, "/etc/hostname", Readable.from([tar.bytes()])), (e: unknown) => isBerthError(e, "FAILED_PRECONDITION"));
    });

    it("`-` refuses a hostile tar and leaves the host alone", async () => {
      const p = tarPack();
      p.entry({ name: `../../../../../../../..${host}/secret/key` }, "pwned");
      p.finalize();
      const chunks: Buffer[] = [];
      for await (const c of p as AsyncIterable<Buffer>) chunks.push(c);
      const hostile = Buffer.concat(chunks);
      await mkdir(join(rootfs, "in"), { recursive: true });
      await assert.rejects(copyToContainer(rootfs, "/in", Readable.from([hostile])), UnsafeArchiveEntryError);
      assert.equal(await readFile(join(host, "secret", "key"), "utf8"), "host secret\n");
    });

    it("stops on an abort", async () => {
      const ac = new AbortController();
      ac.abort();
      const stream = new PassThrough();
      stream.end(Buffer.alloc(1024));
      await assert.rejects(copyToContainer(rootfs, "/tmp", stream, { signal: ac.signal }), (e: unknown) => (e as Error).name === "AbortError");
    });
  });
});
