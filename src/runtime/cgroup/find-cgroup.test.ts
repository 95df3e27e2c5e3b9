import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { isBerthError } from "../../oci/index.js";
import { parseCgroupMounts, parseOwnCgroups } from "./cgroup-mounts.js";
import { CgroupFormatError, CgroupUnavailableError } from "./errors.js";
import { cleanCgroupsPath, findCgroup, type Cgroup } from "./find-cgroup.js";

const MOUNTINFO = fileURLToPath(new URL("../../../../src/runtime/cgroup/testdata/mountinfo/", import.meta.url));
const host = async (name: string): Promise<{ mountinfo: string; ownCgroup: string }> => ({
  mountinfo: await readFile(MOUNTINFO + name, "utf8"),
  ownCgroup: await readFile(MOUNTINFO + name + ".cgroup", "utf8").catch(() => "0::/\n"),
});

const ID = "a".repeat(64);

describe("findCgroup", () => {
  const cases: readonly { name: string; host: string; path: string; want: Cgroup }[] = [
    {
      name: "v1 hybrid, absolute: under each mount, not under this process's nested memory cgroup",
      host: "v1-hybrid", path: `/berth/${ID}`,
      want: { version: 1, path: `/berth/${ID}`, dirs: {
        memory: `/sys/fs/cgroup/memory/berth/${ID}`, cpu: `/sys/fs/cgroup/cpu/berth/${ID}`, cpuacct: `/sys/fs/cgroup/cpuacct/berth/${ID}`,
        pids: `/sys/fs/cgroup/pids/berth/${ID}`, blkio: `/sys/fs/cgroup/blkio/berth/${ID}`,
      } },
    },
    {
      name: "v1 hybrid, relative: under this process's cgroup of each hierarchy (memory is nested)",
      host: "v1-hybrid", path: "berth/x",
      want: { version: 1, path: "berth/x", dirs: {
        memory: "/sys/fs/cgroup/memory/process_api/93e6422d04e62d631637a0bc0d3e4fe5/berth/x", cpu: "/sys/fs/cgroup/cpu/berth/x",
        cpuacct: "/sys/fs/cgroup/cpuacct/berth/x", pids: "/sys/fs/cgroup/pids/berth/x", blkio: "/sys/fs/cgroup/blkio/berth/x",
      } },
    },
    {
      name: "v1 under systemd: cpu and cpuacct share one co-mounted hierarchy",
      host: "v1-systemd", path: "/berth/c1",
      want: { version: 1, path: "/berth/c1", dirs: {
        memory: "/sys/fs/cgroup/memory/berth/c1", cpu: "/sys/fs/cgroup/cpu,cpuacct/berth/c1", cpuacct: "/sys/fs/cgroup/cpu,cpuacct/berth/c1",
        pids: "/sys/fs/cgroup/pids/berth/c1", blkio: "/sys/fs/cgroup/blkio/berth/c1",
      } },
    },
    {
      name: "v1 under systemd, relative",
      host: "v1-systemd", path: "c1",
      want: { version: 1, path: "c1", dirs: {
        memory: "/sys/fs/cgroup/memory/user.slice/user-0.slice/session-1.scope/c1", cpu: "/sys/fs/cgroup/cpu,cpuacct/user.slice/c1",
        cpuacct: "/sys/fs/cgroup/cpu,cpuacct/user.slice/c1", pids: "/sys/fs/cgroup/pids/user.slice/user-0.slice/session-1.scope/c1",
        blkio: "/sys/fs/cgroup/blkio/user.slice/c1",
      } },
    },
    { name: "v2, absolute", host: "v2", path: `/berth/${ID}`, want: { version: 2, path: `/berth/${ID}`, dir: `/sys/fs/cgroup/berth/${ID}` } },
    {
      name: "v2, relative: under the parent of this process's cgroup, as runc does",
      host: "v2", path: "berth/c1", want: { version: 2, path: "berth/c1", dir: "/sys/fs/cgroup/user.slice/user-0.slice/berth/c1" },
    },
    {
      name: "v2 in a cgroup namespace's subtree mount, relative",
      host: "v2-nested", path: "c2", want: { version: 2, path: "c2", dir: "/sys/fs/cgroup/c2" },
    },
    { name: "hostile .. stays inside the hierarchy", host: "v2", path: "/berth/../../../etc/x", want: { version: 2, path: "/etc/x", dir: "/sys/fs/cgroup/etc/x" } },
    { name: "relative .. is cleaned as runc cleans it", host: "v2", path: "../../x/", want: { version: 2, path: "x", dir: "/sys/fs/cgroup/user.slice/user-0.slice/x" } },
  ];
  for (const c of cases) {
    it(c.name, async () => assert.deepEqual(await findCgroup(c.path, await host(c.host)), c.want));
  }

  it("a cgroup2 not on /sys/fs/cgroup is used when nothing else is mounted; its escaped mount point is decoded", async () => {
    const mountinfo = "601 500 0:40 / /mnt/my\\040cgroups rw,relatime - cgroup2 cgroup2 rw\n";
    assert.deepEqual(await findCgroup("/a", { mountinfo, ownCgroup: "0::/\n" }), { version: 2, path: "/a", dir: "/mnt/my cgroups/a" });
  });

  const errors: readonly { name: string; host: string; path: string; check: (e: unknown) => boolean }[] = [
    { name: "no cgroup filesystem", host: "none", path: "/a", check: (e) => e instanceof CgroupUnavailableError },
    { name: "empty path", host: "v2", path: "", check: (e) => isBerthError(e, "INVALID_ARGUMENT") },
    { name: "NUL byte", host: "v2", path: "/a\0b", check: (e) => isBerthError(e, "INVALID_ARGUMENT") },
    { name: "the root cgroup", host: "v1-hybrid", path: "/", check: (e) => isBerthError(e, "INVALID_ARGUMENT") && /root cgroup/.test(e.message) },
    { name: "climbs to the root", host: "v2", path: "/a/../..", check: (e) => isBerthError(e, "INVALID_ARGUMENT") },
    { name: "relative climbing to nothing", host: "v2", path: "..", check: (e) => isBerthError(e, "INVALID_ARGUMENT") },
  ];
  for (const c of errors) {
    it(`rejects: ${c.name}`, async () => assert.rejects(findCgroup(c.path, await host(c.host)), c.check));
  }

  it("rejects a relative path when this process's cgroup lies outside the mount's subtree", async () => {
    const mountinfo = "600 500 0:23 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
    await assert.rejects(findCgroup("c", { mountinfo, ownCgroup: "0::/other\n" }), (e) => e instanceof CgroupFormatError && /outside/.test(e.message));
  });

  it("rejects a relative path when /proc/self/cgroup has no line for a hierarchy", async () => {
    const { mountinfo } = await host("v1-hybrid");
    await assert.rejects(findCgroup("c", { mountinfo, ownCgroup: "4:memory:/\n" }), (e) => e instanceof CgroupFormatError && /no line/.test(e.message));
  });

  it("reads this process's own files by default", async () => {
    const cg = await findCgroup(`/berth/${ID}`);
    assert.ok(cg.version === 2 ? cg.dir.endsWith(`/berth/${ID}`) : Object.values(cg.dirs).every((d) => d.endsWith(`/berth/${ID}`)));
  });
});

