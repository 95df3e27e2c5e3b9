import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ownCgroupProcsFile, warmCgroupMigration } from "./migration-warmup.js";

const MOUNTINFO = fileURLToPath(new URL("../../../../src/runtime/cgroup/testdata/mountinfo/", import.meta.url));
const host = async (name: string): Promise<[string, string]> => [
  await readFile(MOUNTINFO + name, "utf8"),
  await readFile(MOUNTINFO + name + ".cgroup", "utf8").catch(() => "0::/\n"),
];

describe("ownCgroupProcsFile", () => {
  it("v1 hybrid: the unified hierarchy's own cgroup", async () => {
    assert.equal(ownCgroupProcsFile(...(await host("v1-hybrid"))), "/sys/fs/cgroup/unified/cgroup.procs");
  });

  it("v1 under systemd: the session's cgroup on the unified hierarchy", async () => {
    assert.equal(ownCgroupProcsFile(...(await host("v1-systemd"))), "/sys/fs/cgroup/unified/user.slice/user-0.slice/session-1.scope/cgroup.procs");
  });

  it("v2: the own cgroup under /sys/fs/cgroup", async () => {
    assert.equal(ownCgroupProcsFile(...(await host("v2"))), "/sys/fs/cgroup/user.slice/user-0.slice/session-1.scope/cgroup.procs");
  });

  it("v2 with a subtree mounted (a container's view): the path below the mount's root", async () => {
    assert.equal(ownCgroupProcsFile(...(await host("v2-nested"))), "/sys/fs/cgroup/app/cgroup.procs");
  });

  it("a mounted subtree that does not hold this process's cgroup is passed over for one that does", () => {
    const mountinfo = [
      "600 500 0:23 /other /sys/fs/cgroup rw - cgroup2 cgroup2 rw",
      "601 500 0:40 / /mnt/all rw - cgroup2 cgroup2 rw",
    ].join("\n");
    assert.equal(ownCgroupProcsFile(mountinfo, "0::/mine\n"), "/mnt/all/mine/cgroup.procs");
  });

  it("v1 only: the first hierarchy with a controller, not name=systemd", () => {
    const mountinfo = [
      "28 26 0:25 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd",
      "32 26 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory",
    ].join("\n");
    assert.equal(ownCgroupProcsFile(mountinfo, "1:name=systemd:/s\n4:memory:/m/n\n"), "/sys/fs/cgroup/memory/m/n/cgroup.procs");
  });

  it("no cgroup filesystem, or none that shows this process's cgroup: undefined", async () => {
    assert.equal(ownCgroupProcsFile(...(await host("none"))), undefined);
    assert.equal(ownCgroupProcsFile("600 500 0:23 /a /sys/fs/cgroup rw - cgroup2 cgroup2 rw", "0::/b\n"), undefined);
    assert.equal(ownCgroupProcsFile("600 500 0:23 /a /sys/fs/cgroup rw - cgroup2 cgroup2 rw", "0::/a/../../etc\n"), undefined);
  });
});

describe("warmCgroupMigration", () => {
  const readOwn = (): Promise<string> => readFile("/proc/self/cgroup", "utf8");
  const canWrite = process.getuid?.() === 0;

  it("leaves this process in the cgroups it was in, and the file it writes lists this process", { skip: !canWrite && "needs root to write its own cgroup.procs" }, async () => {
    const before = await readOwn();
    await warmCgroupMigration();
    assert.equal(await readOwn(), before);
    const file = ownCgroupProcsFile(await readFile("/proc/self/mountinfo", "utf8"), before);
    assert.ok(file !== undefined, "this machine has a cgroup filesystem showing this process's cgroup");
    const listed = (await readFile(file, "utf8")).split("\n");
    assert.ok(listed.includes(String(process.pid)), `${file} lists pid ${process.pid}`);
  });

  it("never rejects, and a call while one runs returns at once", async () => {
    let firstDone = false;
    const first = warmCgroupMigration().then(() => (firstDone = true));
    await warmCgroupMigration();
    assert.equal(firstDone, false, "the second call waited for nothing");
    await first;
  });
});
