import { it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cgroupPathsOfSpec, cgroupPathsOfState, readStateCgroupPaths, removeLeftoverCgroups } from "./leftover-cgroups.js";

const id = "c0ffee";

it("cgroupPathsOfState: runc's cgroup_paths, each once", () => {
  const state = {
    id,
    cgroup_paths: {
      "": `/sys/fs/cgroup/unified/berth/${id}`,
      memory: `/sys/fs/cgroup/memory/berth/${id}`,
      cpu: `/sys/fs/cgroup/cpu,cpuacct/berth/${id}`,
      cpuacct: `/sys/fs/cgroup/cpu,cpuacct/berth/${id}`,
    },
  };
  assert.deepEqual(cgroupPathsOfState(JSON.stringify(state), id), [
    `/sys/fs/cgroup/unified/berth/${id}`, `/sys/fs/cgroup/memory/berth/${id}`, `/sys/fs/cgroup/cpu,cpuacct/berth/${id}`,
  ]);
});

it("cgroupPathsOfState: a damaged or hostile state names nothing outside the container's own directories", () => {
  const of = (paths: unknown): string[] => cgroupPathsOfState(JSON.stringify({ cgroup_paths: paths }), id);
  assert.deepEqual(of({ a: "relative/berth/c0ffee", b: `/sys/fs/cgroup/memory/../../../etc/${id}`, c: "/sys/fs/cgroup/memory/berth", d: `/${id}` }), []);
  assert.deepEqual(of({ a: `/sys/fs/cgroup/memory//berth/${id}`, b: `/sys/fs/cgroup/memory/berth/${id}/`, c: 7, d: null }), []);
  assert.deepEqual(of({ a: "/sys/fs/cgroup/memory/berth/other" }), [], "another container's");
  assert.deepEqual(of(null), []);
  assert.deepEqual(of(["/sys/fs/cgroup/memory/berth/c0ffee"]), ["/sys/fs/cgroup/memory/berth/c0ffee"], "an array's values are paths too");
  assert.deepEqual(cgroupPathsOfState("{not json", id), []);
  assert.deepEqual(cgroupPathsOfState("null", id), []);
});

// A hybrid host's mounts (this machine's), a non-cgroup mount and a bind-mounted v1 subtree among them.
const MOUNTINFO = [
  "30 24 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755",
  "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw",
  "32 30 0:28 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd",
  "33 30 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,memory",
  "34 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct",
  "35 30 0:31 /ci /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,pids",
  "36 24 8:1 / /home rw,relatime shared:1 - ext4 /dev/sda1 rw",
].join("\n");

it("cgroupPathsOfSpec: the spec's path under every cgroup mount, as runc's state records them", () => {
  assert.deepEqual(cgroupPathsOfSpec(`/berth/${id}`, id, MOUNTINFO), [
    `/sys/fs/cgroup/unified/berth/${id}`, `/sys/fs/cgroup/systemd/berth/${id}`, `/sys/fs/cgroup/memory/berth/${id}`,
    `/sys/fs/cgroup/cpu,cpuacct/berth/${id}`, `/sys/fs/cgroup/pids/berth/${id}`,
  ]);
  assert.deepEqual(cgroupPathsOfSpec(`/x/../berth//${id}`, id, MOUNTINFO)[2], `/sys/fs/cgroup/memory/berth/${id}`, "cleaned as runc cleans it");
});

it("cgroupPathsOfSpec: nothing for a path that is relative, escapes, names another container or the root, or for unreadable mountinfo", () => {
  for (const p of [`berth/${id}`, "/berth/other", `/${id}/..`, "/", "", `/berth/${id}/x`]) assert.deepEqual(cgroupPathsOfSpec(p, id, MOUNTINFO), [], p);
  assert.deepEqual(cgroupPathsOfSpec(`/../../etc/${id}`, id, MOUNTINFO)[2], `/sys/fs/cgroup/memory/etc/${id}`, "'..' stays inside each hierarchy");
  assert.deepEqual(cgroupPathsOfSpec(`/berth/${id}`, id, "31 30 0:27 / /x - cgroup2"), [], "a malformed cgroup line");
  assert.deepEqual(cgroupPathsOfSpec(`/berth/${id}`, id, ""), []);
});

it("readStateCgroupPaths: none when runc keeps no state for the id", async () => {
  const dir = await mkdtemp(join(tmpdir(), "berth-leftover-"));
  try {
    assert.deepEqual(await readStateCgroupPaths(dir, id), []);
    await mkdir(join(dir, id));
    await writeFile(join(dir, id, "state.json"), JSON.stringify({ cgroup_paths: { memory: `/sys/fs/cgroup/memory/berth/${id}` } }));
    assert.deepEqual(await readStateCgroupPaths(dir, id), [`/sys/fs/cgroup/memory/berth/${id}`]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it("removeLeftoverCgroups: counts what is gone as removed, and leaves alone, at once, a directory that is not on a cgroup filesystem", async () => {
  const dir = await mkdtemp(join(tmpdir(), "berth-leftover-"));
  try {
    const empty = join(dir, "a", id);
    const full = join(dir, "b", id);
    await mkdir(empty, { recursive: true });
    await mkdir(full, { recursive: true });
    await writeFile(join(full, "cgroup.procs"), `${process.pid}\n`);
    const began = Date.now();
    const left = await removeLeftoverCgroups([empty, join(dir, "gone", id), full]);
    assert.deepEqual(left, [empty, full], "named by a state file, but not cgroups");
    assert.ok(Date.now() - began < 500, "no waiting for what is not a cgroup");
    await stat(empty);
    await stat(join(full, "cgroup.procs"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
