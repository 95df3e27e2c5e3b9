import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { cgroupUsageReader } from "./container-usage-reader.js";

// Cgroup trees of both kinds written under a temp dir, and a mountinfo that mounts them there: the real reader
// (findCgroup + readCgroupStats) reads files laid out as the kernel lays them out. This host is v1; v2 is checked here.

const MIB = 1024 * 1024;
const ID = "c0ffee".padEnd(64, "0");

describe("cgroupUsageReader", () => {
  let root = "";
  const write = async (dir: string, files: Record<string, string>): Promise<void> => {
    await mkdir(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  };
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "berth-cgu-"));
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it("v2 (unified): usage_usec in ns, memory.current minus inactive_file", async () => {
    const mount = join(root, "v2");
    await write(join(mount, "berth", ID), {
      "cgroup.procs": "42\n",
      "cpu.stat": "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n",
      "memory.current": `${100 * MIB}\n`,
      "memory.stat": `anon ${70 * MIB}\nfile ${30 * MIB}\ninactive_file ${20 * MIB}\n`,
      "memory.max": "max\n",
    });
    const read = cgroupUsageReader({ readMountinfo: async () => `26 22 0:23 / ${mount} rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n` });
    assert.deepEqual(await read(ID), { cpuNs: 1.5e9, memoryBytes: 80 * MIB });
    await assert.rejects(read("f".repeat(64)), (e) => isBerthError(e, "NOT_FOUND"));
  });

  it("v1 (hybrid): cpuacct.usage, usage_in_bytes minus total_inactive_file", async () => {
    const mount = join(root, "v1");
    await write(join(mount, "memory", "berth", ID), {
      "memory.usage_in_bytes": `${64 * MIB}\n`,
      "memory.stat": `cache ${10 * MIB}\ntotal_inactive_file ${4 * MIB}\n`,
      "memory.limit_in_bytes": "9223372036854771712\n",
    });
    await write(join(mount, "cpu,cpuacct", "berth", ID), { "cpuacct.usage": "123456789\n" });
    const mountinfo = [
      `30 22 0:27 / ${mount} rw,relatime - tmpfs tmpfs rw,mode=755`,
      `31 30 0:28 / ${mount}/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct`,
      `32 30 0:29 / ${mount}/memory rw,relatime - cgroup cgroup rw,memory`,
    ].join("\n");
    const read = cgroupUsageReader({ readMountinfo: async () => mountinfo });
    assert.deepEqual(await read(ID), { cpuNs: 123456789, memoryBytes: 60 * MIB });
    await assert.rejects(read("f".repeat(64)), (e) => isBerthError(e, "NOT_FOUND"));
  });

  it("a file not in the kernel's format is an error that is not NOT_FOUND (the sampler reports it)", async () => {
    const mount = join(root, "junk");
    await write(join(mount, "berth", ID), { "cgroup.procs": "", "cpu.stat": "usage_usec lots\n", "memory.current": "\u0000\u0001\n" });
    const read = cgroupUsageReader({ readMountinfo: async () => `26 22 0:23 / ${mount} rw shared:4 - cgroup2 cgroup2 rw\n` });
    await assert.rejects(read(ID), (e) => isBerthError(e) && !isBerthError(e, "NOT_FOUND"));
  });

  it("mountinfo is read once, not per container", async () => {
    let reads = 0;
    const mount = join(root, "v2");
    const read = cgroupUsageReader({ readMountinfo: async () => (reads++, `26 22 0:23 / ${mount} rw shared:4 - cgroup2 cgroup2 rw\n`) });
    for (let i = 0; i < 5; i++) await read(ID);
    assert.equal(reads, 1);
  });
});
