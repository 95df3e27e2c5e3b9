import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { childrenNamed, identityOf, memAvailableKiB, memoryOf, procField } from "./proc-memory.js";

const cases: { name: string; text: string; field: string; want?: number; expectErr?: RegExp }[] = [
  { name: "kB line", text: "Rss:                2084 kB\nPss:                1039 kB\n", field: "Pss", want: 1039 },
  { name: "tab, no unit", text: "Name:\tconmon\nPPid:\t1\n", field: "PPid", want: 1 },
  { name: "first match wins, prefix of another field does not", text: "Pss_Anon: 5 kB\nPss: 7 kB\n", field: "Pss", want: 7 },
  { name: "missing", text: "Rss: 1 kB\n", field: "Pss", expectErr: /f: no numeric Pss field$/ },
  { name: "negative", text: "Pss: -5 kB\n", field: "Pss", expectErr: /no numeric Pss field \(got "Pss: -5 kB"\)/ },
  { name: "not a number", text: "Pss: lots kB\n", field: "Pss", expectErr: /no numeric Pss field/ },
  { name: "trailing junk", text: "Pss: 5 kB; rm -rf /\n", field: "Pss", expectErr: /no numeric Pss field/ },
  { name: "too many digits", text: `Pss: ${"9".repeat(40)} kB\n`, field: "Pss", expectErr: /no numeric Pss field/ },
  { name: "not believable", text: "Pss: 999999999999999 kB\n", field: "Pss", expectErr: /Pss 999999999999999 is not believable/ },
  { name: "empty file", text: "", field: "MemAvailable", expectErr: /no numeric MemAvailable field/ },
];

for (const c of cases) {
  test(`procField: ${c.name}`, () => {
    if (c.expectErr) assert.throws(() => procField(c.text, c.field, "f"), c.expectErr);
    else assert.equal(procField(c.text, c.field, "f"), c.want);
  });
}

test("identityOf and memoryOf: this process, read from /proc", async () => {
  const me = await identityOf(process.pid);
  assert.equal(me.comm, "node");
  assert.equal(me.ppid, process.ppid);
  const mem = await memoryOf(process.pid);
  assert.ok(mem.rssKiB > 1024, `node has more than 1 MiB resident, got ${mem.rssKiB} KiB`);
  assert.ok(mem.pssKiB > 0 && mem.pssKiB <= mem.rssKiB, `0 < PSS ${mem.pssKiB} <= RSS ${mem.rssKiB}`);
  assert.ok((await memAvailableKiB()) > 0);
});

test("identityOf and memoryOf: bad and vanished pids throw instead of reading as 0", async () => {
  for (const pid of [0, -1, 1.5, Number.NaN]) {
    await assert.rejects(identityOf(pid), /not a process id/);
    await assert.rejects(memoryOf(pid), /not a process id/);
  }
  const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
  await once(child, "exit");
  await assert.rejects(identityOf(child.pid!), /ENOENT/);
});

test("childrenNamed: finds a child by its kernel name, not others", async () => {
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  try {
    await once(child, "spawn");
    // exec of sleep may lag the spawn event a little; bounded wait.
    for (let i = 0; i < 50 && (await identityOf(child.pid!)).comm !== "sleep"; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await childrenNamed(process.pid, "sleep"), [child.pid]);
    assert.deepEqual(await childrenNamed(process.pid, "containerd"), []);
  } finally {
    child.kill("SIGKILL");
  }
});
