import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { pack as tarPack } from "tar-stream";
import { copyFromContainer } from "./copy-from-container.js";
import { copyToContainer } from "./copy-to-container.js";
import { CopyPathNotFoundError, MountPointReplaceError, ReadOnlyDestinationError } from "./errors.js";
import { MountedRoot } from "./mounted-root.js";
import { resolveInRoot } from "./resolve-in-root.js";

describe("MountedRoot: which mount holds a path", () => {
  const root = new MountedRoot("/r", [
    { destination: "/data", source: "/v/data", readOnly: false },
    { destination: "/data/logs", source: "/v/logs", readOnly: true },
    { destination: "/etc/hosts", source: "/c/hosts", readOnly: false },
    { destination: "/twice", source: "/v/first", readOnly: false },
    { destination: "/twice", source: "/v/second", readOnly: true },
  ], true);
  const cases: { path: string; host: string; writable: "yes" | "rootfs" | "mount" }[] = [
    { path: "/", host: "/r/", writable: "rootfs" },
    { path: "/etc", host: "/r/etc", writable: "rootfs" },
    { path: "/data", host: "/v/data", writable: "yes" },
    { path: "/data/x/y", host: "/v/data/x/y", writable: "yes" },
    { path: "/database", host: "/r/database", writable: "rootfs" },
    { path: "/data/logs/a", host: "/v/logs/a", writable: "mount" },
    { path: "/etc/hosts", host: "/c/hosts", writable: "yes" },
    { path: "/etc/hostsfile", host: "/r/etc/hostsfile", writable: "rootfs" },
    { path: "/twice/f", host: "/v/second/f", writable: "mount" },
  ];
  for (const c of cases) {
    it(`${c.path} → ${c.host}`, () => {
      assert.equal(root.hostPath(c.path), c.host);
      if (c.writable === "yes") root.checkWritable(c.path);
      else assert.throws(() => root.checkWritable(c.path), (e: unknown) => e instanceof ReadOnlyDestinationError && e.where === c.writable);
    });
  }
  it("lists the mount points in a directory", () => {
    assert.deepEqual(root.mountPointsIn("/").sort(), ["data", "twice", "twice"]);
    assert.deepEqual(root.mountPointsIn("/data"), ["logs"]);
    assert.deepEqual(root.mountPointsIn("/etc"), ["hosts"]);
  });
});

