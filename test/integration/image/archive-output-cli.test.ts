// Where berth save, push and copy write archives: a path that cannot take
// one fails with berth's error naming it (never Node's crash or a hang), a
// symlink or FIFO is refused rather than replaced, as docker save refuses
// them, and save/load speak standard output and input as docker's do.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { lstat, open, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BERTH_BIN, berth } from "../../support/berth-server.js";
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

  /** berth with its standard output going to `file` (run() would decode it as text). */
  async function berthToFile(args: readonly string[], file: string): Promise<number | null> {
    const fh = await open(file, "w");
    try {
      const child = spawn(process.execPath, [BERTH_BIN, "--root", root, ...args], { stdio: ["ignore", fh.fd, "inherit"], timeout: 60_000 });
      const [code] = (await once(child, "close")) as [number | null];
      return code;
    } finally {
      await fh.close();
    }
  }

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

  it("save without -o writes to standard output, and load reads standard input without -i or with -i -", async () => {
    for (const format of ["docker", "oci"]) {
      const viaFile = join(tmp.path, `file-${format}.tar`);
      const viaStdout = join(tmp.path, `stdout-${format}.tar`);
      assertSucceeded(await b(["save", "--format", format, "-o", viaFile, IMAGE]));
      assert.equal(await berthToFile(["save", "--format", format, IMAGE], viaStdout), 0);
      assert.ok((await readFile(viaStdout)).equals(await readFile(viaFile)), `${format}: the same archive either way`);
    }
    const archive = await readFile(join(tmp.path, "stdout-docker.tar"));
    for (const args of [["load"], ["load", "-i", "-"]]) {
      const fresh = join(tmp.path, `root-${args.length}`);
      const r = assertSucceeded(await berth(["--root", fresh, ...args], { input: archive, timeoutMs: 60_000 }));
      assert.match(r.stdout, /Loaded image: docker\.io\/fixture\/busybox:1/, args.join(" "));
    }
  });

  it("save refuses a terminal for its output and load for its input, as docker does", async (t) => {
    if (missingTools(["script"]).length > 0) return t.skip("needs script(1) for a terminal: apt-get install bsdutils");
    /** berth in a terminal (script's pty): its exit code, and what it wrote there. */
    const inTerminal = (args: string): { code: number | null; output: string } => {
      try {
        // -e: script exits with the command's code.
        const out = execFileSync("script", ["-eqc", `${process.execPath} ${BERTH_BIN} --root ${root} ${args}`, "/dev/null"], { timeout: 60_000 });
        return { code: 0, output: out.toString() };
      } catch (e) {
        const err = e as { status: number | null; stdout: Buffer };
        return { code: err.status, output: err.stdout.toString() };
      }
    };
    const save = inTerminal(`save ${IMAGE}`);
    assert.equal(save.code, 1, save.output);
    assert.match(save.output, /cowardly refusing to save to a terminal/);
    const load = inTerminal("load");
    assert.equal(load.code, 1, load.output);
    assert.match(load.output, /requested load from stdin, but stdin is a terminal/);
  });

  it("push to oci: under /proc fails at once instead of looping in mkdir", async () => {
    const r = await berth(["--root", root, "push", IMAGE, "oci:/proc/berth-no-such/layout"], { timeoutMs: 30_000 });
    assert.equal(r.timedOut, false, "berth push oci:/proc/… should end on its own");
    assertFailedCleanly(r, 1, /write \/proc\/berth-no-such\/layout: cannot create directory \/proc\/berth-no-such/);
  });
});
