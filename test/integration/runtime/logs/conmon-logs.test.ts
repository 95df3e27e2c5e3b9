import assert from "node:assert/strict";
import { constants } from "node:fs";
import { access, open, readFile, rename, stat, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it, type TestContext } from "node:test";
import { readContainerLogs, type ContainerLogsOptions } from "../../../../src/runtime/logs/index.js";
import { tempDir, type TempDir } from "../../../support/temp-dir.js";
import { conmonUnsupported, createConmonContainer, type ConmonContainer } from "./conmon-fixture.js";

interface Collected {
  readonly out: { stdout: Writable; stderr: Writable };
  readonly stdout: () => string;
  readonly stderr: () => string;
}

function collect(): Collected {
  const text = { stdout: "", stderr: "" };
  const make = (k: "stdout" | "stderr"): Writable => new Writable({
    write(chunk: Buffer, _enc, cb) {
      text[k] += chunk.toString();
      cb();
    },
  });
  return { out: { stdout: make("stdout"), stderr: make("stderr") }, stdout: () => text.stdout, stderr: () => text.stderr };
}

async function logs(c: ConmonContainer, opts: ContainerLogsOptions = {}): Promise<Collected> {
  const s = collect();
  await readContainerLogs(c.logPath, opts, s.out);
  return s;
}

// Real conmon 2.1.6 + runc running busybox: conmon's k8s-file log read back by readContainerLogs.
describe("container logs under conmon (as root)", () => {
  let tmp: TempDir | undefined;
  const containers: ConmonContainer[] = [];
  const why = conmonUnsupported();
  before(async () => {
    if (why === undefined) tmp = await tempDir("berth-lg-");
  });
  after(async () => {
    for (const c of containers) await c.remove().catch((e: unknown) => console.error(`remove ${c.id}: ${String(e)}`));
    await tmp?.remove();
  });
  const create = async (t: TestContext, id: string, script: string, logSizeMax?: number): Promise<ConmonContainer | undefined> => {
    if (why !== undefined) {
      t.skip(why);
      return undefined;
    }
    assert.ok(tmp);
    const c = await createConmonContainer(tmp.path, id, script, logSizeMax === undefined ? {} : { logSizeMax });
    containers.push(c);
    return c;
  };

  it("stdout and stderr come back apart, a half-flushed line joined, and the exit file holds the code", async (t) => {
    const c = await create(t, "both", "echo out-1; echo err-1 >&2; printf 'no newline'; /bin/busybox sleep 0.3; echo ' then end'; echo err-2 >&2; exit 3");
    if (!c) return;
    await c.start();
    assert.equal(await c.waitExit(), 3);
    const raw = await readFile(c.logPath, "utf8");
    assert.match(raw, /^\S+ stdout P no newline$/m, `conmon wrote the unfinished line as a P entry:\n${raw}`);
    const s = await logs(c);
    assert.equal(s.stdout(), "out-1\nno newline then end\n");
    assert.equal(s.stderr(), "err-1\nerr-2\n");
    const ts = await logs(c, { timestamps: true, tail: 1 });
    assert.match(ts.stderr(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z err-2\n$/);
    assert.equal(ts.stdout(), "");
  });

  it("follow reads while the container runs and ends, drained, when it exits", async (t) => {
    const c = await create(t, "follow", "i=0; while [ $i -lt 40 ]; do echo out-$i; echo err-$i >&2; i=$((i+1)); /bin/busybox sleep 0.02; done; printf 'last words'");
    if (!c) return;
    const s = collect();
    const exited = c.waitExit();
    const reading = readContainerLogs(c.logPath, { follow: true, stop: exited, pollIntervalMs: 100 }, s.out);
    await c.start();
    assert.equal(await exited, 0);
    await reading;
    const want = (k: string): string => Array.from({ length: 40 }, (_, i) => `${k}-${i}\n`).join("");
    assert.equal(s.stdout(), `${want("out")}last words`);
    assert.equal(s.stderr(), want("err"));
  });

  it("at --log-size-max conmon renames a fresh file over the log (old one kept intact, not truncated); follow goes on", async (t) => {
    const lines = 200;
    const c = await create(t, "sized", `i=0; while [ $i -lt ${lines} ]; do printf 'line-%03d\\n' $i; i=$((i+1)); /bin/busybox sleep 0.01; done`, 2048);
    if (!c) return;
    // Hold the first file open: its inode stays ours whatever conmon does with the path.
    const first: FileHandle = await open(c.logPath, "r");
    try {
      const firstIno = (await first.stat()).ino;
      const s = collect();
      const exited = c.waitExit();
      const reading = readContainerLogs(c.logPath, { follow: true, stop: exited, pollIntervalMs: 100 }, s.out);
      await c.start();
      assert.equal(await exited, 0);
      await reading;
      assert.equal(s.stdout(), Array.from({ length: lines }, (_, i) => `line-${String(i).padStart(3, "0")}\n`).join(""), "follow lost or repeated lines");

      const now = await stat(c.logPath);
      assert.notEqual(now.ino, firstIno, "the path names another file: conmon replaced it");
      assert.ok(now.size <= 2048, `the log is ${now.size} bytes, above the limit`);
      const current = await readFile(c.logPath, "utf8");
      assert.doesNotMatch(current, /line-000/, "the first lines are gone from the log");
      const old = (await first.readFile()).toString();
      assert.match(old, /^\S+ stdout F line-000\n/, "the replaced file still starts with the first line");
      assert.ok(old.length <= 2048 && old.endsWith("\n"), `the replaced file holds ${old.length} bytes of whole entries`);
      await assert.rejects(access(`${c.logPath}.tmp`), "no temp file left behind");
      const after = await logs(c);
      assert.equal(after.stdout().split("\n").at(-2), `line-${lines - 1}`);
    } finally {
      await first.close();
    }
  });

  it("berth can keep the previous file itself: rename the log, then ask conmon to reopen it (ctl message 2)", async (t) => {
    const lines = 60;
    const c = await create(t, "rotate", `i=0; while [ $i -lt ${lines} ]; do echo line-$i; i=$((i+1)); /bin/busybox sleep 0.02; done`);
    if (!c) return;
    const s = collect();
    const exited = c.waitExit();
    const reading = readContainerLogs(c.logPath, { follow: true, stop: exited, pollIntervalMs: 100 }, s.out);
    await c.start();
    for (let i = 0; i < 100 && !s.stdout().includes("line-20\n"); i++) await new Promise((r) => setTimeout(r, 20));
    await rename(c.logPath, `${c.logPath}.1`);
    // O_NONBLOCK: with conmon gone there is no reader and a plain open of the FIFO would block for ever (ENXIO instead).
    const ctl = await open(join(c.bundle, "ctl"), constants.O_WRONLY | constants.O_NONBLOCK);
    try {
      await ctl.write("2 0 0\n");
    } finally {
      await ctl.close();
    }
    assert.equal(await exited, 0);
    await reading;
    const want = Array.from({ length: lines }, (_, i) => `line-${i}\n`).join("");
    assert.equal(s.stdout(), want, "follow went on from the renamed file to the reopened one");
    const previous = collect();
    await readContainerLogs(`${c.logPath}.1`, {}, previous.out);
    const current = await logs(c);
    assert.equal(previous.stdout() + current.stdout(), want, "the two files hold every line once");
    assert.ok(previous.stdout().length > 0 && current.stdout().length > 0);
  });
});
