// exec without -i/-t as docker's: it ends with its command, and what the command leaves running lives on.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { describeResult } from "../../../support/run.js";
import { RUN_CLI } from "../runtime-fixture.js";
import { IMAGE, useSession } from "./berth-session.js";

/** How a `berth exec` started by {@link startBerth} went, decided at its exit, not when its pipes close. */
interface Exited {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly ms: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/**
 * `berth --root ROOT ARGS…` as a child, settled at its *exit* (or killed
 * after `killAfterMs`): a process left behind in the container may hold
 * the pipes berth passed on for far longer, which `run` would wait for.
 * `onStdout` sees each chunk as it comes.
 */
function startBerth(root: string, args: readonly string[], killAfterMs: number, onStdout?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Exited> {
  const started = Date.now();
  const child = spawn(process.execPath, [RUN_CLI, "--root", root, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const out: Buffer[] = [];
  let err = "";
  let seen = "";
  child.stdout.on("data", (b: Buffer) => {
    out.push(b);
    seen += b.toString("utf8");
    onStdout?.(seen, child);
  });
  child.stderr.on("data", (b: Buffer) => void (err += b.toString("utf8")));
  const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      // What was written before the exit is in the pipe already: one turn to read it.
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        resolve({ code, signal, ms: Date.now() - started, stdout: Buffer.concat(out), stderr: err });
      }, 100);
    });
  });
}

const told = (r: Exited): string => `exit ${r.code ?? r.signal} after ${r.ms} ms\n--- stdout\n${r.stdout.toString("utf8")}--- stderr\n${r.stderr}`;

