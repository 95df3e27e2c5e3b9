// Where berth save, push and copy write archives: a path that cannot take
// one fails with berth's error naming it (never Node's crash), and a symlink
// or FIFO is refused rather than replaced, as docker save refuses them.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstat, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { berth } from "../../support/berth-server.js";
import { missingTools } from "../../support/require-root.js";
import { assertSucceeded, type RunResult } from "../../support/run.js";
import { tempDir, type TempDir } from "../../support/temp-dir.js";
import { makeBusyboxDockerArchive } from "../../fixtures/make-image.js";

const missing = missingTools(["/bin/busybox", "mkfifo"]);
const skip = missing.length > 0 ? `needs ${missing.join(", ")}: apt-get install busybox-static coreutils` : false;
const IMAGE = "fixture/busybox:1";

/** berth's exit code and stderr for a failure: berth's own message, not a Node stack. */
function assertFailedCleanly(r: RunResult, code: number, message: RegExp): void {
  assert.equal(r.code, code, `${r.command.join(" ")}: ${r.stderr}`);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /node:events|Unhandled 'error'|^\s+at /m);
}

describe("berth save, push and copy: where archives go", { skip, timeout: 120_000 }, () => {
  let tmp: TempDir;
  let root: string;
  let fixture: string;
  const b = (args: readonly string[], input?: Buffer): Promise<RunResult> => berth(["--root", root, ...args], { timeoutMs: 60_000, ...(input && { input }) });

  before(async () => {
    tmp = await tempDir("berth-out-cli-");
    root = join(tmp.path, "root");
    fixture = join(tmp.path, "fixture.tar");
    await makeBusyboxDockerArchive(fixture, IMAGE);
    assertSucceeded(await b(["load", "-i", fixture]));
  });
  after(async () => tmp?.remove());

  it("save -o, push and copy into a missing directory say so, naming the path", async () => {
    const missingDir = join(tmp.path, "missing");
    assertFailedCleanly(await b(["save", "-o", join(missingDir, "x.tar"), IMAGE]), 1,
      /^berth: write .*missing\/x\.tar: invalid output path: directory .*missing does not exist\nhint: create it first/m);
    assertFailedCleanly(await b(["push", IMAGE, `docker-archive:${join(missingDir, "y.tar")}`]), 1, /write .*missing\/y\.tar: invalid output path/);
    assertFailedCleanly(await b(["copy", `docker-archive:${fixture}`, `docker-archive:${join(missingDir, "z.tar")}`]), 1, /write .*missing\/z\.tar: invalid output path/);
  });

  it("save -o refuses a symlink and a FIFO, as docker does, and leaves them as they were", async () => {
    const target = join(tmp.path, "target.tar");
    const link = join(tmp.path, "link.tar");
    await writeFile(target, "untouched");
    await symlink("target.tar", link);
    assertFailedCleanly(await b(["save", "-o", link, IMAGE]), 1, /write .*link\.tar: cannot write to a symbolic link directly/);
    assert.ok((await lstat(link)).isSymbolicLink());
    assert.equal(await readFile(target, "utf8"), "untouched");

    const fifo = join(tmp.path, "fifo");
    execFileSync("mkfifo", [fifo]);
    assertFailedCleanly(await b(["save", "-o", fifo, IMAGE]), 1, /write .*fifo: cannot write to a named pipe \(FIFO\)\nhint: .*berth save IMAGE > PATH/);
    assertFailedCleanly(await b(["save", "--format", "oci", "-o", fifo, IMAGE]), 1, /cannot write to a named pipe/);
    assert.ok((await lstat(fifo)).isFIFO());
    assert.deepEqual((await readdir(tmp.path)).filter((n) => n.endsWith(".tmp")), []);
  });
});
