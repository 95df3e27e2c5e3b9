import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { access, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { releaseCreated } from "./exec-fifo.js";

// runc's side of the handshake played by a shell: it opens exec.fifo for writing (blocking until a
// reader comes), writes one byte, then goes on, as runc's init does before it execs the program.
describe("releaseCreated", () => {
  let state = "";
  before(async () => {
    state = await mkdtemp(join(tmpdir(), "berth-fifo-"));
  });
  after(async () => {
    await rm(state, { recursive: true, force: true });
  });
  const fifoFor = async (id: string): Promise<string> => {
    await mkdir(join(state, id));
    const fifo = join(state, id, "exec.fifo");
    execFileSync("mkfifo", ["-m", "0622", fifo]);
    return fifo;
  };
  const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

  it("lets the waiting process go on and deletes the fifo, as runc start does", async () => {
    const fifo = await fifoFor("a");
    const mark = join(state, "a", "started");
    const init = spawn("/bin/sh", ["-c", 'printf 0 > "$1"; echo yes > "$2"; sleep 5', "sh", fifo, mark], { stdio: "ignore" });
    try {
      assert.equal(await releaseCreated(state, "a", init.pid!), true);
      assert.equal(await exists(fifo), false);
      for (let i = 0; i < 100 && !(await exists(mark)); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await readFile(mark, "utf8"), "yes\n");
    } finally {
      init.kill("SIGKILL");
    }
  });

  it("says false and does nothing when the runtime left no fifo", async () => {
    assert.equal(await releaseCreated(state, "no-such-container", process.pid), false);
  });

  it("rejects when the process ends before it writes", async () => {
    const fifo = await fifoFor("b");
    const init = spawn("/bin/sh", ["-c", "exit 1"], { stdio: "ignore" });
    await new Promise((r) => init.once("exit", r));
    await assert.rejects(releaseCreated(state, "b", init.pid!), /ended before it was started/);
    assert.equal(await exists(fifo), true);
  });
});