describe("copy with mounts: sources read and written as the container sees them", () => {
  let dir = "";
  let rootfs = "";
  let vol = "";
  let roVol = "";
  let hostsFile = "";
  let secret = "";
  let tree = new MountedRoot("/nonexistent");
  let n = 0;
  const fresh = async (): Promise<string> => {
    const p = join(dir, `out-${++n}`);
    await mkdir(p);
    return p;
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-cpm-"));
    rootfs = join(dir, "rootfs");
    vol = join(dir, "vol");
    roVol = join(dir, "ro-vol");
    hostsFile = join(dir, "hosts");
    secret = join(dir, "secret");
    // The rootfs has the placeholders runc makes for mount points: an empty directory and an empty file.
    await mkdir(join(rootfs, "mnt"), { recursive: true });
    await mkdir(join(rootfs, "etc"), { recursive: true });
    await writeFile(join(rootfs, "etc", "hosts"), "");
    await writeFile(join(rootfs, "etc", "passwd"), "root:x:0:0::/root:/bin/sh\n");
    await mkdir(join(vol, "sub"), { recursive: true });
    await writeFile(join(vol, "f"), "in the volume\n");
    await mkdir(roVol);
    await writeFile(join(roVol, "r"), "read-only\n");
    await writeFile(hostsFile, "127.0.0.1\tlocalhost\n", { mode: 0o644 });
    await mkdir(secret);
    await writeFile(join(secret, "key"), "host secret\n");
    // Hostile links inside the mount: to a host path, climbing out of the mount, to the container's /.
    await symlink(secret, join(vol, "abs"));
    await symlink("../../../../../../../../..", join(vol, "climb"));
    await symlink("/etc", join(vol, "etc"));
    tree = new MountedRoot(rootfs, [
      { destination: "/mnt", source: vol, readOnly: false },
      { destination: "/etc/hosts", source: hostsFile, readOnly: false },
      { destination: "/ro", source: roVol, readOnly: true },
    ]);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("a file in a mount, a mounted file and a missing mount point are read from their sources", async () => {
    const out = await fresh();
    await copyFromContainer(tree, "/mnt/f", out);
    await copyFromContainer(tree, "/etc/hosts", out);
    await copyFromContainer(tree, "/ro", out);
    assert.equal(await readFile(join(out, "f"), "utf8"), "in the volume\n");
    assert.equal(await readFile(join(out, "hosts"), "utf8"), "127.0.0.1\tlocalhost\n");
    assert.equal((await stat(join(out, "hosts"))).mode & 0o777, 0o644);
    assert.equal(await readFile(join(out, "ro", "r"), "utf8"), "read-only\n", "/ro is not in the rootfs, only in the mount table");
  });

  it("a directory holding mount points is packed with what is mounted there", async () => {
    const out = await fresh();
    await copyFromContainer(tree, "/.", out);
    assert.equal(await readFile(join(out, "etc", "hosts"), "utf8"), "127.0.0.1\tlocalhost\n");
    assert.equal(await readFile(join(out, "mnt", "f"), "utf8"), "in the volume\n");
    assert.equal(await readFile(join(out, "ro", "r"), "utf8"), "read-only\n");
  });

  it("a file copied into a mount lands in its source, not under the mount point", async () => {
    const src = await fresh();
    await writeFile(join(src, "in.txt"), "from the host\n");
    await copyToContainer(tree, "/mnt/in.txt", join(src, "in.txt"));
    await copyToContainer(tree, "/mnt/sub/", join(src, "in.txt"));
    assert.equal(await readFile(join(vol, "in.txt"), "utf8"), "from the host\n");
    assert.equal(await readFile(join(vol, "sub", "in.txt"), "utf8"), "from the host\n");
    assert.deepEqual(await readdir(join(rootfs, "mnt")), [], "the rootfs's mount point is untouched");
  });

  it("symlinks inside a mount resolve in the container's view: never to the host, never out of the mount's source", async () => {
    assert.equal(await resolveInRoot(tree, "/mnt/climb/etc/passwd"), "/etc/passwd");
    const out = await fresh();
    await copyFromContainer(tree, "/mnt/etc/passwd", out);
    assert.equal(await readFile(join(out, "passwd"), "utf8"), "root:x:0:0::/root:/bin/sh\n", "the container's /etc");
    await assert.rejects(copyFromContainer(tree, "/mnt/abs/key", out), CopyPathNotFoundError);
    await assert.rejects(copyFromContainer(tree, "/mnt/../../../secret/key", out), CopyPathNotFoundError);
    const src = await fresh();
    await writeFile(join(src, "x"), "pwned");
    await assert.rejects(copyToContainer(tree, "/mnt/abs/x", join(src, "x")), CopyPathNotFoundError);
    await copyToContainer(tree, "/mnt/climb/", join(src, "x"));
    assert.equal(await readFile(join(rootfs, "x"), "utf8"), "pwned", "the link climbs to the container's /, which is the rootfs");
    assert.deepEqual(await readdir(secret), ["key"]);
    assert.deepEqual((await readdir(dir)).filter((f) => f === "x"), []);
  });

  it("refuses to replace a mounted file, and writes nothing into a :ro mount or a read-only rootfs", async () => {
    const src = await fresh();
    await writeFile(join(src, "x"), "new");
    await assert.rejects(copyToContainer(tree, "/etc/hosts", join(src, "x")), MountPointReplaceError);
    assert.equal(await readFile(hostsFile, "utf8"), "127.0.0.1\tlocalhost\n");
    await assert.rejects(copyToContainer(tree, "/ro/x", join(src, "x")), (e: unknown) => e instanceof ReadOnlyDestinationError && e.where === "mount");
    const readOnly = new MountedRoot(rootfs, tree.mounts, true);
    await assert.rejects(copyToContainer(readOnly, "/y", join(src, "x")), (e: unknown) => e instanceof ReadOnlyDestinationError && e.where === "rootfs");
    await assert.rejects(copyToContainer(readOnly, "/etc/hosts", join(src, "x")), ReadOnlyDestinationError);
    await assert.rejects(copyToContainer(readOnly, "/mnt/etc/", join(src, "x")), ReadOnlyDestinationError, "a link in the mount leading back to the rootfs");
    await copyToContainer(readOnly, "/mnt/y", join(src, "x"));
    assert.equal(await readFile(join(vol, "y"), "utf8"), "new", "a read-write mount of a read-only container takes writes");
    assert.deepEqual((await readdir(roVol)).sort(), ["r"]);
    await assert.rejects(stat(join(rootfs, "y")));
    await assert.rejects(stat(join(rootfs, "etc", "x")));
  });

  it("a tar with a directory into a read-only place is refused entry by entry", async () => {
    const src = await fresh();
    await mkdir(join(src, "d"));
    await writeFile(join(src, "d", "f"), "f");
    await symlink("/ro", join(src, "d", "toro"));
    const chunks: Buffer[] = [];
    await copyFromContainer(src, "/d", new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }));
    const tar = Buffer.concat(chunks);
    // A hostile tar: a link to the :ro mount, then a file through it.
    const p = tarPack();
    p.entry({ name: "esc", type: "symlink", linkname: "/ro" });
    p.entry({ name: "esc/planted" }, "x");
    p.finalize();
    const hostile: Buffer[] = [];
    for await (const c of p as AsyncIterable<Buffer>) hostile.push(c);
    await assert.rejects(copyToContainer(tree, "/mnt", Readable.from([Buffer.concat(hostile)])), ReadOnlyDestinationError);
    assert.deepEqual((await readdir(roVol)).sort(), ["r"]);
    await copyToContainer(tree, "/mnt", Readable.from([tar]));
    assert.equal(await readFile(join(vol, "d", "f"), "utf8"), "f");
  });
});
