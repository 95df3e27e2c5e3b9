import assert from "node:assert/strict";
import { createReadStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it, type TestContext } from "node:test";
import { copyFromContainer, copyToContainer } from "../../../../src/runtime/copy/index.js";
import { readContainerLogs } from "../../../../src/runtime/logs/index.js";
import { findTool } from "../../../support/require-root.js";
import { run } from "../../../support/run.js";
import { tempDir, type TempDir } from "../../../support/temp-dir.js";
import { conmonUnsupported, createConmonContainer, type ConmonContainer } from "./conmon-fixture.js";

// cp against a container running under conmon + runc, checked from inside it and by GNU tar.
describe("cp with a running container (as root)", () => {
  let tmp: TempDir | undefined;
  const containers: ConmonContainer[] = [];
  const why = conmonUnsupported() ?? (findTool("tar") === undefined ? "needs GNU tar (apt-get install tar)" : undefined);
  before(async () => {
    if (why === undefined) tmp = await tempDir("berth-cp-");
  });
  after(async () => {
    for (const c of containers) await c.remove().catch((e: unknown) => console.error(`remove ${c.id}: ${String(e)}`));
    await tmp?.remove();
  });
  const skip = (t: TestContext): boolean => {
    if (why !== undefined) t.skip(why);
    return why !== undefined;
  };

  it("a file copied in is seen by the container; a file it writes is copied out", async (t) => {
    if (skip(t) || !tmp) return;
    // /tmp/go is copied after in.txt: a copy is not atomic, so in.txt alone could be seen half-written.
    const script = "i=0; while [ ! -f /tmp/go ] && [ $i -lt 200 ]; do /bin/busybox sleep 0.05; i=$((i+1)); done; "
      + "/bin/busybox cat /tmp/in.txt; /bin/busybox tr a-z A-Z < /tmp/in.txt > /tmp/out.txt; /bin/busybox stat -c '%a %u:%g' /tmp/in.txt";
    const c = await createConmonContainer(tmp.path, "cp1", script);
    containers.push(c);
    await c.start();
    const host = join(tmp.path, "host");
    await mkdir(host);
    await writeFile(join(host, "in.txt"), "hello from the host\n", { mode: 0o604 });
    await copyToContainer(join(c.bundle, "rootfs"), "/tmp/in.txt", join(host, "in.txt"));
    await writeFile(join(host, "go"), "");
    await copyToContainer(join(c.bundle, "rootfs"), "/tmp/", join(host, "go"));
    assert.equal(await c.waitExit(), 0);
    let text = "";
    await readContainerLogs(c.logPath, {}, {
      stdout: new Writable({ write: (b: Buffer, _e, cb) => ((text += b.toString()), cb()) }),
      stderr: new Writable({ write: (_b, _e, cb) => cb() }),
    });
    assert.equal(text, `hello from the host\n604 ${process.getuid?.()}:${process.getgid?.()}\n`);
    await copyFromContainer(join(c.bundle, "rootfs"), "/tmp/out.txt", host);
    assert.equal(await readFile(join(host, "out.txt"), "utf8"), "HELLO FROM THE HOST\n");
  });

  it("GNU tar reads what `cp … -` writes, and cp reads what GNU tar writes", async (t) => {
    if (skip(t) || !tmp) return;
    const rootfs = join(tmp.path, "plain-rootfs");
    await mkdir(join(rootfs, "srv", "site"), { recursive: true });
    await writeFile(join(rootfs, "srv", "site", "index.html"), "<h1>hi</h1>\n");
    const out = join(tmp.path, "site.tar");
    const chunks: Buffer[] = [];
    await copyFromContainer(rootfs, "/srv/site", new Writable({ write: (b: Buffer, _e, cb) => (chunks.push(b), cb()) }));
    await writeFile(out, Buffer.concat(chunks));
    const listed = await run("tar", ["-tvf", out], { timeoutMs: 30_000 });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /site\/index\.html/);

    const made = join(tmp.path, "gnu");
    await mkdir(join(made, "docs"), { recursive: true });
    await writeFile(join(made, "docs", "a.md"), "# a\n");
    const raw = await run("tar", ["-cf", join(tmp.path, "gnu.tar"), "-C", made, "docs"], { timeoutMs: 30_000 });
    assert.equal(raw.code, 0, raw.stderr);
    await copyToContainer(rootfs, "/srv", createReadStream(join(tmp.path, "gnu.tar")));
    assert.equal(await readFile(join(rootfs, "srv", "docs", "a.md"), "utf8"), "# a\n");
  });
});