describe("cleanCgroupsPath", () => {
  for (const [input, want] of [["/berth/x/", "/berth/x"], ["//berth//x", "/berth/x"], ["a/./b", "a/b"], ["/a/../b", "/b"]] as const) {
    it(`${input} → ${want}`, () => assert.equal(cleanCgroupsPath(input), want));
  }
});

describe("parseCgroupMounts / parseOwnCgroups", () => {
  it("keeps only cgroup mounts, with their controllers and no name= or flag options", async () => {
    const mounts = parseCgroupMounts((await host("v1-systemd")).mountinfo);
    assert.deepEqual(mounts.map((m) => [m.mountPoint, m.version, m.controllers.join(",")]), [
      ["/sys/fs/cgroup/unified", 2, ""], ["/sys/fs/cgroup/systemd", 1, ""], ["/sys/fs/cgroup/cpu,cpuacct", 1, "cpu,cpuacct"],
      ["/sys/fs/cgroup/memory", 1, "memory"], ["/sys/fs/cgroup/pids", 1, "pids"], ["/sys/fs/cgroup/blkio", 1, "blkio"],
      ["/sys/fs/cgroup/net_cls,net_prio", 1, "net_cls,net_prio"],
    ]);
  });

  it("rejects a cgroup line cut short", () => {
    assert.throws(() => parseCgroupMounts("31 30 0:28 / - cgroup cgroup\n"), CgroupFormatError);
  });

  it("parses /proc/self/cgroup and rejects a line without a path", () => {
    assert.deepEqual(parseOwnCgroups("4:cpu,cpuacct:/a\n0::/\n"), [{ hierarchy: 4, controllers: ["cpu", "cpuacct"], path: "/a" }, { hierarchy: 0, controllers: [], path: "/" }]);
    assert.throws(() => parseOwnCgroups("4:memory\n"), CgroupFormatError);
  });
});
