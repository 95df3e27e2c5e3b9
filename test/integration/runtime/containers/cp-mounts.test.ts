// `berth cp` on the container's files as it sees them: bind mounts, volumes, berth's /etc files, --read-only, owners.
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pack as tarPack } from "tar-stream";
import { describeResult } from "../../../support/run.js";
import { IMAGE, useSession } from "./berth-session.js";

const SLEEP = ["/bin/busybox", "sleep", "300"];

/** A tar holding one file. */
async function oneFileTar(name: string, text: string): Promise<Buffer> {
  const p = tarPack();
  p.entry({ name }, text);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

describe("berth cp through mounts (runc, conmon)", () => {
  const session = useSession();

  it("a bind mount and a named volume: read from and written to their sources, running and stopped", async (t) => {
    const s = await session(t);
    if (!s) return;
    const dir = join(s.fx.tmp.path, "cp-bind");
    const hb = join(dir, "hb");
    await mkdir(hb, { recursive: true });
    await writeFile(join(hb, "f"), "on the host\n");
    await writeFile(join(dir, "in.txt"), "copied in\n");
    const vol = await s.volume();
    s.removeAfter(t, "cp-bm");
    await s.detached(["--name", "cp-bm", "--network", "none", "-v", `${hb}:/mnt`, "-v", `${vol}:/data`, IMAGE, ...SLEEP]);

    await s.ok(["cp", "cp-bm:/mnt/f", join(dir, "out")]);
    assert.equal(await readFile(join(dir, "out"), "utf8"), "on the host\n");
    await s.ok(["cp", join(dir, "in.txt"), "cp-bm:/mnt/in.txt"]);
    assert.equal(await readFile(join(hb, "in.txt"), "utf8"), "copied in\n", "the host directory has it");
    assert.equal(await s.ok(["exec", "cp-bm", "/bin/busybox", "cat", "/mnt/in.txt"]), "copied in\n", "the container sees it");
    await s.ok(["cp", join(dir, "in.txt"), "cp-bm:/data/"]);
    assert.equal(await s.ok(["exec", "cp-bm", "/bin/busybox", "cat", "/data/in.txt"]), "copied in\n");
    await s.ok(["exec", "cp-bm", "/bin/sh", "-c", "echo from the volume > /data/v"]);
    await s.ok(["cp", "cp-bm:/data/v", join(dir, "v")]);
    assert.equal(await readFile(join(dir, "v"), "utf8"), "from the volume\n");

    // Stopped: the overlay is mounted for the copy, the mounts are read from the record's spec.
    await s.ok(["stop", "-t", "0", "cp-bm"]);
    await writeFile(join(dir, "late.txt"), "late\n");
    await s.ok(["cp", join(dir, "late.txt"), "cp-bm:/mnt/"]);
    assert.equal(await readFile(join(hb, "late.txt"), "utf8"), "late\n");
    await s.ok(["cp", "cp-bm:/data/in.txt", join(dir, "back.txt")]);
    assert.equal(await readFile(join(dir, "back.txt"), "utf8"), "copied in\n");
    await s.ok(["start", "cp-bm"]);
    assert.equal(await s.ok(["exec", "cp-bm", "/bin/busybox", "ls", "/mnt"]), "f\nin.txt\nlate.txt\n", "nothing was written under the mount point");
  });

  it("/etc/hostname, /etc/hosts, /etc/resolv.conf are the files the container sees; a mounted file is not replaced", async (t) => {
    const s = await session(t);
    if (!s) return;
    const dir = join(s.fx.tmp.path, "cp-etc");
    await mkdir(dir);
    s.removeAfter(t, "cp-etc");
    await s.detached(["--name", "cp-etc", "--network", "none", "--hostname", "etc-test", IMAGE, ...SLEEP]);
    for (const f of ["hostname", "hosts", "resolv.conf"]) {
      await s.ok(["cp", `cp-etc:/etc/${f}`, join(dir, f)]);
      assert.equal(await readFile(join(dir, f), "utf8"), await s.ok(["exec", "cp-etc", "/bin/busybox", "cat", `/etc/${f}`]), f);
      const mode = (await s.ok(["exec", "cp-etc", "/bin/busybox", "stat", "-c", "%a", `/etc/${f}`])).trim();
      assert.equal(((await stat(join(dir, f))).mode & 0o777).toString(8), mode, f);
    }
    assert.equal(await readFile(join(dir, "hostname"), "utf8"), "etc-test\n");
    await writeFile(join(dir, "evil-hosts"), "6.6.6.6 example.com\n");
    const r = await s.berth(["cp", join(dir, "evil-hosts"), "cp-etc:/etc/hosts"]);
    assert.equal(r.code, 1, describeResult(r));
    assert.match(r.stderr, /mount point/);
    assert.doesNotMatch(await s.ok(["exec", "cp-etc", "/bin/busybox", "cat", "/etc/hosts"]), /6\.6\.6\.6/);
  });

  it("--read-only: the rootfs and :ro mounts refuse copies (docker's messages), read-write mounts take them", async (t) => {
    const s = await session(t);
    if (!s) return;
    const dir = join(s.fx.tmp.path, "cp-ro");
    const rw = join(dir, "rw");
    const ro = join(dir, "ro");
    await mkdir(rw, { recursive: true });
    await mkdir(ro);
    await writeFile(join(dir, "in.txt"), "in\n");
    s.removeAfter(t, "cp-ro");
    await s.detached(["--name", "cp-ro", "--network", "none", "--read-only", "-v", `${rw}:/mnt`, "-v", `${ro}:/ro:ro`, IMAGE, ...SLEEP]);
    for (const dest of ["cp-ro:/in.txt", "cp-ro:/etc/hosts", "cp-ro:/tmp/"]) {
      const r = await s.berth(["cp", join(dir, "in.txt"), dest]);
      assert.equal(r.code, 1, `${dest}: ${describeResult(r)}`);
      assert.match(r.stderr, /container rootfs is marked read-only/, dest);
    }
    const tar = await s.berth(["cp", "-", "cp-ro:/"], { input: await oneFileTar("in.txt", "in\n") });
    assert.equal(tar.code, 1, describeResult(tar));
    assert.match(tar.stderr, /container rootfs is marked read-only/);
    const r = await s.berth(["cp", join(dir, "in.txt"), "cp-ro:/ro/"]);
    assert.equal(r.code, 1, describeResult(r));
    assert.match(r.stderr, /mounted volume is marked read-only/);
    assert.deepEqual(await readdir(ro), []);
    assert.equal(await s.ok(["exec", "cp-ro", "/bin/busybox", "ls", "/", "/tmp"]).then((o) => /in\.txt/.test(o)), false, "nothing reached the rootfs");
    assert.doesNotMatch(await s.ok(["exec", "cp-ro", "/bin/busybox", "cat", "/etc/hosts"]), /^in$/m);

    // Hostile: a link in the read-write mount back to the container's / must not make the rootfs writable.
    await symlink("/", join(rw, "up"));
    await symlink("../../../../../..", join(rw, "climb"));
    for (const dest of ["cp-ro:/mnt/up/", "cp-ro:/mnt/climb/"]) {
      const esc = await s.berth(["cp", join(dir, "in.txt"), dest]);
      assert.equal(esc.code, 1, `${dest}: ${describeResult(esc)}`);
      assert.match(esc.stderr, /container rootfs is marked read-only/);
    }
    await s.ok(["cp", join(dir, "in.txt"), "cp-ro:/mnt/"]);
    assert.equal(await readFile(join(rw, "in.txt"), "utf8"), "in\n");
  });

  it("links in a mount resolve in the container's view: a host path or a climb out of the mount reaches no host file", async (t) => {
    const s = await session(t);
    if (!s) return;
    const dir = join(s.fx.tmp.path, "cp-links");
    const hb = join(dir, "hb");
    const secret = join(dir, "secret");
    await mkdir(hb, { recursive: true });
    await mkdir(secret);
    await writeFile(join(secret, "key"), "host secret\n");
    await writeFile(join(dir, "in.txt"), "pwned\n");
    await symlink(secret, join(hb, "abs"));
    await symlink(`../../../../../../../..${secret}`, join(hb, "climb"));
    await symlink("/etc", join(hb, "etc"));
    s.removeAfter(t, "cp-links");
    await s.detached(["--name", "cp-links", "--network", "none", "--hostname", "links-test", "-v", `${hb}:/mnt`, IMAGE, ...SLEEP]);
    for (const src of ["cp-links:/mnt/abs/key", "cp-links:/mnt/climb/key", `cp-links:/mnt/../../..${secret}/key`]) {
      const r = await s.berth(["cp", src, join(dir, "leak")]);
      assert.equal(r.code, 3, `${src}: ${describeResult(r)}`);
    }
    await assert.rejects(stat(join(dir, "leak")));
    for (const dest of ["cp-links:/mnt/abs/", "cp-links:/mnt/climb/x"]) {
      const r = await s.berth(["cp", join(dir, "in.txt"), dest]);
      assert.notEqual(r.code, 0, `${dest}: ${describeResult(r)}`);
    }
    assert.deepEqual(await readdir(secret), ["key"]);
    await s.ok(["cp", "cp-links:/mnt/etc/hostname", join(dir, "hn")]);
    assert.equal(await readFile(join(dir, "hn"), "utf8"), "links-test\n", "the container's /etc/hostname, not the host's");
  });

  it("files copied out are the caller's; -a keeps the container's uid/gid", async (t) => {
    const s = await session(t);
    if (!s) return;
    const dir = join(s.fx.tmp.path, "cp-owner");
    await mkdir(dir);
    s.removeAfter(t, "cp-owner");
    await s.detached(["--name", "cp-owner", "--network", "none", IMAGE, ...SLEEP]);
    await s.ok(["exec", "cp-owner", "/bin/sh", "-c", "mkdir /d && echo x > /d/f && chown -R 1234:5678 /d"]);
    await s.ok(["cp", "cp-owner:/d", join(dir, "plain")]);
    await s.ok(["cp", "-a", "cp-owner:/d", join(dir, "archived")]);
    for (const p of ["plain", "plain/f"]) {
      const st = await stat(join(dir, p));
      assert.deepEqual([st.uid, st.gid], [process.getuid?.(), process.getgid?.()], p);
    }
    for (const p of ["archived", "archived/f"]) {
      const st = await stat(join(dir, p));
      assert.deepEqual([st.uid, st.gid], [1234, 5678], p);
    }
  });
});