describe("exec without -i/-t: the command's end, its output, what it leaves behind (conmon --exec)", () => {
  const session = useSession();

  it("a background process that keeps exec's output ends nothing: exec returns (docker: after 2 s), the process lives on in top and ps", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "keeper");
    await s.detached(["--name", "keeper", "--network", "none", IMAGE, "/bin/busybox", "sleep", "300"]);
    const r = await startBerth(s.root, ["exec", "keeper", "/bin/sh", "-c", "/bin/busybox sleep 271 & exit 3"], 20_000);
    assert.equal(r.code, 3, told(r));
    assert.ok(r.ms < 8_000, `exec took ${r.ms} ms: it waited for the background process\n${told(r)}`);
    const quiet = await startBerth(s.root, ["exec", "keeper", "/bin/sh", "-c", "/bin/busybox sleep 272 >/dev/null 2>&1 &"], 20_000);
    assert.equal(quiet.code, 0, told(quiet));
    // Against the held case on the same machine: a whole CLI run's time varies with the load, the 2 s wait does not.
    assert.ok(quiet.ms < r.ms - 1_000, `exec took ${quiet.ms} ms though nothing held its output (${r.ms} ms when something did)`);
    // Still there a while after the exec ended.
    await new Promise((r) => setTimeout(r, 1_000));
    const top = await s.ok(["top", "keeper"]);
    for (const left of ["sleep 271", "sleep 272"]) assert.match(top, new RegExp(left), `top:\n${top}`);
    const ps = await s.ok(["exec", "keeper", "/bin/busybox", "ps"]);
    for (const left of ["sleep 271", "sleep 272"]) assert.match(ps, new RegExp(left), `ps:\n${ps}`);
  });

  it("output comes complete and in order, also what the background writes before exec returns; /dev/stdout opens; nothing left in the container dir", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "talker");
    const id = await s.detached(["--name", "talker", "--network", "none", IMAGE, "/bin/busybox", "sleep", "300"]);
    // The background writes 0.1 s in, well inside exec's 2 s wait for it however slow the start.
    const script = "echo first; (/bin/busybox sleep 0.1; echo late; echo late-err >&2; exec /bin/busybox sleep 273) & echo second; echo to-stderr >&2; echo via-dev > /dev/stdout";
    const r = await startBerth(s.root, ["exec", "talker", "/bin/sh", "-c", script], 20_000);
    assert.equal(r.code, 0, told(r));
    assert.equal(r.stdout.toString("utf8"), "first\nsecond\nvia-dev\nlate\n", told(r));
    assert.equal(r.stderr, "to-stderr\nlate-err\n", told(r));
    assert.ok(r.ms < 8_000, told(r));
    // A large output, byte for byte (busybox is 1-2 MB), with backpressure through berth's pipes.
    const big = await startBerth(s.root, ["exec", "talker", "/bin/busybox", "cat", "/bin/busybox"], 30_000);
    assert.equal(big.code, 0, told(big));
    const inContainer = await s.ok(["exec", "talker", "/bin/busybox", "md5sum", "/bin/busybox"]);
    assert.equal(createHash("md5").update(big.stdout).digest("hex"), inContainer.split(" ")[0], "cat's output differs from the file");
    const lines = await s.ok(["exec", "talker", "/bin/sh", "-c", "i=0; while [ $i -lt 5000 ]; do echo line$i; i=$((i+1)); done"]);
    assert.deepEqual(lines.split("\n").slice(0, -1), Array.from({ length: 5000 }, (_, i) => `line${i}`));
    const left = await readdir(join(s.root, "containers", id));
    assert.deepEqual(left.filter((f) => f.startsWith("exec-")), [], "exec files left in the container dir");
  });

  it("exit codes: the command's, 128+N for a signal, 126 (not found too, as docker's exec) with runc's message told once", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "codes");
    await s.detached(["--name", "codes", "--network", "none", IMAGE, "/bin/busybox", "sleep", "300"]);
    for (const [script, code] of [["exit 0", 0], ["exit 3", 3], ["kill -9 $$", 137]] as const) {
      const r = await s.berth(["exec", "codes", "/bin/sh", "-c", script]);
      assert.equal(r.code, code, `${script}: ${describeResult(r)}`);
      assert.equal(r.stderr, "", `${script}: ${describeResult(r)}`);
    }
    for (const [cmd, code, said] of [["/no/such/program", 126, /no such file or directory/g], ["/etc/passwd", 126, /permission denied/g]] as const) {
      const r = await s.berth(["exec", "codes", cmd]);
      assert.equal(r.code, code, describeResult(r));
      assert.equal(r.stdout, "");
      assert.equal(r.stderr.match(said)?.length, 1, `told other than once:\n${r.stderr}`);
      assert.match(r.stderr, /^berth: container [0-9a-f]{12}: exec failed: /);
    }
  });

  it("exec -d: 0 at once, the command runs on with its output dropped; one that cannot start: 126, told once", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "detach");
    const id = await s.detached(["--name", "detach", "--network", "none", IMAGE, "/bin/busybox", "sleep", "300"]);
    const r = await startBerth(s.root, ["exec", "-d", "detach", "/bin/sh", "-c", "echo dropped; echo dropped >&2; exec /bin/busybox sleep 274"], 20_000);
    assert.equal(r.code, 0, told(r));
    assert.equal(r.stdout.length + r.stderr.length, 0, told(r));
    assert.ok(r.ms < 5_000, told(r));
    assert.match(await s.ok(["exec", "detach", "/bin/busybox", "ps"]), /sleep 274/);
    const missing = await s.berth(["exec", "-d", "detach", "/no/such/program"]);
    assert.equal(missing.code, 126, describeResult(missing));
    assert.equal(missing.stderr.match(/no such file or directory/g)?.length, 1, missing.stderr);
    assert.deepEqual((await readdir(join(s.root, "containers", id))).filter((f) => f.startsWith("exec-")), [], "exec files left in the container dir");
  });

  it("a reader that goes away (| head -1): berth ends, so does the command at its next write, and exec leaves no files", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "reader");
    const id = await s.detached(["--name", "reader", "--network", "none", IMAGE, "/bin/busybox", "sleep", "300"]);
    const r = await startBerth(s.root, ["exec", "reader", "/bin/sh", "-c", "while :; do echo endless-writer; done"], 20_000, (_seen, child) => child.stdout?.destroy());
    assert.ok(r.ms < 8_000, told(r));
    await new Promise((done) => setTimeout(done, 500));
    assert.doesNotMatch(await s.ok(["exec", "reader", "/bin/busybox", "ps"]), /endless-writer|while/);
    assert.deepEqual((await readdir(join(s.root, "containers", id))).filter((f) => f.startsWith("exec-")), [], "exec files left in the container dir");
  });

  it("SIGTERM and SIGINT to berth reach the command, which decides the exit code", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "signals");
    await s.detached(["--name", "signals", "--network", "none", IMAGE, "/bin/busybox", "sleep", "300"]);
    for (const [signal, code] of [["SIGTERM", 9], ["SIGINT", 8]] as const) {
      const script = `trap 'echo got-${signal}; exit ${code}' ${signal.slice(3)}; echo ready; while :; do /bin/busybox sleep 0.1; done`;
      let sent = false;
      const r = await startBerth(s.root, ["exec", "signals", "/bin/sh", "-c", script], 20_000, (seen, child) => {
        if (!sent && seen.includes("ready\n")) {
          sent = true;
          child.kill(signal);
        }
      });
      assert.equal(r.code, code, told(r));
      assert.equal(r.stdout.toString("utf8"), `ready\ngot-${signal}\n`, told(r));
    }
  });
});
