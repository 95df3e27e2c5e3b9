import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { CgroupFormatError, CgroupNotFoundError } from "./errors.js";
import type { Cgroup } from "./find-cgroup.js";
import { readOomKilled } from "./read-oom-killed.js";

const TESTDATA = fileURLToPath(new URL("../../../../src/runtime/cgroup/testdata/", import.meta.url));
const v1 = (name: string): Cgroup => ({ version: 1, path: `/${name}`, dirs: { memory: join(TESTDATA, name, "memory") } });
const v2 = (name: string): Cgroup => ({ version: 2, path: `/${name}`, dir: join(TESTDATA, name) });

describe("readOomKilled", () => {
  const cases: readonly [string, Cgroup, boolean][] = [
    ["v1 oom_kill 0 (failcnt 0)", v1("v1"), false],
    ["v1 oom_kill 1", v1("v1-oom"), true],
    ["v1 before 4.13: no oom_kill line, failcnt 3", v1("v1-old-kernel"), true],
    ["v1 before 4.13: no oom_kill line, failcnt 0", v1("v1-old-kernel-clean"), false],
    ["v2 memory.events oom_kill 0", v2("v2"), false],
    ["v2 memory.events oom_kill 1", v2("v2-oom"), true],
    ["v2 without the memory controller", v2("v2-bare"), false],
  ];
  for (const [name, cg, want] of cases) it(name, async () => assert.equal(await readOomKilled(cg), want));

  it("throws CgroupNotFoundError once the cgroup is gone (read it before runc delete)", async () => {
    await assert.rejects(readOomKilled(v2("gone")), CgroupNotFoundError);
    await assert.rejects(readOomKilled(v1("gone")), CgroupNotFoundError);
  });

  it("throws on a negative counter, a directory that is not a memory cgroup, and no memory controller", async () => {
    await assert.rejects(readOomKilled(v1("v1-garbage")), (e) => e instanceof CgroupFormatError && /oom_control/.test(e.message));
    await assert.rejects(readOomKilled({ version: 1, path: "/v2", dirs: { memory: join(TESTDATA, "v2") } }), (e) => e instanceof CgroupFormatError && /missing/.test(e.message));
    await assert.rejects(readOomKilled({ version: 1, path: "/x", dirs: {} }), CgroupFormatError);
  });
});
